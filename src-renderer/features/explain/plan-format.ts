import type { CostlyPath, JsonValue, PlanNode } from '../../../src-shared/domain/explain';

/** Numbers as a DBA reads them: grouped thousands, `—` where the explain has none. */
export function num(v: number | null | undefined): string {
  if (v === null || v === undefined) return '—';
  return Number.isInteger(v) ? v.toLocaleString('en-US') : v.toLocaleString('en-US', { maximumFractionDigits: 2 });
}

export function ms(v: number | null | undefined): string {
  return v === null || v === undefined ? '—' : `${num(v)} ms`;
}

/** What a stage printed, as it printed it (children left out: they are the tree), for the details pane. */
export function stageJson(n: PlanNode): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = { stage: n.stage };
  if (n.shard !== null) out.shard = n.shard;
  if (n.index && !n.index.implied) {
    if (n.index.name !== null) out.indexName = n.index.name;
    if (n.index.keyPattern !== null) out.keyPattern = n.index.keyPattern;
    if (n.index.multiKey !== null) out.isMultiKey = n.index.multiKey;
    if (n.index.direction !== null) out.direction = n.index.direction;
    if (n.index.bounds !== null) out.indexBounds = n.index.bounds;
  }
  for (const [k, v] of Object.entries(n.stats)) if (v !== null) out[k] = v;
  for (const [k, v] of Object.entries(n.details)) if (!(k in out)) out[k] = v;
  return out;
}

/** JSON text for a <pre>: shown as text, never as HTML. Very large values are cut. */
export function prettyJson(v: unknown, max = 200_000): string {
  let s: string;
  try {
    s = JSON.stringify(v, null, 2) ?? 'null';
  } catch {
    s = String(v);
  }
  return s.length > max ? `${s.slice(0, max)}\n… (${(s.length - max).toLocaleString('en-US')} more characters)` : s;
}

export type CostMark = 'stage' | 'path' | null;

export function costMark(path: string, c: CostlyPath): CostMark {
  if (c.stagePath === path) return 'stage';
  return c.paths.includes(path) ? 'path' : null;
}

/** One line of numbers for a stage in the tree. */
export function stageNumbers(n: PlanNode): string {
  const s = n.stats;
  const parts: string[] = [];
  if (s.nReturned !== null) parts.push(`returned ${num(s.nReturned)}`);
  if (s.docsExamined !== null) parts.push(`docs ${num(s.docsExamined)}`);
  if (s.keysExamined !== null) parts.push(`keys ${num(s.keysExamined)}`);
  if (s.executionTimeMillisEstimate !== null) parts.push(`~${num(s.executionTimeMillisEstimate)} ms`);
  return parts.join(' · ');
}

/** `{ a: 1, b: -1 }` as mongosh prints a key. */
export function keyText(key: Record<string, number | string> | Array<[string, number]> | null): string {
  if (key === null) return '—';
  const entries = Array.isArray(key) ? key : Object.entries(key);
  return `{ ${entries.map(([f, d]) => `${/^[A-Za-z_$][\w$]*$/.test(f) ? f : JSON.stringify(f)}: ${typeof d === 'string' ? JSON.stringify(d) : d}`).join(', ')} }`;
}
