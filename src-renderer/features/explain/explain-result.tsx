import { useMemo, useState } from 'react';
import type { ExplainView } from '../../../src-shared/contract';
import type { ExplainSummary, Finding, PlanModel, PlanNode } from '../../../src-shared/domain/explain';
import { formatDateTime } from '../../lib/format';
import { AdvicePanel } from './advice-panel';
import { HistoryPanel } from './history-panel';
import { IndexesPanel } from './indexes-panel';
import { keyText, ms, num, prettyJson, stageJson } from './plan-format';
import { PlanTree } from './plan-tree';

/** Finds a stage by path in the winning tree, the rejected plans and the SBE trees. */
function findStage(model: PlanModel, path: string): PlanNode | null {
  const roots: PlanNode[] = [model.root];
  for (const l of model.queryLayers) {
    for (const r of l.rejectedPlans) roots.push(r.root);
    if (l.sbe) roots.push(l.sbe.root);
  }
  for (const r of roots) {
    const stack = [r];
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (n.path === path) return n;
      stack.push(...n.children);
    }
  }
  return null;
}

const yesNo = (b: boolean) => (b ? 'yes' : 'no');

export function ExplainResult({ view }: { view: ExplainView }) {
  const { model, summary, findings, costliest } = view;
  const [selected, setSelected] = useState<string | null>(null);
  const stage = useMemo(() => (selected ? findStage(model, selected) : null), [model, selected]);
  const stageFindings = findings.filter((f) => f.stagePath === selected);
  const src = view.source;
  const title = src.kind === 'live' ? `${src.op} on ${src.namespace} — ${src.hostPort} (${src.role.toLowerCase()}), ${src.verbosity}` : `Imported ${src.name ?? 'explain'} — ${summary.kind} on ${summary.namespace ?? 'an unknown namespace'}`;

  return (
    <section className="explain-result" aria-label="Explain result">
      <h2>{title}</h2>
      <p className="muted">
        {src.kind === 'live' ? `Ran ${formatDateTime(src.ranAt)} with a ${num(src.maxTimeMs)} ms time limit. ` : null}
        {summary.serverVersion ? `${/^[A-Za-z]/.test(summary.serverVersion) ? '' : 'MongoDB '}${summary.serverVersion}, ` : null}
        {summary.engine === 'none' ? null : `${summary.engine} engine, `}
        {model.verbosity}. Plan: <code>{view.planSummary}</code>
      </p>
      {view.planChange ? (
        <p className="banner banner-warn plan-change" role="status">
          Plan changed for this query shape on this node: it was <code>{view.planChange.from}</code> on {formatDateTime(view.planChange.previousTs)}, now{' '}
          <code>{view.planChange.to}</code>.
        </p>
      ) : null}
      {view.notes.length > 0 ? (
        <ul className="explain-notes" aria-label="Notes">
          {view.notes.map((n, i) => (
            <li key={i}>{n}</li>
          ))}
        </ul>
      ) : null}

      <div className="explain-grid">
        <SummaryPanel summary={summary} costliestText={costliestText(view)} onCostliest={costliest.stagePath ? () => setSelected(costliest.stagePath) : null} />
        <FindingsPanel findings={findings} selected={selected} onSelect={setSelected} />
      </div>

      <div className="explain-plan">
        <div className="plan-tree-wrap">
          <h3>Stages</h3>
          <p className="muted legend">
            Top-down as the server prints it: the root is the last stage. <span className="legend-path">Highlighted</span>: the costliest path ({costliest.basis === 'time' ? 'by execution time estimates' : costliest.basis === 'examined' ? 'by keys and documents examined: this explain has no times' : 'none: this explain has no execution numbers'}).
          </p>
          <PlanTree root={model.root} label="Plan stages" costliest={costliest.basis === 'none' ? null : costliest} findings={findings} selected={selected} onSelect={setSelected} />
          <RejectedPlans model={model} selected={selected} onSelect={setSelected} />
        </div>
        <section className="stage-details" aria-label="Stage details">
          <h3>Stage details</h3>
          {stage ? (
            <>
              <p>
                <code className="stage-path">{stage.path}</code>
              </p>
              {stageFindings.length > 0 ? (
                <ul className="stage-findings" aria-label="Findings at this stage">
                  {stageFindings.map((f, i) => (
                    <li key={i} className={`sev-${f.severity}`}>
                      <strong>{f.code}</strong> ({f.severity}): {f.message}
                    </li>
                  ))}
                </ul>
              ) : (
                <p className="muted">No findings at this stage.</p>
              )}
              <pre className="stage-json" aria-label="Stage JSON">
                {prettyJson(stageJson(stage))}
              </pre>
            </>
          ) : (
            <p className="muted">Click a stage to see what it printed.</p>
          )}
        </section>
      </div>

      <AdvicePanel view={view} />
      {src.kind === 'live' ? <IndexesPanel nodeId={src.nodeId} namespace={src.namespace} /> : null}
      {src.kind === 'live' ? <HistoryPanel nodeId={src.nodeId} shapeHash={src.shapeHash} shapeText={src.shapeText} ranAt={src.ranAt} /> : null}
    </section>
  );
}

