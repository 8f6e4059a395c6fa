import { BaleenError } from '../../../src-shared/domain/errors';
import { type Clock, systemClock } from '../ports/clock';
import { type Logger, silentLogger } from '../ports/logger';
import { CommandDispatcher } from './commands/command-dispatcher';
import { type CommandTable, type SimPrincipal, openAuthorizer, requireAuthAuthorizer } from './commands/command-table';
import { defaultCommandTable } from './commands/default-command-table';
import { FaultController } from './faults/fault-controller';
import { type CommandCount, SimNode } from './node/sim-node';
import { type SimTopology, StaticReplicaSet, standaloneTopology } from './node/topology';
import type { HostFacts, SimRates } from './node/workload';
import { WireServer } from './wire/wire-server';

export interface SimulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** A loopback address (default 127.0.0.1): the simulator never faces a network. */
  host?: string;
  /** host:port the node announces (hello.me of set members, serverStatus.host). Default: its real address. */
  me?: string;
  /** "7.0.x" or "8.0.x". Default 7.0.14. */
  version?: string;
  /** Makes the node a replica-set primary of this set. */
  setName?: string;
  /** Members of the set (must include `me`). Default: [me]. */
  hosts?: readonly string[];
  /**
   * A deployment model shared with other simulators (several members of one set), instead of
   * setName/hosts. A node whose `me` is not a member behaves as a standalone.
   */
  topology?: SimTopology;
  /** Per-second workload rates; counters advance with them on `clock`. */
  rates?: Partial<SimRates>;
  /** Per-second noise on counters, 0..1 (default 0.3). 0 makes counters advance exactly at their rates. */
  jitter?: number;
  clock?: Clock;
  /** Seeds pids, object ids and every noise stream. Default 1. */
  seed?: number;
  /** true (default): hello carries topologyVersion and awaitable hellos are held (drivers stream). false: drivers poll. */
  awaitableHello?: boolean;
  /** Connections held by simulated background clients, added to the real ones in serverStatus. */
  connectionBaseline?: number;
  hostFacts?: Partial<HostFacts>;
  /** Every connection behaves as if authenticated as this user (there is no SCRAM yet). */
  principal?: SimPrincipal;
  /** Refuse commands that need authentication from unauthenticated connections (code 13). */
  requireAuth?: boolean;
  /** How many user collections the node holds (default: a small shop with a dozen). */
  collections?: number;
  /** Register more commands on the default table. */
  extendCommands?: (table: CommandTable) => void;
  logger?: Logger;
}

export interface SimulatorStats {
  generation: number;
  openConnections: number;
  /** Connections accepted by this incarnation (real ones only). */
  connectionsCreated: number;
  requests: number;
  commands: Record<string, CommandCount>;
  unknownCommands: number;
  /** hello + isMaster answered by this incarnation. */
  hellos: number;
  awaitingTopologyChanges: number;
  exhaustHello: number;
}

export interface Simulator {
  readonly port: number;
  /** "127.0.0.1:PORT": where clients connect. */
  readonly address: string;
  /** mongodb://ADDRESS/?directConnection=true */
  readonly uri: string;
  /** The pid of the current incarnation (changes on restart). */
  readonly pid: number;
  readonly faults: FaultController;
  readonly node: SimNode;
  /** The set's model when `setName` was given (move the primary to exercise topology changes). */
  readonly replicaSet: StaticReplicaSet | undefined;
  setRates(rates: Partial<SimRates>): void;
  stats(): SimulatorStats;
  /** A mongod restart: connections closed, new pid, uptime and counters from zero. */
  restart(opts?: { downtimeMs?: number }): Promise<void>;
  /** Close everything; resolves once the port is released and no socket remains. Idempotent. */
  stop(): Promise<void>;
}

