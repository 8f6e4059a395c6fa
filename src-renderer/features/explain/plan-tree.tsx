import type { CostlyPath, Finding, PlanNode } from '../../../src-shared/domain/explain';
import { costMark, stageNumbers } from './plan-format';

export interface PlanTreeProps {
  root: PlanNode;
  label: string;
  costliest: CostlyPath | null;
  findings: Finding[];
  selected: string | null;
  onSelect: (path: string) => void;
}

const SEVERITY_RANK = { critical: 3, warning: 2, info: 1 } as const;

/**
 * The plan as a tree, top-down as the server prints it (the root is the last stage). Each stage shows
 * its name, index, numbers and findings; the costliest path is marked, its costliest stage too.
 * Shards are sibling subtrees under the mongos stage. Clicking a stage selects it.
 */
export function PlanTree({ root, label, costliest, findings, selected, onSelect }: PlanTreeProps) {
  const worst = new Map<string, Finding['severity']>();
  for (const f of findings) {
    const cur = worst.get(f.stagePath);
    if (!cur || SEVERITY_RANK[f.severity] > SEVERITY_RANK[cur]) worst.set(f.stagePath, f.severity);
  }
  return (
    <ul className="plan-tree" role="tree" aria-label={label}>
      <Stage node={root} parentShard={null} depth={1} costliest={costliest} worst={worst} selected={selected} onSelect={onSelect} />
    </ul>
  );
}

interface StageProps {
  node: PlanNode;
  parentShard: string | null;
  depth: number;
  costliest: CostlyPath | null;
  worst: Map<string, Finding['severity']>;
  selected: string | null;
  onSelect: (path: string) => void;
}

function Stage({ node, parentShard, depth, costliest, worst, selected, onSelect }: StageProps) {
  const mark = costliest ? costMark(node.path, costliest) : null;
  const sev = worst.get(node.path);
  const isSelected = selected === node.path;
  const shardStart = node.shard !== null && node.shard !== parentShard;
  const cls = ['plan-stage', mark ? `cost-${mark}` : '', isSelected ? 'selected' : '', sev ? `sev-${sev}` : '', node.known ? '' : 'unknown-stage'].filter(Boolean).join(' ');
  const nums = stageNumbers(node);
  return (
    <li role="treeitem" aria-selected={isSelected} aria-level={depth} aria-expanded={node.children.length > 0 ? true : undefined} data-path={node.path} data-costliest={mark ?? undefined} className="plan-item">
      <button type="button" className={cls} onClick={() => onSelect(node.path)} aria-label={`${node.stage}${node.index?.name ? ` ${node.index.name}` : ''}${node.shard !== null ? ` on ${node.shard}` : ''}${mark === 'stage' ? ' (costliest stage)' : ''}`}>
        {shardStart ? <span className="shard-badge">{node.shard}</span> : null}
        <span className="stage-name">{node.stage}</span>
        {node.index?.name ? <span className="stage-index">{node.index.name}</span> : null}
        {nums ? <span className="stage-numbers">{nums}</span> : null}
        {mark === 'stage' ? <span className="cost-badge">costliest</span> : null}
        {sev ? <span className={`sev-badge sev-${sev}`}>{sev}</span> : null}
        {!node.known ? <span className="sev-badge sev-info">unknown stage</span> : null}
      </button>
      {node.children.length > 0 ? (
        <ul role="group">
          {node.children.map((c) => (
            <Stage key={c.path} node={c} parentShard={node.shard} depth={depth + 1} costliest={costliest} worst={worst} selected={selected} onSelect={onSelect} />
          ))}
        </ul>
      ) : null}
    </li>
  );
}
