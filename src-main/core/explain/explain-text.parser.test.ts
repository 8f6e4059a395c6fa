import { describe, expect, it } from 'vitest';
import { BaleenError } from '../../../src-shared/domain/errors';
import { parseExplainText, scanNestingDepth } from './explain-text.parser';

function parseError(text: string, limits?: Parameters<typeof parseExplainText>[1]): BaleenError {
  try {
    parseExplainText(text, limits);
  } catch (e) {
    expect(e).toBeInstanceOf(BaleenError);
    return e as BaleenError;
  }
  throw new Error('expected a parse error');
}

describe('parseExplainText: JSON and Extended JSON', () => {
  it('reads strict JSON as JSON.parse does', () => {
    const text = '{"a": [1, 2.5, -3e2, true, null, "x\\u00e9"], "b": {"c": {}}}';
    expect(parseExplainText(text)).toEqual(JSON.parse(text));
  });

  it('unwraps canonical Extended JSON numbers and dates, keeps the other BSON types typed', () => {
    const v = parseExplainText(
      JSON.stringify({
        long: { $numberLong: '5' },
        big: { $numberLong: '7065695976194834434' },
        int: { $numberInt: '-7' },
        dbl: { $numberDouble: '1.5' },
        nan: { $numberDouble: 'NaN' },
        date: { $date: { $numberLong: '0' } },
        dateNum: { $date: 86400000 },
        dateStr: { $date: '2020-01-01T00:00:00Z' },
        oid: { $oid: '5f0000000000000000000000' },
        ts: { $timestamp: { t: 1, i: 2 } },
        notAWrapper: { $numberLong: 'x' },
      }),
    );
    expect(v).toEqual({
      long: 5,
      big: { $numberLong: '7065695976194834434' },
      int: -7,
      dbl: 1.5,
      nan: { $numberDouble: 'NaN' },
      date: { $date: '1970-01-01T00:00:00.000Z' },
      dateNum: { $date: '1970-01-02T00:00:00.000Z' },
      dateStr: { $date: '2020-01-01T00:00:00Z' },
      oid: { $oid: '5f0000000000000000000000' },
      ts: { $timestamp: { t: 1, i: 2 } },
      notAWrapper: { $numberLong: 'x' },
    });
  });

  it('turns numbers JSON cannot carry into $numberDouble wrappers (1e400 → Infinity)', () => {
    expect(parseExplainText('{"a": 1e400, "b": -1e400, "c": 1e308}')).toEqual({
      a: { $numberDouble: 'Infinity' },
      b: { $numberDouble: '-Infinity' },
      c: 1e308,
    });
  });
});

describe('parseExplainText: mongosh and legacy shell notation', () => {
  it('reads mongosh output: unquoted keys, single quotes, Long, ISODate, ObjectId, Timestamp, regex', () => {
    const text = `{
      explainVersion: '1',
      queryPlanner: {
        namespace: 'test.c',
        parsedQuery: { name: { '$regex': 'png', '$options': 'i' }, at: { '$gte': ISODate('2024-01-02T03:04:05.000Z') } },
        winningPlan: { stage: 'COLLSCAN', filter: { a: /^x[/]y/i }, direction: 'forward' },
        rejectedPlans: [],
      },
      executionStats: { nReturned: 5, totalKeysExamined: Long('12'), totalDocsExamined: Int32(7), executionTimeMillis: Double(1.5) },
      serverInfo: { _id: ObjectId('65a000000000000000000000') },
      operationTime: Timestamp({ t: 1700000000, i: 3 }),
      ok: 1
    }`;
    expect(parseExplainText(text)).toEqual({
      explainVersion: '1',
      queryPlanner: {
        namespace: 'test.c',
        parsedQuery: { name: { $regex: 'png', $options: 'i' }, at: { $gte: { $date: '2024-01-02T03:04:05.000Z' } } },
        winningPlan: { stage: 'COLLSCAN', filter: { a: { $regularExpression: { pattern: '^x[/]y', options: 'i' } } }, direction: 'forward' },
        rejectedPlans: [],
      },
      executionStats: { nReturned: 5, totalKeysExamined: 12, totalDocsExamined: 7, executionTimeMillis: 1.5 },
      serverInfo: { _id: { $oid: '65a000000000000000000000' } },
      operationTime: { $timestamp: { t: 1700000000, i: 3 } },
      ok: 1,
    });
  });

  it('reads the legacy mongo shell forms (NumberLong(5), NumberLong("…"), Timestamp(1, 2), BinData, new Date)', () => {
    const text = `{ "a" : NumberLong(5), "b" : NumberLong("9007199254740993"), "c" : Timestamp(1, 2),
      "d" : BinData(4, "AAAA"), "e" : new Date(0), "f" : NumberDecimal("1.10"), "g" : MinKey, "h" : MaxKey(),
      "i" : NumberInt(3), "j" : undefined, "k" : NaN, "l" : -Infinity, "m" : UUID("0123") }`;
    expect(parseExplainText(text)).toEqual({
      a: 5,
      b: { $numberLong: '9007199254740993' },
      c: { $timestamp: { t: 1, i: 2 } },
      d: { $binary: { base64: 'AAAA', subType: '04' } },
      e: { $date: '1970-01-01T00:00:00.000Z' },
      f: { $numberDecimal: '1.10' },
      g: { $minKey: 1 },
      h: { $maxKey: 1 },
      i: 3,
      j: { $undefined: true },
      k: { $numberDouble: 'NaN' },
      l: { $numberDouble: '-Infinity' },
      m: { $uuid: '0123' },
    });
  });

  it("keeps mongosh's depth cut-offs as $truncated markers instead of failing", () => {
    expect(parseExplainText('[Object: null prototype] { a: [Object: null prototype] {} }')).toEqual({ a: {} });
    expect(parseExplainText("{ a: { inputStage: [Object] }, b: [Array], c: [ 1, 2, ... 98 more items ] }")).toEqual({
      a: { inputStage: { $truncated: 'Object' } },
      b: { $truncated: 'Array' },
      c: [1, 2, { $truncated: 'items', count: 98 }],
    });
  });

  it('accepts comments, trailing commas, concatenated strings, backtick strings and escapes', () => {
    const text = `// saved from mongosh
      { a: 'x' +
        'y', /* why */ b: [1, 2,], c: \`it's "q"\`, d: '\\x41\\u0042\\n', e: 0x10, f: .5, g: +3, }`;
    expect(parseExplainText(text)).toEqual({ a: 'xy', b: [1, 2], c: `it's "q"`, d: 'AB\n', e: 16, f: 0.5, g: 3 });
  });
});

