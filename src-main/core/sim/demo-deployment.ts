import { systemClock, type Clock, type TimerHandle } from '../ports/clock';
import { startSimulatedReplicaSet, type SimulatedReplicaSet } from './replica-set';

/**
 * The deployment `baleen demo` (and the start screen's "Try the demo") shows: a three-member replica
 * set of simulators under a workload that rises and falls, with a secondary whose lag wanders and an
 * election every few minutes, so every dashboard has something to say. Members are named under the
 * reserved `.invalid` domain: they resolve only through `addressMap`, never through DNS.
 */
export interface DemoDeploymentOptions {
  clock?: Clock;
  /** Default 180 s. */
  electionEveryMs?: number;
  /** How often the workload and lag change. Default 5 s. */
  stepMs?: number;
  seed?: number;
}

export interface DemoDeployment {
  readonly set: SimulatedReplicaSet;
  readonly setName: string;
  readonly members: readonly string[];
  readonly addressMap: Readonly<Record<string, string>>;
  readonly uri: string;
  readonly electionEveryMs: number;
  stop(): Promise<void>;
}

export const DEMO_SET = 'baleen-demo';
export const DEMO_MEMBERS = ['demo-a.baleen.invalid:27017', 'demo-b.baleen.invalid:27017', 'demo-c.baleen.invalid:27017'] as const;
const BASE = { insert: 120, query: 450, update: 60, delete: 8, getmore: 20, command: 90, transactions: 2 };

export async function startDemoDeployment(opts: DemoDeploymentOptions = {}): Promise<DemoDeployment> {
  const clock = opts.clock ?? systemClock;
  const electionEveryMs = opts.electionEveryMs ?? 180_000;
  const stepMs = opts.stepMs ?? 5000;
  const set = await startSimulatedReplicaSet({
    setName: DEMO_SET,
    members: [...DEMO_MEMBERS],
    clock,
    rates: BASE,
    seed: opts.seed ?? 4,
    oplogWindowSecs: 26 * 3600,
    lagMs: { [DEMO_MEMBERS[1]]: 400, [DEMO_MEMBERS[2]]: 2500 },
  });
  const t0 = clock.now();
  const timers: TimerHandle[] = [];
  let stopped = false;
  const every = (ms: number, fn: () => void) => {
    const tick = () => {
      if (stopped) return;
      try {
        fn();
      } finally {
        timers[slot] = clock.setTimeout(tick, ms);
      }
    };
    const slot = timers.length;
    timers.push(clock.setTimeout(tick, ms));
  };
  every(stepMs, () => {
    const t = (clock.now() - t0) / 1000;
    // A day compressed into ten minutes, plus a faster ripple: charts move, nothing is flat.
    const load = 1 + 0.55 * Math.sin((2 * Math.PI * t) / 600) + 0.15 * Math.sin((2 * Math.PI * t) / 47);
    const rates = Object.fromEntries(Object.entries(BASE).map(([k, v]) => [k, Math.max(0, v * load)]));
    for (const sim of set.members.values()) sim.setRates(rates);
    // The far secondary falls behind when the load peaks and catches up after.
    set.model.setLag(DEMO_MEMBERS[2], Math.max(0, 1500 + 6000 * Math.max(0, Math.sin((2 * Math.PI * t) / 600))));
    set.model.setLag(DEMO_MEMBERS[1], 200 + 300 * Math.abs(Math.sin(t / 13)));
  });
  every(electionEveryMs, () => {
    set.model.stepDown();
  });
  return {
    set,
    setName: DEMO_SET,
    members: [...DEMO_MEMBERS],
    addressMap: set.addressMap,
    uri: set.uri,
    electionEveryMs,
    async stop() {
      stopped = true;
      for (const t of timers) t.cancel();
      await set.stop();
    },
  };
}
