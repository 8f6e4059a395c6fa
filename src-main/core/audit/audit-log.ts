import { createHash } from 'node:crypto';
import { BaleenError, errorMessage } from '../../../src-shared/domain/errors';
import type { Clock } from '../ports/clock';
import type { SqliteDatabase, SqliteDriver } from '../ports/sqlite';
import { degradationOf, diskFullCode, openDatabase, type Migration } from '../store/sqlite-open';

/**
 * The audit history: every action that reaches a server or host passes through `run()`, which commits
 * an intent row BEFORE the side effect and an outcome row after it (AUD-1), in its own SQLite file with
 * synchronous=FULL (AUD-6). Rows are hash-chained (AUD-3). If the intent cannot be written the action is
 * refused (AUD-5). Details must never hold secrets or customer data (AUD-4): callers pass redacted values.
 */
export type AuditResult = 'ok' | 'error' | 'unknown';

export interface AuditRecord {
  seq: number;
  ts: number;
  kind: 'intent' | 'outcome' | 'event';
  action: string;
  target: string;
  actor: string;
  details: Record<string, unknown>;
  intentSeq: number | null;
  result: AuditResult | null;
  errorCode: string | null;
  prevHash: string;
  hash: string;
}

const GENESIS = '0'.repeat(64);

const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'audit chain',
    up: `
      CREATE TABLE audit (
        seq INTEGER PRIMARY KEY,
        ts INTEGER NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('intent', 'outcome', 'event')),
        action TEXT NOT NULL,
        target TEXT NOT NULL,
        actor TEXT NOT NULL,
        details TEXT NOT NULL,
        intent_seq INTEGER,
        result TEXT CHECK (result IN ('ok', 'error', 'unknown')),
        error_code TEXT,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
      );
      CREATE INDEX audit_intent ON audit (intent_seq);
      CREATE INDEX audit_action ON audit (action, ts);
    `,
  },
];

type Row = {
  seq: number;
  ts: number;
  kind: AuditRecord['kind'];
  action: string;
  target: string;
  actor: string;
  details: string;
  intent_seq: number | null;
  result: AuditResult | null;
  error_code: string | null;
  prev_hash: string;
  hash: string;
};

function hashRow(r: Omit<Row, 'hash'>): string {
  // A fixed field order makes the hash independent of how the row is read back.
  const canonical = JSON.stringify([r.seq, r.ts, r.kind, r.action, r.target, r.actor, r.details, r.intent_seq, r.result, r.error_code, r.prev_hash]);
  return createHash('sha256').update(canonical).digest('hex');
}

export interface AuditEntry {
  action: string;
  target: string;
  details?: Record<string, unknown>;
  /** Who asked: the transport/origin of the call, or `system`. */
  actor?: string;
}

export type ChainCheck = { ok: true; records: number } | { ok: false; seq: number; problem: string };

export class AuditLog {
  private readonly db: SqliteDatabase;

  constructor(
    driver: SqliteDriver,
    path: string,
    private readonly clock: Clock,
  ) {
    this.db = openDatabase(driver, path, { synchronous: 'FULL', migrations: MIGRATIONS });
    try {
      this.settleDanglingIntents();
    } catch (e) {
      // A full disk at start (REL-D4): the intents stay dangling and are settled at a later start.
      if (diskFullCode(e) === null) throw e;
    }
  }

  /** Why actions are refused from the start (the disk was full and the log is only in memory), or null. */
  private memoryOnly(): string | null {
    const d = degradationOf(this.db);
    return d?.mode === 'memory' ? `the disk holding ${d.path} is full (${d.code}), so the audit log is open in memory only` : null;
  }

  /** AUD-2: an intent with no outcome (the process died in between) gets an explicit `unknown` outcome. */
  private settleDanglingIntents(): void {
    const dangling = this.db
      .prepare<[], Row>(
        `SELECT i.* FROM audit i WHERE i.kind = 'intent'
         AND NOT EXISTS (SELECT 1 FROM audit o WHERE o.kind = 'outcome' AND o.intent_seq = i.seq) ORDER BY i.seq`,
      )
      .all();
    for (const i of dangling) {
      this.append({ kind: 'outcome', action: i.action, target: i.target, actor: 'system', details: { note: 'Baleen stopped before this action finished; its outcome is unknown.' }, intentSeq: i.seq, result: 'unknown', errorCode: null });
    }
  }

