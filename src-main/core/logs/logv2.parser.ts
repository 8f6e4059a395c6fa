import { MAX_DURATION_MS, type Operation, type ShapeInput } from '../diagnosis';
import { MemberCursor, parseJson, readNumber, readString, skipValue, skipWs, stringEnd } from './json-scan';
import type { AuthInfo, ClientInfo, ConnectionRef, LogEvent, LogEventBase, NodeInfo } from './log-event';
import { commandNamespace } from './namespace';
import { ShapeCache, shapeRef, type CachedShape } from './shape-cache';
import { parseIsoAt } from './timestamp';

/**
 * JSON logv2 (MongoDB 4.4 – 8.x): `{"t":{"$date":…},"s":"I","c":"COMMAND","id":51803,"svc":"S",
 * "ctx":"conn20","msg":"Slow query","attr":{…},"tags":[…],"truncated":{…},"size":{…}}`.
 *
 * Every line is structurally validated by the scanner; `attr` is materialised only for the
 * message ids the analysis reads (slow queries, connections, auth, state changes, start-up), and
 * slow-query attributes are picked out of the text without parsing locks, storage and the rest.
 */

export const LOGV2_IDS = {
  slowQuery: 51803,
  connAccepted: 22943,
  connEnded: 22944,
  clientMetadata: 51800,
  stateTransition: 21358,
  authSucceeded: [20250, 5286306],
  authFailed: [20249, 5286307],
  starting: 4615611,
  buildInfo: 23403,
} as const;

const LSID_UUID = /"\$uuid"\s*:\s*"([0-9a-fA-F-]{32,36})"/;

const AUTH_OK = new Set<number>(LOGV2_IDS.authSucceeded);
const AUTH_FAIL = new Set<number>(LOGV2_IDS.authFailed);

export type Logv2Result = LogEvent | { kind: 'unparsed'; reason: 'bad-json' | 'no-header' | 'bad-timestamp' };

interface Header {
  ts: number | null;
  tsOk: boolean;
  s: string | undefined;
  c: string | undefined;
  id: number | null;
  ctx: string;
  msg: string | undefined;
  svc: string | undefined;
  attrStart: number;
  attrEnd: number;
  tagsStart: number;
  tagsEnd: number;
  truncated: boolean;
  /** attr was read as a slow query during the header pass. */
  slowRead: boolean;
}

/** The shape-bearing parts of a command, by role, as raw JSON text (parsed only on a cache miss). */
interface CommandScan {
  name: string | undefined;
  target: string | undefined;
  filter: string | undefined;
  sort: string | undefined;
  projection: string | undefined;
  pipeline: string | undefined;
  key: string | undefined;
  firstUpdate: string | undefined;
  lsid: string | undefined;
  txnNumber: number | undefined;
}

const newCommandScan = (): CommandScan => ({
  name: undefined,
  target: undefined,
  filter: undefined,
  sort: undefined,
  projection: undefined,
  pipeline: undefined,
  key: undefined,
  firstUpdate: undefined,
  lsid: undefined,
  txnNumber: undefined,
});

type Obj = Record<string, unknown>;
type Mutable<T> = { -readonly [K in keyof T]: T[K] };
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

export class Logv2Parser {
  readonly shapes: ShapeCache;
  /** The node this file's lines come from, once a start-up line says so. */
  node: string | undefined;
  // Scratch state reused line after line: the hot path allocates little besides its results.
  private readonly top = new MemberCursor();
  private readonly attrCur = new MemberCursor();
  private readonly cmdCur = new MemberCursor();
  private readonly h: Header = emptyHeader();
  /** The operation slowQuery() read from the current line. */
  private op: Operation | undefined;
  /** Last string / number read by str() / num(). */
  private sv: string | undefined;
  private nv: number | undefined;

  constructor(opts: { shapeCache?: ShapeCache; node?: string } = {}) {
    this.shapes = opts.shapeCache ?? new ShapeCache();
    this.node = opts.node;
  }

