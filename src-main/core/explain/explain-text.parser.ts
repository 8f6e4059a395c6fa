import { BaleenError } from '../../../src-shared/domain/errors';
import type { JsonValue } from './explain.schema';

/**
 * Reads explain output as people save it: strict JSON, Extended JSON (relaxed or canonical), and the
 * mongosh / legacy mongo shell notation (`NumberLong(5)`, `ISODate("…")`, unquoted keys, single quotes,
 * `/re/i`, `[Object]` where mongosh cut the depth). Never evaluates anything.
 *
 * The result is plain relaxed Extended JSON: counters are JS numbers, other BSON types keep their
 * `{"$date": …}`-style wrapper, so it serialises as is and crosses the contract unchanged.
 */

export interface ParseLimits {
  /** Longest accepted text, in UTF-16 code units. */
  maxChars: number;
  /** Deepest accepted nesting of objects, arrays and constructor calls. mongod itself stops at 200. */
  maxDepth: number;
}

export const DEFAULT_PARSE_LIMITS: Readonly<ParseLimits> = Object.freeze({
  maxChars: 32 * 1024 * 1024,
  maxDepth: 200,
});

/** Keys that could reach Object.prototype if a later consumer copies objects carelessly (FUZZ-4). */
const DANGEROUS_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
export const isDangerousKey = (k: string): boolean => DANGEROUS_KEYS.has(k);

export function parseExplainText(text: string, limits: Partial<ParseLimits> = {}): JsonValue {
  const lim: ParseLimits = { ...DEFAULT_PARSE_LIMITS, ...limits };
  if (typeof text !== 'string') throw new BaleenError('E_PARSE', 'explain input is not text');
  if (text.length > lim.maxChars) {
    throw new BaleenError('E_PARSE', `explain input is too large (${text.length} characters, limit ${lim.maxChars})`, {
      size: text.length,
      limit: lim.maxChars,
    });
  }
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (src.trim() === '') throw new BaleenError('E_PARSE', 'explain input is empty');

  // Bound the nesting before anything walks the tree recursively.
  const depth = scanNestingDepth(src, lim.maxDepth);
  if (depth > lim.maxDepth) {
    throw new BaleenError('E_PARSE', `explain input is nested deeper than ${lim.maxDepth} levels`, { limit: lim.maxDepth });
  }

  let raw: unknown;
  let strict = true;
  try {
    raw = JSON.parse(src);
  } catch {
    strict = false;
  }
  if (!strict) raw = new ShellParser(src, lim.maxDepth).parseDocument();
  return normalizeEjson(raw, 0, lim.maxDepth);
}

/**
 * One shell-notation value (an object, array, string, number, `ISODate(…)`…) starting at `pos` in a
 * longer text, such as an argument inside `db.c.find({…})`. Returns the value in the same relaxed form
 * as parseExplainText and the offset just past it. Never evaluates anything; only BaleenError escapes.
 */
export function parseShellValueAt(src: string, pos: number, limits: Partial<ParseLimits> = {}): { value: JsonValue; end: number } {
  const lim: ParseLimits = { ...DEFAULT_PARSE_LIMITS, ...limits };
  if (typeof src !== 'string' || src.length > lim.maxChars) throw new BaleenError('E_PARSE', `input is too large (limit ${lim.maxChars} characters)`);
  if (scanNestingDepth(src.slice(pos), lim.maxDepth) > lim.maxDepth) throw new BaleenError('E_PARSE', `input is nested deeper than ${lim.maxDepth} levels`, { limit: lim.maxDepth });
  const p = new ShellParser(src, lim.maxDepth);
  const { value, end } = p.parseValueAt(pos);
  return { value: normalizeEjson(value, 0, lim.maxDepth), end };
}

/**
 * Deepest bracket nesting outside string literals; stops counting once past `cap`.
 * Brackets inside a regex literal are counted too, which can only over-estimate.
 */
export function scanNestingDepth(src: string, cap: number): number {
  let depth = 0;
  let max = 0;
  const n = src.length;
  for (let i = 0; i < n; i++) {
    const c = src.charCodeAt(i);
    if (c === 0x22 || c === 0x27 || c === 0x60) {
      // skip a string literal
      for (i++; i < n; i++) {
        const d = src.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === c) break;
      }
    } else if (c === 0x7b || c === 0x5b || c === 0x28) {
      depth++;
      if (depth > max) {
        max = depth;
        if (max > cap) return max;
      }
    } else if (c === 0x7d || c === 0x5d || c === 0x29) {
      if (depth > 0) depth--;
    }
  }
  return max;
}

