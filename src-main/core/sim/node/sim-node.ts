import { ObjectId } from '../../bson/bson';
import type { Clock } from '../../ports/clock';
import { CounterBank, GaugeBank } from './activity-model';
import { DataCatalog } from './data-catalog';
import { SeededRandom, hashString } from './seeded-random';
import { type SimTopology, type ReplicaSetMemberState, standaloneTopology } from './topology';
import { type VersionProfile, versionProfile } from './version-profile';
import { type HostFacts, type SimRates, type SimRole, DEFAULT_RATES, RATE_KEYS, counterRates, defaultCacheBytes, gaugeRanges } from './workload';

export interface SimNodeOptions {
  /** host:port this node announces (hello.me for set members, serverStatus.host). */
  me: string;
  version: string;
  seed: number;
  clock: Clock;
  rates?: Partial<SimRates>;
  /** Per-second noise on counters, 0..1 (default 0.3: each second's increment is 70–130 % of the rate). */
  jitter?: number;
  topology?: SimTopology;
  /** Include topologyVersion in hello so drivers switch to the streaming (awaitable) protocol. */
  awaitableHello?: boolean;
  /** Connections the simulated background clients hold, added to the real ones. */
  connectionBaseline?: number;
  /** Accepted-connection limit (connections.available = limit − current). */
  maxIncomingConnections?: number;
  host?: Partial<HostFacts>;
  /** How many user collections to hold (default: a small shop with a dozen). */
  collections?: number;
}

export interface ConnectionTicket {
  readonly connectionId: number;
  readonly generation: number;
}

export interface CommandCount {
  total: number;
  failed: number;
}

export interface TopologyVersion {
  processId: ObjectId;
  counter: number;
}

/** Everything that lives and dies with one simulated mongod process (a restart makes a new one). */
interface Incarnation {
  generation: number;
  pid: number;
  processId: ObjectId;
  startMono: number;
  startWall: number;
  counters: CounterBank;
  gauges: GaugeBank;
  topologyCounter: number;
  nextConnectionId: number;
  openConnections: number;
  createdConnections: number;
  commands: Map<string, CommandCount>;
  unknownCommands: number;
  bytesIn: number;
  bytesOut: number;
  requests: number;
}

/**
 * One simulated mongod: identity, process lifetime, workload counters and live connection accounting.
 * It knows nothing about sockets; the wire server reports connections, requests and bytes to it, and
 * the document generators read from it. A replica set of several nodes shares one SimTopology.
 */
export class SimNode {
  readonly profile: VersionProfile;
  readonly me: string;
  readonly hostName: string;
  readonly port: number;
  readonly clock: Clock;
  readonly seed: number;
  readonly topology: SimTopology;
  readonly awaitableHello: boolean;
  readonly connectionBaseline: number;
  readonly maxIncomingConnections: number;
  readonly host: HostFacts;
  /** Databases and collections: sizes for dbStats / $collStats, shares for top. */
  readonly data: DataCatalog;
  private rates: SimRates;
  private readonly jitter: number | undefined;
  private inc: Incarnation;
  private readonly topologyListeners = new Set<() => void>();
  private readonly unsubscribeTopology: () => void;
  private lastRole: SimRole;
  private inFlight = 0;
  private exhaustHellos = 0;
  private awaiting = 0;

  constructor(opts: SimNodeOptions) {
    this.profile = versionProfile(opts.version);
    const { hostName, port } = splitMe(opts.me);
    this.me = `${hostName}:${port}`;
    this.hostName = hostName;
    this.port = port;
    this.clock = opts.clock;
    this.seed = opts.seed >>> 0;
    this.topology = opts.topology ?? standaloneTopology();
    this.awaitableHello = opts.awaitableHello ?? true;
    this.connectionBaseline = nonNegativeInt(opts.connectionBaseline ?? 0, 'connectionBaseline');
    this.maxIncomingConnections = nonNegativeInt(opts.maxIncomingConnections ?? 838_860, 'maxIncomingConnections');
    this.rates = mergeRates(DEFAULT_RATES, opts.rates ?? {});
    this.jitter = opts.jitter;
    const memSizeMB = opts.host?.memSizeMB ?? 16_384;
    this.host = {
      hostname: hostName,
      memSizeMB,
      numCores: 8,
      cpuArch: 'x86_64',
      osName: 'Ubuntu',
      osVersion: '22.04',
      kernelVersion: '5.15.0-122-generic',
      cacheSizeBytes: defaultCacheBytes(memSizeMB),
      ...opts.host,
    };
    this.lastRole = this.role();
    this.data = new DataCatalog({ seed: this.seed, clock: this.clock, ...(opts.collections !== undefined ? { collections: opts.collections } : {}) });
    this.data.setInsertRate(this.rates.insert);
    this.inc = this.incarnate(0, undefined);
    this.unsubscribeTopology = this.topology.subscribe(() => this.topologyChanged());
  }