  private append(r: { kind: AuditRecord['kind']; action: string; target: string; actor: string; details: Record<string, unknown>; intentSeq: number | null; result: AuditResult | null; errorCode: string | null }): number {
    return this.db.transaction(() => {
      const last = this.db.prepare<[], { seq: number; hash: string }>('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1').get();
      const row: Omit<Row, 'hash'> = {
        seq: (last?.seq ?? 0) + 1,
        ts: this.clock.now(),
        kind: r.kind,
        action: r.action,
        target: r.target,
        actor: r.actor,
        details: JSON.stringify(r.details),
        intent_seq: r.intentSeq,
        result: r.result,
        error_code: r.errorCode,
        prev_hash: last?.hash ?? GENESIS,
      };
      this.db
        .prepare(
          'INSERT INTO audit (seq, ts, kind, action, target, actor, details, intent_seq, result, error_code, prev_hash, hash) VALUES (@seq, @ts, @kind, @action, @target, @actor, @details, @intent_seq, @result, @error_code, @prev_hash, @hash)',
        )
        .run({ ...row, hash: hashRow(row) });
      return row.seq;
    })();
  }

  /**
   * Runs an audited action: intent committed first (or the action is refused: AUD-5), then the side
   * effect, then its outcome. The action's own error is rethrown unchanged.
   */
  async run<T>(entry: AuditEntry, effect: () => Promise<T>): Promise<T> {
    let intentSeq: number;
    try {
      const why = this.memoryOnly();
      if (why) throw new Error(why);
      intentSeq = this.append({ kind: 'intent', action: entry.action, target: entry.target, actor: entry.actor ?? 'system', details: entry.details ?? {}, intentSeq: null, result: null, errorCode: null });
    } catch (e) {
      throw new BaleenError('E_AUDIT', `Refused: the audit log cannot be written (${errorMessage(e)}). Baleen does not run actions it cannot audit; free disk space or check the data folder.`, { action: entry.action }, { cause: e });
    }
    const outcome = (result: AuditResult, errorCode: string | null, details: Record<string, unknown>) => {
      try {
        this.append({ kind: 'outcome', action: entry.action, target: entry.target, actor: entry.actor ?? 'system', details, intentSeq, result, errorCode });
      } catch {
        // The intent is committed; on restart it is settled as `unknown` (AUD-2).
      }
    };
    try {
      const value = await effect();
      outcome('ok', null, {});
      return value;
    } catch (e) {
      const code = e instanceof BaleenError ? e.code : 'E_INTERNAL';
      outcome('error', code, { message: e instanceof BaleenError ? e.message : 'unexpected error' });
      throw e;
    }
  }

  /** A one-off record with no side effect of its own (e.g. `ipc.rejected`). */
  record(entry: AuditEntry): void {
    this.append({ kind: 'event', action: entry.action, target: entry.target, actor: entry.actor ?? 'system', details: entry.details ?? {}, intentSeq: null, result: null, errorCode: null });
  }

  list(opts: { limit?: number; action?: string } = {}): AuditRecord[] {
    const rows = this.db
      .prepare<[string | null, string | null, number], Row>('SELECT * FROM audit WHERE (? IS NULL OR action = ?) ORDER BY seq DESC LIMIT ?')
      .all(opts.action ?? null, opts.action ?? null, opts.limit ?? 100);
    return rows.map((r) => ({
      seq: r.seq,
      ts: r.ts,
      kind: r.kind,
      action: r.action,
      target: r.target,
      actor: r.actor,
      details: JSON.parse(r.details) as Record<string, unknown>,
      intentSeq: r.intent_seq,
      result: r.result,
      errorCode: r.error_code,
      prevHash: r.prev_hash,
      hash: r.hash,
    }));
  }

  /** AUD-3: any edited, deleted or reordered row breaks the chain. */
  verifyChain(): ChainCheck {
    let prev = GENESIS;
    let expectedSeq = 1;
    let n = 0;
    for (const r of this.db.prepare<[], Row>('SELECT * FROM audit ORDER BY seq').iterate()) {
      if (r.seq !== expectedSeq) return { ok: false, seq: r.seq, problem: `record ${expectedSeq} is missing` };
      if (r.prev_hash !== prev) return { ok: false, seq: r.seq, problem: 'previous-hash link is broken' };
      const { hash, ...rest } = r;
      if (hashRow(rest) !== hash) return { ok: false, seq: r.seq, problem: 'record content does not match its hash' };
      prev = hash;
      expectedSeq++;
      n++;
    }
    return { ok: true, records: n };
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
