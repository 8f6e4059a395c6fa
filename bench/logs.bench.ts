// `baleen logs analyze --json` throughput on a large JSON logv2 file: Hatchet's 6.0 sample log
// (almost all slow queries) repeated to ~200 MB in a temp dir, analysed on one thread and on all
// cores, each run in its own process so its peak RSS (worker threads included) is its own; plus a
// plain JSON.parse-every-line pass as the reference ceiling.
//
//   npx tsx bench/logs.bench.ts            (BENCH_LOGS_MB=200 by default; the temp file is deleted)
import { spawnSync } from 'node:child_process';
import { closeSync, createReadStream, existsSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { logsCommand } from '../src-main/cli/commands/logs';
import type { CliIO } from '../src-main/cli/io';

const SAMPLE = resolve(process.cwd(), '../shared/corpus/hatchet/logs/sample-mongod.log.gz');
const TARGET_MB = Number(process.env.BENCH_LOGS_MB ?? 200);

function line(name: string, fields: Record<string, string | number>): void {
  process.stdout.write(`${name} ${Object.entries(fields).map(([k, v]) => `${k}=${v}`).join(' ')}\n`);
}

async function jsonParseBaseline(file: string, bytes: number): Promise<void> {
  const t0 = performance.now();
  let carry = '';
  let lines = 0;
  for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 }) as AsyncIterable<string>) {
    const text = carry + chunk;
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      if (nl > start) {
        JSON.parse(text.slice(start, nl));
        lines++;
      }
      start = nl + 1;
    }
    carry = text.slice(start);
  }
  const ms = performance.now() - t0;
  line('logs.jsonparse.baseline', { mb_per_s: (bytes / 1e6 / (ms / 1000)).toFixed(1), wall_ms: ms.toFixed(0), lines });
}

/** Child mode: one `logs analyze --json` run; prints its figures as one JSON line. */
async function child(file: string, threads: number): Promise<void> {
  let out = 0;
  let err = '';
  const io: CliIO = { stdout: (s) => void (out += s.length), stderr: (s) => void (err += s), env: {}, cwd: process.cwd(), isTTY: false };
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const code = await logsCommand.run(['analyze', file, '--json', '--threads', String(threads)], io, new AbortController().signal);
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  process.stdout.write(`${JSON.stringify({ code, ms, cpuMs: (cpu.user + cpu.system) / 1000, maxRssKb: process.resourceUsage().maxRSS, out, err })}\n`);
}

function analyze(file: string, bytes: number, threads: number): void {
  const self = fileURLToPath(import.meta.url);
  const r = spawnSync(process.execPath, [...process.execArgv, self, '--child', file, String(threads)], { encoding: 'utf8', maxBuffer: 1 << 20 });
  const last = r.stdout.trim().split('\n').pop() ?? '';
  let res: { code: number; ms: number; cpuMs: number; maxRssKb: number; out: number; err: string };
  try {
    res = JSON.parse(last) as typeof res;
  } catch {
    throw new Error(`bench child failed (${r.status}): ${r.stderr.slice(0, 2000)}`);
  }
  if (res.code !== 0) throw new Error(`logs analyze exited ${res.code}: ${res.err}`);
  line(`logs.analyze.threads=${threads}`, {
    mb_per_s: (bytes / 1e6 / (res.ms / 1000)).toFixed(1),
    wall_ms: res.ms.toFixed(0),
    cpu_ms: res.cpuMs.toFixed(0),
    peak_rss_mb: (res.maxRssKb / 1024).toFixed(0),
    json_bytes: res.out,
    ...(res.err.includes('unavailable') ? { fallback: 'single-thread' } : {}),
  });
}

async function main(): Promise<void> {
  if (!existsSync(SAMPLE)) {
    process.stdout.write(`logs.bench skipped: ${SAMPLE} not found (the shared corpus is absent)\n`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'baleen-logs-bench-'));
  try {
    const one = gunzipSync(readFileSync(SAMPLE));
    const file = join(dir, 'big.log');
    const fd = openSync(file, 'w');
    let written = 0;
    while (written < TARGET_MB * 1e6) {
      writeSync(fd, one);
      written += one.length;
    }
    closeSync(fd);
    const bytes = statSync(file).size;
    line('logs.bench.input', { mb: (bytes / 1e6).toFixed(1), copies: Math.round(bytes / one.length), cores: availableParallelism(), loadavg_1m: loadavg()[0]!.toFixed(2) });
    analyze(file, bytes, 1);
    analyze(file, bytes, Math.max(2, Math.min(availableParallelism(), 8)));
    await jsonParseBaseline(file, bytes);
    line('logs.bench.done', { loadavg_1m: loadavg()[0]!.toFixed(2) });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const at = process.argv.indexOf('--child');
if (at >= 0) await child(process.argv[at + 1]!, Number(process.argv[at + 2]));
else await main();
