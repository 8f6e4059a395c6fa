import { baleenShapeHash, MAX_DURATION_MS, type Operation, type ShapeInput } from '../diagnosis';
import type { AuthInfo, LogEvent, LogEventBase, NodeInfo } from './log-event';
import { clientInfo } from './logv2.parser';
import { commandNamespace } from './namespace';
import { ShapeCache, shapeRef } from './shape-cache';
import { parseShellDoc } from './shell-doc.parser';
import { CtimeYears, ctimeToMs, parseCtimeAt, parseIsoAt } from './timestamp';

/**
 * Legacy text logs (MongoDB 2.2 – 4.2):
 *
 *   Mon Aug  5 20:21:42 [conn2] msg                                  2.2 (ctime, no ms)
 *   Wed Mar  5 17:14:24.619 [initandlisten] msg                      2.4 (ctime)
 *   2014-04-09T23:16:20.437-0400 [conn48] msg                        2.6 (iso8601-local)
 *   2015-03-10T14:21:24.484+1100 I CONTROL  [initandlisten] msg      3.0 – 4.0 (severity, component)
 *   2022-02-24T20:10:28.926+0000 I  STORAGE  [initandlisten] msg     4.2 (severity padded to 2)
 *   2018-02-08T13:21:09.966Z I CONTROL  [main] msg                   iso8601-utc
 *
 * A line whose start is not a timestamp is unparsed (continuation lines, corruption). Lines
 * without a `[context]` (`***** SERVER RESTARTED *****`, `dbexit: …`) are parsed, context ''.
 */

const SLOW_OP = /^(query|getmore|getMore|insert|update|remove|command|killcursors|delete|aggregate) (\S+) (.*?) ?(\d+)ms$/;
const SEV_COMP = /([A-Z][0-9]?) +([A-Za-z_][A-Za-z_0-9]*|-) +/y;
const ACCEPTED = /^connection accepted from (\S+) #(\d+)/;
const ENDED = /^end connection (\S+)/;
const METADATA = /^received client metadata from (\S+) (conn\d+): /;
const AUTH_OK = /^Successfully authenticated as principal (\S+) on (\S+?)(?: from client (\S+))?$/;
const AUTH_FAIL_SASL = /^SASL (\S+) authentication failed for (\S+) on (\S+) from client (\S+?) ; (.*)$/;
const AUTH_FAIL = /^Failed to authenticate (\S+?)@(\S+) (?:from client (\S+) )?with mechanism (\S+): (.*)$/;
const AUTH_FAIL_2X = /^auth: couldn't find user (\S+?),? (\S+)/;
const TRANSITION = /^transition to ([A-Z][A-Z0-9_]*)(?: from ([A-Z][A-Z0-9_]*))?\s*$/;
const REPLSET_STATE = /^replSet (PRIMARY|SECONDARY|RECOVERING|STARTUP2|STARTUP|ARBITER|ROLLBACK|FATAL|DOWN|REMOVED|UNKNOWN|SHUNNED)$/;
const STARTING = /^MongoDB starting : pid=\d+ port=(\d+) .*?host=(\S+)/;
const MONGOS_STARTING = /^MongoS version (\S+) starting: pid=\d+ port=(\d+) .*?host=(\S+)/;
const DB_VERSION = /^db version v(\S+)/;
const COUNTER = /\b(keysExamined|nscanned|docsExamined|nscannedObjects|nreturned|nMatched|nModified|ndeleted|ninserted|numYields|reslen):(\d+)/g;
const APP_NAME = /\bappName: "((?:[^"\\]|\\.)*)"/;
const PLAN = /\bplanSummary: (.+?)(?= [A-Za-z_]+(?:\(\w+\))?:\S| \d+ms$|$)/;
const EXCEPTION = /\bexception: (.*?) code:(\d+)/;

export type LegacyResult = LogEvent | { kind: 'unparsed'; reason: 'no-header' };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const own = (o: Obj, k: string): unknown => (Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined);

export class LegacyParser {
  readonly shapes: ShapeCache;
  node: string | undefined;
  private readonly years: CtimeYears;
  /** This node's replica-set state, for 2.x lines that only give the new one. */
  private state: string | null = null;