  parse(text: string, line: number, offset: number): Logv2Result {
    const h = this.h;
    if (!this.header(text)) return { kind: 'unparsed', reason: 'bad-json' };
    if (h.s === undefined || h.c === undefined || h.msg === undefined) return { kind: 'unparsed', reason: 'no-header' };
    if (!h.tsOk) return { kind: 'unparsed', reason: 'bad-timestamp' };
    const id = h.id;
    // One object per line, its kind set below: spreading a base object would copy it per line.
    const ev = {
      kind: 'other',
      line,
      offset,
      format: 'json',
      ts: h.ts,
      severity: h.s,
      component: h.c,
      id,
      ctx: h.ctx,
      msg: h.msg,
      text,
    } as LogEvent;
    if (h.svc !== undefined) ev.svc = h.svc;
    if (h.attrStart >= 0) ev.attr = text.slice(h.attrStart, h.attrEnd);
    if (h.truncated) ev.truncated = true;
    if (h.tagsStart >= 0) {
      const tags = parseJson(text.slice(h.tagsStart, h.tagsEnd));
      if (Array.isArray(tags)) ev.tags = tags.filter((t): t is string => typeof t === 'string');
    }
    if (id === null || h.attrStart < 0) return ev;
    if (id === LOGV2_IDS.slowQuery) {
      if (!h.slowRead) this.slowQuery(text, h.attrStart);
      const op = this.op;
      if (op !== undefined) {
        op.ts = h.ts;
        if (h.ctx.startsWith('conn')) op.connection = h.ctx;
        const slow = ev as Mutable<LogEvent & { kind: 'slowOp' }>;
        slow.kind = 'slowOp';
        slow.op = op;
      }
      return ev;
    }
    switch (id) {
      case LOGV2_IDS.connAccepted:
      case LOGV2_IDS.connEnded: {
        const a = attrObject(ev);
        const connectionId = num(a?.connectionId);
        const conn: ConnectionRef = { id: connectionId !== undefined ? `conn${connectionId}` : id === LOGV2_IDS.connEnded ? h.ctx : undefined, remote: str(a?.remote) };
        return Object.assign(ev, { kind: id === LOGV2_IDS.connAccepted ? 'connAccepted' : 'connEnded', conn });
      }
      case LOGV2_IDS.clientMetadata: {
        const a = attrObject(ev);
        return Object.assign(ev, { kind: 'clientMetadata', conn: { id: str(a?.client) ?? h.ctx, remote: str(a?.remote) }, client: clientInfo(a?.doc) });
      }
      case LOGV2_IDS.stateTransition: {
        const a = attrObject(ev);
        const to = str(a?.newState);
        return to === undefined ? ev : Object.assign(ev, { kind: 'stateChange', from: str(a?.oldState) ?? null, to });
      }
      case LOGV2_IDS.starting: {
        const a = attrObject(ev);
        const node: NodeInfo = { host: str(a?.host), port: num(a?.port) };
        if (node.host !== undefined) this.node = node.port !== undefined ? `${node.host}:${node.port}` : node.host;
        return Object.assign(ev, { kind: 'startup', node });
      }
      case LOGV2_IDS.buildInfo: {
        const info = attrObject(ev)?.buildInfo;
        const version = isObj(info) ? str(info.version) : undefined;
        return version === undefined ? ev : Object.assign(ev, { kind: 'startup', node: { version } });
      }
      default:
        if (AUTH_OK.has(id) || AUTH_FAIL.has(id)) {
          const a = attrObject(ev);
          const auth: AuthInfo = {
            ok: AUTH_OK.has(id),
            user: str(a?.principalName) ?? str(a?.user),
            db: str(a?.authenticationDatabase) ?? str(a?.db),
            mechanism: str(a?.mechanism),
          };
          const err = a?.error;
          if (err !== undefined) auth.error = typeof err === 'string' ? err : str(isObj(err) ? err.errmsg : undefined);
          return Object.assign(ev, { kind: 'auth', conn: { id: h.ctx, remote: str(a?.remote) ?? str(a?.client) }, auth });
        }
        return ev;
    }
  }

  /** A string value at v (into this.sv, undefined if not a string); returns the value's end. */
  private str(s: string, v: number): number {
    if (s.charCodeAt(v) !== 34) {
      this.sv = undefined;
      return skipValue(s, v);
    }
    const e = stringEnd(s, v);
    this.sv = e < 0 ? undefined : readString(s, v, e);
    return e;
  }

  /** A number value at v (into this.nv); returns the value's end. */
  private num(s: string, v: number): number {
    const e = skipValue(s, v);
    this.nv = e < 0 ? undefined : readNumber(s, v, e);
    return e;
  }