describe('parseExplainText: hostile input (FUZZ-4)', () => {
  it('drops __proto__, constructor and prototype keys on both paths, and leaves Object.prototype alone', () => {
    const before = Object.getOwnPropertyNames(Object.prototype).sort();
    const json = '{"__proto__": {"polluted": 1}, "a": {"constructor": {"prototype": {"polluted": 2}}, "prototype": 3, "ok": 1}}';
    const shell = "{ __proto__: { polluted: 1 }, a: { constructor: { prototype: { polluted: 2 } }, 'prototype': 3, ok: NumberLong(1) } }";
    for (const text of [json, shell]) {
      const v = parseExplainText(text) as Record<string, unknown>;
      expect(v).toEqual({ a: { ok: 1 } });
      expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(before);
  });

  it('refuses text over the size limit before parsing', () => {
    const e = parseError('{"a": 1}', { maxChars: 4 });
    expect(e.code).toBe('E_PARSE');
    expect(e.message).toMatch(/too large/);
  });

  it('refuses depth bombs before any recursive walk, on the JSON and the shell path', () => {
    for (const text of ['['.repeat(100_000) + ']'.repeat(100_000), '{a:'.repeat(5_000) + '1' + '}'.repeat(5_000), '['.repeat(300)]) {
      const e = parseError(text);
      expect(e.code).toBe('E_PARSE');
      expect(e.message).toMatch(/nested deeper than 200/);
    }
    // 200 levels is fine
    expect(() => parseExplainText('['.repeat(199) + ']'.repeat(199))).not.toThrow();
  });

  it('gives a typed error with line and column for broken text', () => {
    const cases: Array<[string, RegExp]> = [
      ['{ a: 1,\n  b: Foo(1) }', /line 2, column 6: unknown constructor Foo/],
      ['{ a: hello }', /unexpected word "hello"/],
      ["{ a: 'open", /unterminated string/],
      ['{ a: 1 } trailing', /after the end of the document/],
      ['', /empty/],
      ['   \n ', /empty/],
      ['{ a: 1', /expected "," or "}"/],
      ['{ a: [Object: null prototype] }', /expected/],
    ];
    for (const [text, re] of cases) {
      const e = parseError(text);
      expect(e.code).toBe('E_PARSE');
      expect(e.message).toMatch(re);
    }
  });

  it('parses a million-element array within the 1 s budget', () => {
    const text = `[${'0,'.repeat(999_999)}0]`;
    const t0 = performance.now();
    const v = parseExplainText(text) as unknown[];
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(v.length).toBe(1_000_000);
  });

  it('counts nesting outside string literals only', () => {
    expect(scanNestingDepth('{"a": "[[[[[[", "b": [1]}', 100)).toBe(2);
    expect(scanNestingDepth("{ a: '{{{\\'{{' }", 100)).toBe(1);
  });
});
