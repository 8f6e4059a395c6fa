// `baleen logs analyze` end to end through the CLI registry: JSON and human output, files,
// folders, .gz, .tar.gz, rotated sets, bad input (exit codes, nothing lost), and the parallel path
// (worker threads from TypeScript sources) agreeing with one thread.
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, symlinkSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBaleen } from '../helpers/cli';
import { analyzeLogs, analyzeParallel, readInput, type LogAnalysisReport } from '../../src-main/core/logs';
import { buildTar } from '../../src-main/core/logs/tar-writer.fixture';

let dir: string;

const ts = (i: number) => new Date(Date.UTC(2024, 2, 18, 10, 0, 0) + i * 1000).toISOString().replace('Z', '+00:00');
const slow = (i: number, filter: string, ms: number, plan = 'COLLSCAN') =>
  `{"t":{"$date":"${ts(i)}"},"s":"I","c":"COMMAND","id":51803,"ctx":"conn${1 + (i % 3)}","msg":"Slow query","attr":{"type":"command","ns":"shop.orders","command":{"find":"orders","filter":${filter},"$db":"shop"},"planSummary":"${plan}","keysExamined":0,"docsExamined":${100 + i},"nreturned":${i % 5},"remote":"10.1.1.${i % 4}:${40000 + i}","durationMillis":${ms}}}`;
const accepted = (i: number, conn: number) => `{"t":{"$date":"${ts(i)}"},"s":"I","c":"NETWORK","id":22943,"ctx":"listener","msg":"Connection accepted","attr":{"remote":"10.1.1.${conn % 4}:${50000 + conn}","connectionId":${conn},"connectionCount":1}}`;
const ended = (i: number, conn: number) => `{"t":{"$date":"${ts(i)}"},"s":"I","c":"NETWORK","id":22944,"ctx":"conn${conn}","msg":"Connection ended","attr":{"remote":"10.1.1.${conn % 4}:${50000 + conn}","connectionId":${conn},"connectionCount":0}}`;
const state = (i: number, from: string, to: string) => `{"t":{"$date":"${ts(i)}"},"s":"I","c":"REPL","id":21358,"ctx":"ReplCoord-0","msg":"Replica set state transition","attr":{"newState":"${to}","oldState":"${from}"}}`;

/** A synthetic logv2 file: known counts, two shapes, a plan change, connections, two state changes. */
function jsonLog(n: number): { text: string; slow: number; opened: number; closed: number } {
  const lines: string[] = [state(0, 'STARTUP2', 'SECONDARY')];
  let slowN = 0;
  let opened = 0;
  let closed = 0;
  for (let i = 1; i <= n; i++) {
    if (i % 10 === 0) {
      lines.push(accepted(i, i));
      opened++;
    } else if (i % 10 === 5) {
      lines.push(ended(i, i - 5));
      closed++;
    } else {
      lines.push(slow(i, i % 2 ? `{"status":"s${i}","qty":{"$gt":${i}}}` : `{"sku":"k${i}"}`, i % 97, i > n / 2 ? 'IXSCAN { status: 1 }' : 'COLLSCAN'));
      slowN++;
    }
  }
  lines.push(state(n + 1, 'SECONDARY', 'PRIMARY'));
  return { text: `${lines.join('\n')}\n`, slow: slowN, opened, closed };
}

