import { BaleenError, isBaleenError } from '../../../src-shared/domain/errors';
import type { ExplainOp, ParsedQuery, Verbosity } from '../../../src-shared/domain/explain';
import { DEFAULT_PARSE_LIMITS, parseShellValueAt, type ParseLimits } from './explain-text.parser';
import type { JsonObject, JsonValue } from './explain.schema';

/**
 * Reads a query as a DBA types it in mongosh — `db.orders.find({status: "A"}).sort({ts: -1})`,
 * `db.getSiblingDB("shop").orders.aggregate([...])`, `db.c.explain("executionStats").count({...})` —
 * and turns it into the server command to explain. Nothing is evaluated: the call chain is scanned
 * here and every argument is read by the explain parser's shell-value reader, so only literals
 * (objects, arrays, strings, numbers, `ISODate(…)`, `ObjectId(…)`, `/re/`) are accepted.
 * Every failure is a BaleenError `E_INVALID_INPUT` naming the line and column.
 */

/** A query typed by hand: 1 MiB is far beyond any real one, and keeps a pasted log file out. */
export const MAX_QUERY_CHARS = 1024 * 1024;

const VERBOSITIES: readonly Verbosity[] = ['queryPlanner', 'executionStats', 'allPlansExecution'];

const isObj = (v: unknown): v is JsonObject => v !== null && typeof v === 'object' && !Array.isArray(v);

const isIdentStart = (c: number) => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f || c === 0x24;
const isIdentPart = (c: number) => isIdentStart(c) || (c >= 0x30 && c <= 0x39);

interface Call {
  name: string;
  args: JsonValue[];
  at: number;
}

class ChainScanner {
  pos = 0;
  constructor(
    readonly src: string,
    private readonly limits: ParseLimits,
  ) {}

  fail(msg: string, at = this.pos): never {
    const before = this.src.slice(0, at);
    const line = before.split('\n').length;
    const column = at - before.lastIndexOf('\n');
    throw new BaleenError('E_INVALID_INPUT', `Cannot read the query at line ${line}, column ${column}: ${msg}`, { offset: at, line, column });
  }

  skipWs(): void {
    const s = this.src;
    for (;;) {
      const c = s.charCodeAt(this.pos);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0xa0 || c === 0xfeff) this.pos++;
      else if (c === 0x2f && s.charCodeAt(this.pos + 1) === 0x2f) {
        const nl = s.indexOf('\n', this.pos);
        this.pos = nl < 0 ? s.length : nl + 1;
      } else if (c === 0x2f && s.charCodeAt(this.pos + 1) === 0x2a) {
        const end = s.indexOf('*/', this.pos + 2);
        if (end < 0) this.fail('unterminated comment');
        this.pos = end + 2;
      } else return;
    }
  }

  peek(): number {
    this.skipWs();
    return this.src.charCodeAt(this.pos);
  }

  eat(c: number): boolean {
    if (this.peek() !== c) return false;
    this.pos++;
    return true;
  }

  ident(): string {
    this.skipWs();
    const start = this.pos;
    if (!isIdentStart(this.src.charCodeAt(this.pos))) this.fail('expected a name');
    while (isIdentPart(this.src.charCodeAt(this.pos))) this.pos++;
    return this.src.slice(start, this.pos);
  }

  value(): JsonValue {
    this.skipWs();
    try {
      const { value, end } = parseShellValueAt(this.src, this.pos, this.limits);
      this.pos = end;
      return value;
    } catch (e) {
      // The value reader speaks of "explain input"; here it is the query the user typed.
      if (isBaleenError(e)) throw new BaleenError('E_INVALID_INPUT', e.message.replace(/explain input/g, 'the query'), e.details);
      throw e;
    }
  }

  /** `(a, b, …)`: the opening parenthesis is next. */
  args(): JsonValue[] {
    this.pos++;
    const out: JsonValue[] = [];
    if (this.eat(0x29)) return out;
    for (;;) {
      if (out.length >= 8) this.fail('too many arguments');
      out.push(this.value());
      if (this.eat(0x2c)) {
        if (this.eat(0x29)) return out; // trailing comma
        continue;
      }
      if (this.eat(0x29)) return out;
      this.fail('expected "," or ")" after an argument');
    }
  }

  /** `["name"]` after a receiver: the opening bracket is next. */
  bracketName(): string {
    this.pos++;
    const at = this.pos;
    const v = this.value();
    if (typeof v !== 'string') this.fail('expected a collection name in quotes', at);
    if (!this.eat(0x5d)) this.fail('expected "]"');
    return v;
  }
}