  /** Reads the top-level members into this.h; false when the line is not a well-formed JSON object. */
  private header(s: string): boolean {
    const h = this.h;
    resetHeader(h);
    const c = this.top;
    if (!c.open(s, skipWs(s, 0))) return false;
    while (c.next()) {
      const v = c.value;
      let e: number;
      switch (c.key) {
        case 't':
          e = this.time(s, v);
          break;
        case 's':
          e = this.str(s, v);
          h.s = this.sv;
          break;
        case 'c':
          e = this.str(s, v);
          h.c = this.sv;
          break;
        case 'ctx':
          e = this.str(s, v);
          h.ctx = this.sv ?? '';
          break;
        case 'msg':
          e = this.str(s, v);
          h.msg = this.sv;
          break;
        case 'svc':
          e = this.str(s, v);
          h.svc = this.sv;
          break;
        case 'id':
          e = this.num(s, v);
          h.id = this.nv ?? null;
          break;
        case 'attr':
          // A slow query's attributes are read in this same pass (id comes before attr in
          // logv2): scanning them twice would double the work on slow-query-heavy logs.
          if (h.id === LOGV2_IDS.slowQuery && s.charCodeAt(v) === 123) e = this.slowQuery(s, v);
          else e = skipValue(s, v);
          if (e > 0 && s.charCodeAt(v) === 123) {
            h.attrStart = v;
            h.attrEnd = e;
          }
          break;
        case 'tags':
          e = skipValue(s, v);
          h.tagsStart = v;
          h.tagsEnd = e;
          break;
        case 'truncated':
        case 'size':
          h.truncated = true;
          e = skipValue(s, v);
          break;
        default:
          e = skipValue(s, v);
      }
      if (!c.after(e)) break;
    }
    return !c.failed && skipWs(s, c.end) === s.length;
  }

  /** `{"$date":"2023-…"}` or `{"$date":{"$numberLong":"…"}}`. */
  private time(s: string, v: number): number {
    const h = this.h;
    const e = skipValue(s, v);
    if (e < 0) return -1;
    const q = s.indexOf('"$date":', v);
    if (q > 0 && q < e) {
      const at = skipWs(s, q + 8);
      if (s.charCodeAt(at) === 34) {
        const t = parseIsoAt(s, at + 1);
        if (t !== undefined && s.charCodeAt(t.end) === 34) {
          h.ts = t.ms;
          h.tsOk = true;
        }
      } else {
        const vEnd = skipValue(s, at);
        const n = vEnd > 0 ? readNumber(s, at, vEnd) : undefined;
        if (n !== undefined) {
          h.ts = n;
          h.tsOk = true;
        }
      }
    }
    return e;
  }

