import { adviseIndex } from './esr.advisor';
import { findings, type FindingOptions } from './explain.findings';
import { forEachNode } from './explain.normalizer';
import { summarize } from './explain.summary';
import { extractQueryShape } from './query-shape.extractor';
import type { ExistingIndex, ExplainSummary, Finding, IndexAdvice, JsonValue, PlanModel, PlanNode, QueryShape } from './explain.schema';

/** The stage tree as the CLI's JSON prints it. */
export interface StageTreeNode {
  stage: string;
  path: string;
  shard: string | null;
  known: boolean;
  index: string | null;
  nReturned: number | null;
  keysExamined: number | null;
  docsExamined: number | null;
  executionTimeMillisEstimate: number | null;
  children: StageTreeNode[];
}

export interface ExplainReport {
  summary: ExplainSummary;
  stages: StageTreeNode;
  findings: Finding[];
  queryShape: QueryShape | null;
  advice: IndexAdvice | null;
  unknownStages: string[];
  warnings: string[];
}

export interface ReportOptions {
  existingIndexes?: ExistingIndex[];
  findingOptions?: Partial<FindingOptions>;
}

export function buildExplainReport(model: PlanModel, opts: ReportOptions = {}): ExplainReport {
  const shape = extractQueryShape(model);
  const known = opts.existingIndexes ?? [];
  const existing = [...known, ...indexesSeenInPlans(model).filter((i) => !known.some((k) => k.name === i.name))];
  return {
    summary: summarize(model),
    stages: stageTree(model.root),
    findings: findings(model, opts.findingOptions),
    queryShape: shape,
    advice: shape ? adviseIndex(shape, existing) : null,
    unknownStages: model.unknownStages,
    warnings: model.warnings,
  };
}

/** Every index a winning or rejected plan names exists: the advice can check against them without listIndexes. */
export function indexesSeenInPlans(model: PlanModel): ExistingIndex[] {
  const out: ExistingIndex[] = [];
  const visit = (n: PlanNode) => {
    if (n.origin !== 'classic' || !n.index?.name || !n.index.keyPattern) return;
    if (!out.some((i) => i.name === n.index!.name)) out.push({ name: n.index.name, key: n.index.keyPattern });
  };
  forEachNode(model.root, visit);
  for (const l of model.queryLayers) for (const r of l.rejectedPlans) forEachNode(r.root, visit);
  return out;
}

export function stageTree(n: PlanNode): StageTreeNode {
  return {
    stage: n.stage,
    path: n.path,
    shard: n.shard,
    known: n.known,
    index: n.index?.name ?? null,
    nReturned: n.stats.nReturned,
    keysExamined: n.stats.keysExamined,
    docsExamined: n.stats.docsExamined,
    executionTimeMillisEstimate: n.stats.executionTimeMillisEstimate,
    children: n.children.map(stageTree),
  };
}

// ---- human output

