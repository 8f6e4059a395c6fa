/**
 * A validating JSON scanner over one string, for the hot path of the logv2 reader.
 *
 * A full JSON.parse of every slow-query line builds objects (locks, storage, lsid, ...) that the
 * summary never reads and caps throughput at JSON.parse's speed. Instead we walk the text: string
 * bodies are skipped with indexOf (native, fast), structure is checked token by token, and only
 * the few values the caller asks for are materialised. The scanner is iterative, so nesting
 * depth costs memory, never the call stack.
 *
 * Checked: balanced objects/arrays, `"key":` members, commas, closed strings, the literals true /
 * false / null, number characters. Not checked: escape sequences and control characters inside
 * strings (JSON.parse of a value the caller reads still checks those).
 */

const QUOTE = 34;
const BACKSLASH = 92;
const LBRACE = 123;
const RBRACE = 125;
const LBRACKET = 91;
const RBRACKET = 93;
const COMMA = 44;
const COLON = 58;

/** Container stack for skipValue, reused across calls (the scanner never re-enters itself). */
let stack = new Uint8Array(256);

export function skipWs(s: string, i: number): number {
  for (;;) {
    const c = s.charCodeAt(i);
    if (c === 32 || c === 9 || c === 13 || c === 10) i++;
    else return i;
  }
}

/** `s[i]` is an opening quote; returns the index after the closing quote, or -1. */
export function stringEnd(s: string, i: number): number {
  let j = i + 1;
  for (;;) {
    j = s.indexOf('"', j);
    if (j < 0) return -1;
    let k = j - 1;
    while (s.charCodeAt(k) === BACKSLASH) k--;
    if (((j - 1 - k) & 1) === 0) return j + 1;
    j++;
  }
}

function numberEnd(s: string, i: number): number {
  const start = i;
  if (s.charCodeAt(i) === 45) i++;
  for (;;) {
    const c = s.charCodeAt(i);
    if ((c >= 48 && c <= 57) || c === 46 || c === 101 || c === 69 || c === 43 || c === 45) i++;
    else break;
  }
  return i > start && !(i === start + 1 && s.charCodeAt(start) === 45) ? i : -1;
}

function literalEnd(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c === 116) return s.startsWith('true', i) ? i + 4 : -1;
  if (c === 102) return s.startsWith('false', i) ? i + 5 : -1;
  if (c === 110) return s.startsWith('null', i) ? i + 4 : -1;
  return -1;
}

/** After `{` or `,` inside an object: expects `"key" :`; returns the index of the value, or -1. */
function memberValueStart(s: string, i: number): number {
  let c = s.charCodeAt(i);
  if (c <= 32) {
    i = skipWs(s, i);
    c = s.charCodeAt(i);
  }
  if (c !== QUOTE) return -1;
  i = stringEnd(s, i);
  if (i < 0) return -1;
  c = s.charCodeAt(i);
  if (c <= 32) {
    i = skipWs(s, i);
    c = s.charCodeAt(i);
  }
  if (c !== COLON) return -1;
  i++;
  c = s.charCodeAt(i);
  return c <= 32 ? skipWs(s, i) : i;
}

/**
 * Skips one JSON value starting at `i` (leading whitespace allowed). Returns the index just after
 * it, or -1 when the text there is not a complete, well-formed value.
 */
export function skipValue(s: string, i: number): number {
  let depth = 0;
  let c = s.charCodeAt(i);
  if (c <= 32) {
    i = skipWs(s, i);
    c = s.charCodeAt(i);
  }
  for (;;) {
    // A value is expected at i; c is its first character.
    if (c === QUOTE) {
      i = stringEnd(s, i);
      if (i < 0) return -1;
    } else if (c === LBRACE || c === LBRACKET) {
      i++;
      let d = s.charCodeAt(i);
      if (d <= 32) {
        i = skipWs(s, i);
        d = s.charCodeAt(i);
      }
      if (d === (c === LBRACE ? RBRACE : RBRACKET)) {
        i++;
      } else {
        if (depth === stack.length) {
          const bigger = new Uint8Array(stack.length * 2);
          bigger.set(stack);
          stack = bigger;
        }
        stack[depth++] = c;
        if (c === LBRACE) {
          i = memberValueStart(s, i);
          if (i < 0) return -1;
        }
        c = s.charCodeAt(i);
        continue;
      }
    } else if ((c >= 48 && c <= 57) || c === 45) {
      i = numberEnd(s, i);
      if (i < 0) return -1;
    } else {
      i = literalEnd(s, i);
      if (i < 0) return -1;
    }
    // After a value: close containers, or find the next value.
    for (;;) {
      if (depth === 0) return i;
      let d = s.charCodeAt(i);
      if (d <= 32) {
        i = skipWs(s, i);
        d = s.charCodeAt(i);
      }
      const top = stack[depth - 1];
      if (d === COMMA) {
        i++;
        if (top === LBRACE) {
          i = memberValueStart(s, i);
          if (i < 0) return -1;
        }
        c = s.charCodeAt(i);
        if (c <= 32) {
          i = skipWs(s, i);
          c = s.charCodeAt(i);
        }
        break;
      }
      if ((d === RBRACE && top === LBRACE) || (d === RBRACKET && top === LBRACKET)) {
        depth--;
        i++;
        continue;
      }
      return -1;
    }
  }
}

