// The metrics store when the disk fills (REL-D3, REL-D12), a reader pins the WAL (REL-D5), the file is
// damaged (REL-D6) and while it is backed up during writes (REL-D9): real SQLite files throughout.
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, truncateSync, writeSync, closeSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import type { StoreState } from '../../src-shared/contract';
import { queryMetrics } from '../../src-main/core/metrics/metrics-query';
import type { Logger } from '../../src-main/core/ports/logger';
import { betterSqliteDriver } from '../../src-main/core/store/better-sqlite3.driver';
import { ChunkStore } from '../../src-main/core/store/chunk.store';
import { realQuarantineFs, type QuarantineFs } from '../../src-main/core/store/quarantine';
import { startTestCore } from '../helpers/core';
import { ManualClock } from '../helpers/manual-clock';
import { tempDir } from '../helpers/tmp';

const driver = betterSqliteDriver();
const ENTITY = 'node:d/x:1';
const GAUGE = 'serverStatus.connections.current';

function capturingLogger(lines: Array<{ level: string; msg: string; fields?: Record<string, unknown> }>): Logger {
  const mk = (level: string) => (msg: string, fields?: Record<string, unknown>) => void lines.push({ level, msg, ...(fields ? { fields } : {}) });
  const l: Logger = { debug: mk('debug'), info: mk('info'), warn: mk('warn'), error: mk('error'), child: () => l };
  return l;
}

function integrity(path: string): string {
  const db = driver.open(path, { readonly: true });
  try {
    return (db.pragma('integrity_check') as Array<{ integrity_check: string }>)[0]!.integrity_check;
  } finally {
    db.close();
  }
}

/** One tick of many noisy floats: fills pages fast. */
function bigTick(i: number): Record<string, number> {
  const v: Record<string, number> = { [GAUGE]: i };
  for (let m = 0; m < 150; m++) v[`custom.f${m}`] = Math.sin(i * 7.31 + m) * 1e6 + m / 3;
  return v;
}

describe('REL-D3 + REL-D12: disk full', () => {
  const dir = tempDir('baleen-full-');

  it('pauses (disk-full), buffers in a bounded ring, resumes when space frees, loses nothing acknowledged, records the overflow as a gap', async () => {
    const clock = new ManualClock(Date.UTC(2026, 5, 1));
    const states: StoreState[] = [];
    const path = join(dir, 'full.db');
    const store = new ChunkStore(driver, path, { clock, maintenanceIntervalMs: 0, ringTicks: 40, retryMs: 5000, onState: (s) => states.push(s) });
    try {
      const b = store.openBatch('live');
      const acked: number[] = [];
      const buffered: number[] = [];
      let tick = 0;
      const t = (i: number) => Date.UTC(2026, 5, 1) + i * 1000;
      for (; tick < 20; tick++) {
        store.append(b, ENTITY, t(tick), bigTick(tick));
        if (store.flush()) acked.push(tick);
      }
      store.setMaxPageCount(store.diskUsage().bytes / 4096 + 4);
      let pausedAt = -1;
      for (; tick < 400 && pausedAt < 0; tick++) {
        store.append(b, ENTITY, t(tick), bigTick(tick));
        if (store.flush()) acked.push(tick);
        else pausedAt = tick;
      }
      expect(pausedAt).toBeGreaterThan(0);
      expect(store.writerState()).toMatchObject({ state: 'paused', reason: 'disk-full' });
      expect(states.at(-1)).toMatchObject({ state: 'paused', reason: 'disk-full' });
      // While paused: appends never throw; the ring keeps the newest 40 ticks; the rest overflow.
      const firstBuffered = tick;
      for (let k = 0; k < 100; k++, tick++) {
        expect(() => store.append(b, ENTITY, t(tick), bigTick(tick))).not.toThrow();
        buffered.push(tick);
      }
      expect(store.writerState()).toMatchObject({ state: 'paused', buffered: 40, dropped: 60 });
      // A retry while still full stays paused.
      await clock.advance(5000);
      expect(store.writerState().state).toBe('paused');
      // Space frees: the next retry flushes what it held, then the ring, and writes the gap.
      store.setMaxPageCount(null);
      await clock.advance(5000);
      expect(store.writerState()).toMatchObject({ state: 'ok', buffered: 0, dropped: 0 });
      expect(states.map((s) => s.state)).toEqual(['paused', 'ok']);
      expect(integrity(path)).toBe('ok');
      const got = new Map(store.query(ENTITY, GAUGE, 0, t(tick)).map((p) => [p.ts, p.value]));
      for (const i of acked) expect(got.get(t(i)), `acked tick ${i}`).toBe(i);
      // The batch in flight when the disk filled was kept in memory and is stored too.
      for (let i = acked.at(-1)! + 1; i <= pausedAt; i++) expect(got.get(t(i)), `in-flight tick ${i}`).toBe(i);
      const kept = buffered.slice(-40);
      const lost = buffered.slice(0, 60);
      for (const i of kept) expect(got.get(t(i)), `buffered tick ${i}`).toBe(i);
      for (const i of lost) expect(got.has(t(i)), `dropped tick ${i}`).toBe(false);
      expect(firstBuffered).toBe(lost[0]);
      // REL-D12: the overflow is an explicit gap, and the chart breaks across it.
      const gaps = store.gaps(ENTITY, 0, t(tick), clock.now());
      expect(gaps).toEqual([expect.objectContaining({ from: t(lost[0]!), to: t(lost.at(-1)!) })]);
      expect(gaps[0]!.reason).toMatch(/not stored.*60 polls dropped/);
      const chart = queryMetrics(store, { entity: ENTITY, metrics: [GAUGE], from: t(0), to: t(tick) }, clock.now());
      const pts = chart.series[0]!.points;
      expect(pts.filter(([ts, v]) => v !== null && ts > t(lost[0]!) && ts < t(lost.at(-1)!))).toEqual([]);
      expect(pts.some(([ts, v]) => v === null && ts >= t(lost[0]! - 1) && ts <= t(lost.at(-1)!))).toBe(true);
    } finally {
      store.close();
    }
  });
});

