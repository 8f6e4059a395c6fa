// `baleen ftdc`: what is in a diagnostic.data capture, or one metric's samples.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { readFtdcMetric, summarizeFtdc, type FtdcSummary } from '../../core/ftdc';
import { UsageError, type CliCommand, type CliIO } from '../io';

const USAGE = `Usage: baleen ftdc FILE_OR_DIR... [--json] [--metric PATH]

Decodes MongoDB FTDC files (diagnostic.data): a metrics.* file, a diagnostic.data folder (all its
metrics.* files, in time order) or a .tar, .tar.gz or .zip of one (no zip64).

For each file it prints the metadata documents, chunks, samples (each chunk's reference sample plus
its deltas), metric count, first and last sample time (each sample's \`start\`, ISO-8601 UTC), and any
bad chunks with their byte offset (they are skipped; the rest still decodes). Then the host and
MongoDB version from the metadata.

Options:
  --json          Print {files: [{path, metadataDocs, chunks, samples, metrics, firstTs, lastTs,
                  errors: [{offset, message}]}], host, version}
  --metric PATH   Print that metric's samples as "ts,value" lines instead; PATH is the flattened
                  name, e.g. serverStatus.opcounters.insert or systemMetrics.cpu.user_ms.
                  With --json: {metric, samples: [{ts, value}], errors}

Exit status: 0 all decoded, 1 some documents were bad (the rest is still printed) or nothing
matched, 2 usage error.
`;

function iso(ms: number): string | null {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
}

function printSummary(s: FtdcSummary, io: CliIO): void {
  const lines: string[] = [];
  for (const f of s.files) {
    lines.push(f.path);
    lines.push(`  metadata docs ${f.metadataDocs}, chunks ${f.chunks}, samples ${f.samples}, metrics ${f.metrics}`);
    lines.push(f.firstTs ? `  samples from ${f.firstTs} to ${f.lastTs}` : '  no samples');
    if (f.errors.length === 0) lines.push('  bad chunks: none');
    else {
      lines.push(`  bad chunks: ${f.errors.length}`);
      for (const e of f.errors) lines.push(`    offset ${e.offset}: ${e.message}`);
    }
  }
  lines.push(`host ${s.host ?? 'unknown'}, version ${s.version ?? 'unknown'}`);
  io.stdout(`${lines.join('\n')}\n`);
}

async function printMetric(paths: string[], metric: string, json: boolean, io: CliIO, signal: AbortSignal): Promise<number> {
  const series = await readFtdcMetric(paths, metric, { signal });
  let untimed = 0;
  if (json) {
    const samples: { ts: string; value: number }[] = [];
    for (const f of series.files) {
      for (let i = 0; i < f.ts.length; i++) {
        const ts = iso(f.ts[i]!);
        if (ts === null) untimed++;
        else samples.push({ ts, value: f.values[i]! });
      }
    }
    const errors = series.errors.map((e) => ({ file: e.file, offset: e.offset, message: e.message }));
    io.stdout(`${JSON.stringify({ metric, samples, errors })}\n`);
  } else {
    for (const f of series.files) {
      const out: string[] = [];
      for (let i = 0; i < f.ts.length; i++) {
        const ts = iso(f.ts[i]!);
        if (ts === null) untimed++;
        else out.push(`${ts},${f.values[i]!}`);
      }
      if (out.length) io.stdout(`${out.join('\n')}\n`);
    }
    for (const e of series.errors) io.stderr(`baleen ftdc: ${e.file} at offset ${e.offset}: ${e.message}\n`);
  }
  if (untimed) io.stderr(`baleen ftdc: ${untimed} sample(s) without a time were left out\n`);
  if (series.chunks === 0) {
    io.stderr(`baleen ftdc: no chunk carries the metric "${metric}"\n`);
    return 1;
  }
  return series.errors.length ? 1 : 0;
}

export const ftdcCommand: CliCommand = {
  name: 'ftdc',
  summary: 'Summarise FTDC diagnostic.data files, or print one metric',
  usage: USAGE,
  async run(args, io, signal) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { json: { type: 'boolean', default: false }, metric: { type: 'string' } },
    });
    if (positionals.length === 0) throw new UsageError('give a metrics file, a diagnostic.data folder or an archive');
    const paths = positionals.map((p) => resolve(io.cwd, p));
    if (values.metric !== undefined) return printMetric(paths, values.metric, values.json, io, signal);
    const summary = await summarizeFtdc(paths, { signal });
    if (values.json) io.stdout(`${JSON.stringify(summary, null, 2)}\n`);
    else printSummary(summary, io);
    const bad = summary.files.reduce((n, f) => n + f.errors.length, 0);
    if (bad && !values.json) io.stderr(`baleen ftdc: ${bad} bad document(s) skipped\n`);
    return bad ? 1 : 0;
  },
};
