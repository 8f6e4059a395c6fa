import { SeededRandom } from '../node/seeded-random';

/** Which commands a fault applies to: a name (a command group name covers its aliases), a list, or '*'. */
export type CommandMatcher = string | readonly string[];

export interface FaultOptions {
  /** Apply to this many commands, then clear itself. Default: until cleared. */
  times?: number;
  /**
   * A command carrying maxTimeMS fails with MaxTimeMSExpired (code 50) when the wait outlasts it, as a
   * slow operation on a real server does. Default: true for delay (a slow op), false for hang (a stall).
   */
  honorMaxTimeMS?: boolean;
}

export interface FaultHandle {
  readonly id: number;
  readonly kind: 'delay' | 'hang' | 'garbage' | 'fail';
  /** Remove the fault; commands held by a hang are released and answered. */
  clear(): void;
}

/** What the dispatcher must do to one command before (or instead of) answering it. */
export interface FaultPlan {
  /** Resolves when every hang that caught the command is cleared. */
  hold: Promise<void> | undefined;
  delayMs: number;
  /** Whether maxTimeMS cuts the wait short (every delaying or holding fault must agree). */
  honorMaxTimeMS: boolean;
  /** Bytes to write instead of the reply. */
  garbage: Uint8Array | undefined;
  /** A server error to answer instead of running the command. */
  failure: InjectedFailure | undefined;
}

/** A command error as a server sends it (e.g. 91 ShutdownInProgress, 189 PrimarySteppedDown, 13 Unauthorized). */
export interface InjectedFailure {
  code: number;
  codeName: string;
  errmsg?: string;
  errorLabels?: string[];
}

/** Socket-level control the fault knobs need; implemented by the wire server. */
export interface ConnectionControl {
  /** RST every open connection now; returns how many. */
  resetAll(): number;
  refuse(mode: RefuseMode): Promise<void>;
  accept(): Promise<void>;
}

/**
 * 'close-listener': stop listening, so connects get ECONNREFUSED (a process that is down).
 * 'reset': keep listening but reset each new connection at once (a proxy or firewall that kills it).
 */
export type RefuseMode = 'close-listener' | 'reset';

interface Fault {
  id: number;
  kind: FaultHandle['kind'];
  names: ReadonlySet<string> | '*';
  remaining: number;
  honorMaxTimeMS: boolean;
  delayMs: number;
  garbageBytes: number;
  failure: InjectedFailure | undefined;
  release: Promise<void>;
  resolveRelease: () => void;
}

/**
 * The fault knobs of one simulator. Faults match commands by name; `clear()` (or `clearAll()`)
 * removes them and releases held commands, which are then answered normally.
 */
export class FaultController {
  private readonly faults = new Map<number, Fault>();
  private nextId = 1;
  private readonly rnd: SeededRandom;
  private control: ConnectionControl | undefined;

  constructor(seed = 1) {
    this.rnd = new SeededRandom(seed ^ 0xfa017);
  }

  /** Wired by the simulator once its server exists. */
  attach(control: ConnectionControl): void {
    this.control = control;
  }

  /** Answer matching commands only after `ms` more milliseconds (on the simulator's clock). */
  delay(match: CommandMatcher, ms: number, opts: FaultOptions = {}): FaultHandle {
    if (!(Number.isFinite(ms) && ms >= 0)) throw new RangeError(`delay must be a finite number of ms ≥ 0, got ${ms}`);
    return this.add('delay', match, opts, { delayMs: ms });
  }

  /** Never answer matching commands until this fault is cleared (or the connection closes). */
  hang(match: CommandMatcher, opts: FaultOptions = {}): FaultHandle {
    return this.add('hang', match, opts, {});
  }

  /** Answer matching commands with `bytes` random bytes instead of a reply. */
  garbage(match: CommandMatcher, opts: FaultOptions & { bytes?: number } = {}): FaultHandle {
    const bytes = opts.bytes ?? 64;
    if (!Number.isInteger(bytes) || bytes < 1 || bytes > 1 << 20) throw new RangeError(`garbage bytes must be an integer in [1, 1 MiB], got ${bytes}`);
    return this.add('garbage', match, opts, { garbageBytes: bytes });
  }

