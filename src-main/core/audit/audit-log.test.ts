import { join } from 'node:path';
import { BaleenError } from '../../../src-shared/domain/errors';
import { betterSqliteDriver } from '../store/better-sqlite3.driver';
import { AuditLog } from './audit-log';
import { ManualClock } from '../../../test/helpers/manual-clock';
import { tempDir } from '../../../test/helpers/tmp';

const driver = betterSqliteDriver();

describe('AuditLog', () => {
  const dir = tempDir();
  const clock = new ManualClock();

  it('AUD-1: commits the intent before the side effect and the outcome after it', async () => {
    const log = new AuditLog(driver, join(dir, 'a1.db'), clock);
    let seenDuringEffect: string[] = [];
    const v = await log.run({ action: 'connection.add', target: 'prod' }, async () => {
      seenDuringEffect = log.list().map((r) => r.kind);
      return 42;
    });
    expect(v).toBe(42);
    expect(seenDuringEffect).toEqual(['intent']);
    const rows = log.list().reverse();
    expect(rows.map((r) => [r.kind, r.result])).toEqual([
      ['intent', null],
      ['outcome', 'ok'],
    ]);
    expect(rows[1]?.intentSeq).toBe(rows[0]?.seq);
    log.close();
  });

  it('records a failed action with its error code and rethrows the original error', async () => {
    const log = new AuditLog(driver, join(dir, 'a2.db'), clock);
    const err = new BaleenError('E_UNREACHABLE', 'Cannot reach db1:27017: connection refused');
    await expect(log.run({ action: 'monitoring.start', target: 'x' }, async () => Promise.reject(err))).rejects.toBe(err);
    expect(log.list()[0]).toMatchObject({ kind: 'outcome', result: 'error', errorCode: 'E_UNREACHABLE' });
    log.close();
  });

  it('AUD-2: an intent whose process died gets an explicit unknown outcome on reopen', async () => {
    const path = join(dir, 'a3.db');
    const log = new AuditLog(driver, path, clock);
    // Simulate the kill: the effect never settles and the log is abandoned mid-action.
    void log.run({ action: 'connection.add', target: 'p' }, () => new Promise(() => {}));
    await Promise.resolve();
    log.close();
    const again = new AuditLog(driver, path, clock);
    expect(again.list().map((r) => [r.kind, r.result])).toEqual([
      ['outcome', 'unknown'],
      ['intent', null],
    ]);
    expect(again.verifyChain()).toEqual({ ok: true, records: 2 });
    again.close();
  });

  it('AUD-3: editing, deleting or reordering a row is detected', async () => {
    const make = async (name: string) => {
      const path = join(dir, name);
      const log = new AuditLog(driver, path, clock);
      for (const t of ['a', 'b', 'c']) await log.run({ action: 'x', target: t }, async () => undefined);
      expect(log.verifyChain()).toEqual({ ok: true, records: 6 });
      log.close();
      return path;
    };
    const tamper = async (name: string, sql: string) => {
      const path = await make(name);
      const db = driver.open(path);
      db.exec(sql);
      db.close();
      const log = new AuditLog(driver, path, clock);
      const r = log.verifyChain();
      log.close();
      return r;
    };
    expect(await tamper('t1.db', "UPDATE audit SET target = 'evil' WHERE seq = 3")).toMatchObject({ ok: false, seq: 3 });
    expect(await tamper('t2.db', 'DELETE FROM audit WHERE seq = 2')).toMatchObject({ ok: false, seq: 3 });
    expect(await tamper('t3.db', 'UPDATE audit SET seq = 100 WHERE seq = 1; UPDATE audit SET seq = 1 WHERE seq = 2; UPDATE audit SET seq = 2 WHERE seq = 100;')).toMatchObject({ ok: false });
  });

  it('AUD-5: refuses the action when the intent cannot be written, and never runs it', async () => {
    const path = join(dir, 'a5.db');
    const log = new AuditLog(driver, path, clock);
    // Make the audit DB read-only behind the log's back: the intent insert fails.
    const db = driver.open(path);
    db.exec('CREATE TRIGGER no_writes BEFORE INSERT ON audit BEGIN SELECT RAISE(ABORT, \'disk full\'); END;');
    db.close();
    let ran = false;
    await expect(log.run({ action: 'deploy.stop', target: 'n1' }, async () => void (ran = true))).rejects.toMatchObject({ code: 'E_AUDIT' });
    expect(ran).toBe(false);
    log.close();
  });

  it('AUD-6: the audit DB is opened with synchronous=FULL', () => {
    // synchronous is a per-connection setting, so record what the log's own connection asks for.
    const pragmas: string[] = [];
    const recording = {
      open(p: string) {
        const db = driver.open(p);
        const pragma = db.pragma.bind(db);
        db.pragma = ((s: string, o?: { simple?: boolean }) => (pragmas.push(s), pragma(s, o))) as typeof db.pragma;
        return db;
      },
    };
    new AuditLog(recording, join(dir, 'a6.db'), clock).close();
    expect(pragmas).toContain('synchronous = FULL');
  });
});
