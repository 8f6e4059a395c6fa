import { describe, expect, it } from 'vitest';
import { findRedundantIndexes, findUnusedIndexes } from './index-usage.analyzer';
import type { ExistingIndex } from './explain.schema';

describe('findRedundantIndexes', () => {
  const names = (list: ExistingIndex[]) => findRedundantIndexes(list).map((r) => `${r.name} < ${r.coveredBy}`);

  it('reports a key that is a prefix of another, also when the longer one is read in reverse', () => {
    expect(names([{ name: '_id_', key: { _id: 1 } }, { name: 'a_1', key: { a: 1 } }, { name: 'a_1_b_1', key: { a: 1, b: 1 } }])).toEqual(['a_1 < a_1_b_1']);
    const r = findRedundantIndexes([{ name: 'a_1_b_-1', key: { a: 1, b: -1 } }, { name: 'a_-1_b_1_c_1', key: { a: -1, b: 1, c: 1 } }]);
    expect(r).toEqual([expect.objectContaining({ name: 'a_1_b_-1', coveredBy: 'a_-1_b_1_c_1', reason: expect.stringMatching(/in reverse/) })]);
  });

  it('does not report mixed directions, different fields, or special index types', () => {
    expect(names([{ name: 'x', key: { a: 1, b: 1 } }, { name: 'y', key: { a: -1, b: 1, c: 1 } }])).toEqual([]);
    expect(names([{ name: 'x', key: { b: 1 } }, { name: 'y', key: { a: 1, b: 1 } }])).toEqual([]);
    expect(names([{ name: 'x', key: { loc: '2dsphere' } }, { name: 'y', key: { loc: '2dsphere', a: 1 } }])).toEqual([]);
    expect(names([{ name: 'x', key: { a: 1 } }, { name: 'y', key: { a: 'hashed', b: 1 } }])).toEqual([]);
  });

  it('never reports what dropping would change: _id_, unique, TTL, partial; nor when the longer one is sparse, partial, hidden or collated differently', () => {
    const long = { name: 'long', key: { a: 1, b: 1 } };
    expect(names([{ name: 'u', key: { a: 1 }, unique: true }, long])).toEqual([]);
    expect(names([{ name: 't', key: { a: 1 }, expireAfterSeconds: 60 }, long])).toEqual([]);
    expect(names([{ name: 'p', key: { a: 1 }, partialFilterExpression: { a: { $gt: 1 } } }, long])).toEqual([]);
    expect(names([{ name: '_id_', key: { _id: 1 } }, { name: 'l', key: { _id: 1, a: 1 } }])).toEqual([]);
    expect(names([{ name: 'a', key: { a: 1 } }, { ...long, sparse: true }])).toEqual([]);
    expect(names([{ name: 'a', key: { a: 1 } }, { ...long, hidden: true }])).toEqual([]);
    expect(names([{ name: 'a', key: { a: 1 } }, { ...long, collation: { locale: 'fr' } }])).toEqual([]);
    expect(names([{ name: 'a', key: { a: 1 }, collation: { locale: 'fr' } }, { ...long, collation: { locale: 'fr' } }])).toEqual(['a < long']);
  });
});

describe('findUnusedIndexes ($indexStats per member)', () => {
  const stat = (name: string, ops: unknown, since: unknown, extra: Record<string, unknown> = {}) => ({ name, key: { [name]: 1 }, accesses: { ops, since }, ...extra });

  it('an index is unused only if every member reports zero accesses; since is the latest reset', () => {
    const r = findUnusedIndexes([
      { member: 'a:27017', indexStats: [stat('_id_', 0, '2024-01-01T00:00:00Z'), stat('x', 0, '2024-01-01T00:00:00Z'), stat('y', 0, '2024-01-01T00:00:00Z'), stat('z', 0, '2024-01-01T00:00:00Z')] },
      { member: 'b:27017', indexStats: [stat('x', { $numberLong: '0' }, { $date: '2024-03-05T10:00:00Z' }), stat('y', 7, '2024-01-01T00:00:00Z'), stat('z', 0, '2024-01-01T00:00:00Z')] },
      { member: 'c:27017', indexStats: [stat('x', { toNumber: () => 0 }, new Date('2024-02-01T00:00:00Z')), stat('y', 0, '2024-01-01T00:00:00Z')] },
    ]);
    // y was used on b; z is not reported by c (cannot tell); _id_ is never listed
    expect(r.map((u) => u.name)).toEqual(['x']);
    expect(r[0]).toMatchObject({
      key: { x: 1 },
      since: '2024-03-05T10:00:00.000Z',
      members: [
        { member: 'a:27017', since: '2024-01-01T00:00:00.000Z' },
        { member: 'b:27017', since: '2024-03-05T10:00:00.000Z' },
        { member: 'c:27017', since: '2024-02-01T00:00:00.000Z' },
      ],
      caveats: [],
    });
  });

  it('skips indexes still building and warns about unique, TTL and shard-key candidates', () => {
    const r = findUnusedIndexes([
      {
        member: 'a',
        indexStats: [
          stat('b', 0, '2024-01-01T00:00:00Z', { building: true }),
          stat('u', 0, '2024-01-01T00:00:00Z', { spec: { unique: true } }),
          stat('t', 0, '2024-01-01T00:00:00Z', { spec: { expireAfterSeconds: 3600 } }),
          stat('s', 0n, { $date: { $numberLong: '1704067200000' } }, { shard: 'sh0', spec: {} }),
        ],
      },
    ]);
    expect(r.map((u) => [u.name, u.caveats.length])).toEqual([
      ['u', 1],
      ['t', 1],
      ['s', 1],
    ]);
    expect(r[2]!.since).toBe('2024-01-01T00:00:00.000Z');
  });

  it('refuses malformed $indexStats with a typed error that names the member and entry', () => {
    expect(() => findUnusedIndexes([{ member: 'a', indexStats: [{ name: 'x', accesses: { ops: -1, since: 'x' } }] }])).toThrow(
      expect.objectContaining({ code: 'E_PARSE', message: expect.stringMatching(/a, \$indexStats entry #1/) }),
    );
    expect(() => findUnusedIndexes([{ member: 'a', indexStats: [{ accesses: {} }] }])).toThrow(expect.objectContaining({ code: 'E_PARSE' }));
    expect(() => findUnusedIndexes([{ nope: 1 } as never])).toThrow(expect.objectContaining({ code: 'E_PARSE' }));
    expect(findUnusedIndexes([])).toEqual([]);
  });
});
