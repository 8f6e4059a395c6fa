// The log readers on every real log in ../shared/corpus: zero crashes, and for each file the
// numbers Baleen reports (lines, parsed, unparsed, slow operations, connections opened and
// closed, state changes) equal counts taken independently here: a plain line scan with JSON.parse
// and regular expressions, sharing no code with the parsers. TABLE records those scan counts;
// SOURCES.md's per-file notes are quoted beside them and every difference is explained.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { analyzeLogs } from '../../src-main/core/logs';

const CORPUS = resolve(process.cwd(), '../shared/corpus');
const HAVE_CORPUS = existsSync(CORPUS);
if (!HAVE_CORPUS) console.warn(`logs-corpus: ${CORPUS} not found; the corpus table is skipped`);

interface Counts {
  lines: number;
  parsed: number;
  unparsed: number;
  slow: number;
  opened: number;
  closed: number;
  states: number;
}

const ISO = String.raw`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?`;
const CTIME = String.raw`(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ \d]?\d \d\d:\d\d:\d\d(?:\.\d{3})?`;
const LEGACY_HEAD = new RegExp(`^(?:${ISO}|${CTIME})(?:[ \\t]|$)`);
const LEGACY_SLOW = /\] (?:query|getmore|insert|update|remove|command|killcursors) \S+ .*?\d+ms$/;
const LEGACY_ACCEPTED = /\bconnection accepted from \S+ #\d+/;
const LEGACY_ENDED = /\] end connection \S+/;
const LEGACY_STATE = /\] (?:transition to [A-Z][A-Z0-9_]*(?: from [A-Z][A-Z0-9_]*)?\s*|replSet (?:PRIMARY|SECONDARY|RECOVERING|STARTUP2|STARTUP|ARBITER|ROLLBACK|FATAL|DOWN|REMOVED|UNKNOWN|SHUNNED))$/;

/** The independent count: JSON.parse for JSON lines, a timestamp + regexes for text lines. */
function scan(text: string): Counts {
  const c: Counts = { lines: 0, parsed: 0, unparsed: 0, slow: 0, opened: 0, closed: 0, states: 0 };
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') continue;
    c.lines++;
    if (Buffer.byteLength(line) > 1024 * 1024) {
      c.unparsed++;
      continue;
    }
    if (line.trimStart().startsWith('{')) {
      let doc: Record<string, unknown> | undefined;
      try {
        doc = JSON.parse(line) as Record<string, unknown>;
      } catch {
        doc = undefined;
      }
      const t = (doc?.t as { $date?: unknown } | undefined)?.$date;
      const ok = doc !== undefined && typeof doc.s === 'string' && typeof doc.c === 'string' && typeof doc.msg === 'string' && typeof t === 'string' && !Number.isNaN(Date.parse(t));
      if (!ok) {
        c.unparsed++;
        continue;
      }
      c.parsed++;
      const attr = (doc!.attr ?? {}) as Record<string, unknown>;
      if (doc!.id === 51803 && typeof attr.ns === 'string' && typeof attr.durationMillis === 'number') c.slow++;
      if (doc!.id === 22943) c.opened++;
      if (doc!.id === 22944) c.closed++;
      if (doc!.id === 21358 && typeof attr.newState === 'string') c.states++;
      continue;
    }
    if (!LEGACY_HEAD.test(line)) {
      c.unparsed++;
      continue;
    }
    c.parsed++;
    if (LEGACY_SLOW.test(line)) c.slow++;
    if (LEGACY_ACCEPTED.test(line)) c.opened++;
    if (LEGACY_ENDED.test(line)) c.closed++;
    if (LEGACY_STATE.test(line)) c.states++;
  }
  return c;
}