function costliestText(view: ExplainView): string {
  const c = view.costliest;
  if (c.basis === 'none' || !c.stagePath) return 'unknown (no execution numbers)';
  const leaf = c.stagePath.slice(c.stagePath.lastIndexOf('/') + 1);
  return c.basis === 'time' ? `${leaf}: ${ms(c.selfTimeMs)} of its own` : `${leaf}: ${num(c.selfExamined)} keys + documents examined`;
}

function SummaryPanel({ summary: s, costliestText, onCostliest }: { summary: ExplainSummary; costliestText: string; onCostliest: (() => void) | null }) {
  const rows: Array<[string, string]> = [
    ['Returned', num(s.nReturned)],
    ['Time', ms(s.executionTimeMillis)],
    ['Keys examined', `${num(s.totalKeysExamined)}${s.keysExaminedPerReturned !== null ? ` (${num(s.keysExaminedPerReturned)} per returned)` : ''}`],
    ['Documents examined', `${num(s.totalDocsExamined)}${s.docsExaminedPerReturned !== null ? ` (${num(s.docsExaminedPerReturned)} per returned)` : ''}`],
    ['Collection scan', yesNo(s.collectionScan)],
    ['In-memory sort', s.inMemorySort ? `yes${s.sortSpilled === true ? ', spilled to disk' : s.sortSpilled === false ? ', in memory' : ''}` : 'no'],
    ['Covered query', yesNo(s.covered)],
    ['Shards', s.shards === null ? 'not sharded' : `${s.shards} (${s.shardNames.join(', ')})`],
    ['Rejected plans', String(s.rejectedPlans)],
  ];
  if (s.queryNReturned !== null && s.queryNReturned !== s.nReturned) rows.splice(1, 0, ['From the query layer', num(s.queryNReturned)]);
  if (s.planCache) {
    const pc = s.planCache;
    rows.push(['Plan cache', [pc.queryHash ? `queryHash ${pc.queryHash}` : null, pc.planCacheKey ? `planCacheKey ${pc.planCacheKey}` : null, pc.planCacheShapeHash ? `shape ${pc.planCacheShapeHash}` : null, pc.isCached === null ? null : pc.isCached ? 'cached' : 'not cached'].filter(Boolean).join(', ')]);
  }
  return (
    <section className="explain-summary" aria-label="Summary">
      <h3>Summary</h3>
      <dl>
        {rows.map(([k, v]) => (
          <div key={k} className="kv">
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
        <div className="kv">
          <dt>Costliest stage</dt>
          <dd>
            {onCostliest ? (
              <button type="button" className="link-button" onClick={onCostliest}>
                {costliestText}
              </button>
            ) : (
              costliestText
            )}
          </dd>
        </div>
      </dl>
      <h4>Indexes used</h4>
      {s.indexes.length === 0 ? (
        <p className="muted">none</p>
      ) : (
        <ul className="indexes-used" aria-label="Indexes used">
          {s.indexes.map((i) => (
            <li key={i.name}>
              <code>{i.name}</code> <code>{keyText(i.keyPattern)}</code>
              {i.shards.length > 0 ? <span className="muted"> on {i.shards.join(', ')}</span> : null}
              {i.bounds !== null ? <pre className="bounds">{prettyJson(i.bounds)}</pre> : null}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function FindingsPanel({ findings, selected, onSelect }: { findings: Finding[]; selected: string | null; onSelect: (p: string) => void }) {
  return (
    <section className="explain-findings" aria-label="Findings">
      <h3>Findings</h3>
      {findings.length === 0 ? (
        <p className="muted">Nothing to flag.</p>
      ) : (
        <ul aria-label="Findings list">
          {findings.map((f, i) => (
            <li key={i} className={`finding sev-${f.severity}${selected === f.stagePath ? ' selected' : ''}`} data-code={f.code}>
              <span className={`sev-badge sev-${f.severity}`}>{f.severity}</span> <strong>{f.code}</strong>
              {f.shard ? <span className="muted"> on {f.shard}</span> : null}
              <p>{f.message}</p>
              <button type="button" className="link-button" onClick={() => onSelect(f.stagePath)}>
                Show stage {f.stagePath}
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function RejectedPlans({ model, selected, onSelect }: { model: PlanModel; selected: string | null; onSelect: (p: string) => void }) {
  const layers = model.queryLayers.filter((l) => l.rejectedPlans.length > 0);
  if (layers.length === 0) return null;
  return (
    <details className="rejected-plans">
      <summary>Rejected plans ({layers.reduce((a, l) => a + l.rejectedPlans.length, 0)})</summary>
      {layers.map((l) =>
        l.rejectedPlans.map((r, i) => (
          <div key={`${l.rootPath}-${i}`} className="rejected-plan">
            <h4>
              Rejected plan {i + 1}
              {l.shard ? ` on ${l.shard}` : ''}
              {r.trial ? ` — trial: returned ${num(r.trial.nReturned)}, keys ${num(r.trial.totalKeysExamined)}, docs ${num(r.trial.totalDocsExamined)}${r.trial.score !== null ? `, score ${num(r.trial.score)}` : ''}` : ''}
            </h4>
            <PlanTree root={r.root} label={`Rejected plan ${i + 1}${l.shard ? ` on ${l.shard}` : ''}`} costliest={null} findings={[]} selected={selected} onSelect={onSelect} />
          </div>
        )),
      )}
    </details>
  );
}
