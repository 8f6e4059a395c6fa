import type { LogEvent } from './log-event';
import { Logv2Parser } from './logv2.parser';

const parse = (line: string, p = new Logv2Parser()) => p.parse(line, 7, 100);
const ev = <K extends LogEvent['kind']>(line: string, kind: K, p?: Logv2Parser) => {
  const r = parse(line, p);
  expect(r.kind).toBe(kind);
  return r as Extract<LogEvent, { kind: K }>;
};

const FIND =
  '{"t":{"$date":"2023-09-23T16:25:13.475-04:00"},"s":"I",  "c":"COMMAND",  "id":51803,   "ctx":"conn225","msg":"Slow query","attr":{"type":"command","ns":"testdb.vehicles","appName":"Keyhole Lib","command":{"find":"vehicles","filter":{"color":"Red"},"projection":{"_id":0,"color":1},"sort":{"brand":-1},"lsid":{"id":{"$uuid":"ce6eb0b2-d85f-4ab2-a0dd-c3f0fc889b17"}},"$db":"testdb"},"planSummary":"IXSCAN { color: 1, brand: 1 }","cursorid":454407657411521589,"keysExamined":101,"docsExamined":0,"fromMultiPlanner":true,"numYields":0,"nreturned":101,"queryHash":"7C953B42","planCacheKey":"8F9FC8CC","queryFramework":"classic","reslen":4397,"locks":{"FeatureCompatibilityVersion":{"acquireCount":{"r":1}},"Global":{"acquireCount":{"r":1}}},"storage":{"data":{"bytesRead":237273}},"remote":"172.31.255.125:62755","protocol":"op_msg","durationMillis":90}}';

