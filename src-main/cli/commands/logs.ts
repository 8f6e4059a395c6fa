import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { systemClock } from '../../core/ports/clock';
import { analyzeLogs, type AnalyzeProgress, type LogAnalysisReport } from '../../core/logs';
import { UsageError, type CliCommand, type CliIO } from '../io';

const USAGE = `Usage: baleen logs analyze FILE_OR_DIR... [options]

Summarises mongod / mongos logs (JSON logv2 4.4–8.x and the legacy text format 2.2–4.2):
lines, severities, components, slow operations grouped by query shape, connections and
replica-set state changes. Files may be plain, .gz, .tar or .tar.gz; folders are searched for
logs (rotated sets included). Nothing is stored and no console is started.

Options:
  --json           Print the full report as JSON (merged over all inputs).
  --top N          Shapes to list (default 10 for text; all for --json).
  --threads N      Worker threads for large uncompressed files (default: all cores).
  --timeline       Include per-minute counts by severity and component (JSON only).
  -h, --help       Show this help.
`;

const PROGRESS_MIN_BYTES = 16 * 1024 * 1024;

export const logsCommand: CliCommand = {
  name: 'logs',
  summary: 'Analyse mongod log files: slow query shapes, connections, state changes',
  usage: USAGE,
  async run(args, io, signal) {
    const [sub, ...rest] = args;
    if (sub !== 'analyze') throw new UsageError(sub === undefined ? 'missing subcommand' : `unknown subcommand "${sub}"`);
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        json: { type: 'boolean', default: false },
        top: { type: 'string' },
        threads: { type: 'string' },
        timeline: { type: 'boolean', default: false },
      },
    });
    if (positionals.length === 0) throw new UsageError('give at least one log file or folder');
    const top = values.top === undefined ? undefined : positiveInt(values.top, '--top');
    const threads = values.threads === undefined ? Math.max(1, availableParallelism()) : positiveInt(values.threads, '--threads');

    const progress = progressPrinter(io);
    const analysis = await analyzeLogs(positionals, {
      cwd: io.cwd,
      signal,
      threads,
      timeline: values.timeline,
      onProgress: progress.update,
      onFallback: (reason) => io.stderr(`baleen logs: worker threads unavailable (${reason}); continuing on one thread\n`),
    });
    progress.done();
    const report = analysis.report({ top: values.json ? top : (top ?? 10) });
    if (values.json) io.stdout(`${JSON.stringify(report, null, 2)}\n`);
    else io.stdout(formatReport(report));
    for (const s of report.skipped) io.stderr(`baleen logs: skipped ${s.path}: ${s.reason}\n`);
    const failed = report.files.filter((f) => f.error !== undefined);
    for (const f of failed) io.stderr(`baleen logs: ${f.path}: read stopped early (${f.error}); the lines before are counted\n`);
    if (analysis.inputs.length === 0) {
      io.stderr('baleen logs: no log files found\n');
      return 1;
    }
    return failed.length > 0 ? 1 : 0;
  },
};

