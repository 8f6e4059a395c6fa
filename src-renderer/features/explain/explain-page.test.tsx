import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { ExplainView } from '../../../src-shared/contract';
import { MAX_IMPORT_CHARS } from '../../../src-shared/contract';
import type { PlanNode } from '../../../src-shared/domain/explain';
import { BaleenError } from '../../../src-shared/domain/errors';
import { connectionSummary, nodeSummary, renderWithApp } from '../../app/test-harness';
import { FakeTransport } from '../../client/fake-transport';
import { ExplainPage, parseExplainLink } from './index';

const stats = (n: number | null, t: number | null, docs: number | null = null, keys: number | null = null) => ({ nReturned: n, executionTimeMillisEstimate: t, docsExamined: docs, keysExamined: keys, works: null });
const node = (path: string, stage: string, s: PlanNode['stats'], children: PlanNode[] = [], extra: Partial<PlanNode> = {}): PlanNode => ({
  path,
  stage,
  origin: 'classic',
  known: true,
  shard: null,
  truncated: false,
  index: null,
  stats: s,
  details: {},
  children,
  ...extra,
});

/** A sort over a collection scan: SORT (60 ms) ← COLLSCAN (50 ms of its own), as a 7.0 server prints it. */
function view(): ExplainView {
  const scan = node('SORT/COLLSCAN', 'COLLSCAN', stats(12, 50, 100_000), [], { details: { direction: 'forward', filter: { status: { $eq: 'A' } } } });
  const root = node('SORT', 'SORT', stats(12, 60), [scan], { details: { sortPattern: { ts: -1 } } });
  const rejected = node('rejectedPlans[0]/FETCH', 'FETCH', stats(null, null), [node('rejectedPlans[0]/FETCH/IXSCAN', 'IXSCAN', stats(null, null), [], { index: { name: 'ts_-1', keyPattern: { ts: -1 }, bounds: null, multiKey: false, direction: 'forward', implied: false } })]);
  return {
    source: { kind: 'import', name: 'case-4711.json', importedAt: 0 },
    model: {
      kind: 'find',
      sharded: false,
      engine: 'classic',
      verbosity: 'executionStats',
      explainVersion: '1',
      serverVersion: '7.0.12',
      namespace: 'shop.orders',
      root,
      queryLayers: [
        {
          shard: null,
          rootPath: 'SORT',
          namespace: 'shop.orders',
          parsedQuery: { status: { $eq: 'A' } },
          engine: 'classic',
          planCache: { queryHash: 'ABCD1234', planCacheKey: 'EF015678', planCacheShapeHash: null, isCached: null },
          indexFilterSet: false,
          stats: { nReturned: 12, executionTimeMillis: 61, totalKeysExamined: 0, totalDocsExamined: 100_000 },
          executionSuccess: true,
          winningTrial: null,
          rejectedPlans: [{ root: rejected, trial: null }],
          unmatchedTrials: [],
          sbe: null,
        },
      ],
      shards: null,
      mongosTotals: null,
      outputNReturned: 12,
      mergeType: null,
      pipelineNotSplit: null,
      pipelines: [],
      command: null,
      unknownStages: [],
      warnings: [],
    },
    summary: {
      kind: 'find',
      engine: 'classic',
      verbosity: 'executionStats',
      serverVersion: '7.0.12',
      namespace: 'shop.orders',
      nReturned: 12,
      executionTimeMillis: 61,
      totalKeysExamined: 0,
      totalDocsExamined: 100_000,
      queryNReturned: 12,
      keysExaminedPerReturned: 0,
      docsExaminedPerReturned: 8333.33,
      indexesUsed: [],
      indexes: [],
      collectionScan: true,
      inMemorySort: true,
      sortSpilled: false,
      covered: false,
      shards: null,
      shardNames: [],
      planCache: { queryHash: 'ABCD1234', planCacheKey: 'EF015678', planCacheShapeHash: null, isCached: null },
      rejectedPlans: 1,
    },
    findings: [
      { code: 'COLLSCAN', severity: 'critical', message: 'Collection scan of shop.orders: read 100,000 documents to pass on 12.', stagePath: 'SORT/COLLSCAN', shard: null },
      { code: 'IN_MEMORY_SORT', severity: 'warning', message: 'In-memory sort on {"ts":-1}.', stagePath: 'SORT', shard: null },
    ],
    queryShape: { namespace: 'shop.orders', filter: { status: { $eq: 'A' } }, sort: [['ts', -1]], source: 'parsedQuery' },
    advice: {
      namespace: 'shop.orders',
      equality: ['status'],
      sort: [['ts', -1]],
      range: [],
      key: [
        ['status', 1],
        ['ts', -1],
      ],
      status: 'new',
      existingIndex: null,
      supersedes: [],
      createIndex: 'db.getSiblingDB("shop").getCollection("orders").createIndex({ "status": 1, "ts": -1 })',
      notes: [],
    },
    indexes: { source: 'none', list: [], error: null },
    costliest: { basis: 'time', paths: ['SORT', 'SORT/COLLSCAN'], stagePath: 'SORT/COLLSCAN', selfTimeMs: 50, selfExamined: 100_000 },
    planSummary: 'COLLSCAN + in-memory sort',
    planChange: null,
    notes: [],
  };
}

