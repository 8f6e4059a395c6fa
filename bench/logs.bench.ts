// `baleen logs analyze --json` throughput on a large JSON logv2 file: Hatchet's 6.0 sample log
// (almost all slow queries) repeated to ~200 MB in a temp dir, analysed on one thread and on all
// cores, with peak RSS; plus a plain JSON.parse-every-line pass as the reference ceiling.
//
//   npx tsx bench/logs.bench.ts            (BENCH_LOGS_MB=200 by default; the temp file is deleted)
import { createReadStream, existsSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeSync, closeSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
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

async function analyze(file: string, bytes: number, threads: number): Promise<void> {
  let out = 0;
  let err = '';
  const io: CliIO = { stdout: (s) => void (out += s.length), stderr: (s) => void (err += s), env: {}, cwd: process.cwd(), isTTY: false };
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const code = await logsCommand.run(['analyze', file, '--json', '--threads', String(threads)], io, new AbortController().signal);
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  if (code !== 0) throw new Error(`logs analyze exited ${code}: ${err}`);
  line(`logs.analyze.threads=${threads}`, {
    mb_per_s: (bytes / 1e6 / (ms / 1000)).toFixed(1),
    wall_ms: ms.toFixed(0),
    cpu_ms: ((cpu.user + cpu.system) / 1000).toFixed(0),
    peak_rss_mb: (peak / 1e6).toFixed(0),
    json_bytes: out,
    ...(err.includes('unavailable') ? { fallback: 'single-thread' } : {}),
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
    await jsonParseBaseline(file, bytes);
    await analyze(file, bytes, 1);
    await analyze(file, bytes, Math.max(2, Math.min(availableParallelism(), 8)));
    line('logs.bench.done', { loadavg_1m: loadavg()[0]!.toFixed(2) });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