const LEGACY = [
  '2019-06-18T11:58:58.382+0100 I CONTROL  [initandlisten] MongoDB starting : pid=1 port=27017 dbpath=/d 64-bit host=legacy-node',
  '2019-06-18T11:59:00.000+0100 I NETWORK  [listener] connection accepted from 127.0.0.1:5000 #1 (1 connection now open)',
  '2019-06-18T11:59:01.000+0100 I COMMAND  [conn1] command test.c command: find { find: "c", filter: { a: 5 } } planSummary: COLLSCAN keysExamined:0 docsExamined:10 nreturned:1 reslen:10 12ms',
  '2019-06-18T11:59:02.000+0100 I REPL     [replexec-0] transition to PRIMARY from SECONDARY',
  '2019-06-18T11:59:03.000+0100 I NETWORK  [conn1] end connection 127.0.0.1:5000 (0 connections now open)',
].join('\n');

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'baleen-logs-cli-'));
  writeFileSync(join(dir, 'mongod.json.log'), jsonLog(200).text);
  writeFileSync(join(dir, 'legacy.log'), `${LEGACY}\n`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const json = async (args: string[]) => {
  const r = await runBaleen(['logs', 'analyze', ...args, '--json'], { cwd: dir });
  return { ...r, report: JSON.parse(r.stdout || 'null') as LogAnalysisReport };
};

describe('baleen logs analyze', () => {
  it('prints the JSON report with the documented fields and consistent counts', async () => {
    const { code, report: r, stderr } = await json(['mongod.json.log']);
    expect(code, stderr).toBe(0);
    const want = jsonLog(200);
    expect(r.files).toEqual([expect.objectContaining({ path: 'mongod.json.log', lines: 202, parsed: 202, unparsed: 0 })]);
    expect([r.lines, r.parsed, r.unparsed, r.format]).toEqual([202, 202, 0, 'json']);
    expect(r.firstTs).toBe('2024-03-18T10:00:00.000Z');
    expect(r.lastTs).toBe(new Date(Date.UTC(2024, 2, 18, 10, 0, 0) + 201 * 1000).toISOString());
    expect(r.bySeverity).toEqual({ I: 202 });
    expect(r.byComponent).toEqual({ COMMAND: want.slow, NETWORK: want.opened + want.closed, REPL: 2 });
    expect(r.slowOps.count).toBe(want.slow);
    expect(r.slowOps.shapes.map((s) => s.shape).sort()).toEqual(['{"filter":{"sku":"?string"}}', '{"filter":{"status":"?string","qty":{"$gt":"?number"}}}']);
    for (const s of r.slowOps.shapes) {
      for (const k of ['ns', 'op', 'shape', 'count', 'totalMs', 'p50Ms', 'p95Ms', 'maxMs', 'docsExamined', 'keysExamined', 'nreturned', 'planSummaries'] as const) expect(s).toHaveProperty(k);
      expect(s.planChangeCount).toBe(1);
      expect(s.p50Ms).toBeLessThanOrEqual(s.p95Ms);
      expect(s.p95Ms).toBeLessThanOrEqual(s.maxMs);
    }
    expect(r.connections).toMatchObject({ opened: want.opened, closed: want.closed });
    expect(r.connections.topClients.reduce((a, c) => a + c.opened, 0)).toBe(want.opened);
    expect(r.stateChanges.map((c) => [c.from, c.to])).toEqual([
      ['STARTUP2', 'SECONDARY'],
      ['SECONDARY', 'PRIMARY'],
    ]);
  });

  it('merges several inputs; a folder brings its logs (plain, .gz, .tar.gz, rotated) and skips the rest', async () => {
    const sub = join(dir, 'bundle');
    mkdirSync(sub);
    const part = jsonLog(40).text.split('\n');
    writeFileSync(join(sub, 'mongod.log.1'), `${part.slice(0, 20).join('\n')}\n`);
    writeFileSync(join(sub, 'mongod.log'), `${part.slice(20).join('\n')}`);
    writeFileSync(join(sub, 'old.log.gz'), gzipSync(Buffer.from(`${LEGACY}\n`)));
    writeFileSync(join(sub, 'atlas.tar.gz'), gzipSync(buildTar([{ name: 'rs1.log', data: `${LEGACY}\n` }, { name: 'nested/rs2.log', data: `${LEGACY}\n` }])));
    writeFileSync(join(sub, 'README.txt'), 'not a log\n');
    writeFileSync(join(dir, 'plain.tar'), buildTar([{ name: 'in-plain-tar.log', data: `${LEGACY}\n` }]));
    symlinkSync(join(dir, 'plain.tar'), join(sub, 'linked.tar'));
    writeFileSync(join(sub, 'empty.log'), '');
    mkdirSync(join(sub, 'diagnostic.data'));
    writeFileSync(join(sub, 'diagnostic.data', 'metrics.2024'), Buffer.from([1, 2, 3]));
    utimesSync(join(sub, 'mongod.log'), new Date(), new Date());
    const { code, report: r } = await json(['bundle', 'legacy.log']);
    expect(code).toBe(0);
    // Archives first (their members' times are unknown until read), then oldest first by content:
    // the rotated mongod.log.1 before mongod.log, whatever their names or mtimes say.
    expect(r.files.map((f) => [f.path, f.lines, f.format])).toEqual([
      [join('bundle', 'atlas.tar.gz:rs1.log'), 5, 'legacy'],
      [join('bundle', 'atlas.tar.gz:nested/rs2.log'), 5, 'legacy'],
      [join('bundle', 'linked.tar:in-plain-tar.log'), 5, 'legacy'],
      [join('bundle', 'old.log.gz'), 5, 'legacy'],
      [join('bundle', 'mongod.log.1'), 20, 'json'],
      [join('bundle', 'mongod.log'), 22, 'json'],
      ['legacy.log', 5, 'legacy'],
    ]);
    expect(r.format).toBe('mixed');
    expect(r.skipped).toEqual([
      { path: join('bundle', 'README.txt'), reason: 'does not look like a mongod log' },
      { path: join('bundle', 'empty.log'), reason: 'does not look like a mongod log' },
    ]);
    expect(r.lines).toBe(r.files.reduce((a, f) => a + f.lines, 0));
    expect(r.stateChanges.map((c) => c.to)).toEqual(['PRIMARY', 'PRIMARY', 'PRIMARY', 'PRIMARY', 'SECONDARY', 'PRIMARY', 'PRIMARY']);
    rmSync(sub, { recursive: true });
  });

  it('counts and keeps what it cannot parse: garbage, an oversized line, a final line without newline', async () => {
    const text = `${LEGACY}\ngarbage line\n${'{'.repeat(2 * 1024 * 1024)}\n\n${jsonLog(3).text.trim()}`;
    writeFileSync(join(dir, 'messy.log'), text);
    const { code, report: r } = await json(['messy.log']);
    expect(code).toBe(0);
    expect([r.lines, r.parsed, r.unparsed, r.format]).toEqual([5 + 2 + 5, 10, 2, 'mixed']);
    expect(r.unparsedSamples.map((u) => [u.line, u.reason])).toEqual([
      [6, 'no-header'],
      [7, 'oversized'],
    ]);
    expect(r.unparsedSamples[1]!.text.length).toBeLessThanOrEqual(513);
  });

  it('prints a readable summary by default', async () => {
    const { code, stdout } = await runBaleen(['logs', 'analyze', 'mongod.json.log', 'legacy.log', '--top', '1'], { cwd: dir });
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Files: 2 \(mixed\)/);
    expect(stdout).toContain('Slow operations: 161, ');
    expect(stdout).toMatch(/ {2}1\. shop\.orders find: \d+× total/);
    expect(stdout).not.toMatch(/ {2}2\. /);
    expect(stdout).toContain('plans: ');
    expect(stdout).toContain('Connections: 21 opened, 21 closed');
    expect(stdout).toContain('SECONDARY → PRIMARY');
  });

  it('keeps what a corrupt .gz held before the damage, says so, and exits 1', async () => {
    const gz = gzipSync(Buffer.from(jsonLog(500).text));
    writeFileSync(join(dir, 'cut.log.gz'), gz.subarray(0, Math.floor(gz.length * 0.6)));
    const { code, report: r, stderr } = await json(['cut.log.gz']);
    expect(code).toBe(1);
    expect(r.files[0]!.error).toMatch(/unexpected end of file/);
    expect(r.parsed).toBeGreaterThan(50);
    expect(stderr).toContain('read stopped early');
  });

  it('reads an empty file given by name as an empty log', async () => {
    writeFileSync(join(dir, 'empty.log'), '');
    const { code, report: r } = await json(['empty.log']);
    expect(code).toBe(0);
    expect([r.lines, r.parsed, r.unparsed, r.format, r.firstTs]).toEqual([0, 0, 0, 'unknown', null]);
  });

  it.skipIf(process.getuid?.() === 0)('reports an unreadable file as a file error and goes on with the others', async () => {
    writeFileSync(join(dir, 'locked.log'), `${LEGACY}\n`, { mode: 0o000 });
    const { code, report: r } = await json(['locked.log', 'legacy.log']);
    expect(code).toBe(1);
    expect(r.files.map((f) => [f.path, f.lines, f.error !== undefined])).toEqual([
      ['locked.log', 0, true],
      ['legacy.log', 5, false],
    ]);
  });

  it('ends an input that vanished or broke mid-read with an error piece, never an exception', async () => {
    const pieces: string[] = [];
    for await (const p of readInput({ path: 'gone.log', file: join(dir, 'gone.log'), size: 10, mtimeMs: 0, container: 'plain' })) pieces.push(p.type === 'error' ? `error:${p.message}` : p.type);
    expect(pieces).toEqual(['begin', 'end', expect.stringMatching(/^error:gone\.log: ENOENT/)]);
  });

  it('refuses bad usage (exit 2) and missing paths (exit 1) with clear messages', async () => {
    expect((await runBaleen(['logs'], { cwd: dir })).code).toBe(2);
    const none = await runBaleen(['logs', 'analyze'], { cwd: dir });
    expect([none.code, none.stderr]).toEqual([2, expect.stringContaining('give at least one log file or folder')]);
    expect((await runBaleen(['logs', 'analyze', 'x.log', '--top', '0'], { cwd: dir })).code).toBe(2);
    expect((await runBaleen(['logs', 'analyze', 'x.log', '--bogus'], { cwd: dir })).code).toBe(2);
    const missing = await runBaleen(['logs', 'analyze', 'nope.log'], { cwd: dir });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/cannot read nope\.log: .*\[E_NOT_FOUND\]/);
    const help = await runBaleen(['help', 'logs']);
    expect(help.stdout).toContain('baleen logs analyze FILE_OR_DIR...');
  });

  it('splits a file across worker threads and merges to the same report as one thread', async () => {
    const big = jsonLog(6000).text;
    // A shape seen only at the very end: its node comes from the start-up line at the very top.
    writeFileSync(join(dir, 'split.log'), `${LEGACY}\n${big}garbage\n${big}${slow(9999, '{"late":true}', 5)}\n`);
    const one = (await analyzeLogs(['split.log'], { cwd: dir, threads: 1 })).report();
    let fellBack: string | undefined;
    const par = await analyzeLogs(['split.log'], { cwd: dir, threads: 3, splitMinBytes: 1, onFallback: (m) => (fellBack = m) });
    expect(fellBack).toBeUndefined();
    expect(par.threadsUsed).toBe(3);
    const many = par.report();
    expect(many).toEqual(one);
    expect(many.unparsedSamples).toEqual([{ file: 'split.log', line: 5 + 6002 + 1, reason: 'no-header', text: 'garbage' }]);
    expect(many.slowOps.shapes.find((sh) => sh.shape === '{"filter":{"late":"?bool"}}')!.nodes).toEqual(['legacy-node:27017']);

    // Workers alone, many small ranges (so several cross the garbage line and state changes).
    const input = par.inputs[0]!;
    const by: string[] = [];
    const viaWorkers = await analyzeParallel(input, { threads: 2, rangeBytes: 200_000, useThisThread: false, onRange: (_, who) => by.push(who) });
    expect(by.length).toBeGreaterThan(5);
    expect(new Set(by)).toEqual(new Set(['worker']));
    expect(viaWorkers.report()).toEqual(one);
  }, 60_000);
});