const COLLECTION_METHODS = new Set([
  'find',
  'findOne',
  'aggregate',
  'count',
  'countDocuments',
  'estimatedDocumentCount',
  'distinct',
  'updateOne',
  'updateMany',
  'update',
  'replaceOne',
  'deleteOne',
  'deleteMany',
  'remove',
  'findOneAndUpdate',
  'findOneAndReplace',
  'findOneAndDelete',
  'findAndModify',
]);

/** Cursor methods that only shape a find (or are no-ops for explain). */
const CURSOR_METHODS = new Set(['sort', 'limit', 'skip', 'projection', 'project', 'hint', 'collation', 'maxTimeMS', 'comment', 'batchSize', 'toArray', 'pretty', 'explain', 'count', 'itcount', 'allowDiskUse', 'readPref', 'min', 'max', 'returnKey', 'showRecordId']);

export function parseMongoshQuery(text: string, limits: Partial<ParseLimits> = {}): ParsedQuery {
  if (typeof text !== 'string') throw new BaleenError('E_INVALID_INPUT', 'The query must be text.');
  if (text.length > MAX_QUERY_CHARS) throw new BaleenError('E_INVALID_INPUT', `The query is ${text.length} characters long; at most ${MAX_QUERY_CHARS} are accepted.`);
  const lim: ParseLimits = { ...DEFAULT_PARSE_LIMITS, maxDepth: 100, ...limits };
  const s = new ChainScanner(text, lim);
  s.skipWs();
  if (s.pos >= text.length) throw new BaleenError('E_INVALID_INPUT', 'The query is empty: type one like db.orders.find({status: "A"}).');
  const start = s.pos;
  if (s.ident() !== 'db') s.fail('a query starts with db (for example db.orders.find({…}))', start);

  let db: string | null = null;
  const nameParts: string[] = [];
  let collection: string | null = null;
  let verbosity: Verbosity | null = null;
  let method: Call | null = null;
  const chain: Call[] = [];

  for (;;) {
    const c = s.peek();
    if (Number.isNaN(c) || c === 0x3b) break;
    if (c === 0x5b) {
      if (method || collection !== null) s.fail('unexpected "["');
      nameParts.push(s.bracketName());
      continue;
    }
    if (c !== 0x2e) s.fail('expected "." and a method name');
    s.pos++;
    const at = s.pos;
    const name = s.ident();
    if (s.peek() !== 0x28) {
      // A property: part of the collection name (`db.system.profile` is the collection "system.profile").
      if (method || collection !== null) s.fail(`unexpected .${name} (expected a method call)`, at);
      nameParts.push(name);
      continue;
    }
    // Refuse an unknown method by its name, before reading arguments it could never take.
    if (!method && !['getSiblingDB', 'getDB', 'getCollection', 'explain'].includes(name) && !COLLECTION_METHODS.has(name)) {
      if (nameParts.length === 0 && collection === null) s.fail(`db.${name}() is not a collection method; write db.<collection>.find(…)`, at);
      s.fail(`.${name}() is not something Baleen can explain (find, aggregate, count, distinct, update, delete and findAndModify are)`, at);
    }
    if (method && !CURSOR_METHODS.has(name)) s.fail(`.${name}() cannot follow ${method.name}()`, at);
    const args = s.args();
    const call: Call = { name, args, at };
    if (!method) {
      if (name === 'getSiblingDB' || name === 'getDB') {
        if (nameParts.length > 0 || collection !== null || db !== null) s.fail(`${name}() must come right after db`, at);
        db = stringArg(s, call, 0, 'a database name');
        continue;
      }
      if (name === 'getCollection') {
        if (nameParts.length > 0 || collection !== null) s.fail('getCollection() must come right after db or getSiblingDB()', at);
        collection = stringArg(s, call, 0, 'a collection name');
        continue;
      }
      if (name === 'explain') {
        if (nameParts.length === 0 && collection === null) s.fail('explain() needs a collection first: db.orders.explain(…).find(…)', at);
        verbosity = verbosityArg(s, call);
        continue;
      }
      if (nameParts.length === 0 && collection === null) s.fail(`${name}() needs a collection: db.<collection>.${name}(…)`, at);
      method = call;
      continue;
    }
    if (name === 'explain') {
      verbosity = verbosityArg(s, call);
      continue;
    }
    chain.push(call);
  }
  if (s.eat(0x3b)) s.skipWs();
  if (s.pos < text.length) s.fail('unexpected text after the query');
  if (!method) return s.fail('no query method: end the query with .find(…), .aggregate([…]), .count(…) …', text.length);

  const coll = collection ?? nameParts.join('.');
  checkCollectionName(s, coll, method.at);
  if (db !== null) checkDbName(s, db, method.at);
  const built = buildCommand(s, coll, method, chain);
  return { ...built, db, collection: coll, method: method.name, verbosity };
}

