import type { MemberInfo, ReplicaSetInfo, Topology } from '../../../src-shared/contract';

function flags(m: MemberInfo): string {
  return [m.hidden ? 'hidden' : null, m.arbiter ? 'arbiter' : null, m.delaySecs ? `delayed ${m.delaySecs} s` : null, m.priority === 0 && !m.hidden && !m.arbiter ? 'priority 0' : null]
    .filter(Boolean)
    .join(', ');
}

function Members({ members, label }: { members: MemberInfo[]; label: string }) {
  return (
    <table className="topology-table" aria-label={label}>
      <thead>
        <tr>
          <th scope="col">Member</th>
          <th scope="col">State</th>
          <th scope="col">Settings</th>
        </tr>
      </thead>
      <tbody>
        {members.map((m) => (
          <tr key={m.hostPort} data-member={m.hostPort} data-state={m.state}>
            <th scope="row" className="node-link">
              {m.hostPort}
            </th>
            <td>
              <span className={`badge member-${m.state.toLowerCase()}`}>{m.state}</span>
              {m.health === 0 ? <span className="muted"> (health 0)</span> : null}
            </td>
            <td className="muted">{flags(m)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function SetView({ set, label }: { set: ReplicaSetInfo; label: string }) {
  return (
    <div className="topology-set">
      <p className="topology-title">
        {label} <span className="muted">{set.setVersion !== null ? `(config version ${set.setVersion})` : ''}</span>
      </p>
      <Members members={set.members} label={`Members of ${set.name}`} />
    </div>
  );
}

/** The deployment as last discovered: members and their states, per shard for a sharded cluster. */
export function TopologyView({ topology, name }: { topology: Topology; name: string }) {
  return (
    <details className="topology" open={topology.kind !== 'standalone'}>
      <summary>
        Topology:{' '}
        {topology.kind === 'sharded'
          ? `sharded cluster, ${topology.shards.length} shard${topology.shards.length === 1 ? '' : 's'}`
          : topology.kind === 'replicaSet'
            ? `replica set ${topology.replicaSet?.name ?? ''}`
            : topology.kind}
        <span className="muted"> · found {new Date(topology.discoveredAt).toLocaleTimeString()}</span>
      </summary>
      <section aria-label={`Topology of ${name}`}>
        {topology.kind === 'replicaSet' && topology.replicaSet ? <SetView set={topology.replicaSet} label={`Replica set ${topology.replicaSet.name}`} /> : null}
        {topology.kind === 'sharded' ? (
          <>
            <div className="topology-set">
              <p className="topology-title">Routers</p>
              <Members members={topology.members} label="mongos routers" />
            </div>
            {topology.shards.map((s) => (
              <SetView key={s.shard} set={s} label={`Shard ${s.shard} (${s.name})`} />
            ))}
            {topology.configServers ? <SetView set={topology.configServers} label={`Config servers (${topology.configServers.name})`} /> : null}
          </>
        ) : null}
        {topology.kind === 'standalone' || topology.kind === 'unknown' ? <Members members={topology.members} label={`Members of ${name}`} /> : null}
        {topology.notes.length > 0 ? (
          <ul className="topology-notes muted">
            {topology.notes.map((n) => (
              <li key={n}>{n}</li>
            ))}
          </ul>
        ) : null}
      </section>
    </details>
  );
}