describe('REL-D5: WAL growth under a long reader', () => {
  const dir = tempDir('baleen-wal-');

  it('truncates the WAL once the reader ends, and logs the active checkpoints', () => {
    const path = join(dir, 'wal.db');
    const lines: Array<{ level: string; msg: string; fields?: Record<string, unknown> }> = [];
    const threshold = 256 * 1024;
    const store = new ChunkStore(driver, path, { maintenanceIntervalMs: 0, walCheckpointBytes: threshold, journalSizeLimit: threshold, log: capturingLogger(lines), flushTicks: 1_000_000 });
    const wal = () => (existsSync(`${path}-wal`) ? statSync(`${path}-wal`).size : 0);
    try {
      const b = store.openBatch('live');
      let i = 0;
      const burst = (ticks: number) => {
        for (let k = 0; k < ticks; k++, i++) store.append(b, ENTITY, 1_800_000_000_000 + i * 1000, bigTick(i));
        store.flush();
      };
      burst(10);
      // A chart query that never ends: a read transaction on another connection.
      const reader = driver.open(path, { readonly: true });
      reader.exec('BEGIN');
      reader.prepare('SELECT count(*) FROM chunks').get();
      for (let r = 0; r < 60; r++) burst(10);
      const pinned = wal();
      expect(pinned).toBeGreaterThan(threshold * 2);
      expect(lines.some((l) => l.msg === 'wal checkpoint blocked by a reader')).toBe(true);
      reader.exec('COMMIT');
      reader.close();
      burst(10);
      expect(wal()).toBeLessThanOrEqual(threshold);
      const done = lines.filter((l) => l.msg === 'wal checkpoint' && l.fields?.busy === 0);
      expect(done.length).toBeGreaterThan(0);
      console.log(`[REL-D5] WAL ${pinned} B while pinned by a reader → ${wal()} B after it ended (threshold ${threshold} B)`);
    } finally {
      store.close();
    }
  });
});