export async function startSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new BaleenError('E_INVALID_INPUT', `bad simulator port ${port}`);
  if (!isLoopback(host)) throw new BaleenError('E_INVALID_INPUT', `the simulator listens on loopback only, not on ${host}`);
  const seed = opts.seed ?? 1;
  if (!Number.isFinite(seed)) throw new BaleenError('E_INVALID_INPUT', `bad simulator seed ${seed}`);
  const clock = opts.clock ?? systemClock;
  const logger = opts.logger ?? silentLogger;

  const wire = new WireServer({ host, port, logger });
  const boundPort = await wire.listen();
  try {
    const address = `${host.includes(':') ? `[${host}]` : host}:${boundPort}`;
    const me = opts.me ?? address;
    let replicaSet: StaticReplicaSet | undefined;
    let topology: SimTopology = standaloneTopology();
    if (opts.topology !== undefined) {
      if (opts.setName !== undefined || opts.hosts !== undefined) throw new BaleenError('E_INVALID_INPUT', 'give either a shared topology or setName/hosts, not both');
      topology = opts.topology;
      if (topology instanceof StaticReplicaSet) replicaSet = topology;
    } else if (opts.setName !== undefined) {
      replicaSet = new StaticReplicaSet({ setName: opts.setName, hosts: opts.hosts ?? [me], primary: me });
      topology = replicaSet;
    } else if (opts.hosts !== undefined) {
      throw new BaleenError('E_INVALID_INPUT', 'simulator hosts need a setName');
    }
    const node = new SimNode({
      me,
      version: opts.version ?? '7.0.14',
      seed,
      clock,
      rates: opts.rates,
      jitter: opts.jitter,
      topology,
      awaitableHello: opts.awaitableHello ?? true,
      connectionBaseline: opts.connectionBaseline,
      host: opts.hostFacts,
      ...(opts.collections !== undefined ? { collections: opts.collections } : {}),
    });
    const table = defaultCommandTable();
    opts.extendCommands?.(table);
    const faults = new FaultController(seed);
    const dispatcher = new CommandDispatcher(node, table, faults, clock, opts.requireAuth ? requireAuthAuthorizer : openAuthorizer, logger);
    wire.attach({ node, dispatcher });
    faults.attach(wire);
    if (opts.principal !== undefined) wire.defaultPrincipal = opts.principal;

    let stopping: Promise<void> | undefined;
    return {
      port: boundPort,
      address,
      uri: `mongodb://${address}/?directConnection=true`,
      get pid() {
        return node.pid;
      },
      faults,
      node,
      replicaSet,
      setRates: (rates) => node.setRates(rates),
      stats: () => stats(node),
      async restart(r = {}) {
        const downtimeMs = r.downtimeMs ?? 0;
        if (!(Number.isFinite(downtimeMs) && downtimeMs >= 0)) throw new BaleenError('E_INVALID_INPUT', `bad restart downtime ${downtimeMs}`);
        wire.closeAll();
        node.restart();
        if (downtimeMs > 0) {
          wire.pauseListening();
          await clock.sleep(downtimeMs);
          await wire.resumeListening();
        }
      },
      stop() {
        stopping ??= (async () => {
          faults.clearAll();
          await wire.stop();
          node.dispose();
        })();
        return stopping;
      },
    };
  } catch (e) {
    await wire.stop();
    if (e instanceof RangeError) throw new BaleenError('E_INVALID_INPUT', e.message, undefined, { cause: e });
    throw e;
  }
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

function stats(node: SimNode): SimulatorStats {
  const live = node.live();
  const commands: Record<string, CommandCount> = {};
  for (const [name, c] of live.commands) commands[name] = { ...c };
  return {
    generation: node.generation,
    openConnections: live.openConnections,
    connectionsCreated: live.createdConnections,
    requests: live.requests,
    commands,
    unknownCommands: live.unknownCommands,
    hellos: (commands.hello?.total ?? 0) + (commands.isMaster?.total ?? 0),
    awaitingTopologyChanges: live.awaitingTopologyChanges,
    exhaustHello: live.exhaustHello,
  };
}
