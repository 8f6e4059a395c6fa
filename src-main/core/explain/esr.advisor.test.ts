import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { adviseIndex, classifyFilter, createIndexCommand, parseExistingIndexes, proposeIndex } from './esr.advisor';
import { parseExplainText } from './explain-text.parser';
import type { JsonObject, JsonValue, QueryShape } from './explain.schema';

type Role = 'eq' | 'in' | 'range';
type Dir = 1 | -1;

const FIELDS = ['a', 'b', 'c', 'd.e', 'f', 'g', 'status', 'created'];
const RANK: Record<Role, number> = { eq: 3, in: 2, range: 1 };

/** A condition on one field, and the role the ESR rule gives it (the test's own oracle). */
const condition: fc.Arbitrary<[JsonValue, Role]> = fc.oneof(
  fc.oneof(fc.integer(), fc.string({ maxLength: 3 }), fc.constant(null), fc.constant({ $date: '2024-01-01T00:00:00Z' }), fc.constant({ $oid: '65a000000000000000000000' })).map((v): [JsonValue, Role] => [v, 'eq']),
  fc.integer().map((v): [JsonValue, Role] => [{ $eq: v }, 'eq']),
  fc.integer().map((v): [JsonValue, Role] => [{ $in: [v] }, 'eq']),
  fc.array(fc.integer(), { minLength: 2, maxLength: 4 }).map((v): [JsonValue, Role] => [{ $in: v }, 'in']),
  fc.constantFrom<[JsonValue, Role]>(
    [{ $gt: 1 }, 'range'],
    [{ $gte: 1, $lt: 9 }, 'range'],
    [{ $ne: 'x' }, 'range'],
    [{ $nin: [1, 2] }, 'range'],
    [{ $regex: '^ab' }, 'range'],
    [{ $regularExpression: { pattern: 'x', options: 'i' } }, 'range'],
    [{ $exists: true }, 'range'],
    [{ $elemMatch: { x: 1 } }, 'eq'],
    [{ $all: [1, 2] }, 'eq'],
  ),
);

interface Gen {
  filter: JsonObject;
  roles: Map<string, Role>;
  sort: Array<[string, Dir]>;
}

/** Filters as users write them and as parsedQuery prints them ($and of single-field terms). */
const shapeArb: fc.Arbitrary<Gen> = fc
  .record({
    terms: fc.array(fc.tuple(fc.constantFrom(...FIELDS), condition), { maxLength: 6 }),
    asAnd: fc.boolean(),
    sort: fc.array(fc.tuple(fc.constantFrom(...FIELDS), fc.constantFrom<Dir>(1, -1)), { maxLength: 4 }),
  })
  .map(({ terms, asAnd, sort }) => {
    const roles = new Map<string, Role>();
    for (const [f, [, r]] of terms) {
      const cur = roles.get(f);
      if (cur === undefined || RANK[r] > RANK[cur]) roles.set(f, r);
    }
    let filter: JsonObject;
    if (asAnd) filter = { $and: terms.map(([f, [v]]) => ({ [f]: v })) };
    else {
      // One key per field in a plain object: merge repeated fields into $and instead of overwriting.
      filter = {};
      const extra: JsonObject[] = [];
      for (const [f, [v]] of terms) {
        if (f in filter) extra.push({ [f]: v });
        else filter[f] = v;
      }
      if (extra.length) filter.$and = extra;
    }
    return { filter, roles, sort };
  });

const shapeOf = (g: Gen): QueryShape => ({ namespace: 'db.coll', filter: g.filter, sort: g.sort, source: 'test' });

