import type { LogEvent } from './log-event';
import { LegacyParser } from './legacy.parser';

const ev = <K extends LogEvent['kind']>(p: LegacyParser, line: string, kind: K) => {
  const r = p.parse(line, 1, 0);
  expect(r.kind, line).toBe(kind);
  return r as Extract<LogEvent, { kind: K }>;
};

describe('LegacyParser', () => {
  it('reads every header variant from 2.2 to 4.2', () => {
    const p = new LegacyParser({ referenceYear: 2014 });
    const rows: [string, Partial<LogEvent>][] = [
      ['Mon Aug  5 20:21:42 [initandlisten] db version v2.2.5, pdfile version 4.5', { severity: '-', component: '-', ctx: 'initandlisten', ts: Date.UTC(2013, 7, 5, 20, 21, 42) }],
      ['Wed Mar  5 17:14:24.619 [conn4] end connection 127.0.0.1:5000 (1 connection now open)', { ctx: 'conn4', ts: Date.UTC(2014, 2, 5, 17, 14, 24, 619) }],
      ['2014-04-09T23:16:20.437-0400 [initandlisten] MongoDB starting : pid=4037 port=27019 dbpath=/d 64-bit host=enter.local', { severity: '-', ctx: 'initandlisten', ts: Date.parse('2014-04-10T03:16:20.437Z') }],
      ['2015-03-10T14:21:24.484+1100 I CONTROL  [initandlisten] options: { port: 27017 }', { severity: 'I', component: 'CONTROL', msg: 'options: { port: 27017 }' }],
      ['2022-02-24T20:10:28.926+0000 I  STORAGE  [initandlisten] WiredTiger record store oplog processing took 0ms', { severity: 'I', component: 'STORAGE', kind: 'other' }],
      ['2018-02-08T13:21:09.966Z I CONTROL  [main] modules: enterprise', { ts: Date.parse('2018-02-08T13:21:09.966Z'), ctx: 'main' }],
      ['2019-01-01T00:00:00.000+0000 D1 QUERY    [conn5] debug text', { severity: 'D1', component: 'QUERY' }],
      ['2019-01-01T00:00:00.000+0000 I -        [conn5] no component', { component: '-' }],
      ['2019-01-01T00:00:00.000+0000 I REPL     [repl writer worker 5] spaced context', { ctx: 'repl writer worker 5', msg: 'spaced context' }],
      ['2014-04-09T23:22:48.502-0400 ***** SERVER RESTARTED *****', { ctx: '', msg: '***** SERVER RESTARTED *****' }],
      ['Thu Oct  9 15:27:29.805 dbexit: really exiting now', { ctx: '', msg: 'dbexit: really exiting now' }],
    ];
    for (const [line, want] of rows) {
      const r = p.parse(line, 1, 0);
      expect(r.kind, line).not.toBe('unparsed');
      expect(r, line).toMatchObject({ format: 'legacy', id: null, ...want });
    }
  });

  it('reads slow operations of each era with counters, plan, app name and shape', () => {
    const p = new LegacyParser({ referenceYear: 2020 });
    const q24 = ev(p, 'Wed Mar  5 17:14:57.407 [conn4] query test.docs query: { query: { foo: 33.0 }, orderby: { foo: -1.0 } } ntoreturn:0 ntoskip:0 nscanned:100000 scanAndOrder:1 keyUpdates:0 locks(micros) r:29773 nreturned:1 reslen:68 29ms', 'slowOp');
    expect(q24.op).toMatchObject({ ns: 'test.docs', op: 'query', durationMs: 29, keysExamined: 100000, nreturned: 1, reslen: 68, connection: 'conn4', shape: { text: '{"filter":{"foo":"?number"},"sort":{"foo":-1}}', hashSource: 'baleen' } });

    const find42 = ev(p, '2018-03-28T15:34:44.104-0400 I COMMAND [conn3291] command abc.xyz command: find { find: "xyz", filter: {"$or": [{"x": 1}, {"$or": [{"y": 1}]}]}, sort: { field: -1 } } planSummary: COLLSCAN keysExamined:29525 docsExamined:29514 hasSortStage:1 cursorExhausted:1 keyUpdates:0 writeConflicts:0 numYields:1942 nreturned:0 reslen:126 locks:{ Global: { acquireCount: { r: 3886 } }, Database: { acquireCount: { r: 1943 } } } protocol:op_query 369525ms', 'slowOp');
    expect(find42.op).toMatchObject({ ns: 'abc.xyz', op: 'find', durationMs: 369525, planSummary: 'COLLSCAN', keysExamined: 29525, docsExamined: 29514, numYields: 1942, nreturned: 0 });
    expect(find42.op.shape!.text).toBe('{"filter":{"$or":[{"x":"?number"},{"$or":[{"y":"?number"}]}]},"sort":{"field":-1}}');

    const upd = ev(p, '2019-06-18T12:13:26.796+0100 I WRITE    [conn2] update local.myCollection appName: "MongoDB Shell" command: { q: { name: "ASD" }, u: { $set: { key: "aaa" } }, multi: false, upsert: false } planSummary: COLLSCAN keysExamined:0 docsExamined:1 nMatched:1 nModified:1 numYields:0 locks:{ Global: { acquireCount: { r: 1, w: 1 } } } storage:{} 2ms', 'slowOp');
    expect(upd.op).toMatchObject({ op: 'update', appName: 'MongoDB Shell', nModified: 1, shape: { text: '{"filter":{"name":"?string"}}' } });

    const ixPlan = ev(p, '2020-02-07T12:04:12.104+1100 I COMMAND  [conn7] command config.$cmd command: find { find: "cache.collections", filter: { _id: ObjectId(\'5e3cb787eac25df28767b49b\'), at: new Date(1581037434000) }, ntoreturn: 1, $db: "config" } planSummary: IXSCAN { _id: 1 }, IXSCAN { at: 1 } keysExamined:1 docsExamined:1 nreturned:1 reslen:485 locks:{} 103ms', 'slowOp');
    expect(ixPlan.op).toMatchObject({ ns: 'config.cache.collections', op: 'find', planSummary: 'IXSCAN { _id: 1 }, IXSCAN { at: 1 }', shape: { text: '{"filter":{"_id":"?objectId","at":"?date"}}' } });

    const getmore = ev(p, '2019-06-18T12:00:00.000+0100 I COMMAND  [conn9] getmore test.c query: { getMore: 123, collection: "c" } originatingCommand: { find: "c", filter: { a: { $in: [ 1, 2 ] } } } planSummary: COLLSCAN cursorid:123 nreturned:5 reslen:100 7ms', 'slowOp');
    expect(getmore.op).toMatchObject({ op: 'getmore', nreturned: 5, shape: { text: '{"filter":{"a":{"$in":"?array<?number>"}}}' } });

    const ins = ev(p, 'Mon Aug  5 20:22:10 [conn4] insert test.docs keyUpdates:0 locks(micros) w:288340 288ms', 'slowOp');
    expect(ins.op).toMatchObject({ op: 'insert', ns: 'test.docs', durationMs: 288, shape: { text: '{}' } });

    const err = ev(p, '2016-01-01T00:00:00.000+0000 I WRITE    [conn1] insert t.c query: { _id: 1 } ninserted:0 keyUpdates:0 writeConflicts:0 exception: E11000 duplicate key error collection: t.c index: _id_ dup key: { : 1 } code:11000 numYields:0 0ms', 'slowOp');
    expect(err.op.error).toEqual({ message: 'E11000 duplicate key error collection: t.c index: _id_ dup key: { : 1 }', code: 11000 });
  });

  it('does not take "took 4ms" or "sleeping for 30000ms" lines for operations', () => {
    const p = new LegacyParser({ referenceYear: 2014 });
    ev(p, '2014-04-09T23:19:26.709-0400 [conn20] collection version was loaded at version 1|1||53460dbe4aaa0fc95616708e, took 4ms', 'other');
    ev(p, "2014-04-09T23:19:27.053-0400 [LockPinger] cluster a:1 pinged successfully at Wed Apr  9 23:19:26 2014 by distributed lock pinger 'a:1/b:2:3:4', sleeping for 30000ms", 'other');
  });

  it('reads connections, metadata, authentication and state changes', () => {
    const p = new LegacyParser({ referenceYear: 2022 });
    expect(ev(p, '2017-10-10T16:46:52.602+0530 I NETWORK  [thread1] connection accepted from 127.0.0.1:55270 #1 (1 connection now open)', 'connAccepted').conn).toEqual({ id: 'conn1', remote: '127.0.0.1:55270' });
    expect(ev(p, '2017-10-10T16:48:08.656+0530 I -        [conn1] end connection 127.0.0.1:55270 (0 connections now open)', 'connEnded').conn).toEqual({ id: 'conn1', remote: '127.0.0.1:55270' });
    const meta = ev(p, '2022-03-13T17:04:52.120+0000 I NETWORK  [conn2] received client metadata from 127.0.0.1:50064 conn2: { driver: { name: "PyMongo", version: "3.12.3" }, os: { type: "Linux", name: "Linux", architecture: "x86_64", version: "5.4.0" }, platform: "CPython 3.8.10.final.0", application: { name: "mlaunch v1.6.4" } }', 'clientMetadata');
    expect(meta.client).toEqual({ driver: 'PyMongo', driverVersion: '3.12.3', os: 'Linux 5.4.0', platform: 'CPython 3.8.10.final.0', appName: 'mlaunch v1.6.4' });
    expect(ev(p, '2018-04-06T15:44:27.119-0500 I ACCESS   [conn2598] Successfully authenticated as principal mms-automation on admin', 'auth').auth).toEqual({ ok: true, user: 'mms-automation', db: 'admin' });
    expect(ev(p, '2020-01-01T00:00:00.000+0000 I ACCESS   [conn7] SASL SCRAM-SHA-1 authentication failed for bob on admin from client 10.0.0.5:40000 ; AuthenticationFailed: SCRAM authentication failed, storedKey mismatch', 'auth').auth).toMatchObject({ ok: false, user: 'bob', mechanism: 'SCRAM-SHA-1' });
    const t = ev(p, '2022-03-13T17:10:07.792+0000 I REPL     [conn962] transition to SECONDARY from PRIMARY', 'stateChange');
    expect([t.from, t.to]).toEqual(['PRIMARY', 'SECONDARY']);
    const t30 = ev(p, '2022-03-13T09:41:00.360-0700 I REPL     [ReplicationExecutor] transition to RECOVERING', 'stateChange');
    expect([t30.from, t30.to]).toEqual(['SECONDARY', 'RECOVERING']);
    ev(p, '2022-03-13T17:10:07.792+0000 I REPL     [rsSync] transition to primary complete; database writes are now permitted', 'other');
  });

  it('follows 2.x "replSet STATE" lines, resetting on restart', () => {
    const p = new LegacyParser({ referenceYear: 2013 });
    const states = ['Mon Aug  5 20:21:52 [rsStart] replSet STARTUP2', 'Mon Aug  5 20:21:53 [rsSync] replSet SECONDARY', 'Mon Aug  5 20:22:10 [rsMgr] replSet PRIMARY'].map((l) => ev(p, l, 'stateChange'));
    expect(states.map((s) => `${s.from}>${s.to}`)).toEqual(['null>STARTUP2', 'STARTUP2>SECONDARY', 'SECONDARY>PRIMARY']);
    ev(p, 'Mon Aug  5 20:27:24 [rsHealthPoll] replSet member capslock.local:27018 is now in state PRIMARY', 'other');
    ev(p, 'Mon Aug  5 20:30:00 [initandlisten] MongoDB starting : pid=1 port=27017 dbpath=/d 64-bit host=capslock.local', 'startup');
    expect(p.node).toBe('capslock.local:27017');
    expect(ev(p, 'Mon Aug  5 20:30:10 [rsStart] replSet STARTUP2', 'stateChange').from).toBeNull();
  });

  it('calls lines without a leading timestamp unparsed', () => {
    const p = new LegacyParser();
    for (const l of ['=== a line without a datetime ===', '2014-04-0 [conn48] buil', '****************************', '  at frame (x.js:1)']) expect(p.parse(l, 1, 0)).toEqual({ kind: 'unparsed', reason: 'no-header' });
  });
});
