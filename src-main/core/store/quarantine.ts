import * as nodeFs from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { BaleenError, errorMessage } from '../../../src-shared/domain/errors';
import type { Clock } from '../ports/clock';
import type { Logger } from '../ports/logger';
import type { SqliteDatabase, SqliteDriver } from '../ports/sqlite';
import { diskFullCode, errorCodeOf, openDatabase, type OpenOptions } from './sqlite-open';

/**
 * Opening the metrics database with a corruption check (REL-D6). `quick_check` runs on a read-only
 * connection first: closing a read-write connection would checkpoint the WAL into a damaged file and
 * delete it. A damaged set is moved aside together — database, -wal and -shm — as
 * `<name>.corrupt-<ts>.db{,-wal,-shm}`, and a fresh database is started.
 *
 * Never a -wal alone: the renames are written to a marker file first (and synced); a start that finds
 * the marker finishes them before anything opens the database, so a crash between two renames cannot
 * leave an old WAL next to a new database (SQLite would replay it into the wrong file). The -wal and
 * -shm move before the database for the same reason.
 */
export interface QuarantineFs {
  existsSync(path: string): boolean;
  renameSync(from: string, to: string): void;
  writeFileSync(path: string, data: string): void;
  readFileSync(path: string, enc: 'utf8'): string;
  unlinkSync(path: string): void;
  fsyncPath(path: string): void;
}

export const realQuarantineFs: QuarantineFs = {
  existsSync: (p) => nodeFs.existsSync(p),
  renameSync: (a, b) => nodeFs.renameSync(a, b),
  writeFileSync: (p, d) => nodeFs.writeFileSync(p, d, { mode: 0o600 }),
  readFileSync: (p, e) => nodeFs.readFileSync(p, e),
  unlinkSync: (p) => nodeFs.unlinkSync(p),
  fsyncPath(p) {
    const fd = nodeFs.openSync(p, 'r');
    try {
      nodeFs.fsyncSync(fd);
    } finally {
      nodeFs.closeSync(fd);
    }
  },
};

export interface QuarantineInfo {
  reason: string;
  at: number;
  /** Where each file went (only those that existed). */
  moved: Array<{ from: string; to: string }>;
}

const SUFFIXES = ['-wal', '-shm', ''] as const;
const CORRUPTION = /^SQLITE_(CORRUPT|NOTADB)/;

function markerPath(path: string): string {
  return `${path}.quarantine.json`;
}

function quarantineNames(path: string, at: number): Array<{ from: string; to: string }> {
  const base = basename(path);
  const dot = base.lastIndexOf('.');
  const stem = dot > 0 ? base.slice(0, dot) : base;
  const ext = dot > 0 ? base.slice(dot) : '';
  return SUFFIXES.map((s) => ({ from: `${path}${s}`, to: join(dirname(path), `${stem}.corrupt-${at}${ext}${s}`) }));
}

export function isCorruptionError(e: unknown): boolean {
  return errorCodeOf(e, CORRUPTION) !== null;
}

/** Finishes a quarantine a crash interrupted (renames listed in the marker that did not happen yet). */
export function finishPendingQuarantine(path: string, fs: QuarantineFs = realQuarantineFs): QuarantineInfo | null {
  const marker = markerPath(path);
  if (!fs.existsSync(marker)) return null;
  let plan: QuarantineInfo;
  try {
    plan = JSON.parse(fs.readFileSync(marker, 'utf8')) as QuarantineInfo;
    if (!Array.isArray(plan.moved)) throw new Error('no file list');
  } catch (e) {
    throw new BaleenError('E_STORE', `The quarantine note ${marker} is unreadable (${errorMessage(e)}); move it and the metrics files aside by hand.`, { path: marker });
  }
  for (const { from, to } of plan.moved) if (fs.existsSync(from) && !fs.existsSync(to)) fs.renameSync(from, to);
  fs.unlinkSync(marker);
  return plan;
}

function quarantine(path: string, reason: string, at: number, fs: QuarantineFs): QuarantineInfo {
  const moved = quarantineNames(path, at).filter((m) => fs.existsSync(m.from));
  const info: QuarantineInfo = { reason, at, moved };
  const marker = markerPath(path);
  fs.writeFileSync(marker, JSON.stringify(info));
  fs.fsyncPath(marker);
  for (const { from, to } of moved) fs.renameSync(from, to);
  fs.unlinkSync(marker);
  return info;
}

/** `ok`, or what is wrong with the file. */
function checkFile(driver: SqliteDriver, path: string): { ok: true } | { ok: false; reason: string } {
  let ro: SqliteDatabase | undefined;
  try {
    ro = driver.open(path, { readonly: true });
    const rows = ro.pragma('quick_check(20)') as Array<{ quick_check: string }>;
    const problems = rows.map((r) => r.quick_check).filter((r) => r !== 'ok');
    return problems.length === 0 ? { ok: true } : { ok: false, reason: `quick_check: ${problems.slice(0, 3).join('; ')}` };
  } catch (e) {
    if (isCorruptionError(e)) return { ok: false, reason: errorMessage(e) };
    throw e;
  } finally {
    ro?.close();
  }
}

export interface OpenChecked {
  db: SqliteDatabase;
  quarantined: QuarantineInfo | null;
}

export function openCheckedDatabase(
  driver: SqliteDriver,
  path: string,
  opts: OpenOptions,
  deps: { clock: Clock; log: Logger; fs?: QuarantineFs },
): OpenChecked {
  const fs = deps.fs ?? realQuarantineFs;
  const finished = finishPendingQuarantine(path, fs);
  if (finished) deps.log.warn('finished moving a damaged metrics database aside', { moved: finished.moved.map((m) => m.to) });
  let quarantined: QuarantineInfo | null = null;
  if (fs.existsSync(path)) {
    let check: ReturnType<typeof checkFile>;
    try {
      check = checkFile(driver, path);
    } catch (e) {
      // A full disk (no room for the -shm) is not damage: openDatabase degrades and says so (REL-D4).
      if (diskFullCode(e) === null) throw e;
      check = { ok: true };
    }
    if (!check.ok) quarantined = quarantine(path, check.reason, deps.clock.now(), fs);
  }
  try {
    return { db: openDatabase(driver, path, opts), quarantined };
  } catch (e) {
    // Damage quick_check did not see (it skips some checks) surfaces when migrations read the schema.
    if (quarantined || !isCorruptionError(e)) throw e;
    quarantined = quarantine(path, errorMessage(e), deps.clock.now(), fs);
    return { db: openDatabase(driver, path, opts), quarantined };
  } finally {
    if (quarantined) deps.log.error('metrics database was damaged; moved aside and started afresh', { reason: quarantined.reason, moved: quarantined.moved.map((m) => m.to) });
  }
}