describe('Explain page', () => {
  beforeEach(() => {
    window.location.hash = '#/explain';
  });

  it('imports a pasted explain: the tree marks the costliest path, a click shows the stage JSON and its finding, findings select stages, advice shows the index', async () => {
    const fake = new FakeTransport().handle('connections.list', () => []).handle('explain.import', () => view());
    renderWithApp(<ExplainPage />, { fake });
    await userEvent.click(screen.getByRole('button', { name: 'Import' }));
    fireEvent.change(screen.getByLabelText('Or paste an explain'), { target: { value: '{"queryPlanner": {}}' } });
    await userEvent.click(screen.getByRole('button', { name: 'Read pasted explain' }));
    const tree = await screen.findByRole('tree', { name: 'Plan stages' });
    expect(fake.callsTo('explain.import')).toEqual([{ text: '{"queryPlanner": {}}' }]);

    const items = within(tree).getAllByRole('treeitem');
    expect(items.map((i) => [i.getAttribute('data-path'), i.getAttribute('data-costliest')])).toEqual([
      ['SORT', 'path'],
      ['SORT/COLLSCAN', 'stage'],
    ]);
    const details = screen.getByRole('region', { name: 'Stage details' });
    expect(details).toHaveTextContent('Click a stage');

    await userEvent.click(within(tree).getByRole('button', { name: 'COLLSCAN (costliest stage)' }));
    expect(items[1]).toHaveAttribute('aria-selected', 'true');
    expect(within(details).getByRole('list', { name: 'Findings at this stage' })).toHaveTextContent('COLLSCAN (critical): Collection scan of shop.orders');
    const json = JSON.parse(within(details).getByLabelText('Stage JSON').textContent!) as Record<string, unknown>;
    expect(json).toEqual({ stage: 'COLLSCAN', nReturned: 12, executionTimeMillisEstimate: 50, docsExamined: 100_000, direction: 'forward', filter: { status: { $eq: 'A' } } });

    // A finding's button selects its stage.
    await userEvent.click(screen.getByRole('button', { name: 'Show stage SORT' }));
    expect(items[0]).toHaveAttribute('aria-selected', 'true');
    expect(within(details).getByRole('list', { name: 'Findings at this stage' })).toHaveTextContent('IN_MEMORY_SORT');

    const summary = screen.getByRole('region', { name: 'Summary' });
    expect(summary).toHaveTextContent(/Documents examined\s*100,000 \(8,333.33 per returned\)/);
    expect(summary).toHaveTextContent(/In-memory sort\s*yes, in memory/);
    expect(summary).toHaveTextContent(/Plan cache\s*queryHash ABCD1234, planCacheKey EF015678/);
    const advice = screen.getByRole('region', { name: 'Index advice' });
    expect(advice).toHaveTextContent('Proposed index { status: 1, ts: -1 }');
    expect(advice).toHaveTextContent('db.getSiblingDB("shop").getCollection("orders").createIndex({ "status": 1, "ts": -1 })');
    // Imported: nothing to create it on.
    expect(within(advice).queryByRole('button', { name: 'Create this index…' })).toBeNull();

    await userEvent.click(screen.getByText('Rejected plans (1)'));
    const rej = screen.getByRole('tree', { name: 'Rejected plan 1' });
    await userEvent.click(within(rej).getByRole('button', { name: 'IXSCAN ts_-1' }));
    expect(JSON.parse(within(details).getByLabelText('Stage JSON').textContent!)).toMatchObject({ stage: 'IXSCAN', indexName: 'ts_-1', keyPattern: { ts: -1 } });
  });

  it('refuses an explain larger than the cap without sending it; a parse error from the core shows with its code', async () => {
    const fake = new FakeTransport().handle('connections.list', () => []).handle('explain.import', () => {
      throw new BaleenError('E_PARSE', 'not explain output: found no queryPlanner, stages or shards');
    });
    renderWithApp(<ExplainPage />, { fake });
    await userEvent.click(screen.getByRole('button', { name: 'Import' }));
    const file = new File(['x'.repeat(MAX_IMPORT_CHARS + 10)], 'huge.json', { type: 'application/json' });
    await userEvent.upload(screen.getByLabelText('Open an explain file'), file);
    expect(await screen.findByRole('alert')).toHaveTextContent(/at most 2(\.0)? MiB can be imported here/);
    expect(fake.callsTo('explain.import')).toEqual([]);

    await userEvent.upload(screen.getByLabelText('Open an explain file'), new File(['{"hello": 1}'], 'other.json', { type: 'application/json' }));
    await waitFor(() => expect(fake.callsTo('explain.import')).toEqual([{ text: '{"hello": 1}', name: 'other.json' }]));
    expect(await screen.findByRole('alert')).toHaveTextContent('E_PARSE');
  });

  it('executionStats on a primary needs the confirmation box before Run is enabled, and sends it', async () => {
    const primary = nodeSummary({ hostPort: 'db1:27017', deployment: 'prod', role: 'PRIMARY' });
    const fake = new FakeTransport()
      .handle('connections.list', () => [connectionSummary({ id: 'prod', name: 'prod', nodes: [primary] })])
      .handle('explain.parseQuery', (i) => ({
        op: 'find',
        method: 'find',
        db: null,
        collection: 'orders',
        command: {},
        verbosity: null,
        writesOutput: false,
        shape: {},
        notes: [],
        namespace: `${i.db ?? 'shop'}.orders`,
        shapeText: '{"filter":{"status":"?string"}}',
      }))
      .handle('explain.run', () => ({ ...view(), source: { kind: 'live', nodeId: primary.id, hostPort: 'db1:27017', role: 'PRIMARY', ranAt: 0, verbosity: 'executionStats', maxTimeMs: 10_000, op: 'find', method: 'find', namespace: 'shop.orders', shapeText: '{}', shapeHash: 'AAAA0000' } }))
      .handle('explain.history', () => [])
      .handle('explain.indexes', () => ({ namespace: 'shop.orders', indexes: [], redundant: [], unused: { state: 'checked', list: [] }, members: [] }));
    window.location.hash = `#/explain?ns=shop.orders&filter=${encodeURIComponent('{"status":"?string"}')}`;
    renderWithApp(<ExplainPage />, { fake });
    const form = await screen.findByRole('form', { name: 'Run explain on a node' });
    expect(within(form).getByRole('note')).toHaveTextContent('type placeholders');
    expect(within(form).getByLabelText('Query (mongosh syntax)')).toHaveValue('db.orders.find({"status":"?string"})');
    expect(within(form).getByLabelText('Database')).toHaveValue('shop');
    await waitFor(() => expect(within(form).getByLabelText('Node')).toHaveValue(primary.id));
    await userEvent.selectOptions(within(form).getByLabelText('Verbosity'), 'executionStats');
    const run = within(form).getByRole('button', { name: 'Run explain' });
    expect(run).toBeDisabled();
    await userEvent.click(within(form).getByLabelText(/Run it on db1:27017, a primary that takes writes/));
    expect(run).toBeEnabled();
    await userEvent.click(run);
    await screen.findByRole('tree', { name: 'Plan stages' });
    expect(fake.callsTo('explain.run')).toEqual([
      { nodeId: primary.id, query: 'db.orders.find({"status":"?string"})', verbosity: 'executionStats', maxTimeMs: 10_000, confirmedRunOnPrimary: true, db: 'shop' },
    ]);
    // Live: the advice offers to create the index, and the plan history is shown.
    expect(within(screen.getByRole('region', { name: 'Index advice' })).getByRole('button', { name: 'Create this index…' })).toBeInTheDocument();
    expect(screen.getByRole('region', { name: 'Plan history' })).toBeInTheDocument();
  });
});

describe('explain links', () => {
  it('reads the slow-queries link (ns and a shape filter) into a query, flagged as placeholders', () => {
    const l = parseExplainLink(`ns=shop.orders&filter=${encodeURIComponent('{"status":"?string","qty":{"$gt":"?number"}}')}&sort=${encodeURIComponent('{"ts":-1}')}`);
    expect(l).toEqual({ nodeId: null, db: 'shop', query: 'db.orders.find({"status":"?string","qty":{"$gt":"?number"}}).sort({"ts":-1})', fromShape: true });
    expect(parseExplainLink('ns=a.my%20coll&filter=%7B%7D').query).toBe('db.getCollection("my coll").find({})');
    expect(parseExplainLink('ns=a.b&filter=%E0%A4%A')).toMatchObject({ db: 'a' });
    expect(parseExplainLink('')).toEqual({ nodeId: null, db: null, query: '', fromShape: false });
    expect(parseExplainLink('node=prod%2Fdb1%3A27017&query=db.c.find()')).toEqual({ nodeId: 'prod/db1:27017', db: null, query: 'db.c.find()', fromShape: false });
  });
});