describe('REL-D6: a damaged database is quarantined with its -wal and -shm, and a fresh one starts', () => {
  const dir = tempDir('baleen-corrupt-');

  /** A database of many small rows (every page a b-tree page), left as a crash leaves it: with its -wal. */
  async function crashedDatabase(dataDir: string, crash = true): Promise<string> {
    mkdirSync(dataDir, { recursive: true });
    const path = join(dataDir, 'metrics.db');
    const s = new ChunkStore(driver, path, { maintenanceIntervalMs: 0 });
    const b = s.openBatch('ftdc', 'x');
    for (let k = 0; k < 1500; k++) s.appendColumns(b, `node:d/n${k % 30}:1`, Float64Array.of(1000, 2000, 3000), [{ metric: `m${k}`, values: Float64Array.of(k, k + 1, k + 2) }]);
    s.close();
    if (!crash) return path;
    // Leave a -wal and -shm behind the way a crash would: a child writes and is SIGKILLed.
    const child = spawn(process.execPath, ['--import', 'tsx', resolve(__dirname, '../helpers/store-writer-child.ts'), 'write', path, '0'], { stdio: ['ignore', 'pipe', 'ignore'], cwd: resolve(__dirname, '../..') });
    await new Promise<void>((r) => child.stdout.on('data', (d: Buffer) => d.toString().includes('ack 2') && r()));
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    expect(existsSync(`${path}-wal`)).toBe(true);
    return path;
  }

  // [name, damage, crashed first]. A damaged header next to a WAL that holds page 1 is no damage at all
  // (SQLite reads page 1 from the WAL and the checkpoint rewrites it), so that case starts from a clean close.
  const damages: Array<[string, (path: string) => void, boolean]> = [
    [
      'overwrite 4 KiB in the middle',
      (p) => {
        const size = statSync(p).size;
        const fd = openSync(p, 'r+');
        writeSync(fd, randomBytes(4096), 0, 4096, Math.floor(size / 2 / 4096) * 4096);
        closeSync(fd);
      },
      true,
    ],
    ['truncate to half', (p) => truncateSync(p, Math.floor(statSync(p).size / 8192) * 4096), true],
    [
      'overwrite the header',
      (p) => {
        const fd = openSync(p, 'r+');
        writeSync(fd, Buffer.alloc(100, 0x41), 0, 100, 0);
        closeSync(fd);
      },
      false,
    ],
  ];

  it.each(damages)('%s: quarantined at start (< 5 s), audited store.quarantined, no crash loop', async (_name, damage, crashed) => {
    const dataDir = join(dir, `d-${Math.random().toString(36).slice(2)}`);
    const path = await crashedDatabase(dataDir, crashed);
    damage(path);
    const started = performance.now();
    const t = startTestCore({ dataDir });
    const startMs = performance.now() - started;
    try {
      expect(startMs).toBeLessThan(5000);
      const audit = t.core.audit.list({ action: 'store.quarantined' });
      expect(audit).toHaveLength(1);
      const files = readdirSync(dataDir).filter((f) => f.startsWith('metrics.corrupt-'));
      const stem = /^metrics\.corrupt-(\d+)\.db/.exec(files[0]!)![1];
      if (crashed) expect(files.sort()).toEqual([`metrics.corrupt-${stem}.db`, `metrics.corrupt-${stem}.db-shm`, `metrics.corrupt-${stem}.db-wal`]);
      else expect(files).toContain(`metrics.corrupt-${stem}.db`);
      expect(files.every((f) => f.startsWith(`metrics.corrupt-${stem}.db`))).toBe(true);
      expect((audit[0]!.details.moved as string[]).map((m) => m.split('/').pop()).sort()).toEqual(files.sort());
      // The fresh database works.
      expect(await t.client.invoke('metrics.listSeries', {})).toEqual([]);
      expect(await t.client.invoke('metrics.storeState', {})).toMatchObject({ state: 'ok' });
    } finally {
      await t.stop();
    }
    const quarantinedFiles = readdirSync(dataDir).filter((f) => f.startsWith('metrics.corrupt-')).sort();
    const again = startTestCore({ dataDir });
    try {
      expect(again.core.audit.list({ action: 'store.quarantined' })).toHaveLength(1);
      expect(readdirSync(dataDir).filter((f) => f.startsWith('metrics.corrupt-')).sort()).toEqual(quarantinedFiles);
    } finally {
      await again.stop();
    }
    console.log(`[REL-D6] ${_name}: quarantined and restarted in ${startMs.toFixed(0)} ms`);
  }, 60_000);

  it('never moves a -wal by itself: renames follow a synced note, and a crash between renames is finished at the next start', async () => {
    const dataDir = join(dir, 'crash-mid-rename');
    const path = await crashedDatabase(dataDir);
    damages[0]![1](path);
    const ops: string[] = [];
    const spy: QuarantineFs = {
      ...realQuarantineFs,
      writeFileSync: (p, d) => {
        ops.push(`note ${relative(dataDir, p)}`);
        realQuarantineFs.writeFileSync(p, d);
      },
      fsyncPath: (p) => {
        ops.push(`sync ${relative(dataDir, p)}`);
        realQuarantineFs.fsyncPath(p);
      },
      renameSync: (a, b) => {
        ops.push(`move ${relative(dataDir, a)}`);
        // The process "dies" before the database itself moves.
        if (a === path) throw new Error('simulated crash between renames');
        realQuarantineFs.renameSync(a, b);
      },
    };
    expect(() => new ChunkStore(driver, path, { maintenanceIntervalMs: 0, fs: spy })).toThrow(/simulated crash/);
    expect(ops).toEqual(['note metrics.db.quarantine.json', 'sync metrics.db.quarantine.json', 'move metrics.db-wal', 'move metrics.db-shm', 'move metrics.db']);
    // Half done: the WAL is gone from beside the damaged database, the note says where it went.
    expect(existsSync(`${path}-wal`)).toBe(false);
    expect(existsSync(`${path}.quarantine.json`)).toBe(true);
    const store = new ChunkStore(driver, path, { maintenanceIntervalMs: 0 });
    store.close();
    const files = readdirSync(dataDir).filter((f) => f.startsWith('metrics.corrupt-'));
    expect(files).toHaveLength(3);
    expect(new Set(files.map((f) => f.replace(/-(wal|shm)$/, ''))).size).toBe(1);
    expect(existsSync(`${path}.quarantine.json`)).toBe(false);
    expect(integrity(path)).toBe('ok');
  }, 60_000);
});

