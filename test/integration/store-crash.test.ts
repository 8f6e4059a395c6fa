// The metrics store under SIGKILL, with a real child process (test/helpers/store-writer-child.ts):
// REL-D1 crash durability, REL-D8 idempotent rollups after a kill, REL-D11 migration atomicity.
// Iterations scale up with BALEEN_SOAK=1 (e.g. 200 kills for REL-D1).
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { RESTART_METRICS } from '../../src-shared/domain/metrics/catalogue';
import type { Clock } from '../../src-main/core/ports/clock';
import { systemClock } from '../../src-main/core/ports/clock';
import { betterSqliteDriver } from '../../src-main/core/store/better-sqlite3.driver';
import { ChunkStore } from '../../src-main/core/store/chunk.store';
import { migrate } from '../../src-main/core/store/sqlite-open';
import { METRIC_MIGRATIONS } from '../../src-main/core/store/store-schema';
import { bulkChunk, metricName, tickTs, tickValue, WRITER } from '../helpers/store-writer-child';
import { tempDir } from '../helpers/tmp';

const driver = betterSqliteDriver();
const CHILD = resolve(__dirname, '../helpers/store-writer-child.ts');
const SOAK = process.env.BALEEN_SOAK === '1';

interface Child {
  lines: string[];
  /** Resolves with the ms since spawn at which a line starting with `prefix` arrived. */
  waitFor(prefix: string): Promise<number>;
  kill(): Promise<void>;
  exited: Promise<number | null>;
}