  constructor(opts: { shapeCache?: ShapeCache; node?: string; referenceYear?: number } = {}) {
    this.shapes = opts.shapeCache ?? new ShapeCache();
    this.node = opts.node;
    this.years = new CtimeYears(opts.referenceYear ?? new Date().getUTCFullYear());
  }

  parse(text: string, line: number, offset: number): LegacyResult {
    let ts: number;
    let i: number;
    const c0 = text.charCodeAt(0);
    if (c0 >= 48 && c0 <= 57) {
      const t = parseIsoAt(text, 0);
      if (t === undefined) return { kind: 'unparsed', reason: 'no-header' };
      ts = t.ms;
      i = t.end;
    } else {
      const p = parseCtimeAt(text, 0);
      if (p === undefined) return { kind: 'unparsed', reason: 'no-header' };
      ts = ctimeToMs(p, this.years.resolve(p));
      i = p.end;
    }
    const after = text.charCodeAt(i);
    if (!Number.isNaN(after) && after !== 32 && after !== 9) return { kind: 'unparsed', reason: 'no-header' };
    while (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9) i++;
    let severity = '-';
    let component = '-';
    SEV_COMP.lastIndex = i;
    const sc = SEV_COMP.exec(text);
    if (sc !== null) {
      severity = sc[1]!;
      component = sc[2]!;
      i = SEV_COMP.lastIndex;
    }
    let ctx = '';
    if (text.charCodeAt(i) === 91) {
      const close = text.indexOf(']', i);
      if (close > 0) {
        ctx = text.slice(i + 1, close);
        i = close + 1;
        if (text.charCodeAt(i) === 32) i++;
      }
    }
    const msg = text.slice(i).trimEnd();
    const base: LogEventBase = { line, offset, format: 'legacy', ts, severity, component, id: null, ctx, msg, text };
    return this.classify(base, msg);
  }

  private classify(base: LogEventBase, msg: string): LogEvent {
    const c = msg.charCodeAt(0);
    // Cheap first-letter gates keep the regexes off most lines.
    if (msg.endsWith('ms')) {
      const m = SLOW_OP.exec(msg);
      if (m !== null && Number(m[4]) <= MAX_DURATION_MS) {
        const op = this.slowOp(base, m[1]!, m[2]!, m[3]!, Number(m[4]));
        if (op !== undefined) return { ...base, kind: 'slowOp', op };
      }
    }
    if (c === 99 /* c */) {
      const m = ACCEPTED.exec(msg);
      if (m !== null) return { ...base, kind: 'connAccepted', conn: { id: `conn${m[2]}`, remote: m[1]! } };
    } else if (c === 101 /* e */) {
      const m = ENDED.exec(msg);
      if (m !== null) return { ...base, kind: 'connEnded', conn: { id: base.ctx.startsWith('conn') ? base.ctx : undefined, remote: m[1]! } };
    } else if (c === 114 /* r */) {
      const m = METADATA.exec(msg);
      if (m !== null) {
        const doc = parseShellDoc(msg, m[0].length);
        return { ...base, kind: 'clientMetadata', conn: { id: m[2]!, remote: m[1]! }, client: clientInfo(doc?.value) };
      }
      const s = REPLSET_STATE.exec(msg);
      if (s !== null) return this.stateChange(base, s[1]!, null);
    } else if (c === 116 /* t */) {
      const m = TRANSITION.exec(msg);
      if (m !== null) return this.stateChange(base, m[1]!, m[2] ?? null);
    } else if (c === 83 /* S */ || c === 70 /* F */ || c === 97 /* a */) {
      const auth = authOf(msg);
      if (auth !== undefined) return { ...base, kind: 'auth', conn: { id: base.ctx.startsWith('conn') ? base.ctx : undefined, remote: auth.remote }, auth: auth.info };
    } else if (c === 77 /* M */ || c === 100 /* d */) {
      const node = this.startup(msg);
      if (node !== undefined) return { ...base, kind: 'startup', node };
    } else if (c === 42 /* * */ && msg.includes('SERVER RESTARTED')) {
      this.state = null;
    }
    return { ...base, kind: 'other' };
  }