describe('ESR proposal: properties (fast-check)', () => {
  it('equality fields come before sort fields, which come before range fields; every field once; sort directions kept', () => {
    fc.assert(
      fc.property(shapeArb, (g) => {
        const p = proposeIndex(shapeOf(g));
        const keyFields = p.key.map(([f]) => f);
        // no duplicates
        expect(new Set(keyFields).size).toBe(keyFields.length);

        const hasSort = g.sort.length > 0;
        const firstSortDir = new Map<string, Dir>();
        for (const [f, d] of g.sort) if (!firstSortDir.has(f)) firstSortDir.set(f, d);
        const isEq = (f: string) => g.roles.get(f) === 'eq' || (g.roles.get(f) === 'in' && !hasSort);
        const group = (f: string): 0 | 1 | 2 => (isEq(f) ? 0 : firstSortDir.has(f) ? 1 : 2);

        // E before S before R, by the oracle's roles
        const groups = keyFields.map(group);
        for (let i = 1; i < groups.length; i++) expect(groups[i]!).toBeGreaterThanOrEqual(groups[i - 1]!);
        // every field the query constrains or sorts on is in the key (equality fields drop out of the sort)
        const expected = new Set([...g.roles.keys(), ...firstSortDir.keys()]);
        expect(new Set(keyFields)).toEqual(expected);
        // sort fields keep their first direction, in the sort's order
        const sortPart = p.key.filter(([f]) => group(f) === 1);
        expect(sortPart).toEqual([...firstSortDir].filter(([f]) => !isEq(f)));
        // equality and range fields ascend
        for (const [f, d] of p.key) if (group(f) !== 1) expect(d).toBe(1);
      }),
      { numRuns: 500 },
    );
  });

  it('an existing index with the proposed key (equality fields in any order, sort fully reversed) is reported as covering it', () => {
    fc.assert(
      fc.property(shapeArb, fc.boolean(), fc.nat(), (g, reverse, rot) => {
        const p = proposeIndex(shapeOf(g));
        fc.pre(p.key.length > 0 && p.equality[0] !== '_id');
        const eq = p.equality.map((f): [string, number] => [f, 1]);
        const rotated = eq.length ? [...eq.slice(rot % eq.length), ...eq.slice(0, rot % eq.length)] : eq;
        const sort = p.sort.map(([f, d]): [string, number] => [f, reverse ? -d : d]);
        const key = Object.fromEntries([...rotated, ...sort, ...p.range.map((f): [string, number] => [f, -1])]);
        const a = adviseIndex(shapeOf(g), [{ name: 'mine', key }]);
        expect(a).toMatchObject({ status: 'covered', existingIndex: 'mine', createIndex: null });
        // the same key plus a trailing field still serves the query: the proposal is its prefix
        const b = adviseIndex(shapeOf(g), [{ name: 'longer', key: { ...key, zzz: 1 } }]);
        expect(b).toMatchObject({ status: 'prefix', existingIndex: 'longer' });
      }),
      { numRuns: 300 },
    );
  });

  it('the createIndex text reads back to the proposed key, whatever the field names', () => {
    const name = fc.string({ minLength: 1, maxLength: 12 }).map((s) => `f${s}`);
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(name, fc.constantFrom<Dir>(1, -1)), { selector: ([f]) => f, minLength: 1, maxLength: 5 }), (key) => {
        const cmd = createIndexCommand('my.db.coll', key);
        expect(cmd.startsWith('db.getSiblingDB("my").getCollection("db.coll").createIndex({ ')).toBe(true);
        const spec = cmd.slice(cmd.indexOf('createIndex(') + 'createIndex('.length, -1);
        expect(Object.entries(parseExplainText(spec) as JsonObject)).toEqual(key);
      }),
      { numRuns: 300 },
    );
  });
});

