import fc from 'fast-check';
import { MAX_DOC_DEPTH, parseShellDoc } from './shell-doc.parser';

const value = (s: string) => JSON.parse(JSON.stringify(parseShellDoc(s, 0)?.value)) as unknown;

describe('parseShellDoc', () => {
  it('reads the shell syntax of legacy logs into Extended JSON markers', () => {
    expect(
      value(
        '{ _id: ObjectId(\'5e3c\'), at: new Date(1581037434), n: 1.0, neg: -2, s: "a \\"q\\"", sq: \'x\', re: /^a\\/b/i, ts: Timestamp 1581037448|2, t2: Timestamp(1, 0), u: UUID("3b74"), b: BinData(0, E3B0C4), l: NumberLong(5), d: NumberDecimal("1.5"), k: MinKey, nil: null, ok: true, a: [ 1, "x", { y: 2 } ], "quoted key": 1, a.b: 2, hex: 63a7dc66fcdcf22f }',
      ),
    ).toEqual({
      _id: { $oid: '5e3c' },
      at: { $date: 1581037434 },
      n: 1,
      neg: -2,
      s: 'a "q"',
      sq: 'x',
      re: { $regularExpression: { pattern: '^a\\/b', options: 'i' } },
      ts: { $timestamp: { t: 1581037448, i: 2 } },
      t2: { $timestamp: { t: 1, i: 0 } },
      u: { $uuid: '3b74' },
      b: { $binary: { subType: 0, base64: 'E3B0C4' } },
      l: { $numberLong: '5' },
      d: { $numberDecimal: '1.5' },
      k: { $minKey: 1 },
      nil: null,
      ok: true,
      a: [1, 'x', { y: 2 }],
      'quoted key': 1,
      'a.b': 2,
      hex: '63a7dc66fcdcf22f',
    });
    expect(parseShellDoc('x { a: 1 } tail', 2)).toMatchObject({ end: 10 });
  });

  it('keeps __proto__ as a plain key and never touches Object.prototype', () => {
    const r = parseShellDoc('{ __proto__: { polluted: 1 }, constructor: { prototype: { x: 1 } } }', 0)!;
    expect(Object.keys(r.value as object)).toEqual(['__proto__', 'constructor']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('gives up (undefined, no throw) on nesting past the cap or broken structure', () => {
    expect(parseShellDoc(`${'{ a: '.repeat(MAX_DOC_DEPTH + 5)}1${' }'.repeat(MAX_DOC_DEPTH + 5)}`, 0)).toBeUndefined();
    expect(parseShellDoc(`${'{ a: '.repeat(50)}1${' }'.repeat(50)}`, 0)).toBeDefined();
    for (const bad of ['{ a: 1', '{ a 1 }', '{ : 1 }', '[ 1, 2', '{ a: "x }', '{ a: ObjectId(\'x\' }']) expect(parseShellDoc(bad, 0), bad).toBeUndefined();
  });

  it('never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        parseShellDoc(`{${s}`, 0);
        parseShellDoc(`[${s}`, 0);
      }),
      { numRuns: 500 },
    );
  });
});