  private stateChange(base: LogEventBase, to: string, from: string | null): LogEvent {
    const prev = from ?? this.state;
    this.state = to;
    return { ...base, kind: 'stateChange', from: prev, to };
  }

  private startup(msg: string): NodeInfo | undefined {
    let m = STARTING.exec(msg);
    if (m !== null) {
      this.state = null;
      this.node = `${m[2]}:${m[1]}`;
      return { host: m[2]!, port: Number(m[1]) };
    }
    m = MONGOS_STARTING.exec(msg);
    if (m !== null) {
      this.node = `${m[3]}:${m[2]}`;
      return { host: m[3]!, port: Number(m[2]), version: m[1]! };
    }
    m = DB_VERSION.exec(msg);
    if (m !== null) return { version: m[1]! };
    return undefined;
  }

  /** `<op> <ns> <details> <n>ms`: the documents, the counters after them, and a shape. */
  private slowOp(base: LogEventBase, kind: string, nsText: string, rest: string, durationMs: number): Operation | undefined {
    const docs = new Map<string, { name: string | undefined; value: unknown; raw: string }>();
    let tailFrom = 0;
    let headEnd = rest.length;
    for (const label of ['command', 'query', 'originatingCommand', 'update']) {
      const at = findLabel(rest, `${label}: `, tailFrom);
      if (at < 0) continue;
      let j = at + label.length + 2;
      let name: string | undefined;
      const w = /^([A-Za-z_$][\w$]*) (?=\{)/.exec(rest.slice(j, j + 80));
      if (w !== null) {
        name = w[1];
        j += w[0].length;
      }
      if (rest.charCodeAt(j) !== 123) continue;
      const doc = parseShellDoc(rest, j);
      if (doc === undefined) continue;
      docs.set(label, { name, value: doc.value, raw: rest.slice(j, doc.end) });
      if (at < headEnd) headEnd = at;
      if (doc.end > tailFrom) tailFrom = doc.end;
    }
    const tail = rest.slice(tailFrom);
    let ns = nsText;
    let op = kind === 'getMore' ? 'getmore' : kind;
    const command = docs.get('command');
    const query = docs.get('query');
    const orig = docs.get('originatingCommand');
    let shapeDoc: { op: string; raw: string; input: () => ShapeInput } | undefined;
    if (kind === 'command' && command !== undefined) {
      const value = command.value;
      const first = isObj(value) ? Object.keys(value)[0] : undefined;
      op = command.name ?? first ?? 'command';
      const target = first !== undefined && isObj(value) ? own(value, first) : undefined;
      ns = commandNamespace(ns, first, typeof target === 'string' ? target : undefined);
      const cmdOp = op;
      shapeDoc = { op, raw: command.raw, input: () => commandShapeInput(cmdOp, value) };
    } else if (op === 'getmore' && orig !== undefined) {
      const value = orig.value;
      const first = isObj(value) ? Object.keys(value)[0] : undefined;
      shapeDoc = { op: first ?? 'find', raw: orig.raw, input: () => commandShapeInput(first ?? 'find', value) };
    } else if (command !== undefined) {
      // 3.6+ per-statement update / remove lines: `command: { q: …, u: … }`.
      const value = command.value;
      shapeDoc = { op, raw: command.raw, input: () => (isObj(value) && own(value, 'q') !== undefined ? { filter: own(value, 'q') } : {}) };
    } else if (query !== undefined) {
      const value = query.value;
      shapeDoc = { op, raw: query.raw, input: () => queryShapeInput(value) };
    }

    const result: Operation = { source: 'log', ns, op, ts: base.ts, durationMs };
    if (this.node !== undefined) result.node = this.node;
    if (base.ctx.startsWith('conn')) result.connection = base.ctx;
    const app = APP_NAME.exec(rest.slice(0, headEnd));
    if (app !== null) result.appName = app[1]!;
    const plan = PLAN.exec(tail);
    if (plan !== null) result.planSummary = plan[1]!.trim();
    COUNTER.lastIndex = 0;
    for (let m = COUNTER.exec(tail); m !== null; m = COUNTER.exec(tail)) {
      const n = Number(m[2]);
      switch (m[1]) {
        case 'keysExamined':
        case 'nscanned':
          result.keysExamined = n;
          break;
        case 'docsExamined':
        case 'nscannedObjects':
          result.docsExamined = n;
          break;
        case 'nreturned':
          result.nreturned = n;
          break;
        case 'nModified':
          result.nModified = n;
          break;
        case 'ndeleted':
          result.ndeleted = n;
          break;
        case 'ninserted':
          result.ninserted = n;
          break;
        case 'numYields':
          result.numYields = n;
          break;
        case 'reslen':
          result.reslen = n;
          break;
      }
    }
    const ex = EXCEPTION.exec(tail);
    if (ex !== null) result.error = { message: ex[1]!, code: Number(ex[2]) };
    if (shapeDoc !== undefined) {
      const sd = shapeDoc;
      const shape = this.shapes.get(`${sd.op}\u0002${sd.raw}`, sd.op, sd, (d) => d.input());
      if (shape !== undefined) result.shape = shapeRef(shape, {});
    } else {
      result.shape = shapeRef({ text: '{}', baleenHash: baleenShapeHash(op, '{}') }, {});
    }
    return result;
  }
}

/** Finds `label` at a word boundary, from `from`. */
function findLabel(s: string, label: string, from: number): number {
  let at = s.indexOf(label, from);
  while (at > 0 && /[\w$]/.test(s[at - 1]!)) at = s.indexOf(label, at + 1);
  return at;
}

function authOf(msg: string): { info: AuthInfo; remote?: string } | undefined {
  let m = AUTH_OK.exec(msg);
  if (m !== null) return { info: { ok: true, user: m[1]!, db: m[2]! }, remote: m[3] };
  m = AUTH_FAIL_SASL.exec(msg);
  if (m !== null) return { info: { ok: false, mechanism: m[1]!, user: m[2]!, db: m[3]!, error: m[5]! }, remote: m[4] };
  m = AUTH_FAIL.exec(msg);
  if (m !== null) return { info: { ok: false, user: m[1]!, db: m[2]!, mechanism: m[4]!, error: m[5]! }, remote: m[3] };
  m = AUTH_FAIL_2X.exec(msg);
  if (m !== null) return { info: { ok: false, user: m[1]!, db: m[2]!, error: "couldn't find user" } };
  return undefined;
}

/** The shape-bearing parts of a legacy command document (`command: find { … }`). */
function commandShapeInput(op: string, doc: unknown): ShapeInput {
  if (!isObj(doc)) return {};
  const g = (k: string) => own(doc, k);
  switch (op) {
    case 'find':
      return { filter: g('filter'), sort: g('sort'), projection: g('projection') };
    case 'aggregate':
      return { pipeline: g('pipeline') };
    case 'distinct':
      return { key: g('key'), filter: g('query') };
    case 'findAndModify':
    case 'findandmodify':
      return { filter: g('query'), sort: g('sort'), projection: g('fields') };
    case 'update':
    case 'delete': {
      const list = g(op === 'update' ? 'updates' : 'deletes');
      const first = Array.isArray(list) ? list[0] : undefined;
      return isObj(first) && own(first, 'q') !== undefined ? { filter: own(first, 'q') } : {};
    }
    default: {
      const q = g('query') ?? g('filter') ?? g('q');
      return q === undefined ? {} : { filter: q };
    }
  }
}

/** A `query: {…}` document; 2.x wrapped it as { query: …, orderby: … } or { $query: …, $orderby: … }. */
function queryShapeInput(doc: unknown): ShapeInput {
  if (!isObj(doc)) return { filter: doc };
  const inner = own(doc, '$query') ?? own(doc, 'query');
  if (inner !== undefined && isObj(inner)) {
    const sort = own(doc, '$orderby') ?? own(doc, 'orderby');
    return sort === undefined ? { filter: inner } : { filter: inner, sort };
  }
  return { filter: doc };
}