describe('ESR proposal: examples', () => {
  const key = (filter: JsonObject, sort: Array<[string, Dir]> = []) => proposeIndex({ filter, sort }).key;

  it('the classic example: equality, then sort, then range', () => {
    expect(key({ status: 'A', qty: { $gt: 5 } }, [['date', -1]])).toEqual([
      ['status', 1],
      ['date', -1],
      ['qty', 1],
    ]);
  });

  it('$in is equality without a sort and a range with one', () => {
    expect(key({ a: { $in: [1, 2] }, b: { $gt: 1 } })).toEqual([
      ['a', 1],
      ['b', 1],
    ]);
    expect(key({ a: { $in: [1, 2] }, b: 1 }, [['c', 1]])).toEqual([
      ['b', 1],
      ['c', 1],
      ['a', 1],
    ]);
  });

  it('reads parsedQuery as the server prints it', () => {
    expect(key({ $and: [{ age: { $lte: 40 } }, { age: { $gte: 33 } }] }, [['email', -1]])).toEqual([
      ['email', -1],
      ['age', 1],
    ]);
  });

  it('a sort on an equality field costs nothing; a sort on a range field keeps it in the sort part', () => {
    expect(key({ a: 1, b: { $gt: 2 } }, [['a', -1], ['b', -1]])).toEqual([
      ['a', 1],
      ['b', -1],
    ]);
  });

  it('notes what one B-tree index cannot serve', () => {
    const r = classifyFilter({ a: 1, $or: [{ b: 1 }, { c: 2 }], loc: { $geoWithin: {} }, $text: { $search: 'x' }, n: { $size: 2 } });
    expect(r.roles).toEqual([['a', 'eq']]);
    expect(r.notes.join('\n')).toMatch(/\$or branches/);
    expect(r.notes.join('\n')).toMatch(/loc uses \$geoWithin/);
    expect(r.notes.join('\n')).toMatch(/\$text cannot use/);
    expect(r.notes.join('\n')).toMatch(/\$size/);
  });

  it('an exact _id match needs nothing but _id_', () => {
    const a = adviseIndex({ namespace: 'd.c', filter: { _id: 5, b: 2 }, sort: [['c', 1]], source: 't' });
    expect(a).toMatchObject({ key: [['_id', 1]], status: 'covered', existingIndex: '_id_' });
  });

  it('nothing to index gives status none and no command', () => {
    expect(adviseIndex({ namespace: 'd.c', filter: {}, sort: [], source: 't' })).toMatchObject({ status: 'none', createIndex: null });
  });
});

describe('ESR advice against existing indexes', () => {
  const shape: QueryShape = { namespace: 'shop.orders', filter: { status: 'A', qty: { $gt: 5 } }, sort: [['date', -1]], source: 't' };

  it('new: gives the createIndex command and names the indexes it makes redundant', () => {
    const a = adviseIndex(shape, [
      { name: 'status_1', key: { status: 1 } },
      { name: 'status_1_u', key: { status: 1 }, unique: true },
      { name: 'date_-1', key: { date: -1 } },
    ]);
    expect(a.status).toBe('new');
    expect(a.createIndex).toBe('db.getSiblingDB("shop").getCollection("orders").createIndex({ "status": 1, "date": -1, "qty": 1 })');
    // a unique index is never called redundant: it enforces a constraint
    expect(a.supersedes).toEqual(['status_1']);
  });

  it('a sort that matches only half reversed is not served', () => {
    const s: QueryShape = { namespace: 'd.c', filter: {}, sort: [['a', 1], ['b', -1]], source: 't' };
    expect(adviseIndex(s, [{ name: 'x', key: { a: 1, b: 1 } }]).status).toBe('new');
    expect(adviseIndex(s, [{ name: 'y', key: { a: -1, b: 1 } }])).toMatchObject({ status: 'covered', existingIndex: 'y' });
  });

  it('hidden indexes are not counted, but mentioned; partial, sparse and collated ones carry a note', () => {
    const hidden = adviseIndex(shape, [{ name: 'h', key: { status: 1, date: -1, qty: 1 }, hidden: true }]);
    expect(hidden.status).toBe('new');
    expect(hidden.notes.join('\n')).toMatch(/h would serve this query but is hidden/);
    const partial = adviseIndex(shape, [{ name: 'p', key: { status: 1, date: -1, qty: 1 }, partialFilterExpression: { qty: { $gt: 0 } } }]);
    expect(partial.status).toBe('covered');
    expect(partial.notes.join('\n')).toMatch(/partial index/);
  });

  it('reads listIndexes output (array or command reply) and refuses anything else with a typed error', () => {
    expect(parseExistingIndexes([{ v: 2, key: { _id: 1 }, name: '_id_' }])).toEqual([{ v: 2, key: { _id: 1 }, name: '_id_' }]);
    expect(parseExistingIndexes({ cursor: { firstBatch: [{ key: { a: 1 }, name: 'a_1' }] }, ok: 1 })).toHaveLength(1);
    expect(() => parseExistingIndexes({ nope: 1 })).toThrow(expect.objectContaining({ code: 'E_PARSE' }));
    expect(() => parseExistingIndexes([{ key: 'x' }])).toThrow(expect.objectContaining({ code: 'E_PARSE' }));
  });
});
