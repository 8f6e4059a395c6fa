// `baleen ftdc`: what is in a diagnostic.data capture, or one metric's samples.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { FtdcImportProgress, FtdcImportResult } from '../../../src-shared/contract/ftdc.contract';
import { defaultDataDir } from '../../app-paths';
import { readFtdcMetric, summarizeFtdc, type FtdcSummary } from '../../core/ftdc';
import { openImportEnvironment } from '../../core/imports/import-environment';
import { betterSqliteDriver, checkSqliteDriver } from '../../core/store/better-sqlite3.driver';
import { UsageError, type CliCommand, type CliIO } from '../io';

const USAGE = `Usage: baleen ftdc FILE_OR_DIR... [--json] [--metric PATH]
       baleen ftdc import FILE_OR_DIR... [--data-dir DIR] [--label TEXT] [--json]

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

\`ftdc import\` stores the samples in the data folder the console uses (default: $BALEEN_DATA_DIR,
else the desktop app's data folder), as an imported set tied to the node and host the metadata
names: every dashboard then shows it. It prints progress, then the import id, nodes, hosts and time
range. Files imported before (same content) are skipped. Ctrl-C cancels and keeps nothing. Run it
while the console is closed on that folder: the console lists the import when it next starts.

Exit status: 0 all decoded (or already imported), 1 some documents were bad (the rest is still
printed or imported) or nothing matched, 2 usage error.
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

function progressLine(p: FtdcImportProgress): string {
  const pct = p.bytesTotal > 0 ? Math.floor((100 * p.bytesDone) / p.bytesTotal) : 0;
  return `importing: file ${Math.min(p.filesDone + 1, p.filesTotal)}/${p.filesTotal}, ${pct}%, ${p.chunks} chunks, ${p.samples} samples, ${p.values} values${p.errors ? `, ${p.errors} bad` : ''}`;
}

function printImport(r: FtdcImportResult, io: CliIO): void {
  const lines: string[] = [];
  if (r.status === 'duplicate') {
    lines.push(`already imported (import ${r.importIds.join(', ')}): nothing new was read`);
  } else {
    const s = r.import;
    lines.push(`import ${s.id}: ${s.label}`);
    lines.push(`  files ${s.files.length} (${s.bytes} bytes), chunks ${s.chunks}, samples ${s.samples}, values ${s.values}`);
    lines.push(s.firstTs !== null ? `  time range ${iso(s.firstTs)} to ${iso(s.lastTs ?? s.firstTs)}` : '  no samples');
    for (const n of s.nodes) {
      lines.push(`  node ${n.nodeId}${n.created ? ' (new, offline)' : ''}, host host:${n.hostId}, version ${n.version ?? 'unknown'}${n.os ? `, ${n.os}` : ''}`);
    }
    if (s.errorCount === 0) lines.push('  bad chunks: none');
    else {
      lines.push(`  bad chunks: ${s.errorCount}`);
      for (const e of s.errors) lines.push(`    ${e.file} at offset ${e.offset}: ${e.message}`);
    }
  }
  for (const f of r.skippedFiles) lines.push(`  skipped ${f.path}: already in import ${f.importId}`);
  io.stdout(`${lines.join('\n')}\n`);
}

async function runImport(args: string[], io: CliIO, signal: AbortSignal): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { 'data-dir': { type: 'string' }, label: { type: 'string' }, json: { type: 'boolean', default: false } },
  });
  if (positionals.length === 0) throw new UsageError('give a metrics file, a diagnostic.data folder or an archive to import');
  if (values.label !== undefined && (values.label.trim() === '' || values.label.length > 200)) throw new UsageError('--label must be 1 to 200 characters');
  const paths = positionals.map((p) => resolve(io.cwd, p));
  const dataDir = resolve(io.cwd, values['data-dir'] ?? io.env.BALEEN_DATA_DIR ?? defaultDataDir(io.env));
  const sqlite = betterSqliteDriver();
  checkSqliteDriver(sqlite);
  let lastLine = 0;
  const env = openImportEnvironment({
    dataDir,
    sqlite,
    onProgress: (p) => {
      if (values.json || p.phase !== 'importing') return;
      if (io.isTTY) io.stderr(`\r${progressLine(p)}`);
      else if (Date.now() - lastLine >= 1000) {
        lastLine = Date.now();
        io.stderr(`${progressLine(p)}\n`);
      }
    },
  });
  try {
    const r = await env.service.import({ paths, label: values.label?.trim() }, 'cli', signal);
    if (io.isTTY && !values.json) io.stderr('\n');
    if (values.json) io.stdout(`${JSON.stringify(r, null, 2)}\n`);
    else printImport(r, io);
    return r.status === 'imported' && r.import.errorCount > 0 ? 1 : 0;
  } finally {
    await env.close();
  }
}

export const ftdcCommand: CliCommand = {
  name: 'ftdc',
  summary: 'Summarise FTDC diagnostic.data files, or print one metric',
  usage: USAGE,
  async run(args, io, signal) {
    if (args[0] === 'import') return runImport(args.slice(1), io, signal);
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
