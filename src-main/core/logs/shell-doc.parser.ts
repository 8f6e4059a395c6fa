/**
 * The mongo-shell-like documents of legacy (2.x – 4.2) log lines:
 * `{ find: "c", filter: { _id: ObjectId('5e3c…'), at: new Date(1581037434), n: 1.0, re: /^a/i,
 *    ts: Timestamp 1581037448|2, u: UUID("…"), b: BinData(0, E3B0…) }`.
 *
 * Typed values become Extended JSON markers (`{$oid: …}`) so query shapes treat them like logv2's.
 * Objects have no prototype (a `__proto__` key is just a key). The parser is tolerant — bare words
 * are strings, since mongod wrote some values unquoted — but bounded: nesting deeper than
 * MAX_DOC_DEPTH or malformed structure gives `undefined`, never an exception.
 */

export const MAX_DOC_DEPTH = 200;

export interface ShellDoc {
  value: unknown;
  /** Index just after the document. */
  end: number;
}

type Obj = Record<string, unknown>;

class Failure {}
const FAIL = new Failure();

const marker = (key: string, value: unknown): Obj => {
  const o = Object.create(null) as Obj;
  o[key] = value;
  return o;
};

/** Parses the document or array starting at `s[i]` (`{` or `[`). */
export function parseShellDoc(s: string, i: number): ShellDoc | undefined {
  const p = new ShellParser(s, i);
  try {
    const value = p.value(0);
    return { value, end: p.i };
  } catch (e) {
    if (e === FAIL) return undefined;
    throw e;
  }
}

class ShellParser {
  constructor(
    readonly s: string,
    public i: number,
  ) {}

  private ws(): void {
    const s = this.s;
    while (s.charCodeAt(this.i) === 32 || s.charCodeAt(this.i) === 9) this.i++;
  }

  private fail(): never {
    throw FAIL;
  }

  value(depth: number): unknown {
    if (depth > MAX_DOC_DEPTH) this.fail();
    this.ws();
    const s = this.s;
    const c = s.charCodeAt(this.i);
    if (Number.isNaN(c)) this.fail();
    if (c === 123) return this.object(depth);
    if (c === 91) return this.array(depth);
    if (c === 34 || c === 39) return this.quoted();
    if (c === 47) return this.regex();
    if ((c >= 48 && c <= 57) || c === 45 || c === 46) {
      const n = this.number();
      if (n !== undefined) return n;
    }
    return this.word(depth);
  }

  private object(depth: number): Obj {
    const s = this.s;
    const o = Object.create(null) as Obj;
    this.i++;
    this.ws();
    if (s.charCodeAt(this.i) === 125) {
      this.i++;
      return o;
    }
    for (;;) {
      this.ws();
      const key = this.key();
      this.ws();
      if (s.charCodeAt(this.i) !== 58) this.fail();
      this.i++;
      o[key] = this.value(depth + 1);
      this.ws();
      const c = s.charCodeAt(this.i);
      if (c === 44) {
        this.i++;
        continue;
      }
      if (c === 125) {
        this.i++;
        return o;
      }
      // Legacy logs cut long documents with "..." before the closing brace.
      if (s.startsWith('...', this.i)) {
        this.i += 3;
        this.ws();
        if (s.charCodeAt(this.i) === 125) {
          this.i++;
          return o;
        }
      }
      this.fail();
    }
  }

  private array(depth: number): unknown[] {
    const s = this.s;
    const a: unknown[] = [];
    this.i++;
    this.ws();
    if (s.charCodeAt(this.i) === 93) {
      this.i++;
      return a;
    }
    for (;;) {
      a.push(this.value(depth + 1));
      this.ws();
      const c = s.charCodeAt(this.i);
      if (c === 44) {
        this.i++;
        continue;
      }
      if (c === 93) {
        this.i++;
        return a;
      }
      this.fail();
    }
  }

  private key(): string {
    const s = this.s;
    const c = s.charCodeAt(this.i);
    if (c === 34 || c === 39) return this.quoted();
    const start = this.i;
    // Bare keys run to the colon: they may hold dots, $, digits and even spaces ("after basic").
    for (;;) {
      const d = s.charCodeAt(this.i);
      if (Number.isNaN(d) || d === 123 || d === 125 || d === 91 || d === 93 || d === 44) this.fail();
      if (d === 58) break;
      this.i++;
    }
    const key = s.slice(start, this.i).trim();
    if (key === '') this.fail();
    return key;
  }

  private quoted(): string {
    const s = this.s;
    const q = s[this.i];
    let j = this.i + 1;
    let out = '';
    let from = j;
    for (;;) {
      const c = s.charCodeAt(j);
      if (Number.isNaN(c)) this.fail();
      if (c === 92) {
        out += s.slice(from, j);
        const n = s[j + 1];
        if (n === undefined) this.fail();
        out += n === 'n' ? '\n' : n === 't' ? '\t' : n;
        j += 2;
        from = j;
        continue;
      }
      if (s[j] === q) break;
      j++;
    }
    out += s.slice(from, j);
    this.i = j + 1;
    return out;
  }

