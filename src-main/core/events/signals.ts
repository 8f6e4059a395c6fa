import type { LogEvent } from '../logs';

/**
 * Signal lines: the few log lines incidents are built from, picked at write time so grouping never
 * scans the whole log. Message ids are logv2's (4.4+); legacy text lines are matched by their words.
 */
export type SignalKind = 'state' | 'election' | 'election-won' | 'stepdown' | 'rollback' | 'restart' | 'shutdown' | 'error' | 'gap';

export interface Signal {
  kind: SignalKind;
  detail: string;
}

/** "Starting an election…", dry runs, priority and catch-up takeovers. */
const ELECTION_STARTED = new Set([4615652, 4615661, 21437, 21438, 21444, 4615660, 21460, 4615606]);
const ELECTION_WON = new Set([21450]);
/** replSetStepDown, handing off, stepping down on a higher term, stepdown for shutdown/priority. */
const STEPDOWN = new Set([21579, 21580, 21347, 21346, 21583, 6015319, 21372]);
/** Rollback ID bookkeeping at start-up is not a rollback. */
const NOT_ROLLBACK = new Set([21533, 4280502, 21312, 21531, 21532]);
/** "Shutting down", "Now exiting", and the coordinator stepping down because the process is stopping. */
const SHUTDOWN = new Set([23138, 20565, 23139, 4784900]);

const LEGACY_ELECTION_WON = /\b(election succeeded|elected as primary|i am primary|won election)\b/i;
const LEGACY_ELECTION = /\b(starting an election|running for election|standing for election|conducting a dry run election|dry election run)\b/i;
const LEGACY_STEPDOWN = /\b(stepping down|step down|stepdown|relinquishing primary)\b/i;
const LEGACY_ROLLBACK = /\b(beginning rollback|rollback \d+|rollback finished|starting rollback|rollback common point|transition to ROLLBACK)\b/i;
const LEGACY_SHUTDOWN = /\b(dbexit:|shutdown: going to close listening sockets|now exiting)\b/i;

export function signalOf(e: LogEvent): Signal | undefined {
  if (e.kind === 'stateChange') return { kind: e.to === 'ROLLBACK' ? 'rollback' : 'state', detail: `${e.from ?? '?'}→${e.to}` };
  if (e.kind === 'startup') return e.node.host !== undefined ? { kind: 'restart', detail: e.node.port !== undefined ? `${e.node.host}:${e.node.port}` : e.node.host } : undefined;
  const id = e.id;
  if (id !== null) {
    if (ELECTION_WON.has(id)) return { kind: 'election-won', detail: termOf(e.attr) ?? e.msg };
    if (ELECTION_STARTED.has(id)) return { kind: 'election', detail: e.msg };
    if (STEPDOWN.has(id)) return { kind: 'stepdown', detail: e.msg };
    if (SHUTDOWN.has(id)) return { kind: 'shutdown', detail: e.msg };
    if (e.component === 'ROLLBACK' && !NOT_ROLLBACK.has(id)) return { kind: 'rollback', detail: e.msg };
  } else if (e.format === 'legacy') {
    const m = e.msg;
    if (LEGACY_ELECTION_WON.test(m)) return { kind: 'election-won', detail: m.slice(0, 200) };
    if (LEGACY_ROLLBACK.test(m)) return { kind: 'rollback', detail: m.slice(0, 200) };
    if (LEGACY_ELECTION.test(m)) return { kind: 'election', detail: m.slice(0, 200) };
    if (LEGACY_STEPDOWN.test(m) && (e.component === 'REPL' || e.component === 'ELECTION' || e.component === '-' || e.component === 'COMMAND')) return { kind: 'stepdown', detail: m.slice(0, 200) };
    if (LEGACY_SHUTDOWN.test(m)) return { kind: 'shutdown', detail: m.slice(0, 200) };
  }
  if (e.severity === 'E' || e.severity === 'F') return { kind: 'error', detail: e.msg.slice(0, 200) };
  return undefined;
}

function termOf(attr: string | undefined): string | undefined {
  if (attr === undefined) return undefined;
  const m = /"term":\s*(\d+)/.exec(attr);
  return m === null ? undefined : `term ${m[1]}`;
}
