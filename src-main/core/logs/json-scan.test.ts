import fc from 'fast-check';
import { MemberCursor, readNumber, skipValue } from './json-scan';

describe('json-scan', () => {
  it('skips exactly one well-formed value, whatever its layout', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(0, 1, 2), (v, indent) => {
        const text = JSON.stringify(v, null, indent);
        expect(skipValue(text, 0)).toBe(text.length);
        expect(skipValue(`  ${text} ,rest`, 0)).toBe(text.length + 2);
      }),
      { numRuns: 400 },
    );
  });

  it('rejects every strict prefix of an object or array (a truncated line)', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue(), { minKeys: 1 }), fc.double({ min: 0, max: 1, noNaN: true }), (o, f) => {
        const text = JSON.stringify(o);
        const cut = Math.min(text.length - 1, Math.floor(f * text.length));
        expect(skipValue(text.slice(0, cut), 0)).toBe(-1);
      }),
      { numRuns: 400 },
    );
  });

  it('rejects malformed structure', () => {
    for (const bad of ['{"a" 1}', '{"a":1,}', '[1 2]', '{"a":tru}', '{a:1}', '"abc', '{"a":1]', '[1}', '{"a":-}', '', '{"a":"\\"}']) {
      expect(skipValue(bad, 0), bad).toBe(-1);
    }
  });

  it('handles 100k-deep nesting without touching the call stack', () => {
    const deep = `${'['.repeat(100_000)}1${']'.repeat(100_000)}`;
    expect(skipValue(deep, 0)).toBe(deep.length);
    const objs = `${'{"a":'.repeat(50_000)}null${'}'.repeat(50_000)}`;
    expect(skipValue(objs, 0)).toBe(objs.length);
    expect(skipValue(objs.slice(0, -1), 0)).toBe(-1);
  });

  it('walks members, unescaping keys, and stops on a bad member', () => {
    const c = new MemberCursor();
    const s = '{"a":1, "b\\"q":{"x":[1,2]} ,"__proto__":"p"}';
    const keys: string[] = [];
    expect(c.open(s, 0)).toBe(true);
    while (c.next()) {
      keys.push(c.key);
      if (!c.after(skipValue(s, c.value))) break;
    }
    expect(c.failed).toBe(false);
    expect(c.end).toBe(s.length);
    expect(keys).toEqual(['a', 'b"q', '__proto__']);
    const bad = '{"a":1 "b":2}';
    c.open(bad, 0);
    while (c.next()) if (!c.after(skipValue(bad, c.value))) break;
    expect(c.failed).toBe(true);
  });

  it('reads numbers plain and as Extended JSON', () => {
    const s = '12.5 {"$numberLong":"9007199254740993"} "x"';
    const obj = s.indexOf('{');
    expect(readNumber(s, 0, 4)).toBe(12.5);
    expect(readNumber(s, obj, skipValue(s, obj))).toBe(9007199254740992);
    expect(readNumber(s, s.indexOf('"x"'), s.length)).toBeUndefined();
  });
});
