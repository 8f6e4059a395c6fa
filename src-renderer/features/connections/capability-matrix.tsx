import type { CapabilityMatrix } from '../../../src-shared/contract';

const STATE_TEXT = { available: 'on', partial: 'partly', unavailable: 'off', unsupported: 'not supported', unknown: 'unknown' } as const;
const SOURCE_TEXT = { privileges: 'from the user’s privileges', 'no-access-control': 'the server does not enforce access control', 'first-use': 'learned on first use' } as const;

/** What this user may do on a node, and which role would unlock the rest (REL-M5). */
export function CapabilityMatrixView({ matrix, node }: { matrix: CapabilityMatrix; node: string }) {
  const on = matrix.features.filter((f) => f.state === 'available').length;
  return (
    <details className="capabilities">
      <summary>
        Capabilities: {on} of {matrix.features.length} features on <span className="muted">({SOURCE_TEXT[matrix.source]})</span>
      </summary>
      <p className="muted">
        {matrix.users.length ? `Logged in as ${matrix.users.join(', ')}${matrix.roles.length ? ` with ${matrix.roles.join(', ')}` : ''}.` : 'Not logged in.'} Least role for
        monitoring: {matrix.minimumRole}.
      </p>
      <table className="capability-table" aria-label={`Capabilities on ${node}`}>
        <thead>
          <tr>
            <th scope="col">Feature</th>
            <th scope="col">State</th>
            <th scope="col">Why / what it needs</th>
          </tr>
        </thead>
        <tbody>
          {matrix.features.map((f) => (
            <tr key={f.feature} data-feature={f.feature} data-state={f.state}>
              <th scope="row">{f.label}</th>
              <td>
                <span className={`badge cap-${f.state}`}>{STATE_TEXT[f.state]}</span>
              </td>
              <td>
                {f.reason ?? `needs ${f.needs}`}
                {f.unlockRole && f.state !== 'available' ? <span className="muted"> — grant {f.unlockRole}</span> : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}
