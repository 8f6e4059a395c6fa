import { LineSplitter } from './line-splitter';
import { LogFileReader } from './log-reader';
import { LogSummary } from './log-summary';

const T = (s: string) => `{"t":{"$date":"2024-03-18T10:${s}.000+00:00"}`;
const LINES = [
  `${T('00:00')},"s":"I","c":"NETWORK","id":22943,"ctx":"listener","msg":"Connection accepted","attr":{"remote":"10.0.0.9:5000","connectionId":7,"connectionCount":1}}`,
  `${T('00:01')},"s":"I","c":"NETWORK","id":51800,"ctx":"conn7","msg":"client metadata","attr":{"remote":"10.0.0.9:5000","client":"conn7","doc":{"driver":{"name":"nodejs","version":"6.0"},"application":{"name":"billing"}}}}`,
  `${T('00:02')},"s":"I","c":"ACCESS","id":20250,"ctx":"conn7","msg":"Authentication succeeded","attr":{"mechanism":"SCRAM-SHA-256","principalName":"bill","authenticationDatabase":"admin","remote":"10.0.0.9:5000"}}`,
  `${T('00:03')},"s":"I","c":"REPL","id":21358,"ctx":"ReplCoord-0","msg":"Replica set state transition","attr":{"newState":"SECONDARY","oldState":"STARTUP2"}}`,
  'not a log line',
  `${T('00:04')},"s":"I","c":"COMMAND","id":51803,"ctx":"conn7","msg":"Slow query","attr":{"type":"command","ns":"db.c","command":{"find":"c","filter":{"a":1}},"planSummary":"COLLSCAN","docsExamined":10,"nreturned":1,"durationMillis":40}}`,
  '',
  `${T('01:05')},"s":"W","c":"REPL","id":21358,"ctx":"ReplCoord-0","msg":"Replica set state transition","attr":{"newState":"PRIMARY","oldState":"SECONDARY"}}`,
  `${T('01:06')},"s":"I","c":"NETWORK","id":22944,"ctx":"conn7","msg":"Connection ended","attr":{"remote":"10.0.0.9:5000","connectionId":7,"connectionCount":0}}`,
  `{"t":{"$date":"2024-03-18T10:01:07.000+00:00"},"s":"I","c":"COMMAND","id":51803,"ctx":"conn7","msg":"Slow query","attr":{"type":"command","ns":"db.c","command":{"find":"c","filter":{"a":2}},"planSummary":"IXSCAN { a: 1 }","docsExamined":1,"nreturned":1,"durationMillis":2}}`,
  'trailing garbage',
];

function summarise(lines: string[], path = 'f.log', firstOffset = 0): LogSummary {
  const s = new LogSummary({ timeline: true });
  s.beginFile(path);
  const splitter = new LineSplitter(new LogFileReader(s), { firstOffset });
  splitter.push(Buffer.from(`${lines.join('\n')}\n`));
  splitter.end();
  s.endFile(splitter.physicalLines, 0);
  return s;
}

describe('LogSummary', () => {
  it('counts lines, events, connections and shapes; follows the connection into its slow ops', () => {
    const r = summarise(LINES).report();
    expect([r.lines, r.parsed, r.unparsed, r.format]).toEqual([10, 8, 2, 'json']);
    expect(r.bySeverity).toEqual({ I: 7, W: 1 });
    expect(r.connections).toMatchObject({ opened: 1, closed: 1, authSucceeded: 1, topClients: [{ host: '10.0.0.9', opened: 1, closed: 1 }], drivers: [{ driver: 'nodejs 6.0', count: 1 }], apps: [{ appName: 'billing', count: 1 }] });
    expect(r.stateChanges.map((c) => `${c.from}>${c.to}`)).toEqual(['STARTUP2>SECONDARY', 'SECONDARY>PRIMARY']);
    expect(r.slowOps.count).toBe(2);
    const [shape] = r.slowOps.shapes;
    expect(shape).toMatchObject({ ns: 'db.c', op: 'find', count: 2, totalMs: 42, maxMs: 40, planChangeCount: 1, clients: [{ host: '10.0.0.9', count: 1 }] });
    expect(r.unparsedSamples.map((u) => [u.line, u.reason, u.text])).toEqual([
      [5, 'no-header', 'not a log line'],
      [11, 'no-header', 'trailing garbage'],
    ]);
    expect(r.timeline!.buckets.map((b) => [b.ts, b.counts])).toEqual([
      ['2024-03-18T10:00:00.000Z', { 'I|NETWORK': 2, 'I|ACCESS': 1, 'I|REPL': 1, 'I|COMMAND': 1 }],
      ['2024-03-18T10:01:00.000Z', { 'W|REPL': 1, 'I|NETWORK': 1, 'I|COMMAND': 1 }],
    ]);
  });

  it('merges byte ranges of one file into the same report as one pass (line numbers shifted, states joined)', () => {
    const whole = summarise(LINES).report();
    const cut = 6;
    const headBytes = Buffer.byteLength(`${LINES.slice(0, cut).join('\n')}\n`);
    const a = summarise(LINES.slice(0, cut));
    const b = summarise(LINES.slice(cut), 'f.log', headBytes);
    a.merge(LogSummary.fromJSON(JSON.parse(JSON.stringify(b.toJSON())) as ReturnType<LogSummary['toJSON']>), { continuesLastFile: true });
    const merged = a.report();
    // The second range did not see the connection's metadata: only app/user enrichment differs.
    expect({ ...merged, slowOps: undefined }).toEqual({ ...whole, slowOps: undefined });
    expect(merged.slowOps.count).toBe(whole.slowOps.count);
    expect(merged.slowOps.shapes.map((s) => [s.count, s.totalMs, s.planChangeCount])).toEqual(whole.slowOps.shapes.map((s) => [s.count, s.totalMs, s.planChangeCount]));
  });

  it('keeps files apart when merging different inputs', () => {
    const a = summarise(LINES.slice(0, 3), 'a.log');
    a.merge(summarise(LINES.slice(0, 3), 'a.log'));
    expect(a.report().files.map((f) => [f.path, f.lines])).toEqual([
      ['a.log', 3],
      ['a.log', 3],
    ]);
  });

  it('ignores implausible years for the time range but keeps the lines', () => {
    const s = summarise([`{"t":{"$date":"1014-04-09T23:24:16.197-04:00"},"s":"I","c":"X","id":1,"ctx":"-","msg":"m"}`, LINES[0]!]);
    const r = s.report();
    expect(r.parsed).toBe(2);
    expect(r.firstTs).toBe('2024-03-18T10:00:00.000Z');
  });
});