  // ---- process identity and lifetime -------------------------------------------------------

  get generation(): number {
    return this.inc.generation;
  }

  get pid(): number {
    return this.inc.pid;
  }

  get startedAtWallMs(): number {
    return this.inc.startWall;
  }

  uptimeMs(): number {
    return Math.max(0, this.clock.monotonic() - this.inc.startMono);
  }

  /** A mongod restart: new pid and processId, uptime from zero, every counter from zero. */
  restart(): void {
    this.inc = this.incarnate(this.inc.generation + 1, this.inc.pid);
    this.inFlight = 0;
    this.exhaustHellos = 0;
  }

  dispose(): void {
    this.unsubscribeTopology();
    this.topologyListeners.clear();
  }

  // ---- workload ---------------------------------------------------------------------------------

  getRates(): SimRates {
    return { ...this.rates };
  }

  setRates(partial: Partial<SimRates>): void {
    const next = mergeRates(this.rates, partial);
    const at = this.clock.monotonic();
    const rates = counterRates(next, this.role());
    for (const [id, r] of Object.entries(rates)) this.inc.counters.setRate(id, r, at);
    const ranges = gaugeRanges(next, this.host);
    for (const [id, [lo, hi]] of Object.entries(ranges)) this.inc.gauges.setRange(id, lo, hi);
    this.data.setInsertRate(next.insert);
    this.rates = next;
  }

  /** A simulated counter now, as the integer a server reports. */
  counter(id: string): number {
    return this.inc.counters.count(id, this.clock.monotonic());
  }

  /** A simulated gauge now (a real number; callers round as the field requires). */
  gauge(id: string): number {
    return this.inc.gauges.value(id, this.clock.monotonic());
  }

  // ---- live accounting reported by the wire server ----------------------------------------------

  connectionOpened(): ConnectionTicket {
    this.inc.openConnections += 1;
    this.inc.createdConnections += 1;
    this.inc.nextConnectionId += 1;
    return { connectionId: this.inc.nextConnectionId, generation: this.inc.generation };
  }

  connectionClosed(ticket: ConnectionTicket): void {
    // A connection of a previous incarnation was already forgotten by the restart.
    if (ticket.generation === this.inc.generation) this.inc.openConnections = Math.max(0, this.inc.openConnections - 1);
  }

  requestReceived(bytes: number): void {
    this.inc.bytesIn += bytes;
    this.inc.requests += 1;
  }

  replySent(bytes: number): void {
    this.inc.bytesOut += bytes;
  }

  commandStarted(): void {
    this.inFlight += 1;
  }