/** Files of a .tar archive, walked with a ten-line header loop (not Baleen's reader). */
function untar(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let off = 0; off + 512 <= buf.length; ) {
    const name = buf.toString('utf8', off, off + 100).replace(/\0.*$/s, '');
    if (name === '') break;
    const size = parseInt(buf.toString('latin1', off + 124, off + 136).replace(/\0.*$/s, '').trim(), 8);
    if (buf[off + 156] === 48 || buf[off + 156] === 0) out.push(buf.subarray(off + 512, off + 512 + size));
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

function scanFile(rel: string): Counts {
  let bytes = readFileSync(resolve(CORPUS, rel));
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
  const parts = bytes.toString('latin1', 257, 262) === 'ustar' ? untar(bytes) : [bytes];
  const total: Counts = { lines: 0, parsed: 0, unparsed: 0, slow: 0, opened: 0, closed: 0, states: 0 };
  for (const p of parts) {
    const c = scan(p.toString('utf8'));
    for (const k of Object.keys(total) as (keyof Counts)[]) total[k] += c[k];
  }
  return total;
}

const M = 'mtools/mtools/test/logfiles/';
type Row = [path: string, lines: number, parsed: number, unparsed: number, slow: number, opened: number, closed: number, states: number];

/**
 * The scan's counts per file, and what SOURCES.md says ("SRC"). SOURCES counts `\d+ms$` lines as
 * slow, `conn+` as "connection accepted" lines, and its `statechg` pattern is looser than ours; we
 * count an operation only when the line reports one (query/getmore/insert/update/remove/command),
 * and a state change only for this node's own state.
 */
const TABLE: Row[] = [
  // SRC 219 lines, conn+=48, statechg=6: same.
  [`${M}client/mongod_3.0.5_noclientmetadata.log`, 219, 219, 0, 0, 48, 42, 6],
  // SRC slow=1, statechg=5: the one `…ms` line is not an operation; the log has four
  // "transition to X from Y" lines (SRC's looser pattern also matches a line that only mentions a state).
  [`${M}client/mongod_3.6.23.log`, 1479, 1479, 0, 0, 432, 429, 4],
  // More "end connection" than "accepted" lines: the log starts with connections already open.
  [`${M}client/mongod_4.2.11.log`, 503, 503, 0, 0, 123, 159, 0],
  // SRC slow=1 ("WiredTiger record store oplog processing took 0ms", not an operation);
  // SRC statechg=2, but the file has four "transition to X from Y" lines (STARTUP → … → PRIMARY).
  [`${M}client/mongod_4.2.18_x509.log`, 334, 334, 0, 0, 42, 42, 4],
  [`${M}collscans.log`, 1081, 1081, 0, 687, 8, 8, 0],
  [`${M}connstats/mongod_3_4-9_connection_stats_end_connid_notdigit.log`, 26, 26, 0, 0, 3, 3, 0],
  [`${M}connstats/mongod_3_4-9_connection_stats_end_connid_repeated.log`, 26, 26, 0, 0, 3, 3, 0],
  [`${M}connstats/mongod_3_4-9_connection_stats_only_connection_accepted.log`, 23, 23, 0, 0, 3, 0, 0],
  [`${M}connstats/mongod_3_4-9_connection_stats_only_connection_end.log`, 23, 23, 0, 0, 0, 3, 0],
  // The "notdigit" edits make "#1a" connection ids: SRC still counts 3 accepted; so do we.
  [`${M}connstats/mongod_3_4-9_connection_stats_start_connid_notdigit.log`, 26, 26, 0, 0, 3, 3, 0],
  [`${M}connstats/mongod_3_4-9_connection_stats_start_connid_repeated.log`, 26, 26, 0, 0, 3, 3, 0],
  [`${M}connstats/mongod_3_4-9_connection_stats_start_end_connid_repeated.log`, 26, 26, 0, 0, 3, 3, 0],
  [`${M}issue-636.log`, 1, 1, 0, 1, 0, 0, 0],
  [`${M}mask_centers.log`, 2, 2, 0, 1, 0, 1, 0],
  // SRC statechg=5 also counts lines that mention a state (e.g. "replSet info ... PRIMARY");
  // this node's own "replSet STATE" lines are 3.
  [`${M}mongod-2411.log`, 179, 179, 0, 2, 56, 54, 3],
  // SRC 497 lines includes one line without a timestamp ("=== a line without a datetime ===");
  // SRC statechg=10 also counts other members' states ("member … is now in state PRIMARY") and
  // notices such as "relinquishing primary state"; this node's own "replSet STATE" lines are 4.
  [`${M}mongod_225.log`, 497, 496, 1, 29, 181, 177, 4],
  // SRC slow=16: 9 of those `…ms` lines are "took Nms" / "sleeping for 30000ms" (not operations).
  [`${M}mongod_26.log`, 653, 653, 0, 7, 137, 128, 9],
  // SRC 677 lines (the 4 blank lines the corruption inserted are not lines, there as here);
  // slow=42 counts non-operation `…ms` lines. Two lines lost their timestamp and are unparsed.
  [`${M}mongod_26_corrupt.log`, 677, 675, 2, 33, 137, 128, 9],
  // Five "end connection" lines for two connections: 2.7.8 logged each under several components.
  [`${M}mongod_278.log`, 25, 25, 0, 1, 2, 5, 0],
  [`${M}mongod_278_partial.log`, 19, 19, 0, 1, 2, 5, 0],
  // One line, no trailing newline: still a line (a finished file's last line is read).
  [`${M}mongod_306_ctime.log`, 1, 1, 0, 1, 0, 0, 0],
  [`${M}mongod_328.log`, 29, 29, 0, 0, 1, 1, 0],
  [`${M}mongod_3_4-9_connection_stats.log`, 26, 26, 0, 0, 3, 3, 0],
  // The 4.0.10 files: SRC slow counts also slow transactions ("transaction parameters: … Nms"),
  // "applied op: … took Nms", checkpoint and DNS lines; those are not operations here.
  [`${M}mongod_4.0.10_allowdiskuse.log`, 118, 118, 0, 72, 2, 2, 0],
  [`${M}mongod_4.0.10_reapedcursor.log`, 120, 120, 0, 72, 2, 2, 0],
  [`${M}mongod_4.0.10_slowcheckpoints.log`, 122, 122, 0, 72, 2, 2, 0],
  [`${M}mongod_4.0.10_slowdns.log`, 1418, 1418, 0, 936, 26, 26, 0],
  [`${M}mongod_4.0.10_slowoplogs.log`, 1414, 1414, 0, 936, 26, 26, 0],
  [`${M}mongod_4.0.10_slowtransactions.log`, 1414, 1414, 0, 937, 26, 26, 0],
  [`${M}mongod_4.0.10_storagestats.log`, 121, 121, 0, 76, 2, 2, 0],
  [`${M}mongos.log`, 72, 72, 0, 0, 4, 4, 0],
  [`${M}mplotqueries-issue-613.log`, 1, 1, 0, 1, 0, 0, 0],
  [`${M}rsinfo_36.log`, 1, 1, 0, 0, 0, 0, 0],
  // SRC slow=22 matches; SRC statechg=2 where the file has four "transition to" lines.
  [`${M}sharding_360_CSRS.log`, 475, 475, 0, 22, 74, 31, 4],
  [`${M}sharding_360_mongos.log`, 149, 149, 0, 0, 12, 12, 0],
  // SRC slow=15 includes two non-operation `…ms` lines; SRC statechg=6 also counts
  // "transition to primary complete" (not a state) and another line mentioning a state.
  [`${M}sharding_360_shard.log`, 393, 393, 0, 13, 52, 21, 4],
  [`${M}wiredtiger.log`, 26, 26, 0, 0, 4, 3, 0],
  // SRC conn+=1511 (same); the year wraps from Dec 31 to Jan 1 inside the file.
  [`${M}year_rollover.log`, 1836, 1836, 0, 0, 1511, 325, 0],
  ['mongo-loginfo/sample.log', 6, 6, 0, 0, 0, 0, 0],
  // SRC (rs1+rs2+rs3): 16008 lines, slow 6576+1767+440=8783, conn+ 71+52+34=157, statechg 5+5+3=13.
  ['hatchet/logs/replica.tar.gz', 16008, 16008, 0, 8783, 157, 155, 13],
  // SRC 27995 lines, slow=27429, conn+=201: same.
  ['hatchet/logs/sample-mongod.log.gz', 27995, 27995, 0, 27429, 201, 94, 0],
  ['beats/filebeat/module/mongodb/log/test/mongodb-debian-4.4.4-json.log', 26, 26, 0, 0, 1, 0, 0],
  ['beats/filebeat/module/mongodb/log/test/mongodb-ubuntu-4.4.4-json.log', 10, 10, 0, 0, 0, 0, 0],
  // SRC slow=340, conn+=42, statechg=4: same.
  ['ce-mongo-x-ray/misc/example.log', 729, 729, 0, 340, 42, 23, 4],
];

describe.skipIf(!HAVE_CORPUS)('logs corpus table', () => {
  it('the table holds the independent scan counts (guards the table itself)', () => {
    for (const [path, ...want] of TABLE) {
      const c = scanFile(path);
      expect([c.lines, c.parsed, c.unparsed, c.slow, c.opened, c.closed, c.states], path).toEqual(want);
    }
  });

  it.each(TABLE)('%s: Baleen reads it without a crash and agrees with the scan', async (path, lines, parsed, unparsed, slow, opened, closed, states) => {
    const analysis = await analyzeLogs([path], { cwd: CORPUS, threads: 1 });
    const r = analysis.report();
    expect(analysis.inputs).toHaveLength(1);
    expect(r.files.every((f) => f.error === undefined)).toBe(true);
    expect([r.lines, r.parsed, r.unparsed, r.slowOps.count, r.connections.opened, r.connections.closed, r.stateChanges.length]).toEqual([lines, parsed, unparsed, slow, opened, closed, states]);
    expect(r.parsed + r.unparsed).toBe(r.lines);
    expect(r.unparsedSamples).toHaveLength(Math.min(unparsed, 1000));
    expect(r.slowOps.shapes.reduce((a, s) => a + s.count, 0)).toBe(slow);
    expect(r.format).toBe(path.includes('hatchet') || path.includes('beats') || path.includes('x-ray') ? 'json' : 'legacy');
    if (r.parsed > 0) {
      expect(r.firstTs).not.toBeNull();
      expect(r.firstTs! <= r.lastTs!).toBe(true);
    }
  }, 60_000);

  it('dates ctime logs with the year their weekdays allow, across a year rollover', async () => {
    const r = (await analyzeLogs([`${M}year_rollover.log`], { cwd: CORPUS, referenceYear: 2014 })).report();
    expect(r.firstTs).toBe('2013-12-30T00:13:01.661Z');
    expect(r.lastTs).toBe('2014-01-02T23:27:11.720Z');
  });

  it('finds the well-known shapes: the hatchet find by email, with the server queryHash', async () => {
    const r = (await analyzeLogs(['hatchet/logs/sample-mongod.log.gz'], { cwd: CORPUS })).report();
    const find = r.slowOps.shapes.find((s) => s.ns === 'testdb.__examples' && s.op === 'find')!;
    expect(find).toMatchObject({ count: 2988, shape: '{"filter":{"email":"?string"}}', hash: 'A55E809A', hashSource: 'queryHash' });
    expect(find.planSummaries.map((p) => p.plan)).toEqual(['IXSCAN { email: 1 }']);
    // Sorted by total time.
    const totals = r.slowOps.shapes.map((s) => s.totalMs);
    expect(totals).toEqual([...totals].sort((a, b) => b - a));
  });
});