// ---------------------------------------------------------------------------------------------
// Extended JSON → plain relaxed form. Runs on both parse paths; depth is checked before descending.

function normalizeEjson(v: unknown, depth: number, maxDepth: number): JsonValue {
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
  // -0 becomes 0: JSON cannot carry it, and the model must survive serialisation unchanged.
  if (typeof v === 'number') return Number.isFinite(v) ? (v === 0 ? 0 : v) : { $numberDouble: nonFiniteName(v) };
  if (depth >= maxDepth) throw new BaleenError('E_PARSE', `explain input is nested deeper than ${maxDepth} levels`);
  if (Array.isArray(v)) {
    const out: JsonValue[] = new Array<JsonValue>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = normalizeEjson(v[i], depth + 1, maxDepth);
    return out;
  }
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 1 || keys.length === 2) {
      const w = unwrapEjson(o, keys);
      if (w !== undefined) return w;
    }
    const out: Record<string, JsonValue> = {};
    for (const k of keys) {
      if (DANGEROUS_KEYS.has(k)) continue;
      out[k] = normalizeEjson(o[k], depth + 1, maxDepth);
    }
    return out;
  }
  // undefined, functions, symbols cannot come from text; treat defensively.
  return null;
}

const INT_RE = /^[+-]?\d{1,20}$/;
const DOUBLE_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function nonFiniteName(n: number): string {
  return Number.isNaN(n) ? 'NaN' : n > 0 ? 'Infinity' : '-Infinity';
}

/** Canonical Extended JSON numbers and dates become plain values; returns undefined if `o` is not such a wrapper. */
function unwrapEjson(o: Record<string, unknown>, keys: string[]): JsonValue | undefined {
  if (keys.length !== 1) return undefined;
  const k = keys[0]!;
  const val = o[k];
  switch (k) {
    case '$numberLong':
    case '$numberInt':
      return typeof val === 'string' && INT_RE.test(val) ? longToJson(val) : undefined;
    case '$numberDouble':
      if (typeof val !== 'string') return undefined;
      if (val === 'NaN' || val === 'Infinity' || val === '-Infinity') return { $numberDouble: val };
      return DOUBLE_RE.test(val) && Number.isFinite(Number(val)) ? Number(val) : undefined;
    case '$date': {
      if (typeof val === 'string') return { $date: val };
      let ms: number | undefined;
      if (typeof val === 'number') ms = val;
      else if (val !== null && typeof val === 'object') {
        const inner = val as Record<string, unknown>;
        const ik = Object.keys(inner);
        if (ik.length === 1 && ik[0] === '$numberLong' && typeof inner.$numberLong === 'string' && INT_RE.test(inner.$numberLong)) {
          ms = Number(inner.$numberLong);
        }
      }
      if (ms === undefined) return undefined;
      return { $date: msToIso(ms) ?? { $numberLong: String(ms) } };
    }
    default:
      return undefined;
  }
}

function longToJson(digits: string): JsonValue {
  const n = Number(digits);
  return Number.isSafeInteger(n) ? n : { $numberLong: BigInt(digits).toString() };
}

