import fc from 'fast-check';
import { baleenShapeHash, fnv1a32, MAX_SHAPE_LENGTH, queryShapeText } from './query-shape';

describe('query shapes', () => {
  it('replaces literals by their type and keeps fields and operators', () => {
    expect(queryShapeText({ filter: { status: 'A', qty: { $gt: 5, $lte: 9.5 }, ok: true, gone: null } })).toBe(
      '{"filter":{"status":"?string","qty":{"$gt":"?number","$lte":"?number"},"ok":"?bool","gone":"?null"}}',
    );
  });

  it('groups queries that differ only in their literals', () => {
    const a = queryShapeText({ filter: { email: 'a@x.io', age: { $in: [1, 2, 3] } }, sort: { age: -1 } });
    const b = queryShapeText({ filter: { email: 'zz@y.org', age: { $in: [40] } }, sort: { age: -1 } });
    expect(a).toBe(b);
    expect(a).toBe('{"filter":{"email":"?string","age":{"$in":"?array<?number>"}},"sort":{"age":-1}}');
    // A different sort direction is a different shape.
    expect(queryShapeText({ filter: { email: 'x' }, sort: { age: 1 } })).not.toBe(queryShapeText({ filter: { email: 'x' }, sort: { age: -1 } }));
  });

  it('knows Extended JSON types (what logv2 and our legacy parser produce)', () => {
    const shape = queryShapeText({
      filter: {
        _id: { $oid: '65f20b835538c55aa02d9e04' },
        at: { $gte: { $date: '2024-01-01T00:00:00Z' } },
        n: { $numberLong: '12' },
        u: { $uuid: '829b14b2-0a55-4ec5-9130-4ef7f1837581' },
        re: { $regularExpression: { pattern: '^a', options: 'i' } },
      },
    });
    expect(shape).toBe('{"filter":{"_id":"?objectId","at":{"$gte":"?date"},"n":"?number","u":"?binData","re":"?regex"}}');
  });

  it('walks $and/$or/$nor, $elemMatch and $not; treats a sub-document value as one literal', () => {
    expect(queryShapeText({ filter: { $or: [{ a: 1 }, { b: { $exists: true } }], tags: { $elemMatch: { k: 'x', v: { $gt: 2 } } }, c: { $not: { $lt: 3 } }, d: { x: 1 } } })).toBe(
      '{"filter":{"$or":[{"a":"?number"},{"b":{"$exists":"?bool"}}],"tags":{"$elemMatch":{"k":"?string","v":{"$gt":"?number"}}},"c":{"$not":{"$lt":"?number"}},"d":"?object"}}',
    );
  });

  it('shapes pipelines: $match as a filter, names and field paths kept, other literals replaced', () => {
    const pipeline = [
      { $match: { status: 'A', n: { $gte: 10 } } },
      { $lookup: { from: 'orders', localField: 'id', foreignField: 'cid', as: 'o' } },
      { $group: { _id: '$cust', total: { $sum: '$amount' }, one: { $sum: 1 } } },
      { $project: { label: { $concat: ['$a', 'literal text'] }, c: { $literal: 'x' } } },
      { $sort: { total: -1 } },
      { $limit: 10 },
      { $facet: { x: [{ $match: { k: 1 } }] } },
    ];
    expect(queryShapeText({ pipeline })).toBe(
      '{"pipeline":[{"$match":{"status":"?string","n":{"$gte":"?number"}}},{"$lookup":{"from":"orders","localField":"id","foreignField":"cid","as":"o"}},' +
        '{"$group":{"_id":"$cust","total":{"$sum":"$amount"},"one":{"$sum":"?number"}}},{"$project":{"label":{"$concat":["$a","?string"]},"c":{"$literal":"?string"}}},' +
        '{"$sort":{"total":-1}},{"$limit":"?number"},{"$facet":{"x":[{"$match":{"k":"?number"}}]}}]}',
    );
  });

  it('keeps projection numbers and $meta but not projection string literals', () => {
    expect(queryShapeText({ projection: { _id: 0, a: 1, s: { $meta: 'textScore' }, lit: 'secret-value' } })).toBe('{"projection":{"_id":0,"a":1,"s":{"$meta":"textScore"},"lit":"?string"}}');
  });

  it('is safe on hostile input: __proto__ keys, 10k-deep nesting, huge arrays, long shapes', () => {
    const before = Object.getOwnPropertyNames(Object.prototype).join();
    const proto = JSON.parse('{"__proto__":{"polluted":1},"constructor":{"prototype":{"x":1}}}') as unknown;
    expect(queryShapeText({ filter: proto })).toBe('{"filter":{"__proto__":"?object","constructor":"?object"}}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();

    const deep = JSON.parse(`${'{"$and":['.repeat(10_000)}{"a":1}${']}'.repeat(10_000)}`) as unknown;
    const text = queryShapeText({ filter: deep });
    expect(text).toContain('"?…"');
    expect(text.length).toBeLessThanOrEqual(MAX_SHAPE_LENGTH + 1);

    const wide = { filter: Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`field${i}`, i])) };
    expect(queryShapeText(wide).length).toBeLessThanOrEqual(MAX_SHAPE_LENGTH + 1);
    expect(queryShapeText({ filter: { a: { $in: Array.from({ length: 1e5 }, (_, i) => i) } } })).toBe('{"filter":{"a":{"$in":"?array<?number>"}}}');
    expect(Object.getOwnPropertyNames(Object.prototype).join()).toBe(before);
  });

  it('always produces JSON text (within the length cap) for any JSON input', () => {
    fc.assert(
      fc.property(fc.json({ depthSize: 'medium' }), fc.json(), (f, s) => {
        const text = queryShapeText({ filter: JSON.parse(f) as unknown, sort: JSON.parse(s) as unknown });
        if (!text.endsWith('…')) expect(() => JSON.parse(text) as unknown).not.toThrow();
        expect(text.length).toBeLessThanOrEqual(MAX_SHAPE_LENGTH + 1);
      }),
      { numRuns: 300 },
    );
  });

  it('hashes like a queryHash: 8 upper-case hex digits, stable, op-sensitive', () => {
    expect(fnv1a32('')).toBe('811C9DC5');
    expect(fnv1a32('a')).toBe('E40C292C');
    const h = baleenShapeHash('find', '{"filter":{"a":"?number"}}');
    expect(h).toMatch(/^[0-9A-F]{8}$/);
    expect(baleenShapeHash('find', '{"filter":{"a":"?number"}}')).toBe(h);
    expect(baleenShapeHash('count', '{"filter":{"a":"?number"}}')).not.toBe(h);
  });
});