describe('REL-D9: backups', () => {
  const dir = tempDir('baleen-backup-');

  it('backs up online while samples keep arriving; the copy passes integrity_check', async () => {
    const store = new ChunkStore(driver, join(dir, 'live.db'), { maintenanceIntervalMs: 0, flushTicks: 20 });
    try {
      const b = store.openBatch('live');
      let i = 0;
      for (; i < 2000; i++) store.append(b, ENTITY, 1_800_000_000_000 + i * 1000, bigTick(i));
      store.flush();
      let writing = true;
      const writer = (async () => {
        while (writing) {
          for (let k = 0; k < 20; k++, i++) store.append(b, ENTITY, 1_800_000_000_000 + i * 1000, bigTick(i));
          await new Promise((r) => setImmediate(r));
        }
      })();
      const dest = join(dir, 'backup.db');
      await store.backup(dest);
      writing = false;
      await writer;
      expect(integrity(dest)).toBe('ok');
      const copy = new ChunkStore(driver, dest, { maintenanceIntervalMs: 0 });
      expect(copy.query(ENTITY, GAUGE, 0, 2e12).length).toBeGreaterThanOrEqual(2000);
      copy.close();
    } finally {
      store.close();
    }
  });

  it('no source file copies a database file (copyFile/cp of *.db)', () => {
    const root = resolve(__dirname, '../..');
    const hits: string[] = [];
    const walk = (d: string) => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        const p = join(d, e.name);
        if (e.isDirectory()) walk(p);
        else if (/\.(ts|tsx|mjs|js|cjs)$/.test(e.name)) {
          readFileSync(p, 'utf8')
            .split('\n')
            .forEach((line, n) => {
              if (/copyFile|cpSync|\bcp\(|\.cp\(/.test(line)) hits.push(`${relative(root, p)}:${n + 1}: ${line.trim()}`);
            });
        }
      }
    };
    for (const d of ['src-main', 'src-shared', 'src-preload', 'scripts', 'bin']) if (existsSync(join(root, d))) walk(join(root, d));
    const onDatabases = hits.filter((h) => /\.db\b|\.db['"`]|-wal\b|metrics|audit|dataDir/i.test(h.split(': ').slice(1).join(': ')));
    expect(onDatabases).toEqual([]);
    expect(hits.filter((h) => h.includes('core/store/') || h.includes('core/audit/'))).toEqual([]);
  });
});