function stringArg(s: ChainScanner, call: Call, i: number, what: string): string {
  const v = call.args[i];
  if (typeof v !== 'string') s.fail(`${call.name}() takes ${what} in quotes`, call.at);
  return v;
}

function verbosityArg(s: ChainScanner, call: Call): Verbosity | null {
  const v = call.args[0];
  if (v === undefined) return 'queryPlanner';
  // mongosh: true means allPlansExecution, false queryPlanner.
  if (v === true) return 'allPlansExecution';
  if (v === false) return 'queryPlanner';
  if (typeof v === 'string' && (VERBOSITIES as readonly string[]).includes(v)) return v as Verbosity;
  return s.fail(`explain() takes "queryPlanner", "executionStats" or "allPlansExecution"`, call.at);
}

function checkCollectionName(s: ChainScanner, c: string, at: number): void {
  if (c === '') s.fail('the collection name is empty', at);
  if (c.length > 255) s.fail('the collection name is longer than 255 characters', at);
  if (c.includes('\0') || c.includes('$')) s.fail(`"${c}" is not a collection name (no "$" or NUL)`, at);
}

function checkDbName(s: ChainScanner, d: string, at: number): void {
  if (!/^[^/\\. "$*<>:|?\0]{1,64}$/.test(d)) s.fail(`"${d}" is not a database name`, at);
}

interface Built {
  op: ExplainOp;
  command: JsonObject;
  shape: ParsedQuery['shape'];
  writesOutput: boolean;
  notes: string[];
}

const doc = (s: ChainScanner, call: Call, i: number, what: string, required = false): JsonObject | undefined => {
  const v = call.args[i];
  if (v === undefined || (v === null && !required)) {
    if (required) s.fail(`${call.name}() needs ${what}`, call.at);
    return undefined;
  }
  if (!isObj(v)) s.fail(`${call.name}(): ${what} must be a document {…}`, call.at);
  return v;
};

const nonNegInt = (s: ChainScanner, call: Call, v: JsonValue | undefined, what: string): number | undefined => {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) s.fail(`${call.name}(): ${what} must be a whole number`, call.at);
  return Math.abs(v);
};

/** Options a method's last argument may carry that the command takes under the same name. */
function pick(opts: JsonObject | undefined, keys: readonly string[]): JsonObject {
  const out: JsonObject = {};
  if (!opts) return out;
  for (const k of keys) if (opts[k] !== undefined) out[k] = opts[k]!;
  return out;
}

function buildCommand(s: ChainScanner, coll: string, m: Call, chain: Call[]): Built {
  const notes: string[] = [];
  const noChain = () => {
    const bad = chain.find((c) => c.name !== 'toArray' && c.name !== 'pretty');
    if (bad) s.fail(`.${bad.name}() cannot follow ${m.name}()`, bad.at);
  };
  switch (m.name) {
    case 'find':
    case 'findOne': {
      const filter = doc(s, m, 0, 'a filter') ?? {};
      const projection = doc(s, m, 1, 'a projection');
      const opts = doc(s, m, 2, 'options');
      const cmd: JsonObject = { find: coll, filter };
      if (projection) cmd.projection = projection;
      Object.assign(cmd, pick(opts, ['sort', 'limit', 'skip', 'hint', 'collation', 'min', 'max', 'returnKey', 'showRecordId', 'allowDiskUse']));
      if (m.name === 'findOne') {
        cmd.limit = 1;
        cmd.singleBatch = true;
      }
      let countCall: Call | null = null;
      for (const c of chain) {
        const a = c.args[0];
        switch (c.name) {
          case 'sort':
          case 'hint':
          case 'collation':
          case 'min':
          case 'max':
            if (a === undefined || (!isObj(a) && !(c.name === 'hint' && typeof a === 'string'))) s.fail(`.${c.name}() takes a document`, c.at);
            cmd[c.name] = a;
            break;
          case 'projection':
          case 'project':
            if (!isObj(a)) s.fail(`.${c.name}() takes a document`, c.at);
            cmd.projection = a;
            break;
          case 'limit':
          case 'skip':
            cmd[c.name] = nonNegInt(s, c, a ?? 0, 'the count') ?? 0;
            break;
          case 'allowDiskUse':
            cmd.allowDiskUse = a === undefined ? true : a === true;
            break;
          case 'returnKey':
          case 'showRecordId':
            cmd[c.name] = a === undefined ? true : a === true;
            break;
          case 'count':
          case 'itcount':
            countCall = c;
            break;
          default:
            // comment, batchSize, maxTimeMS, readPref, toArray, pretty: they do not change the plan.
            break;
        }
      }
      const shape = { filter, ...(cmd.sort !== undefined ? { sort: cmd.sort } : {}), ...(cmd.projection !== undefined ? { projection: cmd.projection } : {}) };
      if (countCall) {
        // cursor.count() runs the count command with the find's filter.
        const count: JsonObject = { count: coll, query: filter, ...pick(cmd, ['limit', 'skip', 'hint', 'collation']) };
        return { op: 'count', command: count, shape: { filter }, writesOutput: false, notes };
      }
      return { op: 'find', command: cmd, shape, writesOutput: false, notes };
    }
    case 'aggregate': {
      let pipeline: JsonValue[];
      let opts: JsonObject | undefined;
      const a0 = m.args[0];
      if (Array.isArray(a0)) {
        pipeline = a0;
        opts = doc(s, m, 1, 'options');
      } else if (isObj(a0)) {
        // mongosh also takes the stages as separate arguments.
        pipeline = m.args;
      } else pipeline = a0 === undefined ? [] : s.fail('aggregate() takes a pipeline [ … ]', m.at);
      if (pipeline.length > 1000) s.fail('a pipeline holds at most 1000 stages', m.at);
      pipeline.forEach((st, i) => {
        if (!isObj(st) || Object.keys(st).length !== 1 || !Object.keys(st)[0]!.startsWith('$')) s.fail(`stage ${i + 1} of the pipeline must be one {$stage: …} document`, m.at);
      });
      for (const c of chain) if (c.name !== 'toArray' && c.name !== 'pretty') s.fail(`.${c.name}() cannot follow aggregate()`, c.at);
      const last = pipeline.length > 0 ? Object.keys(pipeline[pipeline.length - 1] as JsonObject)[0] : undefined;
      const writesOutput = pipeline.some((st) => isObj(st) && ('$out' in st || '$merge' in st));
      if (writesOutput && last !== '$out' && last !== '$merge') notes.push('$out and $merge must be the last stage: the server will refuse this pipeline');
      const cmd: JsonObject = { aggregate: coll, pipeline, cursor: {}, ...pick(opts, ['allowDiskUse', 'hint', 'collation', 'let']) };
      return { op: 'aggregate', command: cmd, shape: { pipeline }, writesOutput, notes };
    }
    case 'count':
    case 'countDocuments':
    case 'estimatedDocumentCount': {
      noChain();
      const filter = m.name === 'estimatedDocumentCount' ? undefined : doc(s, m, 0, 'a filter');
      const opts = doc(s, m, m.name === 'estimatedDocumentCount' ? 0 : 1, 'options');
      if (m.name === 'countDocuments') notes.push('countDocuments() runs an aggregation ($match, $group); the count command explained here plans the same filter');
      const cmd: JsonObject = { count: coll, ...(filter ? { query: filter } : {}), ...pick(opts, ['limit', 'skip', 'hint', 'collation']) };
      return { op: 'count', command: cmd, shape: { filter: filter ?? {} }, writesOutput: false, notes };
    }
    case 'distinct': {
      noChain();
      const key = m.args[0];
      if (typeof key !== 'string' || key === '') s.fail('distinct() takes a field name in quotes first', m.at);
      const filter = doc(s, m, 1, 'a filter');
      const opts = doc(s, m, 2, 'options');
      const cmd: JsonObject = { distinct: coll, key, ...(filter ? { query: filter } : {}), ...pick(opts, ['collation', 'hint']) };
      return { op: 'distinct', command: cmd, shape: { filter: filter ?? {}, key }, writesOutput: false, notes };
    }
    case 'updateOne':
    case 'updateMany':
    case 'update':
    case 'replaceOne': {
      noChain();
      const q = doc(s, m, 0, 'a filter', true)!;
      const u = m.args[1];
      if (!(isObj(u) || (Array.isArray(u) && m.name !== 'replaceOne'))) s.fail(`${m.name}() needs ${m.name === 'replaceOne' ? 'a replacement document' : 'an update document or pipeline'} second`, m.at);
      const opts = doc(s, m, 2, 'options');
      const multi = m.name === 'updateMany' || (m.name === 'update' && opts?.multi === true);
      const stmt: JsonObject = { q, u, multi, upsert: opts?.upsert === true, ...pick(opts, ['arrayFilters', 'hint', 'collation']) };
      return { op: 'update', command: { update: coll, updates: [stmt] }, shape: { filter: q }, writesOutput: false, notes };
    }
    case 'deleteOne':
    case 'deleteMany':
    case 'remove': {
      noChain();
      const q = doc(s, m, 0, 'a filter', m.name !== 'remove') ?? {};
      const a1 = m.args[1];
      const justOne = m.name === 'deleteOne' || (m.name === 'remove' && (a1 === true || (isObj(a1) && a1.justOne === true)));
      const opts = m.name === 'remove' ? undefined : doc(s, m, 1, 'options');
      const stmt: JsonObject = { q, limit: justOne ? 1 : 0, ...pick(opts, ['hint', 'collation']) };
      return { op: 'delete', command: { delete: coll, deletes: [stmt] }, shape: { filter: q }, writesOutput: false, notes };
    }
    case 'findOneAndUpdate':
    case 'findOneAndReplace':
    case 'findOneAndDelete': {
      noChain();
      const query = doc(s, m, 0, 'a filter', true)!;
      const del = m.name === 'findOneAndDelete';
      const u = del ? undefined : m.args[1];
      if (!del && !(isObj(u) || (Array.isArray(u) && m.name === 'findOneAndUpdate'))) s.fail(`${m.name}() needs ${m.name === 'findOneAndReplace' ? 'a replacement document' : 'an update'} second`, m.at);
      const opts = doc(s, m, del ? 1 : 2, 'options');
      const cmd: JsonObject = { findAndModify: coll, query, ...(del ? { remove: true } : { update: u! }) };
      if (opts?.sort !== undefined) cmd.sort = opts.sort;
      if (opts?.projection !== undefined) cmd.fields = opts.projection;
      if (!del) {
        cmd.new = opts?.returnDocument === 'after' || opts?.returnNewDocument === true;
        cmd.upsert = opts?.upsert === true;
      }
      Object.assign(cmd, pick(opts, ['arrayFilters', 'hint', 'collation']));
      return { op: 'findAndModify', command: cmd, shape: { filter: query, ...(cmd.sort !== undefined ? { sort: cmd.sort } : {}) }, writesOutput: false, notes };
    }
    case 'findAndModify': {
      noChain();
      const spec = doc(s, m, 0, 'a {query, update | remove, …} document', true)!;
      if (spec.update === undefined && spec.remove !== true) s.fail('findAndModify() needs update or remove: true', m.at);
      const query = spec.query === undefined ? {} : isObj(spec.query) ? spec.query : s.fail('findAndModify(): query must be a document', m.at);
      const cmd: JsonObject = { findAndModify: coll, query, ...pick(spec, ['sort', 'update', 'remove', 'new', 'fields', 'upsert', 'arrayFilters', 'hint', 'collation']) };
      return { op: 'findAndModify', command: cmd, shape: { filter: query, ...(spec.sort !== undefined ? { sort: spec.sort } : {}) }, writesOutput: false, notes };
    }
    default:
      return s.fail(`.${m.name}() cannot be explained`, m.at);
  }
}