describe('Logv2Parser', () => {
  it('reads a slow find into the operation model, shape and server hash included', () => {
    const e = ev(FIND, 'slowOp');
    expect(e).toMatchObject({ line: 7, offset: 100, format: 'json', severity: 'I', component: 'COMMAND', id: 51803, ctx: 'conn225', msg: 'Slow query' });
    expect(e.ts).toBe(Date.parse('2023-09-23T20:25:13.475Z'));
    expect(e.op).toEqual({
      source: 'log',
      ns: 'testdb.vehicles',
      op: 'find',
      ts: e.ts,
      durationMs: 90,
      appName: 'Keyhole Lib',
      planSummary: 'IXSCAN { color: 1, brand: 1 }',
      keysExamined: 101,
      docsExamined: 0,
      numYields: 0,
      nreturned: 101,
      queryHash: '7C953B42',
      planCacheKey: '8F9FC8CC',
      reslen: 4397,
      client: '172.31.255.125:62755',
      connection: 'conn225',
      shape: { text: '{"filter":{"color":"?string"},"sort":{"brand":-1},"projection":{"_id":0,"color":1}}', hash: '7C953B42', hashSource: 'queryHash' },
      lsid: 'ce6eb0b2-d85f-4ab2-a0dd-c3f0fc889b17',
    });
    expect(JSON.parse(e.attr!)).toHaveProperty('locks');
  });

  it('links an operation to its logical session and transaction (lsid, txnNumber)', () => {
    const line =
      '{"t":{"$date":"2024-03-18T10:50:54.635-04:00"},"s":"I","c":"COMMAND","id":51803,"ctx":"conn34","msg":"Slow query","attr":{"type":"command","ns":"testdb.lookups","command":{"insert":"lookups","ordered":true,"lsid":{"id":{"$uuid":"ED42D841-27e3-4432-9f25-aba208e1c36a"}},"txnNumber":7,"$db":"testdb"},"ninserted":5,"durationMillis":112}}';
    const e = ev(line, 'slowOp');
    expect([e.op.lsid, e.op.txnNumber]).toEqual(['ed42d841-27e3-4432-9f25-aba208e1c36a', 7]);
    // A getMore carries the session of the cursor's originating command when it has none itself.
    const more =
      '{"t":{"$date":"2024-03-18T10:50:54.635-04:00"},"s":"I","c":"COMMAND","id":51803,"ctx":"conn34","msg":"Slow query","attr":{"type":"command","ns":"testdb.lookups","command":{"getMore":1,"collection":"lookups"},"originatingCommand":{"find":"lookups","filter":{},"lsid":{"id":{"$uuid":"0d3e2a8c-0000-4000-8000-000000000001"}}},"durationMillis":5}}';
    expect(ev(more, 'slowOp').op.lsid).toBe('0d3e2a8c-0000-4000-8000-000000000001');
  });

  it('prefers 8.0 hashes (queryShapeHash, planCacheShapeHash) and reads svc', () => {
    const line =
      '{"t":{"$date":"2025-01-02T03:04:05.006+00:00"},"s":"I","c":"COMMAND","id":51803,"svc":"S","ctx":"conn9","msg":"Slow query","attr":{"type":"command","isFromUserConnection":true,"ns":"shop.orders","collectionType":"normal","queryShapeHash":"2E0EAAB1F6F5D7AD4F0E4A2D6EBC02A4A3D4C5B6A7980910111213141516A7B8","command":{"aggregate":"orders","pipeline":[{"$match":{"status":"A","qty":{"$gt":5}}},{"$group":{"_id":"$sku","n":{"$sum":1}}}],"cursor":{},"$db":"shop"},"planSummary":"COLLSCAN","planCacheShapeHash":"C4A2E5B1","planCacheKey":"8F2D1A7C","keysExamined":0,"docsExamined":5000,"nreturned":12,"durationMillis":250,"workingMillis":249}}';
    const e = ev(line, 'slowOp');
    expect(e.svc).toBe('S');
    expect(e.op.op).toBe('aggregate');
    expect(e.op.shape).toEqual({
      text: '{"pipeline":[{"$match":{"status":"?string","qty":{"$gt":"?number"}}},{"$group":{"_id":"$sku","n":{"$sum":"?number"}}}]}',
      hash: '2E0EAAB1F6F5D7AD4F0E4A2D6EBC02A4A3D4C5B6A7980910111213141516A7B8',
      hashSource: 'queryShapeHash',
    });
    const noShapeHash = line.replace(/"queryShapeHash":"[0-9A-F]+",/, '');
    expect(ev(noShapeHash, 'slowOp').op.shape).toMatchObject({ hash: 'C4A2E5B1', hashSource: 'planCacheShapeHash' });
  });

  it('shapes getMore by its originating command, per-statement updates by q, and resolves db.$cmd', () => {
    const getMore =
      '{"t":{"$date":"2024-03-18T10:50:00.000-04:00"},"s":"I","c":"COMMAND","id":51803,"ctx":"conn3","msg":"Slow query","attr":{"type":"command","ns":"db.c","command":{"getMore":12345,"collection":"c","$db":"db"},"originatingCommand":{"find":"c","filter":{"x":{"$gte":1}},"$db":"db"},"planSummary":"COLLSCAN","nreturned":10,"durationMillis":3}}';
    const g = ev(getMore, 'slowOp');
    expect(g.op.op).toBe('getMore');
    expect(g.op.shape!.text).toBe('{"filter":{"x":{"$gte":"?number"}}}');
    const update =
      '{"t":{"$date":"2023-09-23T16:25:13.420-04:00"},"s":"I","c":"WRITE","id":51803,"ctx":"conn22","msg":"Slow query","attr":{"type":"update","ns":"testdb.dealers","command":{"q":{"_id":"DEALER-1"},"u":{"$set":{"name":"Atlanta Auto"}},"multi":false,"upsert":true},"planSummary":"IDHACK","keysExamined":1,"docsExamined":1,"nMatched":1,"nModified":0,"remote":"100.64.208.33:62748","durationMillis":11}}';
    const u = ev(update, 'slowOp');
    expect(u.op).toMatchObject({ op: 'update', ns: 'testdb.dealers', nModified: 0, shape: { text: '{"filter":{"_id":"?string"}}', hashSource: 'baleen' } });
    const insertCmd =
      '{"t":{"$date":"2023-09-23T16:25:13.317-04:00"},"s":"I","c":"COMMAND","id":51803,"ctx":"conn128","msg":"Slow query","attr":{"type":"command","ns":"testdb.$cmd","command":{"update":"dealers","ordered":true,"$db":"testdb"},"ok":0,"errMsg":"x \\"quoted\\"","errName":"DuplicateKey","errCode":11000,"durationMillis":1}}';
    const i = ev(insertCmd, 'slowOp');
    expect(i.op).toMatchObject({ ns: 'testdb.dealers', op: 'update', error: { code: 11000, name: 'DuplicateKey', message: 'x "quoted"' } });
  });

  it('reads connections, client metadata, authentication, state changes and start-up', () => {
    const p = new Logv2Parser();
    const start = ev('{"t":{"$date":"2021-03-22T21:21:20.349+00:00"},"s":"I","c":"CONTROL","id":4615611,"ctx":"initandlisten","msg":"MongoDB starting","attr":{"pid":1,"port":27017,"dbPath":"/data/db","architecture":"64-bit","host":"6150fe65a89c"}}', 'startup', p);
    expect(start.node).toEqual({ host: '6150fe65a89c', port: 27017 });
    expect(p.node).toBe('6150fe65a89c:27017');
    expect(ev(FIND, 'slowOp', p).op.node).toBe('6150fe65a89c:27017');
    expect(ev('{"t":{"$date":"2021-03-22T21:21:20.350+00:00"},"s":"I","c":"CONTROL","id":23403,"ctx":"initandlisten","msg":"Build Info","attr":{"buildInfo":{"version":"4.4.4","modules":[]}}}', 'startup', p).node).toEqual({ version: '4.4.4' });
    expect(ev('{"t":{"$date":"2021-03-22T21:27:51.523+00:00"},"s":"I","c":"NETWORK","id":22943,"ctx":"listener","msg":"Connection accepted","attr":{"remote":"127.0.0.1:36586","connectionId":1,"connectionCount":1}}', 'connAccepted').conn).toEqual({ id: 'conn1', remote: '127.0.0.1:36586' });
    expect(ev('{"t":{"$date":"2025-09-25T23:39:51.204+02:00"},"s":"I","c":"NETWORK","id":22944,"ctx":"conn1","msg":"Connection ended","attr":{"remote":"127.0.0.1:51011","connectionId":1,"connectionCount":0}}', 'connEnded').conn).toEqual({ id: 'conn1', remote: '127.0.0.1:51011' });
    const meta = ev('{"t":{"$date":"2021-03-22T21:27:51.570+00:00"},"s":"I","c":"NETWORK","id":51800,"ctx":"conn1","msg":"client metadata","attr":{"remote":"127.0.0.1:36586","client":"conn1","doc":{"application":{"name":"MongoDB Shell"},"driver":{"name":"MongoDB Internal Client","version":"4.4.4"},"os":{"type":"Linux","name":"Ubuntu","architecture":"x86_64","version":"18.04"}}}}', 'clientMetadata');
    expect(meta.client).toEqual({ appName: 'MongoDB Shell', driver: 'MongoDB Internal Client', driverVersion: '4.4.4', os: 'Ubuntu 18.04' });
    const fail = ev('{"t":{"$date":"2022-07-05T13:13:20.632+03:00"},"s":"I","c":"ACCESS","id":20249,"ctx":"conn351460","msg":"Authentication failed","attr":{"mechanism":"SCRAM-SHA-256","speculative":true,"principalName":"sherlock","authenticationDatabase":"db_name","remote":"10.10.10.10:52088","extraInfo":{},"error":"AuthenticationFailed: SCRAM authentication failed, storedKey mismatch"}}', 'auth');
    expect(fail.auth).toEqual({ ok: false, user: 'sherlock', db: 'db_name', mechanism: 'SCRAM-SHA-256', error: 'AuthenticationFailed: SCRAM authentication failed, storedKey mismatch' });
    expect(fail.conn).toEqual({ id: 'conn351460', remote: '10.10.10.10:52088' });
    expect(ev('{"t":{"$date":"2023-03-01T11:30:56.276+00:00"},"s":"I","c":"ACCESS","id":5286306,"ctx":"conn2","msg":"Successfully authenticated","attr":{"client":"172.18.0.7:60756","isSpeculative":true,"isClusterMember":false,"mechanism":"SCRAM-SHA-256","user":"app","db":"admin"}}', 'auth').auth).toMatchObject({ ok: true, user: 'app', db: 'admin' });
    const st = ev('{"t":{"$date":"2025-09-25T23:39:50.362+02:00"},"s":"I","c":"REPL","id":21358,"ctx":"ReplCoord-0","msg":"Replica set state transition","attr":{"newState":"STARTUP2","oldState":"STARTUP"}}', 'stateChange');
    expect([st.from, st.to]).toEqual(['STARTUP', 'STARTUP2']);
  });

  it('accepts $date as a number, keeps tags and flags truncated attributes', () => {
    const e = ev('{"t":{"$date":{"$numberLong":"1700000000123"}},"s":"W","c":"STORAGE","id":22297,"ctx":"initandlisten","msg":"XFS","tags":["startupWarnings"],"truncated":{"cmd":{"x":1}},"size":{"cmd":20000}}', 'other');
    expect(e.ts).toBe(1700000000123);
    expect(e.tags).toEqual(['startupWarnings']);
    expect(e.truncated).toBe(true);
  });

  it('calls a line unparsed when it is not a whole logv2 object, and says why', () => {
    const cut = FIND.slice(0, 300);
    expect(parse(cut)).toEqual({ kind: 'unparsed', reason: 'bad-json' });
    expect(parse(`${FIND}}`)).toEqual({ kind: 'unparsed', reason: 'bad-json' });
    expect(parse('{"a":1}')).toEqual({ kind: 'unparsed', reason: 'no-header' });
    expect(parse('{"t":{"$date":"not a date"},"s":"I","c":"X","id":1,"ctx":"-","msg":"m"}')).toEqual({ kind: 'unparsed', reason: 'bad-timestamp' });
    // A duration no operation can have (the fuzzer found 1.8e306) is corruption, not an operation.
    expect(ev('{"t":{"$date":"2024-01-01T00:00:00Z"},"s":"I","c":"COMMAND","id":51803,"ctx":"conn1","msg":"Slow query","attr":{"ns":"db.c","durationMillis":1.797693134862316e+306}}', 'other').id).toBe(51803);
    // A slow-query line without the fields an operation needs is still a parsed line.
    expect(ev('{"t":{"$date":"2024-01-01T00:00:00Z"},"s":"I","c":"COMMAND","id":51803,"ctx":"conn1","msg":"Slow query","attr":{"type":"command"}}', 'other').id).toBe(51803);
  });

  it('reuses cached shapes across lines with the same query text', () => {
    const p = new Logv2Parser();
    for (let i = 0; i < 5; i++) p.parse(FIND, i, 0);
    expect(p.shapes.misses).toBe(1);
    expect(p.shapes.hits).toBe(4);
  });
});
