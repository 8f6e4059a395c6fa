import type { CostBasis, CostlyPath } from '../../../src-shared/domain/explain';
import { forEachNode } from './explain.normalizer';
import { isBlockingSort } from './explain.summary';
import type { PlanModel, PlanNode } from './explain.schema';

/**
 * Where the time went in a plan tree.
 *
 * - The **costliest path** runs from the root down, at each node into the child whose subtree took
 *   the most time (`executionTimeMillisEstimate`, the slowest figure anywhere in that subtree, since
 *   classic and pipeline stages report time including their inputs); where the explain has no times
 *   (or they tie), into the child whose subtree examined the most keys and documents.
 * - The **costliest stage** is the node on that path with the most time of its own (its time minus
 *   its inputs' times); ties, and plans whose stages all took 0 ms, go to the most keys + documents
 *   examined by the stage itself.
 * - queryPlanner output has no numbers: there is no costliest path then (basis `none`).
 */
export function costliestPath(root: PlanNode): CostlyPath {
  let anyTime = false;
  let anyExamined = false;
  forEachNode(root, (n) => {
    if (n.stats.executionTimeMillisEstimate !== null) anyTime = true;
    if (n.stats.docsExamined !== null || n.stats.keysExamined !== null) anyExamined = true;
  });
  const basis: CostBasis = anyTime ? 'time' : anyExamined ? 'examined' : 'none';
  if (basis === 'none') return { basis, paths: [], stagePath: null, selfTimeMs: null, selfExamined: null };

  const subTime = new Map<PlanNode, number>();
  const subExam = new Map<PlanNode, number>();
  // Children before parents, without recursion (plans can be deep).
  const order: PlanNode[] = [];
  forEachNode(root, (n) => void order.push(n));
  for (let i = order.length - 1; i >= 0; i--) {
    const n = order[i]!;
    let t = n.stats.executionTimeMillisEstimate ?? 0;
    let e = examinedBy(n);
    for (const c of n.children) {
      t = Math.max(t, subTime.get(c) ?? 0);
      e += subExam.get(c) ?? 0;
    }
    subTime.set(n, t);
    subExam.set(n, e);
  }

  const path: PlanNode[] = [root];
  for (let n = root; n.children.length > 0; ) {
    let best = n.children[0]!;
    for (const c of n.children.slice(1)) {
      const dt = (subTime.get(c) ?? 0) - (subTime.get(best) ?? 0);
      if (dt > 0 || (dt === 0 && (subExam.get(c) ?? 0) > (subExam.get(best) ?? 0))) best = c;
    }
    path.push(best);
    n = best;
  }

  let pick: PlanNode = path[path.length - 1]!;
  let pickSelf = -1;
  let pickExam = -1;
  for (const n of path) {
    const self = selfTime(n);
    const exam = examinedBy(n);
    if (self > pickSelf || (self === pickSelf && exam > pickExam)) {
      pick = n;
      pickSelf = self;
      pickExam = exam;
    }
  }
  return {
    basis,
    paths: path.map((n) => n.path),
    stagePath: pick.path,
    selfTimeMs: anyTime ? pickSelf : null,
    selfExamined: pickExam,
  };
}

function examinedBy(n: PlanNode): number {
  return (n.stats.docsExamined ?? 0) + (n.stats.keysExamined ?? 0);
}

function selfTime(n: PlanNode): number {
  const t = n.stats.executionTimeMillisEstimate;
  if (t === null) return 0;
  let inputs = 0;
  for (const c of n.children) inputs += c.stats.executionTimeMillisEstimate ?? 0;
  return Math.max(0, t - inputs);
}

/**
 * What identifies a winning plan regardless of its numbers: every stage by its place in the tree and
 * the index it reads. Two explains of one query shape with different signatures chose different plans.
 */
export function planSignature(model: PlanModel): string {
  const parts: string[] = [];
  forEachNode(model.root, (n) => {
    if (n.origin === 'sbe' || n.truncated) return;
    parts.push(n.index?.name ? `${n.path}(${n.index.name})` : n.path);
  });
  return parts.join('\n');
}

/** A one-line plan summary in the style of the server's slow-query `planSummary`: how the data was read. */
export function planSummaryText(model: PlanModel): string {
  const access: string[] = [];
  let sort = false;
  forEachNode(model.root, (n) => {
    if (n.origin === 'sbe') return;
    if (isBlockingSort(n)) sort = true;
    if (n.children.length > 0 || n.origin === 'pipeline' || n.origin === 'mongos') return;
    const s = n.index?.name ? `${n.stage} ${n.index.name}` : n.stage;
    if (!access.includes(s)) access.push(s);
  });
  const text = access.length > 0 ? access.join(', ') : model.root.stage;
  return sort ? `${text} + in-memory sort` : text;
}