  /**
   * Reads the operation of a "Slow query" line straight from the text of `attr` into this.op
   * (undefined when the line lacks what an operation needs). Returns the index after `attr`, or
   * -1 when its structure is broken.
   */
  private slowQuery(s: string, attrStart: number): number {
    this.h.slowRead = true;
    this.op = undefined;
    let type: string | undefined;
    let ns: string | undefined;
    let duration: number | undefined;
    let planCacheShapeHash: string | undefined;
    let errCode: number | undefined;
    let errName: string | undefined;
    let errMsg: string | undefined;
    let ok: number | undefined;
    let cmd: CommandScan | undefined;
    let orig: CommandScan | undefined;
    const op: Operation = { source: 'log', ns: '', op: '', ts: null, durationMs: 0 };
    const c = this.attrCur;
    if (!c.open(s, attrStart)) return skipValue(s, attrStart);
    while (c.next()) {
      const v = c.value;
      let e: number;
      switch (c.key) {
        case 'type':
          e = this.str(s, v);
          type = this.sv;
          break;
        case 'ns':
          e = this.str(s, v);
          ns = this.sv;
          break;
        case 'appName':
          e = this.str(s, v);
          if (this.sv !== undefined) op.appName = this.sv;
          break;
        case 'remote':
          e = this.str(s, v);
          if (this.sv !== undefined) op.client = this.sv;
          break;
        case 'planSummary':
          e = this.str(s, v);
          if (this.sv !== undefined) op.planSummary = this.sv;
          break;
        case 'queryHash':
          e = this.str(s, v);
          if (this.sv !== undefined) op.queryHash = this.sv;
          break;
        case 'planCacheShapeHash':
          e = this.str(s, v);
          planCacheShapeHash = this.sv;
          break;
        case 'planCacheKey':
          e = this.str(s, v);
          if (this.sv !== undefined) op.planCacheKey = this.sv;
          break;
        case 'queryShapeHash':
          e = this.str(s, v);
          if (this.sv !== undefined) op.queryShapeHash = this.sv;
          break;
        case 'errName':
          e = this.str(s, v);
          errName = this.sv;
          break;
        case 'errMsg':
          e = this.str(s, v);
          errMsg = this.sv;
          break;
        case 'durationMillis':
          e = this.num(s, v);
          duration = this.nv;
          break;
        case 'keysExamined':
          e = this.num(s, v);
          if (this.nv !== undefined) op.keysExamined = this.nv;
          break;
        case 'docsExamined':
          e = this.num(s, v);
          if (this.nv !== undefined) op.docsExamined = this.nv;
          break;
        case 'nreturned':
          e = this.num(s, v);
          if (this.nv !== undefined) op.nreturned = this.nv;
          break;
        case 'nModified':
          e = this.num(s, v);
          if (this.nv !== undefined) op.nModified = this.nv;
          break;
        case 'ndeleted':
          e = this.num(s, v);
          if (this.nv !== undefined) op.ndeleted = this.nv;
          break;
        case 'ninserted':
          e = this.num(s, v);
          if (this.nv !== undefined) op.ninserted = this.nv;
          break;
        case 'numYields':
          e = this.num(s, v);
          if (this.nv !== undefined) op.numYields = this.nv;
          break;
        case 'reslen':
          e = this.num(s, v);
          if (this.nv !== undefined) op.reslen = this.nv;
          break;
        case 'errCode':
          e = this.num(s, v);
          errCode = this.nv;
          break;
        case 'ok':
          e = this.num(s, v);
          ok = this.nv;
          break;
        case 'command':
          cmd = newCommandScan();
          e = this.scanCommand(s, v, cmd);
          break;
        case 'originatingCommand':
          orig = newCommandScan();
          e = this.scanCommand(s, v, orig);
          break;
        default:
          e = skipValue(s, v);
      }
      if (!c.after(e)) break;
    }
    if (c.failed) return -1;
    if (ns === undefined || duration === undefined || !(duration >= 0 && duration <= MAX_DURATION_MS)) return c.end;

    let opName: string;
    let shapeFrom: CommandScan | undefined = cmd;
    let shapeOp: string;
    if (type === 'update' || type === 'remove') opName = type;
    else if (cmd?.name !== undefined) opName = cmd.name;
    else opName = type ?? 'unknown';
    shapeOp = opName;
    if ((opName === 'getMore' || opName === 'getmore') && orig !== undefined) {
      shapeFrom = orig;
      shapeOp = orig.name ?? opName;
    }
    if (cmd !== undefined) ns = commandNamespace(ns, cmd.name, cmd.target);
    const session = cmd?.lsid !== undefined ? cmd : orig?.lsid !== undefined ? orig : undefined;
    if (session !== undefined) {
      op.lsid = session.lsid;
      if (session.txnNumber !== undefined) op.txnNumber = session.txnNumber;
    }
    op.ns = ns;
    op.op = opName;
    op.durationMs = duration;
    if (this.node !== undefined) op.node = this.node;
    if (errCode !== undefined || errName !== undefined || (ok !== undefined && ok !== 1)) {
      const error: Operation['error'] = {};
      if (errCode !== undefined) error.code = errCode;
      if (errName !== undefined) error.name = errName;
      if (errMsg !== undefined) error.message = errMsg;
      op.error = error;
    }
    if (shapeFrom !== undefined) {
      const shape = this.shapeOf(shapeOp, shapeFrom);
      if (shape !== undefined) {
        op.shape = shapeRef(shape, { queryShapeHash: op.queryShapeHash, planCacheShapeHash, queryHash: op.queryHash });
      }
    }
    this.op = op;
    return c.end;
  }

  private shapeOf(op: string, c: CommandScan): CachedShape | undefined {
    const rawKey = `${op}\u0001${c.filter ?? ''}\u0001${c.sort ?? ''}\u0001${c.projection ?? ''}\u0001${c.pipeline ?? ''}\u0001${c.key ?? ''}\u0001${c.firstUpdate ?? ''}`;
    return this.shapes.get(rawKey, op, c, buildShapeInput);
  }

