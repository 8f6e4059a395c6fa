import type { Clock } from '../ports/clock';
import { ReplicaSetModel, type SimMemberConfig } from './node/replica-set-model';
import type { SimRates } from './node/workload';
import { type Simulator, type SimulatorOptions, startSimulator } from './simulator';

/**
 * Several simulators sharing one ReplicaSetModel: a replica set in one call, for tests and
 * `baleen demo`. Members are named by `me` (names that resolve only through `addressMap`, as the
 * members of a customer's set resolve only inside their network).
 */
export interface SimulatedReplicaSetOptions {
  setName: string;
  members: readonly (string | SimMemberConfig)[];
  clock?: Clock;
  /** Per-member replication lag in ms. */
  lagMs?: Readonly<Record<string, number>>;
  oplogWindowSecs?: number;
  rates?: Partial<SimRates>;
  jitter?: number;
  version?: string;
  seed?: number;
  collections?: number;
  /** Anything else for one member (faults are per simulator anyway). */
  member?: (me: string) => Partial<SimulatorOptions>;
}

export interface SimulatedReplicaSet {
  readonly model: ReplicaSetModel;
  /** me → its simulator. */
  readonly members: ReadonlyMap<string, Simulator>;
  /** me → 127.0.0.1:PORT, for an address-map dialer. */
  readonly addressMap: Readonly<Record<string, string>>;
  /** A seed list URI naming the members (resolve it through `addressMap`). */
  readonly uri: string;
  stop(): Promise<void>;
}

export async function startSimulatedReplicaSet(opts: SimulatedReplicaSetOptions): Promise<SimulatedReplicaSet> {
  const clock = opts.clock;
  const model = new ReplicaSetModel({
    setName: opts.setName,
    members: opts.members,
    ...(clock ? { clock } : {}),
    ...(opts.lagMs ? { lagMs: opts.lagMs } : {}),
    ...(opts.oplogWindowSecs !== undefined ? { oplogWindowSecs: opts.oplogWindowSecs } : {}),
  });
  const members = new Map<string, Simulator>();
  try {
    for (const me of model.hosts()) {
      members.set(
        me,
        await startSimulator({
          me,
          topology: model,
          // One seed for the set: members hold the same collections; pids still differ (they hash `me`).
          seed: opts.seed ?? 1,
          ...(clock ? { clock } : {}),
          ...(opts.rates ? { rates: opts.rates } : {}),
          ...(opts.jitter !== undefined ? { jitter: opts.jitter } : {}),
          ...(opts.version ? { version: opts.version } : {}),
          ...(opts.collections !== undefined ? { collections: opts.collections } : {}),
          ...opts.member?.(me),
        }),
      );
    }
  } catch (e) {
    await Promise.all([...members.values()].map((s) => s.stop()));
    throw e;
  }
  const addressMap = Object.fromEntries([...members].map(([me, s]) => [me, s.address]));
  let stopping: Promise<void> | undefined;
  return {
    model,
    members,
    addressMap,
    uri: `mongodb://${model.hosts().join(',')}/?replicaSet=${encodeURIComponent(opts.setName)}`,
    stop() {
      stopping ??= Promise.all([...members.values()].map((s) => s.stop())).then(() => undefined);
      return stopping;
    },
  };
}
