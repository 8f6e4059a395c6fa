import fc from 'fast-check';
import { join } from 'node:path';
import { betterSqliteDriver } from './better-sqlite3.driver';
import { ChunkStore } from './chunk.store';
import { decodeTail, TailEncoder, TailFormatError } from './tail-journal';
import type { Logger } from '../ports/logger';
import { ManualClock } from '../../../test/helpers/manual-clock';
import { tempDir } from '../../../test/helpers/tmp';

const driver = betterSqliteDriver();

function decodeAll(data: Uint8Array): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  decodeTail(data, (id, v) => out.push([id, v]));
  return out;
}

describe('tail journal rows', () => {
  it('round-trips any series ids and values exactly (whole numbers, floats, -0, huge)', () => {
    const enc = new TailEncoder();
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 2 ** 40 }), fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constant(-0), fc.constant(2 ** 53 - 1))), { maxLength: 400 }),
        (pairs) => {
          const got = decodeAll(enc.encode(pairs.map((p) => p[0]), pairs.map((p) => p[1]), pairs.length));
          expect(got.length).toBe(pairs.length);
          got.forEach(([id, v], i) => {
            expect(id).toBe(pairs[i]![0]);
            expect(Object.is(v, pairs[i]![1])).toBe(true);
          });
        },
      ),
    );
  });

  it('keeps a polled tick small: whole-number counters take a few bytes each', () => {
    const ids = Array.from({ length: 300 }, (_, i) => 1000 + i);
    const vals = ids.map((_, i) => (i % 4 === 0 ? i * 0.37 : 1_000_000 + i * 7919));
    const bytes = new TailEncoder().encode(ids, vals, ids.length).length;
    expect(bytes).toBeLessThan(300 * 6);
  });

  it('reports a truncated or garbled row as TailFormatError, never anything else', () => {
    const full = new TailEncoder().encode([1, 2, 3], [1.5, 2, 3.25], 3);
    for (let cut = 0; cut < full.length; cut++) expect(() => decodeAll(full.subarray(0, cut))).toThrow(TailFormatError);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (junk) => {
        try {
          decodeAll(junk);
        } catch (e) {
          expect(e).toBeInstanceOf(TailFormatError);
        }
      }),
    );
  });
});

describe('ChunkStore with the tail journal (REL-D1)', () => {
  const dir = tempDir();
  const E = 'node:d/t:1';
  const tick = (i: number) => ({ 'serverStatus.opcounters.insert': 100 * i + (i % 7), 'serverStatus.mem.resident': 512 + (i % 3), 'custom.ratio': i / 3 });
  /** A store on a manual clock fed `n` ticks a second apart (a flush each); `feed` adds more. */
  const fed = async (file: string, n: number, opts: { headCheckpointMs: number; rawChunkSamples?: number }) => {
    const clock = new ManualClock();
    const path = join(dir, file);
    const s = new ChunkStore(driver, path, { clock, maintenanceIntervalMs: 0, ...opts });
    const b = s.openBatch('live');
    const t0 = clock.now();
    const feed = async (from: number, to: number) => {
      for (let i = from; i < to; i++) {
        s.append(b, E, t0 + i * 1000, tick(i));
        await clock.advance(1000);
      }
    };
    await feed(0, n);
    return { s, b, t0, path, feed };
  };
  /** The state a SIGKILL would leave: an online copy of the database as it is now (the store is then closed). */
  const crashCopy = async (s: ChunkStore, file: string) => {
    const copy = join(dir, file);
    await s.backup(copy);
    s.close();
    return copy;
  };
  const count = (path: string, table: string) => {
    const db = driver.open(path, { readonly: true });
    try {
      return db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
    } finally {
      db.close();
    }
  };

  it('commits ticks to the journal, writes open heads only when due, and empties the journal once they are written', async () => {
    const { s, t0, path, feed } = await fed('due.db', 30, { headCheckpointMs: 60_000 });
    // Thirty flushes: every tick is in the journal, no head has been written to a chunk row yet.
    expect(count(path, 'tail')).toBe(30);
    expect(count(path, 'chunks')).toBe(0);
    expect(s.query(E, 'custom.ratio', t0, t0 + 60_000)).toHaveLength(30);
    expect(s.seriesInfo(E, 'serverStatus.opcounters.insert')!.count).toBe(30);
    await feed(30, 62);
    // A minute after the first journaled sample the heads are written, and every tail row with them.
    expect(count(path, 'chunks')).toBe(3);
    expect(count(path, 'tail')).toBeLessThan(3);
    expect(s.seriesInfo(E, 'serverStatus.opcounters.insert')!.count).toBe(62);
    s.close();
    expect(count(path, 'tail')).toBe(0);
  });

  it('replays exactly when closed chunks were written while their successors were only journaled', async () => {
    // Chunks close every 8 samples; open heads would be written only after an hour.
    const { s, t0 } = await fed('seal.db', 30, { headCheckpointMs: 3_600_000, rawChunkSamples: 8 });
    const crashed = await crashCopy(s, 'seal-copy.db');
    expect(count(crashed, 'chunks')).toBeGreaterThanOrEqual(9);
    expect(count(crashed, 'tail')).toBeGreaterThan(0);
    const r = new ChunkStore(driver, crashed, { maintenanceIntervalMs: 0 });
    for (const m of Object.keys(tick(0))) {
      expect(r.query(E, m, t0, t0 + 60_000).map((p) => p.value)).toEqual(Array.from({ length: 30 }, (_, i) => tick(i)[m as keyof ReturnType<typeof tick>]));
      expect(r.seriesInfo(E, m)!.count).toBe(30);
    }
    r.close();
  });

  it('replays the journal after a crash exactly once, skipping samples already in chunk rows and damaged rows', async () => {
    const { s, b, t0 } = await fed('crash.db', 25, { headCheckpointMs: 10_000 });
    // Heads written up to some tick, the rest only in the journal.
    const crashed = await crashCopy(s, 'crash-copy.db');
    const raw = driver.open(crashed);
    expect(raw.prepare('SELECT count(*) FROM tail').pluck().get()).toBeGreaterThan(0);
    expect(raw.prepare('SELECT count(*) FROM chunks').pluck().get()).toBeGreaterThan(0);
    raw.prepare('INSERT INTO tail (batch_id, ts, data) VALUES (?, ?, ?)').run(b, t0 + 99_000, new Uint8Array([200, 1, 2]));
    raw.close();
    const logs: Array<{ msg: string; data: unknown }> = [];
    const log: Logger = { debug() {}, info: (msg, data) => void logs.push({ msg, data }), warn() {}, error() {}, child: () => log };
    const r = new ChunkStore(driver, crashed, { maintenanceIntervalMs: 0, log });
    for (const m of Object.keys(tick(0))) {
      const pts = r.query(E, m, t0, t0 + 60_000);
      expect(pts.map((p) => p.value)).toEqual(Array.from({ length: 25 }, (_, i) => tick(i)[m as keyof ReturnType<typeof tick>]));
      expect(r.seriesInfo(E, m)!.count).toBe(25);
    }
    expect(logs.find((l) => l.msg === 'replayed the tail journal')?.data).toMatchObject({ damagedRows: 1 });
    r.close();
    expect(count(crashed, 'tail')).toBe(0);
  });
});