/**
 * Walks the members of the object starting at `s[i] === '{'`. For each member `onMember(key,
 * valueStart)` must return the index just after the value (usually `skipValue(s, valueStart)`),
 * or -1 to reject. Returns the index after the closing brace, or -1.
 */
export function forEachMember(s: string, i: number, onMember: (key: string, valueStart: number) => number): number {
  if (s.charCodeAt(i) !== LBRACE) return -1;
  i = skipWs(s, i + 1);
  if (s.charCodeAt(i) === RBRACE) return i + 1;
  for (;;) {
    if (s.charCodeAt(i) !== QUOTE) return -1;
    const keyEnd = stringEnd(s, i);
    if (keyEnd < 0) return -1;
    const key = readString(s, i, keyEnd);
    if (key === undefined) return -1;
    let v = skipWs(s, keyEnd);
    if (s.charCodeAt(v) !== COLON) return -1;
    v = skipWs(s, v + 1);
    i = onMember(key, v);
    if (i < 0) return -1;
    i = skipWs(s, i);
    const c = s.charCodeAt(i);
    if (c === COMMA) {
      i = skipWs(s, i + 1);
      continue;
    }
    if (c === RBRACE) return i + 1;
    return -1;
  }
}

/** The string value whose quotes are at `start` and `end - 1`; undefined if its escapes are bad. */
export function readString(s: string, start: number, end: number): string | undefined {
  const body = s.slice(start + 1, end - 1);
  if (body.indexOf('\\') < 0) return body;
  try {
    const v: unknown = JSON.parse(s.slice(start, end));
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

/** A number value (plain, or `{"$numberLong": "..."}` style) in [start, end); undefined otherwise. */
export function readNumber(s: string, start: number, end: number): number | undefined {
  const c = s.charCodeAt(start);
  if ((c >= 48 && c <= 57) || c === 45) {
    const n = Number(s.slice(start, end));
    return Number.isFinite(n) ? n : undefined;
  }
  if (c === LBRACE) {
    const v = parseJson(s.slice(start, end));
    if (v !== null && typeof v === 'object') {
      const inner = (v as Record<string, unknown>).$numberLong ?? (v as Record<string, unknown>).$numberInt ?? (v as Record<string, unknown>).$numberDouble;
      const n = typeof inner === 'string' ? Number(inner) : NaN;
      return Number.isFinite(n) ? n : undefined;
    }
  }
  return undefined;
}

/** JSON.parse that returns undefined instead of throwing (the caller decides what bad means). */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * Iterates an object's members without a callback per member (closures on the hot path cost an
 * allocation each, and more under tsx's keepNames):
 *
 *   if (c.open(s, i)) while (c.next()) { const e = skipValue(s, c.value); if (!c.after(e)) break; }
 *   if (c.failed) …; else c.end is the index after the closing brace.
 */
export class MemberCursor {
  private s = '';
  private i = 0;
  private first = true;
  key = '';
  /** Index of the current member's value. */
  value = 0;
  /** Index after the closing brace, once next() returned false without failing. */
  end = -1;
  failed = false;

  open(s: string, i: number): boolean {
    this.s = s;
    this.end = -1;
    this.first = true;
    if (s.charCodeAt(i) !== LBRACE) {
      this.failed = true;
      return false;
    }
    this.failed = false;
    this.i = skipWs(s, i + 1);
    return true;
  }

  next(): boolean {
    const s = this.s;
    let i = this.i;
    if (this.first) {
      this.first = false;
      if (s.charCodeAt(i) === RBRACE) {
        this.end = i + 1;
        return false;
      }
    } else {
      i = skipWs(s, i);
      const c = s.charCodeAt(i);
      if (c === COMMA) i = skipWs(s, i + 1);
      else if (c === RBRACE) {
        this.end = i + 1;
        return false;
      } else return this.fail();
    }
    if (s.charCodeAt(i) !== QUOTE) return this.fail();
    const ke = stringEnd(s, i);
    if (ke < 0) return this.fail();
    let key = s.slice(i + 1, ke - 1);
    if (key.indexOf('\\') >= 0) {
      const k = readString(s, i, ke);
      if (k === undefined) return this.fail();
      key = k;
    }
    this.key = key;
    let v = ke;
    if (s.charCodeAt(v) !== COLON) {
      v = skipWs(s, v);
      if (s.charCodeAt(v) !== COLON) return this.fail();
    }
    v++;
    const c = s.charCodeAt(v);
    this.value = c === 32 || c === 9 || c === 13 ? skipWs(s, v) : v;
    return true;
  }

  /** Reports where the current value ended; false (and failed) if the caller rejected it. */
  after(valueEnd: number): boolean {
    if (valueEnd < 0) {
      this.fail();
      return false;
    }
    this.i = valueEnd;
    return true;
  }

  private fail(): false {
    this.failed = true;
    return false;
  }
}
