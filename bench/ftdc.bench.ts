// FTDC decode throughput on the real corpus files (or a synthetic file when ../shared/corpus is
// absent), single core: values (samples × metrics) per second and MB of FTDC per second.
// Run: npx tsx bench/ftdc.bench.ts [rounds]
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { inflateSync } from 'node:zlib';
import { Long } from '../src-main/core/bson/bson';
import { decodeFtdcBuffer, readFtdcFile } from '../src-main/core/ftdc';
import { encodeFtdcFile } from '../src-main/core/ftdc/ftdc-reference.fixture';

const CORPUS = resolve(process.cwd(), '../shared/corpus');
const FILES = [
  'b1ron-ftdc/files/metrics.bson',
  'b1ron-ftdc/files/diagnostic.data/metrics.2024-04-16T11-34-42Z-00000',
  'b1ron-ftdc/files/diagnostic.data/metrics.2025-07-10T15-58-48Z-00000',
  'b1ron-ftdc/files/diagnostic.data/metrics.interim',
  'suitcase-mongo/diagnostic.data/metrics.2019-02-14T19-38-43Z-00000',
  'suitcase-mongo/diagnostic.data/metrics.2019-02-14T19-39-23Z-00000',
  'suitcase-mongo/diagnostic.data/metrics.interim',
].map((f) => resolve(CORPUS, f));

const rounds = Number(process.argv[2] ?? 5);

function synthetic(): Buffer {
  // ~2,000 metrics × 3,000 samples, most constant, some counters and gauges, like a real capture.
  const samples = Array.from({ length: 3000 }, (_, i) => {
    const ss: Record<string, unknown> = {};
    for (let m = 0; m < 2000; m++) ss[`m${m}`] = new Long(m % 10 === 0 ? i * (m + 1) : m % 10 === 1 ? (i * 7919) % 1000 : m);
    return { start: new Date(1_700_000_000_000 + i * 1000), serverStatus: ss, end: new Date(1_700_000_000_000 + i * 1000 + 1) };
  });
  return encodeFtdcFile(samples).bytes;
}

let inputs: { name: string; bytes: Buffer }[];
if (FILES.every((f) => existsSync(f))) {
  inputs = FILES.map((f) => ({ name: f.slice(CORPUS.length + 1), bytes: readFileSync(f) }));
} else {
  console.log(`notice: ${CORPUS} not found; benchmarking a synthetic file instead`);
  inputs = [{ name: 'synthetic', bytes: synthetic() }];
}

async function decodeAll(): Promise<{ values: number; inflated: number; chunks: number }> {
  let values = 0;
  let inflated = 0;
  let chunks = 0;
  for (const { bytes } of inputs) {
    for await (const ev of decodeFtdcBuffer(bytes)) {
      if (ev.kind === 'chunk') {
        values += ev.values.length;
        inflated += ev.inflatedBytes;
        chunks++;
      } else if (ev.kind === 'error') throw new Error(`${ev.file}@${ev.offset}: ${ev.message}`);
    }
  }
  return { values, inflated, chunks };
}

const totalBytes = inputs.reduce((n, i) => n + i.bytes.length, 0);
const warm = await decodeAll();
console.log(`ftdc.input files=${inputs.length} bytes=${totalBytes} chunks=${warm.chunks} values=${warm.values} inflated_bytes=${warm.inflated}`);

// Wall time and this process's CPU time: on a shared machine the CPU figure is the steadier one.
const times: number[] = [];
const cpu: number[] = [];
for (let r = 0; r < rounds; r++) {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  await decodeAll();
  const c = process.cpuUsage(c0);
  times.push(performance.now() - t0);
  cpu.push((c.user + c.system) / 1000);
}
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const median = med(times);
const best = Math.min(...times);
const cpuMedian = med(cpu);
const mvps = (ms: number) => ((warm.values / ms) * 1000 / 1e6).toFixed(1);
console.log(`ftdc.decode rounds=${rounds} median_ms=${median.toFixed(1)} best_ms=${best.toFixed(1)} cpu_median_ms=${cpuMedian.toFixed(1)}`);
console.log(`ftdc.decode values_per_s=${mvps(median)}M (best ${mvps(best)}M, per CPU-second ${mvps(cpuMedian)}M)`);
console.log(`ftdc.decode mb_per_s=${((totalBytes / median) * 1000 / 1e6).toFixed(1)} (FTDC file bytes; inflated ${((warm.inflated / median) * 1000 / 1e6).toFixed(1)} MB/s)`);

// How much of that is zlib alone (the floor for any decoder of this format).
{
  const payloads: Buffer[] = [];
  for (const { bytes } of inputs) {
    let off = 0;
    while (off + 4 <= bytes.length) {
      const len = bytes.readInt32LE(off);
      if (len <= 0) break;
      const doc = bytes.subarray(off, off + len);
      const at = doc.indexOf(Buffer.from('data\0'));
      if (at > 0 && doc[at - 1] === 0x05) payloads.push(doc.subarray(at + 5 + 5 + 4, at + 5 + 5 + doc.readInt32LE(at + 5)));
      off += len;
    }
  }
  const t0 = performance.now();
  for (let r = 0; r < rounds; r++) for (const p of payloads) inflateSync(p);
  const ms = (performance.now() - t0) / rounds;
  console.log(`ftdc.zlib_only ms_per_round=${ms.toFixed(1)} share_of_decode=${((ms / median) * 100).toFixed(0)}%`);
}

// From disk, document by document (what `baleen ftdc` does), one round.
if (inputs[0]!.name !== 'synthetic') {
  const t0 = performance.now();
  let values = 0;
  for (const f of FILES) for await (const ev of readFtdcFile(f)) if (ev.kind === 'chunk') values += ev.values.length;
  const ms = performance.now() - t0;
  console.log(`ftdc.decode_from_disk ms=${ms.toFixed(1)} values_per_s=${((values / ms) * 1000 / 1e6).toFixed(1)}M`);
}
