import type { Document } from '../../bson/bson';
import { dbl } from '../documents/bson-values';
import type { SimNode } from '../node/sim-node';
import { SimCommandError, type CommandSpec } from './command-table';

/**
 * `getLog` as mongod answers it (4.4+): `{getLog: '*'}` names the logs; `{getLog: 'global'}` returns
 * the newest lines of the in-memory ring (at most 1,024, logv2 JSON strings) and `totalLinesWritten`,
 * the count of every line the process logged, which is how a poller knows how many it missed; a
 * restart starts both over. Lines are generated as the node's clock advances (a connection
 * opening and closing, a slow query now and then, a warning), and tests can push bursts.
 */
export const RING_LINES = 1024;

interface LogState {
  generation: number;
  written: number;
  ring: string[];
  lastGenAt: number;
  /** Fractional lines owed to the clock. */
  owed: number;
  linesPerSecond: number;
  startupWarnings: string[];
  conn: number;
}

const states = new WeakMap<SimNode, LogState>();

const line = (ts: number, s: string, c: string, id: number, ctx: string, msg: string, attr?: Document) =>
  JSON.stringify({ t: { $date: new Date(ts).toISOString() }, s, c, id, ctx, msg, ...(attr !== undefined ? { attr } : {}) });

function stateOf(node: SimNode): LogState {
  let s = states.get(node);
  if (s === undefined || s.generation !== node.generation) {
    const rate = s?.linesPerSecond ?? 2;
    const now = node.clock.now();
    s = { generation: node.generation, written: 0, ring: [], lastGenAt: now, owed: 0, linesPerSecond: rate, startupWarnings: [], conn: 0 };
    states.set(node, s);
    const warn = line(now, 'W', 'CONTROL', 22120, 'initandlisten', 'Access control is not enabled for the database. Read and write access to data and configuration is unrestricted', { tags: ['startupWarnings'] });
    s.startupWarnings.push(warn);
    append(s, line(now, 'I', 'CONTROL', 4615611, 'initandlisten', 'MongoDB starting', { pid: node.pid, port: node.port, dbPath: '/var/lib/mongodb', architecture: '64-bit', host: node.hostName }));
    append(s, line(now, 'I', 'CONTROL', 23403, 'initandlisten', 'Build Info', { buildInfo: { version: node.profile.version } }));
    append(s, warn);
  }
  return s;
}

function append(s: LogState, text: string): void {
  s.written++;
  s.ring.push(text);
  if (s.ring.length > RING_LINES) s.ring.splice(0, s.ring.length - RING_LINES);
}

/** The k-th generated line: a small, realistic rotation of what a busy mongod logs. */
function generated(s: LogState, node: SimNode, ts: number): string {
  const k = s.written % 5;
  if (k === 0) {
    s.conn++;
    return line(ts, 'I', 'NETWORK', 22943, 'listener', 'Connection accepted', { remote: `10.0.0.${(s.conn % 200) + 2}:${40000 + (s.conn % 20000)}`, uuid: `sim-${s.conn}`, connectionId: s.conn, connectionCount: 10 });
  }
  if (k === 1)
    return line(ts, 'I', 'NETWORK', 51800, `conn${s.conn}`, 'client metadata', {
      remote: `10.0.0.${(s.conn % 200) + 2}:${40000 + (s.conn % 20000)}`,
      client: `conn${s.conn}`,
      doc: { application: { name: 'orders-api' }, driver: { name: 'nodejs', version: '6.9.0' }, os: { type: 'Linux', name: 'linux', architecture: 'x64', version: '6.1.0' }, platform: 'Node.js v20.11.0' },
    });
  if (k === 2)
    return line(ts, 'I', 'COMMAND', 51803, `conn${s.conn}`, 'Slow query', {
      type: 'command',
      ns: 'shop.orders',
      appName: 'orders-api',
      command: { find: 'orders', filter: { status: 'open', customer: s.conn }, $db: 'shop' },
      planSummary: 'COLLSCAN',
      keysExamined: 0,
      docsExamined: 20000 + (s.written % 997),
      nreturned: 3,
      remote: `10.0.0.${(s.conn % 200) + 2}:${40000 + (s.conn % 20000)}`,
      durationMillis: 120 + (s.written % 80),
    });
  if (k === 3) return line(ts, 'I', 'NETWORK', 22944, `conn${s.conn}`, 'Connection ended', { remote: `10.0.0.${(s.conn % 200) + 2}:${40000 + (s.conn % 20000)}`, connectionId: s.conn, connectionCount: 9 });
  return line(ts, 'I', 'STORAGE', 22430, 'WTCheckpointThread', 'WiredTiger message', { message: { ts_sec: Math.floor(ts / 1000), msg: `saving checkpoint snapshot min: ${s.written}` } });
}

/** Catches the ring up with the node's clock. */
function advance(node: SimNode): LogState {
  const s = stateOf(node);
  const now = node.clock.now();
  const elapsed = Math.max(0, now - s.lastGenAt);
  s.owed += (elapsed / 1000) * s.linesPerSecond;
  const n = Math.floor(s.owed);
  s.owed -= n;
  // Lines spread evenly over the elapsed time; a ring's worth of overflow is enough to write out.
  const skip = Math.max(0, n - RING_LINES * 2);
  s.written += skip;
  for (let i = skip; i < n; i++) append(s, generated(s, node, s.lastGenAt + Math.round(((i + 1) * elapsed) / n)));
  s.lastGenAt = now;
  return s;
}

/** Test and demo control of a simulated node's log. */
export const simLog = {
  /** Lines per second generated as the node's clock advances (default 2). */
  setRate(node: SimNode, linesPerSecond: number): void {
    advance(node).linesPerSecond = Math.max(0, linesPerSecond);
  },
  /** Logs `n` lines at once (a burst that overflows the ring between two polls). */
  burst(node: SimNode, n: number): void {
    const s = advance(node);
    const now = node.clock.now();
    for (let i = 0; i < n; i++) append(s, generated(s, node, now));
  },
  totalLinesWritten(node: SimNode): number {
    return advance(node).written;
  },
};

export const getLogCommand: CommandSpec = {
  name: 'getLog',
  requiresAuth: true,
  run(ctx) {
    const which = ctx.body.getLog;
    if (which === '*') return { names: ['global', 'startupWarnings'], ok: dbl(1) };
    if (which !== 'global' && which !== 'startupWarnings') throw new SimCommandError('BadValue', `no RamLog named: ${String(which)}`);
    const s = advance(ctx.node);
    const lines = which === 'global' ? s.ring : s.startupWarnings;
    return { totalLinesWritten: which === 'global' ? s.written : s.startupWarnings.length, log: [...lines], ok: dbl(1) };
  },
};
