import fc from 'fast-check';
import { isBaleenError } from '../../../src-shared/domain/errors';
import { parseMongoshQuery } from './mongosh-query.parser';

describe('parseMongoshQuery: what a DBA types in mongosh, as the command to explain', () => {
  const table: Array<[string, Record<string, unknown>]> = [
    ['db.orders.find({status: "A", qty: {$gt: 5}}).sort({ts: -1})', { op: 'find', collection: 'orders', db: null, command: { find: 'orders', filter: { status: 'A', qty: { $gt: 5 } }, sort: { ts: -1 } } }],
    ['db.orders.find()', { op: 'find', command: { find: 'orders', filter: {} } }],
    ["db.orders.find({}, {_id: 0, a: 1}).limit(10).skip(5).hint({a: 1}).pretty();", { command: { find: 'orders', filter: {}, projection: { _id: 0, a: 1 }, limit: 10, skip: 5, hint: { a: 1 } } }],
    ['db.orders.findOne({_id: ObjectId("65a1b2c3d4e5f60718293a4b")})', { op: 'find', method: 'findOne', command: { find: 'orders', filter: { _id: { $oid: '65a1b2c3d4e5f60718293a4b' } }, limit: 1, singleBatch: true } }],
    ['db.getSiblingDB("shop").orders.aggregate([{$match: {a: 1}}, {$group: {_id: "$b"}}])', { op: 'aggregate', db: 'shop', writesOutput: false, command: { aggregate: 'orders', pipeline: [{ $match: { a: 1 } }, { $group: { _id: '$b' } }], cursor: {} } }],
    ['db.c.aggregate({$match: {a: 1}}, {$out: "x"})', { op: 'aggregate', writesOutput: true, command: { aggregate: 'c', pipeline: [{ $match: { a: 1 } }, { $out: 'x' }], cursor: {} } }],
    ['db.c.aggregate([{$merge: {into: "x"}}], {allowDiskUse: true})', { writesOutput: true, command: { aggregate: 'c', pipeline: [{ $merge: { into: 'x' } }], cursor: {}, allowDiskUse: true } }],
    ['db.c.count({a: ISODate("2024-01-02T03:04:05Z")})', { op: 'count', command: { count: 'c', query: { a: { $date: '2024-01-02T03:04:05.000Z' } } } }],
    ['db.c.find({a: 1}).count()', { op: 'count', command: { count: 'c', query: { a: 1 } } }],
    ['db.c.countDocuments({a: 1})', { op: 'count', command: { count: 'c', query: { a: 1 } } }],
    ['db.c.estimatedDocumentCount()', { op: 'count', command: { count: 'c' } }],
    ['db.c.distinct("k", {x: /ab/i})', { op: 'distinct', command: { distinct: 'c', key: 'k', query: { x: { $regularExpression: { pattern: 'ab', options: 'i' } } } } }],
    ['db.c.updateOne({a: 1}, {$set: {b: 2}})', { op: 'update', command: { update: 'c', updates: [{ q: { a: 1 }, u: { $set: { b: 2 } }, multi: false, upsert: false }] } }],
    ['db.c.updateMany({a: 1}, [{$set: {b: 2}}], {upsert: true})', { op: 'update', command: { update: 'c', updates: [{ q: { a: 1 }, u: [{ $set: { b: 2 } }], multi: true, upsert: true }] } }],
    ['db.c.update({a: 1}, {$set: {b: 2}}, {multi: true})', { command: { update: 'c', updates: [{ q: { a: 1 }, u: { $set: { b: 2 } }, multi: true, upsert: false }] } }],
    ['db.c.replaceOne({a: 1}, {a: 1, b: 2})', { op: 'update', command: { update: 'c', updates: [{ q: { a: 1 }, u: { a: 1, b: 2 }, multi: false, upsert: false }] } }],
    ['db.c.deleteOne({a: 1})', { op: 'delete', command: { delete: 'c', deletes: [{ q: { a: 1 }, limit: 1 }] } }],
    ['db.c.deleteMany({})', { op: 'delete', command: { delete: 'c', deletes: [{ q: {}, limit: 0 }] } }],
    ['db.c.remove({a: 1}, {justOne: true})', { op: 'delete', command: { delete: 'c', deletes: [{ q: { a: 1 }, limit: 1 }] } }],
    ['db.c.findOneAndUpdate({a: 1}, {$inc: {n: 1}}, {sort: {t: -1}, returnDocument: "after"})', { op: 'findAndModify', command: { findAndModify: 'c', query: { a: 1 }, update: { $inc: { n: 1 } }, sort: { t: -1 }, new: true, upsert: false } }],
    ['db.c.findOneAndDelete({a: 1})', { op: 'findAndModify', command: { findAndModify: 'c', query: { a: 1 }, remove: true } }],
    ['db.c.findAndModify({query: {a: 1}, update: {$set: {b: 1}}, new: true})', { op: 'findAndModify', command: { findAndModify: 'c', query: { a: 1 }, update: { $set: { b: 1 } }, new: true } }],
    ['db.system.profile.find().limit(5)', { collection: 'system.profile', command: { find: 'system.profile', filter: {}, limit: 5 } }],
    ['db["my coll"].find({})', { collection: 'my coll' }],
    ['db.getCollection("a.b").find({})', { collection: 'a.b' }],
    ['db.c.explain("executionStats").find({a: 1})', { verbosity: 'executionStats', op: 'find' }],
    ['db.c.find({a: 1}).explain()', { verbosity: 'queryPlanner' }],
    ['db.c.find({a: 1}).explain(true)', { verbosity: 'allPlansExecution' }],
    ['// the slow one\ndb.c.find({ /* status */ s: NumberLong("9007199254740993") })', { command: { find: 'c', filter: { s: { $numberLong: '9007199254740993' } } } }],
  ];
  it.each(table)('%s', (text, expected) => {
    expect(parseMongoshQuery(text)).toMatchObject(expected);
  });

  it('keeps the query parts for the shape (never the text itself)', () => {
    expect(parseMongoshQuery('db.c.find({a: "x"}, {b: 1}).sort({t: -1})').shape).toEqual({ filter: { a: 'x' }, sort: { t: -1 }, projection: { b: 1 } });
    expect(parseMongoshQuery('db.c.updateMany({a: 1}, {$set: {b: 2}})').shape).toEqual({ filter: { a: 1 } });
    expect(parseMongoshQuery('db.c.distinct("k", {a: 1})').shape).toEqual({ filter: { a: 1 }, key: 'k' });
  });

  const refusals: Array<[string, RegExp]> = [
    ['', /empty/],
    ['orders.find({})', /starts with db/],
    ['db.find({})', /needs a collection/],
    ['db.c.find({a: eval("1")})', /unknown constructor eval\(\)/],
    ['db.c.find({a: function () { return 1 }})', /E?unexpected|cannot parse/],
    ['db.c.find({$where: "sleep(1)"}).forEach(printjson)', /\.forEach\(\) cannot follow find\(\)/],
    ['db.c.insertOne({a: 1})', /not something Baleen can explain/],
    ['db.c.drop()', /not something Baleen can explain/],
    ['db.dropDatabase()', /not a collection method/],
    ['db.c.find({a: 1}); db.d.drop()', /unexpected text after the query/],
    ['db.c.find("a")', /filter must be a document/],
    ['db.c.aggregate([{$match: {}}, "x"])', /stage 2 of the pipeline/],
    ['db.c.distinct({a: 1})', /field name in quotes/],
    ['db.c.updateOne({a: 1})', /needs an update document/],
    ['db.c.find().explain("everything")', /explain\(\) takes/],
    ['db.c.find().limit("ten")', /whole number/],
    ['db.getSiblingDB("a/b").c.find()', /not a database name/],
    ['db.c$x.find()', /not a collection name/],
    ['db.c.find({a: 1}', /expected "," or "\)"/],
    [`db.c.find(${'['.repeat(300)})`, /nested deeper/],
  ];
  it.each(refusals)('refuses %s with a typed error naming the place', (text, re) => {
    let err: unknown;
    try {
      parseMongoshQuery(text);
    } catch (e) {
      err = e;
    }
    expect(isBaleenError(err)).toBe(true);
    expect((err as { code: string }).code).toBe('E_INVALID_INPUT');
    expect((err as Error).message).toMatch(re);
  });

  it('names line and column', () => {
    try {
      parseMongoshQuery('db.c.find({\n  a: 1,\n  b: eval("x")\n})');
      throw new Error('no error');
    } catch (e) {
      expect((e as Error).message).toMatch(/line 3, column 6/);
      expect((e as { details: unknown }).details).toMatchObject({ line: 3 });
    }
  });

  it('fuzz: any text gives a result or an E_INVALID_INPUT, never another error; nothing reaches Object.prototype', () => {
    const pieces = ['db', '.', 'orders', 'find', 'aggregate', 'getSiblingDB', 'getCollection', 'explain', '(', ')', '[', ']', '{', '}', ',', ':', '"x"', "'y'", '$gt', '__proto__', 'constructor', '1', '-0', '1e308', 'NaN', 'ISODate("2020")', '/a/', ';', ' ', '\n', '//c\n', '/*', '*/', 'sort', 'limit', 'new', 'Date', '\\', '`', '...'];
    const soup = fc.array(fc.constantFrom(...pieces), { maxLength: 40 }).map((a) => a.join(''));
    const valid = fc.json({ depthSize: 'small' }).map((j) => `db.orders.find(${j})`);
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 200 }), soup, valid, fc.string({ unit: 'binary', maxLength: 80 })), (text) => {
        try {
          const r = parseMongoshQuery(text);
          expect(typeof r.collection).toBe('string');
          expect(JSON.parse(JSON.stringify(r.command))).toEqual(r.command);
        } catch (e) {
          if (!isBaleenError(e) || e.code !== 'E_INVALID_INPUT') throw e;
        }
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      { numRuns: 3000 },
    );
    expect(Object.getOwnPropertyNames(Object.prototype)).not.toContain('x');
  });

  it('drops __proto__ keys and refuses oversized input', () => {
    const r = parseMongoshQuery('db.c.find({"__proto__": {"polluted": 1}, a: 1})');
    expect(r.command.filter).toEqual({ a: 1 });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(() => parseMongoshQuery(`db.c.find({a: "${'x'.repeat(1024 * 1024)}"})`)).toThrow(/at most/);
  });
});