  commandFinished(): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
  }

  /** Count a command that ran (metrics.commands, opcounters.command); `known` false for CommandNotFound. */
  recordCommand(name: string, known: boolean, ok: boolean): void {
    if (!known) {
      this.inc.unknownCommands += 1;
      return;
    }
    let c = this.inc.commands.get(name);
    if (c === undefined) this.inc.commands.set(name, (c = { total: 0, failed: 0 }));
    c.total += 1;
    if (!ok) c.failed += 1;
  }

  exhaustHelloStarted(): () => void {
    this.exhaustHellos += 1;
    const gen = this.inc.generation;
    let ended = false;
    return () => {
      if (ended || gen !== this.inc.generation) return;
      ended = true;
      this.exhaustHellos = Math.max(0, this.exhaustHellos - 1);
    };
  }

  /** Real traffic seen by this incarnation (added to the simulated workload in serverStatus). */
  live(): {
    openConnections: number;
    createdConnections: number;
    inFlight: number;
    exhaustHello: number;
    awaitingTopologyChanges: number;
    bytesIn: number;
    bytesOut: number;
    requests: number;
    unknownCommands: number;
    commands: ReadonlyMap<string, CommandCount>;
  } {
    const i = this.inc;
    return {
      openConnections: i.openConnections,
      createdConnections: i.createdConnections,
      inFlight: this.inFlight,
      exhaustHello: this.exhaustHellos,
      awaitingTopologyChanges: this.awaiting,
      bytesIn: i.bytesIn,
      bytesOut: i.bytesOut,
      requests: i.requests,
      unknownCommands: i.unknownCommands,
      commands: i.commands,
    };
  }

  // ---- topology ----------------------------------------------------------------------------------

  memberState(): ReplicaSetMemberState | null {
    return this.topology.memberState(this.me);
  }

  topologyVersion(): TopologyVersion {
    return { processId: this.inc.processId, counter: this.inc.topologyCounter };
  }

  onTopologyChange(listener: () => void): () => void {
    this.topologyListeners.add(listener);
    return () => this.topologyListeners.delete(listener);
  }

  /**
   * Hold an awaitable hello until the topology changes or `maxAwaitMs` passes on the node's clock.
   * Rejects with the signal's reason when the connection goes away first.
   */
  waitForTopologyChange(maxAwaitMs: number, signal: AbortSignal): Promise<'changed' | 'timeout'> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) {
        reject(signal.reason);
        return;
      }
      this.awaiting += 1;
      let settled = false;
      const finish = (outcome: 'changed' | 'timeout' | 'aborted') => {
        if (settled) return;
        settled = true;
        this.awaiting = Math.max(0, this.awaiting - 1);
        timer.cancel();
        unsubscribe();
        signal.removeEventListener('abort', onAbort);
        if (outcome === 'aborted') reject(signal.reason);
        else resolve(outcome);
      };
      const onAbort = () => finish('aborted');
      const timer = this.clock.setTimeout(() => finish('timeout'), maxAwaitMs);
      const unsubscribe = this.onTopologyChange(() => finish('changed'));
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** A secondary applies the primary's writes instead of taking its own. */
  role(): SimRole {
    const rs = this.topology.memberState(this.me);
    return rs === null ? 'standalone' : rs.isPrimary ? 'primary' : 'secondary';
  }

  private topologyChanged(): void {
    // An election moves the writes: the new primary counts them in opcounters, the others in opcountersRepl.
    const role = this.role();
    if (role !== this.lastRole) {
      this.lastRole = role;
      this.setRates({});
    }
    this.inc.topologyCounter += 1;
    for (const l of [...this.topologyListeners]) l();
  }

  private incarnate(generation: number, previousPid: number | undefined): Incarnation {
    const rnd = new SeededRandom(this.seed ^ Math.imul(generation + 1, 0x9e3779b1) ^ hashString(this.me));
    let pid = rnd.int(1_000, 4_000_000);
    if (pid === previousPid) pid += 1;
    const startWall = this.clock.now();
    const processId = objectIdAt(startWall, rnd);
    // Each incarnation gets its own noise streams: a restarted node does not replay its past.
    const noiseSeed = (this.seed + Math.imul(generation, 0x632be5ab)) >>> 0;
    const startMono = this.clock.monotonic();
    const counters = new CounterBank(noiseSeed, startMono);
    for (const [id, r] of Object.entries(counterRates(this.rates, this.role()))) counters.define(id, r, this.jitter);
    const gauges = new GaugeBank(noiseSeed, startMono);
    for (const [id, [lo, hi]] of Object.entries(gaugeRanges(this.rates, this.host))) gauges.define(id, lo, hi);
    return {
      generation,
      pid,
      processId,
      startMono,
      startWall,
      counters,
      gauges,
      topologyCounter: 0,
      nextConnectionId: 0,
      openConnections: 0,
      createdConnections: 0,
      commands: new Map(),
      unknownCommands: 0,
      bytesIn: 0,
      bytesOut: 0,
      requests: 0,
    };
  }
}

function splitMe(me: string): { hostName: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:\s]+)(?::(\d{1,5}))?$/.exec(me.trim());
  const port = m?.[2] === undefined ? 27017 : Number(m[2]);
  if (!m || port < 1 || port > 65535) throw new RangeError(`bad simulator "me" ${JSON.stringify(me)}: expected host:port`);
  return { hostName: m[1]!.toLowerCase(), port };
}

function mergeRates(base: SimRates, partial: Partial<SimRates>): SimRates {
  const out = { ...base };
  for (const [k, v] of Object.entries(partial)) {
    if (!RATE_KEYS.includes(k as keyof SimRates)) throw new RangeError(`unknown simulator rate "${k}" (known: ${RATE_KEYS.join(', ')})`);
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new RangeError(`simulator rate ${k} must be a finite number ≥ 0, got ${String(v)}`);
    out[k as keyof SimRates] = v;
  }
  return out;
}

function nonNegativeInt(n: number, what: string): number {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`${what} must be an integer ≥ 0, got ${n}`);
  return n;
}

function objectIdAt(wallMs: number, rnd: SeededRandom): ObjectId {
  const bytes = new Uint8Array(12);
  const secs = Math.floor(wallMs / 1000) >>> 0;
  bytes[0] = (secs >>> 24) & 0xff;
  bytes[1] = (secs >>> 16) & 0xff;
  bytes[2] = (secs >>> 8) & 0xff;
  bytes[3] = secs & 0xff;
  bytes.set(rnd.bytes(8), 4);
  return new ObjectId(bytes);
}
