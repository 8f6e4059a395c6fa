import { BaleenError } from '../../../src-shared/domain/errors';
import type { ExistingIndex, IndexKeySpec } from './explain.schema';

export interface RedundantIndex {
  name: string;
  key: IndexKeySpec;
  /** The longer index whose key starts with this one's. */
  coveredBy: string;
  reason: string;
}

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const plainKey = (k: IndexKeySpec) => Object.values(k).every((d) => typeof d === 'number' && d !== 0);
const sameJson = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/**
 * Indexes whose key is a prefix of another index's key (same fields in order, directions all equal or
 * all reversed). Left out, because dropping them would change behaviour: `_id_`, unique and TTL
 * indexes, partial indexes, and cases where the longer index is sparse, partial, hidden or has
 * another collation.
 */
export function findRedundantIndexes(indexes: ExistingIndex[]): RedundantIndex[] {
  const out: RedundantIndex[] = [];
  for (const a of indexes) {
    if (a.name === '_id_' || a.unique || a.expireAfterSeconds !== undefined || a.partialFilterExpression || !plainKey(a.key)) continue;
    const ak = Object.entries(a.key);
    for (const b of indexes) {
      if (b === a || b.name === a.name || b.hidden || b.sparse || b.partialFilterExpression || !plainKey(b.key)) continue;
      if (!sameJson(a.collation, b.collation)) continue;
      const bk = Object.entries(b.key);
      if (bk.length <= ak.length) continue;
      let flip = 0;
      const isPrefix = ak.every(([f, d], i) => {
        const [bf, bd] = bk[i]!;
        if (bf !== f) return false;
        const s = Math.sign(d as number) * Math.sign(bd as number);
        if (flip === 0) flip = s;
        return s === flip;
      });
      if (isPrefix) {
        out.push({
          name: a.name,
          key: a.key,
          coveredBy: b.name,
          reason: `every query ${a.name} serves can use ${b.name}, whose key starts with the same fields${flip < 0 ? ' (read in reverse)' : ''}`,
        });
        break;
      }
    }
  }
  return out;
}

// ---- unused indexes from $indexStats, gathered per replica-set member

export interface MemberIndexStats {
  /** The member that answered (host:port); $indexStats counts are per member. */
  member: string;
  /** The documents `$indexStats` returned on that member. */
  indexStats: unknown[];
}

export interface UnusedIndex {
  name: string;
  key: IndexKeySpec | null;
  /**
   * Zero accesses are proven only since the latest of the members' `since` (counters reset on
   * restart and on index rebuild): the window every member has observed.
   */
  since: string;
  members: Array<{ member: string; since: string }>;
  caveats: string[];
}

interface ParsedStat {
  name: string;
  key: IndexKeySpec | null;
  ops: number;
  since: string;
  building: boolean;
  spec: Record<string, unknown> | null;
}

/**
 * An index is unused only when every member reports it with zero accesses; a member that does not
 * report it (still building, or missing there) keeps it off the list. `_id_` is never listed.
 */
export function findUnusedIndexes(perMember: MemberIndexStats[]): UnusedIndex[] {
  if (!Array.isArray(perMember) || perMember.length === 0) return [];
  const byMember = perMember.map((m, mi) => {
    if (!isObj(m) || typeof m.member !== 'string' || !Array.isArray(m.indexStats)) {
      throw new BaleenError('E_PARSE', `member #${mi + 1}: expected {member, indexStats[]}`);
    }
    const stats = new Map<string, ParsedStat>();
    m.indexStats.forEach((e, i) => {
      const s = parseIndexStat(e, m.member, i);
      stats.set(s.name, s);
    });
    return { member: m.member, stats };
  });

  const names: string[] = [];
  for (const m of byMember) for (const n of m.stats.keys()) if (!names.includes(n)) names.push(n);

  const out: UnusedIndex[] = [];
  for (const name of names) {
    if (name === '_id_') continue;
    const seen = byMember.map((m) => ({ member: m.member, s: m.stats.get(name) }));
    if (seen.some((x) => x.s === undefined || x.s.building || x.s.ops !== 0)) continue;
    const reported = seen as Array<{ member: string; s: ParsedStat }>;
    const latest = reported.reduce((a, x) => (Date.parse(x.s.since) > Date.parse(a) ? x.s.since : a), reported[0]!.s.since);
    const first = reported[0]!.s;
    const caveats: string[] = [];
    const spec = first.spec;
    if (spec?.unique === true) caveats.push('unique: it enforces uniqueness even when no query reads it');
    if (spec && typeof spec.expireAfterSeconds === 'number') caveats.push('TTL: it deletes expired documents even when no query reads it');
    if (reported.some((x) => x.s.spec && 'shard' in x.s.spec)) caveats.push('sharded: check it is not the shard key index before dropping it');
    out.push({
      name,
      key: first.key,
      since: latest,
      members: reported.map((x) => ({ member: x.member, since: x.s.since })),
      caveats,
    });
  }
  return out;
}

function parseIndexStat(e: unknown, member: string, i: number): ParsedStat {
  const where = `${member}, $indexStats entry #${i + 1}`;
  if (!isObj(e) || typeof e.name !== 'string') throw new BaleenError('E_PARSE', `${where}: no index name`);
  const acc = isObj(e.accesses) ? e.accesses : null;
  const ops = acc ? toCount(acc.ops) : null;
  const since = acc ? toIsoDate(acc.since) : null;
  if (ops === null || since === null) throw new BaleenError('E_PARSE', `${where}: accesses.ops and accesses.since are required`);
  const key = isObj(e.key) ? (Object.fromEntries(Object.entries(e.key).filter(([, v]) => typeof v === 'number' || typeof v === 'string')) as IndexKeySpec) : null;
  const spec = isObj(e.spec) ? { ...e.spec, ...(typeof e.shard === 'string' ? { shard: e.shard } : {}) } : typeof e.shard === 'string' ? { shard: e.shard } : null;
  return { name: e.name, key, ops, since, building: e.building === true, spec };
}

/** A count as the driver (Long, bigint), Extended JSON (`$numberLong`) or plain JSON gives it. */
function toCount(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? v : null;
  if (typeof v === 'bigint') return v >= 0n ? Number(v) : null;
  if (typeof v === 'string') return /^\d{1,20}$/.test(v) ? Number(v) : null;
  if (isObj(v)) {
    if (typeof v.$numberLong === 'string' || typeof v.$numberInt === 'string') return toCount(v.$numberLong ?? v.$numberInt);
    if (typeof v.toNumber === 'function') return toCount((v.toNumber as () => unknown).call(v));
  }
  return null;
}

function toIsoDate(v: unknown): string | null {
  let ms: number | null = null;
  if (v instanceof Date) ms = v.getTime();
  else if (typeof v === 'string') ms = Date.parse(v);
  else if (typeof v === 'number') ms = v;
  else if (isObj(v) && '$date' in v) {
    const d = v.$date;
    if (typeof d === 'string') ms = Date.parse(d);
    else if (typeof d === 'number') ms = d;
    else if (isObj(d) && typeof d.$numberLong === 'string') ms = Number(d.$numberLong);
  }
  if (ms === null || !Number.isFinite(ms)) return null;
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}