  private regex(): Obj {
    const s = this.s;
    let j = this.i + 1;
    for (;;) {
      const c = s.charCodeAt(j);
      if (Number.isNaN(c)) this.fail();
      if (c === 92) {
        j += 2;
        continue;
      }
      if (c === 47) break;
      j++;
    }
    const pattern = s.slice(this.i + 1, j);
    j++;
    const flagsStart = j;
    while (/[a-z]/.test(s[j] ?? '')) j++;
    this.i = j;
    return marker('$regularExpression', { pattern, options: s.slice(flagsStart, j) });
  }

  private number(): number | undefined {
    const m = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(this.s.slice(this.i, this.i + 64));
    if (m === null) return undefined;
    const after = this.s.charCodeAt(this.i + m[0].length);
    // "63a7dc66…" is an unquoted hex string, not 63.
    if ((after >= 65 && after <= 90) || (after >= 97 && after <= 122) || after === 95) return undefined;
    this.i += m[0].length;
    return Number(m[0]);
  }

  /** Constructors (ObjectId(…), new Date(…), Timestamp a|b, …), literals, or a bare word. */
  private word(depth: number): unknown {
    const s = this.s;
    const m = /^(?:new\s+)?([A-Za-z_$][\w$]*)/.exec(s.slice(this.i, this.i + 64));
    if (m === null) return this.bare();
    const name = m[1]!;
    const afterName = this.i + m[0].length;
    if (s.charCodeAt(afterName) === 40 /* ( */) {
      this.i = afterName + 1;
      const args: unknown[] = [];
      this.ws();
      if (s.charCodeAt(this.i) !== 41) {
        for (;;) {
          this.ws();
          args.push(this.argument(depth + 1));
          this.ws();
          const c = s.charCodeAt(this.i);
          if (c === 44) {
            this.i++;
            continue;
          }
          if (c === 41) break;
          this.fail();
        }
      }
      this.i++;
      return construct(name, args);
    }
    if (name === 'Timestamp') {
      const t = /^Timestamp\s+(\d+)\|(\d+)/.exec(s.slice(this.i, this.i + 64));
      if (t !== null) {
        this.i += t[0].length;
        return marker('$timestamp', { t: Number(t[1]), i: Number(t[2]) });
      }
    }
    switch (name) {
      case 'true':
      case 'false':
      case 'null':
      case 'undefined':
      case 'MinKey':
      case 'MaxKey':
      case 'inf':
      case 'nan':
        this.i = afterName;
        return name === 'true'
          ? true
          : name === 'false'
            ? false
            : name === 'null'
              ? null
              : name === 'undefined'
                ? marker('$undefined', true)
                : name === 'MinKey'
                  ? marker('$minKey', 1)
                  : name === 'MaxKey'
                    ? marker('$maxKey', 1)
                    : NaN;
      default:
        return this.bare();
    }
  }

  /** Constructor arguments: values, or raw hex / words (BinData(0, E3B0C4…)). */
  private argument(depth: number): unknown {
    const c = this.s.charCodeAt(this.i);
    if (c === 34 || c === 39 || c === 123 || c === 91 || c === 45 || (c >= 48 && c <= 57)) {
      const start = this.i;
      const n = c === 45 || (c >= 48 && c <= 57) ? this.number() : undefined;
      if (n !== undefined) return n;
      this.i = start;
      if (c === 34 || c === 39 || c === 123 || c === 91) return this.value(depth);
    }
    return this.bare(true);
  }

  /** A bare word up to the next separator: an unquoted value. */
  private bare(inArgs = false): string {
    const s = this.s;
    const start = this.i;
    for (;;) {
      const c = s.charCodeAt(this.i);
      if (Number.isNaN(c) || c === 44 || c === 125 || c === 93 || (inArgs && c === 41)) break;
      this.i++;
    }
    const w = s.slice(start, this.i).trim();
    if (w === '') this.fail();
    return w;
  }
}

function construct(name: string, args: unknown[]): unknown {
  const a0 = args[0];
  switch (name) {
    case 'ObjectId':
      return marker('$oid', String(a0 ?? ''));
    case 'Date':
    case 'ISODate':
      return marker('$date', a0 ?? null);
    case 'Timestamp':
      return marker('$timestamp', { t: a0, i: args[1] });
    case 'UUID':
      return marker('$uuid', String(a0 ?? ''));
    case 'BinData':
    case 'HexData':
      return marker('$binary', { subType: a0, base64: args[1] });
    case 'NumberLong':
      return marker('$numberLong', String(a0 ?? '0'));
    case 'NumberInt':
      return marker('$numberInt', String(a0 ?? '0'));
    case 'NumberDecimal':
      return marker('$numberDecimal', String(a0 ?? '0'));
    case 'RegExp':
      return marker('$regularExpression', { pattern: String(a0 ?? ''), options: String(args[1] ?? '') });
    default:
      // DBRef(…), Code(…), unknown constructors: keep them opaque.
      return marker('$code', name);
  }
}