function startChild(args: string[]): Child {
  const t0 = performance.now();
  const p = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], { stdio: ['ignore', 'pipe', 'pipe'], cwd: resolve(__dirname, '../..') });
  const lines: string[] = [];
  const waiters: Array<{ prefix: string; resolve: (ms: number) => void }> = [];
  let buf = '';
  let stderr = '';
  p.stdout.setEncoding('utf8').on('data', (d: string) => {
    buf += d;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      lines.push(line);
      for (const w of [...waiters]) if (line.startsWith(w.prefix)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(performance.now() - t0);
      }
    }
  });
  p.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((r) => p.on('exit', (code) => r(code)));
  return {
    lines,
    waitFor: (prefix) =>
      new Promise((res, rej) => {
        if (lines.some((l) => l.startsWith(prefix))) return res(performance.now() - t0);
        waiters.push({ prefix, resolve: res });
        void exited.then((code) => rej(new Error(`child exited (${code}) before "${prefix}": ${stderr.slice(0, 2000)}`)));
      }),
    async kill() {
      p.kill('SIGKILL');
      await exited;
    },
    exited,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rnd = (a: number, b: number) => a + Math.random() * (b - a);

function integrity(path: string): string {
  const db = driver.open(path);
  try {
    return (db.pragma('integrity_check') as Array<{ integrity_check: string }>).map((r) => r.integrity_check).join('; ');
  } finally {
    db.close();
  }
}

function cloneDb(from: string, to: string): void {
  const db = driver.open(from, { readonly: true });
  try {
    db.prepare('VACUUM INTO ?').run(to);
  } finally {
    db.close();
  }
}

describe('REL-D1: SIGKILL while writing loses nothing acknowledged', () => {
  const dir = tempDir('baleen-crash-');
  const iterations = SOAK ? 200 : 30;

  function verify(path: string, batches: number[]): void {
    if (batches.length === 0) return;
    const store = new ChunkStore(driver, path, { maintenanceIntervalMs: 0 });
    try {
      const lo = Math.min(...batches);
      const hi = Math.max(...batches);
      WRITER.entities.forEach((entity, e) => {
        for (let m = 0; m < WRITER.metrics; m++) {
          // Replaying the tail journal never stores a sample twice: the count is the number of distinct times.
          expect(store.seriesInfo(entity, metricName(m))!.count).toBe(store.query(entity, metricName(m), 0, tickTs(1e6, 0)).length);
          const got = new Map(store.query(entity, metricName(m), tickTs(lo, 0), tickTs(hi, WRITER.ticksPerBatch - 1)).map((p) => [p.ts, p.value]));
          for (const k of batches) {
            for (let i = 0; i < WRITER.ticksPerBatch; i++) {
              const v = got.get(tickTs(k, i));
              if (v !== tickValue(k, i, e, m)) throw new Error(`batch ${k} tick ${i} ${entity} m${m}: expected ${tickValue(k, i, e, m)}, found ${v}`);
            }
          }
        }
      });
      for (const k of batches) {
        const { ts, columns } = bulkChunk(k);
        for (const c of columns) {
          const got = store.query(WRITER.bulkEntity, c.metric, ts[0]!, ts[ts.length - 1]!);
          expect(got.map((p) => p.value)).toEqual(Array.from(c.values));
        }
      }
    } finally {
      store.close();
    }
  }

  it(`keeps every acknowledged batch across ${iterations} kills at random moments, integrity ok each time`, async () => {
    const path = join(dir, 'metrics.db');
    const acked = new Set<number>();
    let next = 0;
    let killedBeforeReady = 0;
    let unackedButStored = 0;
    for (let it = 0; it < iterations; it++) {
      // Open heads written at every flush, every few ms, or never before the kill (samples only in the tail journal).
      const child = startChild(['write', path, String(next), String([0, 5, 60_000][it % 3])]);
      if (it % 5 === 4) {
        // Sometimes during open and recovery of the previous crash.
        await sleep(rnd(20, 400));
        killedBeforeReady += child.lines.some((l) => l.startsWith('ready')) ? 0 : 1;
      } else {
        await child.waitFor('ready');
        await sleep(rnd(0, 250));
      }
      await child.kill();
      const fresh = child.lines.filter((l) => l.startsWith('ack ')).map((l) => Number(l.slice(4)));
      fresh.forEach((k) => acked.add(k));
      expect(integrity(path), `iteration ${it}`).toBe('ok');
      verify(path, fresh);
      if (fresh.length > 0) next = Math.max(...fresh) + 1;
      // A batch may be committed but killed before its ack: fine (present), never the reverse. The next
      // writer starts after it, so no time is written twice.
      const store = new ChunkStore(driver, path, { maintenanceIntervalMs: 0 });
      while (store.query(WRITER.entities[0], metricName(1), tickTs(next, 0), tickTs(next, 0)).length > 0) {
        unackedButStored++;
        next++;
      }
      store.close();
    }
    verify(path, [...acked]);
    console.log(`[REL-D1] ${iterations} kills, ${acked.size} acknowledged batches all present; ${killedBeforeReady} kills during open; ${unackedButStored} batches committed but not yet acked`);
    expect(acked.size).toBeGreaterThan(iterations);
  }, 600_000);
});

const ENTITY = 'node:d/roll:1';
const INSERT = 'serverStatus.opcounters.insert';
const QUERY = 'serverStatus.opcounters.query';
const CONN = 'serverStatus.connections.current';
const T0 = Date.UTC(2026, 1, 1);

/** Two days of 5 s live ticks with gaps and a restart, plus a 6 h FTDC-like import at 1 s. */
function buildRollupBase(path: string): void {
  const store = new ChunkStore(driver, path, { maintenanceIntervalMs: 0 });
  const live = store.openBatch('live');
  let uptime = 0;
  let pid = 100;
  let ins = 0;
  let q = 0;
  for (let t = T0; t < T0 + 2 * 86_400_000; t += 5000) {
    const h = (t - T0) / 3_600_000;
    if (h > 7 && h < 7.5) continue; // an outage: a gap
    if (Math.abs(h - 30) < 5000 / 3_600_000 / 2) {
      uptime = 0;
      pid++;
      ins = 0;
      q = 0;
    }
    uptime += 5000;
    ins += 50 + ((t / 5000) % 17);
    q += 200 + ((t / 5000) % 31) * 3;
    store.append(live, ENTITY, t, {
      [RESTART_METRICS.uptime]: uptime,
      [RESTART_METRICS.pid]: pid,
      [INSERT]: ins,
      [QUERY]: q,
      [CONN]: 20 + ((t / 5000) % 9),
      'custom.float': Math.sin(t / 1e7) * 3.5,
    });
  }
  const imp = store.openBatch('ftdc', 'import');
  const n = 6 * 3600;
  const ts = Float64Array.from({ length: n }, (_, i) => T0 + 86_400_000 + 1234 + i * 1000);
  store.appendColumns(imp, ENTITY, ts, [
    { metric: INSERT, values: Float64Array.from({ length: n }, (_, i) => 1e6 + i * 40 + (i % 7)) },
    { metric: RESTART_METRICS.uptime, values: Float64Array.from({ length: n }, (_, i) => 5e6 + i * 1000) },
    { metric: 'ftdc.gauge', values: Float64Array.from({ length: n }, (_, i) => (i % 600 === 0 ? Number.NaN : i % 50)) },
  ]);
  store.close();
}

function dumpRollups(path: string): string[] {
  const db = driver.open(path, { readonly: true });
  try {
    return db
      .prepare<[], { r: string }>("SELECT series_id || ',' || tier || ',' || window_start || ',' || grp || ',' || n || ',' || hex(data) AS r FROM rollups ORDER BY series_id, tier, window_start, grp")
      .pluck()
      .all() as unknown as string[];
  } finally {
    db.close();
  }
}

const fixedClock = (now: number): Clock => ({ ...systemClock, now: () => now });

describe('REL-D8: SIGKILL during downsampling, then a rerun, gives exactly the same tier rows', () => {
  const dir = tempDir('baleen-rollup-crash-');
  const iterations = SOAK ? 40 : 8;

  it(`is idempotent across ${iterations} kills`, async () => {
    const base = join(dir, 'base.db');
    buildRollupBase(base);
    const now = T0 + 3 * 86_400_000;
    const refPath = join(dir, 'ref.db');
    cloneDb(base, refPath);
    const refChild = startChild(['rollup', refPath, String(now)]);
    const readyMs = await refChild.waitFor('ready');
    const doneMs = await refChild.waitFor('done');
    await refChild.exited;
    const ref = dumpRollups(refPath);
    expect(ref.length).toBeGreaterThan(100);
    let interrupted = 0;
    for (let it = 0; it < iterations; it++) {
      const path = join(dir, `run-${it}.db`);
      cloneDb(base, path);
      const child = startChild(['rollup', path, String(now)]);
      await child.waitFor('ready');
      await sleep(rnd(0, (doneMs - readyMs) * 1.1));
      await child.kill();
      if (!child.lines.some((l) => l.startsWith('done'))) interrupted++;
      expect(integrity(path)).toBe('ok');
      const partial = dumpRollups(path);
      const store = new ChunkStore(driver, path, { maintenanceIntervalMs: 0, clock: fixedClock(now) });
      await store.runMaintenance();
      store.close();
      const rerun = dumpRollups(path);
      expect(rerun.length).toBe(ref.length);
      expect(rerun).toEqual(ref);
      if (it === 0) expect(partial.length).toBeLessThanOrEqual(ref.length);
    }
    console.log(`[REL-D8] ${iterations} kills (${interrupted} before the rollup finished); ${ref.length} tier rows identical after each rerun`);
    expect(interrupted).toBeGreaterThan(0);
  }, 600_000);
});

describe('REL-D11: SIGKILL during the store v0 → chunks migration', () => {
  const dir = tempDir('baleen-migrate-crash-');
  const iterations = SOAK ? 25 : 5;

  it('leaves the database at version 1 or 2, never in between, and a rerun completes it', async () => {
    const base = join(dir, 'v0.db');
    const db = driver.open(base);
    migrate(db, METRIC_MIGRATIONS.slice(0, 1));
    db.exec("INSERT INTO batches (id, source, label, created_at) VALUES (1, 'live', NULL, 0)");
    const series = db.prepare('INSERT INTO series (id, entity, metric) VALUES (?, ?, ?)');
    const sample = db.prepare('INSERT INTO samples (series_id, ts, value, batch_id) VALUES (?, ?, ?, 1)');
    const N = 20 * 12_000;
    db.transaction(() => {
      for (let s = 1; s <= 20; s++) {
        series.run(s, 'node:d/m:1', `m${s}`);
        for (let i = 0; i < 12_000; i++) sample.run(s, T0 + i * 1000, i * s + (i % 3));
      }
    })();
    db.close();
    const refPath = join(dir, 'ref.db');
    cloneDb(base, refPath);
    const ref = startChild(['open', refPath]);
    const openMs = await ref.waitFor('open');
    await ref.exited;
    const seen = new Set<number>();
    for (let it = 0; it < iterations; it++) {
      const path = join(dir, `m-${it}.db`);
      cloneDb(base, path);
      const child = startChild(['open', path]);
      // Spread over start-up, the migration transaction, and the VACUUM after it.
      await sleep(it % 2 === 0 ? rnd(openMs * 0.4, openMs * 0.9) : rnd(openMs * 0.85, openMs * 1.1));
      await child.kill();
      const check = driver.open(path);
      const version = check.pragma('user_version', { simple: true }) as number;
      seen.add(version);
      if (version === 1) expect(check.prepare('SELECT count(*) FROM samples').pluck().get()).toBe(N);
      else {
        expect([2, 3]).toContain(version);
        expect(check.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'samples'").pluck().get()).toBe(0);
        expect(check.prepare('SELECT sum(n) FROM chunks').pluck().get()).toBe(N);
      }
      expect((check.pragma('integrity_check') as Array<{ integrity_check: string }>)[0]!.integrity_check).toBe('ok');
      check.close();
      const store = new ChunkStore(driver, path, { maintenanceIntervalMs: 0 });
      expect(store.query('node:d/m:1', 'm7', 0, T0 + 1e9)).toHaveLength(12_000);
      store.close();
    }
    console.log(`[REL-D11] ${iterations} kills during the migration; versions seen after a kill: ${[...seen].join(', ')}`);
  }, 600_000);
});