  /** Answer matching commands with this server error instead of running them. */
  fail(match: CommandMatcher, failure: InjectedFailure, opts: FaultOptions = {}): FaultHandle {
    if (!Number.isInteger(failure.code)) throw new RangeError(`error code must be an integer, got ${failure.code}`);
    if (typeof failure.codeName !== 'string' || failure.codeName === '') throw new RangeError('an injected failure needs a codeName');
    return this.add('fail', match, opts, { failure: { ...failure } });
  }

  clearAll(): void {
    for (const f of [...this.faults.values()]) this.remove(f);
  }

  /** Active faults, for diagnostics. */
  active(): { id: number; kind: FaultHandle['kind'] }[] {
    return [...this.faults.values()].map((f) => ({ id: f.id, kind: f.kind }));
  }

  /** Reset (RST) every open connection now; returns how many were dropped. */
  dropConnections(): number {
    return this.requireControl().resetAll();
  }

  /** Refuse new connections until acceptConnections(). Open connections are left alone. */
  refuseConnections(mode: RefuseMode = 'close-listener'): Promise<void> {
    return this.requireControl().refuse(mode);
  }

  acceptConnections(): Promise<void> {
    return this.requireControl().accept();
  }

  /** Decide what happens to one command. `names` are the name sent, the canonical name and its group. */
  plan(names: readonly string[]): FaultPlan {
    const holds: Promise<void>[] = [];
    let delayMs = 0;
    let garbage: Uint8Array | undefined;
    let failure: InjectedFailure | undefined;
    let honorMaxTimeMS = true;
    for (const f of [...this.faults.values()]) {
      if (!matches(f, names)) continue;
      if (f.kind === 'hang' || f.kind === 'delay') honorMaxTimeMS &&= f.honorMaxTimeMS;
      if (f.kind === 'hang') holds.push(f.release);
      else if (f.kind === 'delay') delayMs += f.delayMs;
      else if (f.kind === 'fail') failure ??= f.failure;
      else if (garbage === undefined) garbage = this.rnd.bytes(f.garbageBytes);
      f.remaining -= 1;
      // A hang used up by `times` still holds what it caught until it is cleared explicitly.
      if (f.remaining <= 0 && f.kind !== 'hang') this.remove(f);
      else if (f.remaining <= 0) f.names = new Set();
    }
    return { hold: holds.length === 0 ? undefined : Promise.all(holds).then(() => undefined), delayMs, honorMaxTimeMS, garbage, failure };
  }

  private add(kind: FaultHandle['kind'], match: CommandMatcher, opts: FaultOptions, extra: Partial<Pick<Fault, 'delayMs' | 'garbageBytes' | 'failure'>>): FaultHandle {
    const times = opts.times ?? Infinity;
    if (!(times === Infinity || (Number.isInteger(times) && times > 0))) throw new RangeError(`times must be a positive integer, got ${times}`);
    const names = normaliseMatcher(match);
    let resolveRelease!: () => void;
    const release = new Promise<void>((r) => (resolveRelease = r));
    const fault: Fault = {
      id: this.nextId++,
      kind,
      names,
      remaining: times,
      honorMaxTimeMS: opts.honorMaxTimeMS ?? kind === 'delay',
      delayMs: extra.delayMs ?? 0,
      garbageBytes: extra.garbageBytes ?? 0,
      failure: extra.failure,
      release,
      resolveRelease,
    };
    this.faults.set(fault.id, fault);
    return { id: fault.id, kind, clear: () => this.remove(fault) };
  }

  private remove(f: Fault): void {
    this.faults.delete(f.id);
    f.resolveRelease();
  }

  private requireControl(): ConnectionControl {
    if (this.control === undefined) throw new Error('fault controller is not attached to a running simulator');
    return this.control;
  }
}

function normaliseMatcher(match: CommandMatcher): ReadonlySet<string> | '*' {
  const list = typeof match === 'string' ? [match] : [...match];
  if (list.length === 0) throw new RangeError('a fault needs at least one command name (or "*")');
  for (const n of list) if (typeof n !== 'string' || n === '') throw new RangeError('command names must be non-empty strings');
  return list.includes('*') ? '*' : new Set(list);
}

function matches(f: Fault, names: readonly string[]): boolean {
  if (f.names === '*') return true;
  const set = f.names;
  return names.some((n) => set.has(n));
}