function positiveInt(v: string, name: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${name} expects a positive integer, got "${v}"`);
  return n;
}

/** Progress on stderr for long inputs: a rewritten line on a terminal, a line every 10 s otherwise. */
function progressPrinter(io: CliIO): { update: (p: AnalyzeProgress) => void; done: () => void } {
  let last = 0;
  let shown = false;
  const every = io.isTTY ? 250 : 10_000;
  return {
    update(p) {
      if (p.bytesTotal < PROGRESS_MIN_BYTES) return;
      const now = systemClock.monotonic();
      if (now - last < every) return;
      last = now;
      const pct = p.bytesTotal > 0 ? Math.floor((100 * p.bytesDone) / p.bytesTotal) : 0;
      const text = `reading ${p.path} (${p.fileIndex + 1}/${p.fileCount}): ${pct}% of ${mb(p.bytesTotal)}`;
      io.stderr(io.isTTY ? `\r${text}\u001b[K` : `${text}\n`);
      shown = true;
    },
    done() {
      if (shown && io.isTTY) io.stderr('\r\u001b[K');
    },
  };
}

const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;
const n = (x: number): string => x.toLocaleString('en-US');
const ms = (x: number): string => (x >= 10_000 ? `${(x / 1000).toFixed(1)} s` : `${Math.round(x * 10) / 10} ms`);

/** The human summary: what a DBA reads first. */
export function formatReport(r: LogAnalysisReport): string {
  const out: string[] = [];
  const bytes = r.files.reduce((a, f) => a + f.bytes, 0);
  out.push(`Files: ${r.files.length} (${r.format}), ${mb(bytes)}; ${n(r.lines)} lines: ${n(r.parsed)} parsed, ${n(r.unparsed)} unparsed`);
  if (r.files.length > 1) {
    for (const f of r.files) out.push(`  ${f.path}: ${n(f.lines)} lines, ${n(f.unparsed)} unparsed (${f.format})${f.error ? `, ERROR: ${f.error}` : ''}`);
  }
  out.push(`Time: ${r.firstTs ?? '?'} .. ${r.lastTs ?? '?'}`);
  out.push(`Severity: ${counts(r.bySeverity)}`);
  out.push(`Components: ${counts(r.byComponent, 12)}`);
  out.push('');
  const so = r.slowOps;
  out.push(`Slow operations: ${n(so.count)}, ${ms(so.totalMs)} in total, ${n(so.distinctShapes)} shapes (quantiles ±${so.quantileRelativeError * 100}%)`);
  so.shapes.forEach((s, i) => {
    out.push(`  ${i + 1}. ${s.ns} ${s.op}: ${n(s.count)}× total ${ms(s.totalMs)}, avg ${ms(s.avgMs)}, p50 ${ms(s.p50Ms)}, p95 ${ms(s.p95Ms)}, max ${ms(s.maxMs)}`);
    const examined = s.examinedPerReturned === null ? '' : `, examined/returned ${s.examinedPerReturned}`;
    out.push(`     keys ${n(s.keysExamined)}, docs ${n(s.docsExamined)}, returned ${n(s.nreturned)}${examined}${s.errors ? `, errors ${n(s.errors)}` : ''}`);
    if (s.planSummaries.length > 0) {
      const plans = s.planSummaries.map((p) => `${p.plan} (${n(p.count)})`).join('; ');
      out.push(`     plans: ${plans}${s.planChangeCount > 0 ? ` — changed ${n(s.planChangeCount)}×` : ''}`);
    }
    out.push(`     shape: ${s.shape.length > 300 ? `${s.shape.slice(0, 300)}…` : s.shape} [${s.hashSource} ${s.hash}]`);
  });
  out.push('');
  const c = r.connections;
  out.push(`Connections: ${n(c.opened)} opened, ${n(c.closed)} closed; authentication ${n(c.authSucceeded)} succeeded, ${n(c.authFailed)} failed`);
  if (c.topClients.length > 0) out.push(`  Top clients: ${c.topClients.slice(0, 5).map((t) => `${t.host} (${n(t.opened)} opened)`).join(', ')}`);
  if (c.drivers.length > 0) out.push(`  Drivers: ${c.drivers.slice(0, 5).map((d) => `${d.driver} (${n(d.count)})`).join(', ')}`);
  if (c.apps.length > 0) out.push(`  Apps: ${c.apps.slice(0, 5).map((a) => `${a.appName} (${n(a.count)})`).join(', ')}`);
  out.push('');
  out.push(`Replica set state changes: ${r.stateChanges.length}`);
  for (const s of r.stateChanges.slice(0, 30)) out.push(`  ${s.ts ?? '?'}  ${s.from ?? '?'} → ${s.to}  (${s.file})`);
  if (r.stateChanges.length > 30) out.push(`  … ${r.stateChanges.length - 30} more (--json lists them all)`);
  if (r.unparsed > 0) {
    out.push('');
    out.push(`Could not parse ${n(r.unparsed)} lines; first ones:`);
    for (const u of r.unparsedSamples.slice(0, 5)) out.push(`  ${u.file}:${u.line} (${u.reason}): ${u.text.slice(0, 120)}`);
  }
  out.push('');
  return out.join('\n');
}

function counts(m: Record<string, number>, limit = 20): string {
  const entries = Object.entries(m);
  const shown = entries.slice(0, limit).map(([k, v]) => `${k} ${n(v)}`);
  if (entries.length > limit) shown.push(`… ${entries.length - limit} more`);
  return shown.join(', ') || '-';
}