/** Text from the file reaches a terminal: control characters (ANSI escapes) are shown, never sent. */
export function safeText(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const n = (v: number | null) => (v === null ? '-' : v.toLocaleString('en-US'));
const yesNo = (b: boolean) => (b ? 'yes' : 'no');

function compact(v: JsonValue | null, max = 160): string {
  if (v === null) return '-';
  const s = JSON.stringify(v);
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

export function formatExplainReport(r: ExplainReport): string {
  const s = r.summary;
  const lines: string[] = [];
  const head = [`${s.kind} on ${s.namespace ?? '(unknown namespace)'}`];
  const meta = [s.serverVersion ? `MongoDB ${s.serverVersion}` : null, s.engine === 'none' ? null : `${s.engine} engine`, s.verbosity].filter(Boolean);
  lines.push(`Explain: ${head.join('')} (${meta.join(', ')})`, '');

  const row = (label: string, value: string) => lines.push(`  ${label.padEnd(18)}${value}`);
  lines.push('Summary');
  row('Returned', n(s.nReturned));
  if (s.queryNReturned !== null && s.queryNReturned !== s.nReturned) row('From query layer', n(s.queryNReturned));
  row('Time', s.executionTimeMillis === null ? '-' : `${n(s.executionTimeMillis)} ms`);
  row('Keys examined', `${n(s.totalKeysExamined)}${s.keysExaminedPerReturned !== null ? ` (${n(s.keysExaminedPerReturned)} per returned)` : ''}`);
  row('Docs examined', `${n(s.totalDocsExamined)}${s.docsExaminedPerReturned !== null ? ` (${n(s.docsExaminedPerReturned)} per returned)` : ''}`);
  if (s.indexes.length === 0) row('Indexes used', 'none');
  for (const [i, ix] of s.indexes.entries()) {
    row(i === 0 ? 'Indexes used' : '', `${ix.name} ${compact(ix.keyPattern)}${ix.bounds !== null ? ` bounds ${compact(ix.bounds, 120)}` : ''}${ix.shards.length ? ` [${ix.shards.join(', ')}]` : ''}`);
  }
  row('Collection scan', yesNo(s.collectionScan));
  row('In-memory sort', `${yesNo(s.inMemorySort)}${s.sortSpilled === true ? ' (spilled to disk)' : ''}`);
  row('Covered query', yesNo(s.covered));
  row('Shards', s.shards === null ? 'not sharded' : `${s.shards} (${s.shardNames.join(', ')})`);
  if (s.planCache) row('Plan cache', [s.planCache.queryHash && `queryHash ${s.planCache.queryHash}`, s.planCache.planCacheKey && `planCacheKey ${s.planCache.planCacheKey}`].filter(Boolean).join(', '));
  if (s.rejectedPlans > 0) row('Rejected plans', String(s.rejectedPlans));

  lines.push('', 'Stages');
  renderTree(r.stages, '  ', '', lines);

  lines.push('', 'Findings');
  if (r.findings.length === 0) lines.push('  none');
  for (const f of r.findings) {
    lines.push(`  [${f.severity}] ${f.code} at ${f.stagePath}`, `    ${f.message}`);
  }

  lines.push('', 'Index advice');
  const a = r.advice;
  if (!a) lines.push('  no query shape in this explain');
  else {
    if (r.queryShape) lines.push(`  Query shape (from ${r.queryShape.source}): filter ${compact(r.queryShape.filter, 200)}${r.queryShape.sort.length ? ` sort ${compact(Object.fromEntries(r.queryShape.sort))}` : ''}`);
    if (a.key.length > 0) {
      const key = `{ ${a.key.map(([f, d]) => `${f}: ${d}`).join(', ')} }`;
      lines.push(`  ESR key ${key}  (equality: ${a.equality.join(', ') || '-'}; sort: ${a.sort.map(([f, d]) => `${f} ${d}`).join(', ') || '-'}; range: ${a.range.join(', ') || '-'})`);
    }
    const status: Record<IndexAdvice['status'], string> = {
      covered: `already exists: ${a.existingIndex}`,
      prefix: `served by ${a.existingIndex} (the proposal is a prefix of it)`,
      new: 'no existing index serves it: create it',
      none: 'no index advice',
    };
    lines.push(`  ${status[a.status]}`);
    if (a.createIndex) lines.push(`  ${a.createIndex}`);
    for (const note of a.notes) lines.push(`  note: ${note}`);
  }
  if (r.warnings.length > 0) {
    lines.push('', 'Warnings');
    for (const w of r.warnings) lines.push(`  ${w}`);
  }
  return lines.map(safeText).join('\n') + '\n';
}

function renderTree(t: StageTreeNode, indent: string, prefix: string, out: string[]): void {
  const nums = [
    t.nReturned !== null ? `n=${n(t.nReturned)}` : null,
    t.keysExamined !== null ? `keys=${n(t.keysExamined)}` : null,
    t.docsExamined !== null ? `docs=${n(t.docsExamined)}` : null,
    t.executionTimeMillisEstimate !== null ? `~${n(t.executionTimeMillisEstimate)}ms` : null,
  ].filter(Boolean);
  const label = `${t.stage}${t.index ? ` ${t.index}` : ''}${t.known ? '' : ' (unknown stage)'}`;
  out.push(`${indent}${prefix}${label}${nums.length ? `  ${nums.join(' ')}` : ''}`);
  const childIndent = indent + (prefix === '' ? '' : prefix.startsWith('└') ? '   ' : '│  ');
  t.children.forEach((c, i) => {
    const last = i === t.children.length - 1;
    const shardTag = c.shard !== null && c.shard !== t.shard ? `[${c.shard}] ` : '';
    renderTree(c, childIndent, `${last ? '└─ ' : '├─ '}${shardTag}`, out);
  });
}