function msToIso(ms: number): string | undefined {
  if (!Number.isFinite(ms)) return undefined;
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

// ---------------------------------------------------------------------------------------------
// The shell-notation parser: a hand-written recursive-descent parser over a tiny token set.

const enum Ch {
  Tab = 9,
  LF = 10,
  CR = 13,
  Space = 32,
  Quote = 0x22,
  Dollar = 0x24,
  Apos = 0x27,
  Backtick = 0x60,
  LParen = 0x28,
  RParen = 0x29,
  Plus = 0x2b,
  Comma = 0x2c,
  Minus = 0x2d,
  Dot = 0x2e,
  Slash = 0x2f,
  Colon = 0x3a,
  LBracket = 0x5b,
  Backslash = 0x5c,
  RBracket = 0x5d,
  Underscore = 0x5f,
  LBrace = 0x7b,
  RBrace = 0x7d,
}

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isIdentStart = (c: number) => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === Ch.Underscore || c === Ch.Dollar;
const isIdentPart = (c: number) => isIdentStart(c) || isDigit(c);

class ShellParser {
  private pos = 0;
  private depth = 0;

  constructor(
    private readonly src: string,
    private readonly maxDepth: number,
  ) {}

  parseDocument(): unknown {
    this.skipWs();
    const v = this.parseValue();
    this.skipWs();
    // mongosh sometimes ends a pasted value with a stray semicolon.
    if (this.peek() === 0x3b) {
      this.pos++;
      this.skipWs();
    }
    if (this.pos < this.src.length) this.fail('unexpected text after the end of the document');
    return v;
  }

  /** A value starting at `pos` (whitespace and comments before it skipped); `end` is the offset after it. */
  parseValueAt(pos: number): { value: unknown; end: number } {
    this.pos = pos;
    this.skipWs();
    const value = this.parseValue();
    return { value, end: this.pos };
  }

  private fail(msg: string): never {
    const before = this.src.slice(0, this.pos);
    const line = before.split('\n').length;
    const col = this.pos - before.lastIndexOf('\n');
    throw new BaleenError('E_PARSE', `cannot parse explain input at line ${line}, column ${col}: ${msg}`, {
      offset: this.pos,
      line,
      column: col,
    });
  }

  private peek(): number {
    return this.src.charCodeAt(this.pos);
  }

  private skipWs(): void {
    const s = this.src;
    for (;;) {
      const c = s.charCodeAt(this.pos);
      if (c === Ch.Space || c === Ch.LF || c === Ch.CR || c === Ch.Tab || c === 0xa0 || c === 0xfeff || c === 0x0b || c === 0x0c) {
        this.pos++;
      } else if (c === Ch.Slash && s.charCodeAt(this.pos + 1) === Ch.Slash) {
        const nl = s.indexOf('\n', this.pos);
        this.pos = nl < 0 ? s.length : nl + 1;
      } else if (c === Ch.Slash && s.charCodeAt(this.pos + 1) === 0x2a) {
        const end = s.indexOf('*/', this.pos + 2);
        if (end < 0) this.fail('unterminated comment');
        this.pos = end + 2;
      } else return;
    }
  }

  private expect(c: number, what: string): void {
    this.skipWs();
    if (this.peek() !== c) this.fail(`expected ${what}`);
    this.pos++;
  }

  private enter(): void {
    if (++this.depth > this.maxDepth) this.fail(`nested deeper than ${this.maxDepth} levels`);
  }

  private parseValue(): unknown {
    this.skipWs();
    const c = this.peek();
    if (Number.isNaN(c)) this.fail('unexpected end of input');
    if (c === Ch.LBrace) return this.parseObject();
    if (c === Ch.LBracket) return this.parseArrayOrMarker();
    // util.inspect (mongosh) quotes with backticks when a string holds both ' and ".
    if (c === Ch.Quote || c === Ch.Apos || c === Ch.Backtick) return this.parseConcatenatedString();
    if (c === Ch.Slash) return this.parseRegex();
    if (isDigit(c) || c === Ch.Minus || c === Ch.Plus || c === Ch.Dot) return this.parseNumberLike();
    if (isIdentStart(c)) return this.parseIdentifierValue();
    this.fail(`unexpected character ${JSON.stringify(this.src[this.pos])}`);
  }

  private parseObject(): Record<string, unknown> {
    this.enter();
    this.pos++; // {
    const out: Record<string, unknown> = {};
    for (;;) {
      this.skipWs();
      const c = this.peek();
      if (c === Ch.RBrace) {
        this.pos++;
        break;
      }
      const key = this.parseKey();
      this.expect(Ch.Colon, '":" after a key');
      const v = this.parseValue();
      if (!DANGEROUS_KEYS.has(key)) out[key] = v;
      this.skipWs();
      const d = this.peek();
      if (d === Ch.Comma) {
        this.pos++;
        continue;
      }
      if (d === Ch.RBrace) {
        this.pos++;
        break;
      }
      this.fail('expected "," or "}" in an object');
    }
    this.depth--;
    return out;
  }

  private parseKey(): string {
    const c = this.peek();
    if (c === Ch.Quote || c === Ch.Apos || c === Ch.Backtick) return this.parseString();
    if (isIdentStart(c)) return this.readIdentifier(false);
    if (isDigit(c)) {
      const start = this.pos;
      while (isDigit(this.peek())) this.pos++;
      return this.src.slice(start, this.pos);
    }
    return this.fail('expected a key');
  }

  private parseArrayOrMarker(): unknown {
    // util.inspect labels objects without a prototype; the object itself follows.
    if (this.src.startsWith('[Object: null prototype]', this.pos)) {
      this.pos += '[Object: null prototype]'.length;
      return this.parseValue();
    }
    // mongosh prints `[Object]`, `[Array]`, `[Circular *1]`, `[Function: x]` where its inspect depth ran out.
    const m = /^\[(Object|Array|Circular \*\d+|Function(?:: [\w$]+)?|Getter|Setter|Getter\/Setter)\]/.exec(this.src.slice(this.pos, this.pos + 40));
    if (m) {
      this.pos += m[0].length;
      return { $truncated: m[1]!.split(/[ :]/)[0]! };
    }
    this.enter();
    this.pos++; // [
    const out: unknown[] = [];
    for (;;) {
      this.skipWs();
      const c = this.peek();
      if (c === Ch.RBracket) {
        this.pos++;
        break;
      }
      if (c === Ch.Dot && this.src.startsWith('...', this.pos)) {
        // util.inspect: `... 12 more items`
        const more = /^\.\.\. (\d+) more items?/.exec(this.src.slice(this.pos, this.pos + 40));
        if (!more) this.fail('unexpected "..."');
        this.pos += more[0].length;
        out.push({ $truncated: 'items', count: Number(more[1]) });
      } else {
        out.push(this.parseValue());
      }
      this.skipWs();
      const d = this.peek();
      if (d === Ch.Comma) {
        this.pos++;
        continue;
      }
      if (d === Ch.RBracket) {
        this.pos++;
        break;
      }
      this.fail('expected "," or "]" in an array');
    }
    this.depth--;
    return out;
  }

  /** `'a' + 'b'`: old util.inspect split long strings this way. */
  private parseConcatenatedString(): string {
    let s = this.parseString();
    for (;;) {
      const save = this.pos;
      this.skipWs();
      if (this.peek() !== Ch.Plus) {
        this.pos = save;
        return s;
      }
      this.pos++;
      this.skipWs();
      const c = this.peek();
      if (c !== Ch.Quote && c !== Ch.Apos && c !== Ch.Backtick) this.fail('expected a string after "+"');
      s += this.parseString();
    }
  }

  private parseString(): string {
    const src = this.src;
    const quote = src.charCodeAt(this.pos);
    this.pos++;
    let out = '';
    let chunkStart = this.pos;
    for (;;) {
      if (this.pos >= src.length) this.fail('unterminated string');
      const c = src.charCodeAt(this.pos);
      if (c === quote) {
        out += src.slice(chunkStart, this.pos);
        this.pos++;
        return out;
      }
      if ((c === Ch.LF || c === Ch.CR) && quote !== Ch.Backtick) this.fail('line break inside a string');
      if (c === Ch.Backslash) {
        out += src.slice(chunkStart, this.pos);
        this.pos++;
        out += this.readEscape();
        chunkStart = this.pos;
        continue;
      }
      this.pos++;
    }
  }

  private readEscape(): string {
    const src = this.src;
    const e = src[this.pos];
    if (e === undefined) this.fail('unterminated string');
    this.pos++;
    switch (e) {
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      case 't':
        return '\t';
      case 'b':
        return '\b';
      case 'f':
        return '\f';
      case 'v':
        return '\v';
      case '0':
        return '\0';
      case '\n':
        return '';
      case 'x': {
        const h = src.slice(this.pos, this.pos + 2);
        if (!/^[0-9a-fA-F]{2}$/.test(h)) this.fail('bad \\x escape');
        this.pos += 2;
        return String.fromCharCode(parseInt(h, 16));
      }
      case 'u': {
        if (src[this.pos] === '{') {
          const end = src.indexOf('}', this.pos);
          const h = end < 0 ? '' : src.slice(this.pos + 1, end);
          if (!/^[0-9a-fA-F]{1,6}$/.test(h) || parseInt(h, 16) > 0x10ffff) this.fail('bad \\u{} escape');
          this.pos = end + 1;
          return String.fromCodePoint(parseInt(h, 16));
        }
        const h = src.slice(this.pos, this.pos + 4);
        if (!/^[0-9a-fA-F]{4}$/.test(h)) this.fail('bad \\u escape');
        this.pos += 4;
        return String.fromCharCode(parseInt(h, 16));
      }
      default:
        return e; // \" \' \\ \/ and JS identity escapes
    }
  }

  private parseRegex(): Record<string, unknown> {
    const src = this.src;
    const start = ++this.pos;
    let inClass = false;
    for (;;) {
      if (this.pos >= src.length) this.fail('unterminated regular expression');
      const c = src.charCodeAt(this.pos);
      if (c === Ch.LF || c === Ch.CR) this.fail('line break inside a regular expression');
      if (c === Ch.Backslash) this.pos += 2;
      else {
        if (c === Ch.LBracket) inClass = true;
        else if (c === Ch.RBracket) inClass = false;
        else if (c === Ch.Slash && !inClass) break;
        this.pos++;
      }
    }
    const pattern = src.slice(start, this.pos);
    this.pos++;
    const fStart = this.pos;
    while (/[a-z]/.test(src[this.pos] ?? '')) this.pos++;
    return { $regularExpression: { pattern, options: src.slice(fStart, this.pos) } };
  }

  private parseNumberLike(): unknown {
    const src = this.src;
    const start = this.pos;
    let sign = 1;
    if (this.peek() === Ch.Minus || this.peek() === Ch.Plus) {
      if (this.peek() === Ch.Minus) sign = -1;
      this.pos++;
      this.skipWs();
      if (isIdentStart(this.peek())) {
        const id = this.readIdentifier(false);
        if (id === 'Infinity') return { $numberDouble: sign < 0 ? '-Infinity' : 'Infinity' };
        if (id === 'NaN') return { $numberDouble: 'NaN' };
        this.pos = start;
        this.fail('expected a number');
      }
    }
    const rest = src.slice(this.pos, this.pos + 400);
    const hex = /^0[xX][0-9a-fA-F]+/.exec(rest);
    if (hex) {
      this.pos += hex[0].length;
      return sign * parseInt(hex[0].slice(2), 16);
    }
    const m = /^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(rest);
    if (!m) {
      this.pos = start;
      this.fail('expected a number');
    }
    this.pos += m[0].length;
    const n = sign * Number(m[0]);
    if (isIdentPart(this.peek())) this.fail('unexpected character after a number');
    return n;
  }

  private readIdentifier(dotted: boolean): string {
    const src = this.src;
    const start = this.pos;
    for (;;) {
      while (isIdentPart(src.charCodeAt(this.pos))) this.pos++;
      if (dotted && src.charCodeAt(this.pos) === Ch.Dot && isIdentStart(src.charCodeAt(this.pos + 1))) {
        this.pos++;
        continue;
      }
      return src.slice(start, this.pos);
    }
  }

  private parseIdentifierValue(): unknown {
    const start = this.pos;
    let id = this.readIdentifier(true);
    if (id === 'new') {
      this.skipWs();
      if (!isIdentStart(this.peek())) this.fail('expected a constructor after "new"');
      id = this.readIdentifier(true);
    }
    switch (id) {
      case 'true':
        return true;
      case 'false':
        return false;
      case 'null':
        return null;
      case 'undefined':
        return { $undefined: true };
      case 'NaN':
        return { $numberDouble: 'NaN' };
      case 'Infinity':
        return { $numberDouble: 'Infinity' };
    }
    this.skipWs();
    const hasArgs = this.peek() === Ch.LParen;
    const args = hasArgs ? this.parseArgs() : [];
    const v = shellConstructor(id, args, hasArgs);
    if (v === undefined) {
      this.pos = start;
      this.fail(hasArgs ? `unknown constructor ${id}()` : `unexpected word "${id}"`);
    }
    return v;
  }

  private parseArgs(): unknown[] {
    this.enter();
    this.pos++; // (
    const args: unknown[] = [];
    for (;;) {
      this.skipWs();
      if (this.peek() === Ch.RParen) {
        this.pos++;
        break;
      }
      args.push(this.parseValue());
      this.skipWs();
      const d = this.peek();
      if (d === Ch.Comma) {
        this.pos++;
        continue;
      }
      if (d === Ch.RParen) {
        this.pos++;
        break;
      }
      this.fail('expected "," or ")" in an argument list');
    }
    this.depth--;
    return args;
  }
}

/** The shell's BSON constructors as relaxed Extended JSON. Returns undefined for anything unknown. */
function shellConstructor(name: string, args: unknown[], called: boolean): unknown {
  const a0 = args[0];
  const a1 = args[1];
  switch (name) {
    case 'MinKey':
      return { $minKey: 1 };
    case 'MaxKey':
      return { $maxKey: 1 };
  }
  if (!called) return undefined;
  switch (name) {
    case 'NumberLong':
    case 'Long':
    case 'NumberInt':
    case 'Int32':
    case 'Double':
    case 'Number': {
      if (typeof a0 === 'number') return a0;
      if (typeof a0 === 'string') {
        const t = a0.trim();
        if (INT_RE.test(t)) return longToJson(t);
        if (DOUBLE_RE.test(t)) return Number(t);
        if (t === 'NaN' || t === 'Infinity' || t === '-Infinity') return { $numberDouble: t };
      }
      if (isWrapper(a0, '$numberDouble')) return a0;
      return a0 === undefined ? 0 : undefined;
    }
    case 'NumberDecimal':
    case 'Decimal128':
      return typeof a0 === 'string' || typeof a0 === 'number' ? { $numberDecimal: String(a0) } : undefined;
    case 'ISODate':
    case 'Date': {
      if (a0 === undefined) return { $date: new Date(0).toISOString() };
      if (typeof a0 === 'number') return { $date: msToIso(a0) ?? String(a0) };
      if (typeof a0 === 'string') {
        const ms = Date.parse(a0);
        return { $date: Number.isNaN(ms) ? a0 : new Date(ms).toISOString() };
      }
      return undefined;
    }
    case 'ObjectId':
    case 'ObjectID':
      return typeof a0 === 'string' ? { $oid: a0 } : a0 === undefined ? { $oid: '' } : undefined;
    case 'Timestamp': {
      if (typeof a0 === 'number' && typeof a1 === 'number') return { $timestamp: { t: a0, i: a1 } };
      if (a0 !== null && typeof a0 === 'object' && !Array.isArray(a0)) {
        const o = a0 as Record<string, unknown>;
        if (typeof o.t === 'number' && typeof o.i === 'number') return { $timestamp: { t: o.t, i: o.i } };
      }
      return undefined;
    }
    case 'BinData':
      return typeof a0 === 'number' && typeof a1 === 'string' ? { $binary: { base64: a1, subType: subTypeHex(a0) } } : undefined;
    case 'Binary.createFromBase64':
      return typeof a0 === 'string' ? { $binary: { base64: a0, subType: subTypeHex(typeof a1 === 'number' ? a1 : 0) } } : undefined;
    case 'Binary.createFromHexString':
      return typeof a0 === 'string' && /^[0-9a-fA-F]*$/.test(a0) && a0.length % 2 === 0
        ? { $binary: { base64: Buffer.from(a0, 'hex').toString('base64'), subType: subTypeHex(typeof a1 === 'number' ? a1 : 0) } }
        : undefined;
    case 'UUID':
      return typeof a0 === 'string' ? { $uuid: a0 } : undefined;
    case 'HexData':
      return typeof a0 === 'number' && typeof a1 === 'string' ? { $binary: { base64: Buffer.from(a1, 'hex').toString('base64'), subType: subTypeHex(a0) } } : undefined;
    case 'RegExp':
    case 'BSONRegExp':
      return typeof a0 === 'string' ? { $regularExpression: { pattern: a0, options: typeof a1 === 'string' ? a1 : '' } } : undefined;
    case 'DBRef':
      return typeof a0 === 'string' ? { $ref: a0, $id: a1 ?? null } : undefined;
    case 'Code':
      return typeof a0 === 'string' ? { $code: a0 } : undefined;
    case 'BSONSymbol':
    case 'Symbol':
      return typeof a0 === 'string' ? { $symbol: a0 } : undefined;
    default:
      return undefined;
  }
}

function subTypeHex(n: number): string {
  return (Math.trunc(n) & 0xff).toString(16).padStart(2, '0');
}

function isWrapper(v: unknown, key: string): boolean {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 1 && key in v;
}