  /** Records where the shape-bearing parts of a command are; returns the index after it. */
  private scanCommand(s: string, v: number, c: CommandScan): number {
    if (s.charCodeAt(v) !== 123) return skipValue(s, v);
    const cur = this.cmdCur;
    cur.open(s, v);
    while (cur.next()) {
      const key = cur.key;
      const at = cur.value;
      const e = skipValue(s, at);
      if (!cur.after(e)) break;
      if (c.name === undefined) {
        c.name = key;
        if (s.charCodeAt(at) === 34) c.target = readString(s, at, e);
        // Per-statement update / delete lines carry {q, u, ...} only: their first key is a part.
        if (key !== 'q') continue;
      }
      switch (key) {
        case 'filter':
        case 'query':
        case 'q':
          if (c.filter === undefined) c.filter = s.slice(at, e);
          break;
        case 'sort':
          c.sort = s.slice(at, e);
          break;
        case 'projection':
        case 'fields':
          c.projection = s.slice(at, e);
          break;
        case 'pipeline':
          c.pipeline = s.slice(at, e);
          break;
        case 'key':
          c.key = s.slice(at, e);
          break;
        case 'lsid': {
          // {"id":{"$uuid":"…"}} (or a legacy BinData form): only the UUID text identifies the session.
          const m = LSID_UUID.exec(s.slice(at, Math.min(e, at + 200)));
          if (m !== null) c.lsid = m[1]!.toLowerCase();
          break;
        }
        case 'txnNumber': {
          const n = readNumber(s, at, e);
          if (n !== undefined && Number.isSafeInteger(n) && n >= 0) c.txnNumber = n;
          break;
        }
        case 'updates':
        case 'deletes': {
          const first = skipWs(s, at + 1);
          if (s.charCodeAt(at) === 91 && s.charCodeAt(first) === 123) {
            const fe = skipValue(s, first);
            if (fe > 0) c.firstUpdate = s.slice(first, fe);
          }
          break;
        }
      }
    }
    return cur.failed ? -1 : cur.end;
  }
}

/** The parsed parts of a command, for a shape-cache miss. */
function buildShapeInput(c: CommandScan): ShapeInput {
  const input: ShapeInput = {};
  if (c.filter !== undefined) input.filter = parseJson(c.filter);
  if (c.sort !== undefined) input.sort = parseJson(c.sort);
  if (c.projection !== undefined) input.projection = parseJson(c.projection);
  if (c.pipeline !== undefined) input.pipeline = parseJson(c.pipeline);
  if (c.key !== undefined) input.key = parseJson(c.key);
  if (c.firstUpdate !== undefined && input.filter === undefined) {
    const u = parseJson(c.firstUpdate);
    if (isObj(u) && u.q !== undefined) input.filter = u.q;
  }
  return input;
}

function attrObject(ev: LogEventBase): Obj | undefined {
  const v = ev.attr === undefined ? undefined : parseJson(ev.attr);
  return isObj(v) ? v : undefined;
}

const emptyHeader = (): Header => ({
  ts: null,
  tsOk: false,
  s: undefined,
  c: undefined,
  id: null,
  ctx: '',
  msg: undefined,
  svc: undefined,
  attrStart: -1,
  attrEnd: -1,
  tagsStart: -1,
  tagsEnd: -1,
  truncated: false,
  slowRead: false,
});

function resetHeader(h: Header): void {
  h.ts = null;
  h.tsOk = false;
  h.s = undefined;
  h.c = undefined;
  h.id = null;
  h.ctx = '';
  h.msg = undefined;
  h.svc = undefined;
  h.attrStart = -1;
  h.attrEnd = -1;
  h.tagsStart = -1;
  h.tagsEnd = -1;
  h.truncated = false;
  h.slowRead = false;
}

/** Client metadata (`doc` of id 51800, or the legacy `received client metadata` document). */
export function clientInfo(doc: unknown): ClientInfo {
  const info: ClientInfo = {};
  if (!isObj(doc)) return info;
  const driver = doc.driver;
  if (isObj(driver)) {
    if (typeof driver.name === 'string') info.driver = driver.name;
    if (typeof driver.version === 'string') info.driverVersion = driver.version;
  }
  const app = doc.application;
  if (isObj(app) && typeof app.name === 'string') info.appName = app.name;
  const os = doc.os;
  if (isObj(os)) {
    const parts = [os.name ?? os.type, os.version].filter((x): x is string => typeof x === 'string');
    if (parts.length > 0) info.os = parts.join(' ');
  }
  if (typeof doc.platform === 'string') info.platform = doc.platform;
  return info;
}
