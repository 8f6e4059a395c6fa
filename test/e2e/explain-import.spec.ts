// End to end in Debian's Chromium against `baleen serve` (the real build): a corpus explain (a
// sharded find where one shard scanned the collection) opened through the Import page's file input
// (read in the page, parsed by the core), the plan tree drawn with the shards as sibling subtrees,
// the costliest stage clicked, its finding and JSON shown, and the proposed index; then a second file
// whose advice is a new index with its createIndex command.
import { expect, test } from '@playwright/test';
import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { removeDir, startServe, type Served } from './serve.fixture';

const SHOTS = 'test-results/screenshots';
const FIXTURES = resolve(process.cwd(), '../shared/corpus/compass/packages/explain-plan-helper/test/fixtures');
const SHARDED = resolve(FIXTURES, 'sharded_mixed_index_3.2.json');
const SORTED = resolve(FIXTURES, 'sort_skip_limit_index_3.2.json');

test.describe('explain import', () => {
  test.skip(!existsSync(SHARDED), `${SHARDED} not found: the corpus explain e2e is skipped`);
  let serve: Served;

  test.beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    serve = await startServe();
  });
  test.afterAll(async () => {
    await serve?.stop();
    if (serve) removeDir(serve.dataDir);
  });

  test('open a sharded corpus explain, see the tree, click the costliest stage, see its finding and the proposed index', async ({ page }) => {
    const consoleErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    await page.goto(serve.url);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Explain' }).click();
    await page.getByRole('group', { name: 'Explain source' }).getByRole('button', { name: 'Import' }).click();
    await page.getByLabel('Open an explain file').setInputFiles(SHARDED);

    const result = page.getByRole('region', { name: 'Explain result' });
    await expect(result.getByRole('heading', { level: 2 })).toHaveText('Imported sharded_mixed_index_3.2.json — find on mongodb.fanclub');
    const tree = result.getByRole('tree', { name: 'Plan stages' });
    // SHARD_MERGE on top, each shard a sibling subtree under it.
    await expect(tree.getByRole('treeitem')).toHaveCount(9);
    await expect(tree.getByRole('treeitem', { level: 2 })).toHaveCount(3);
    await expect(tree.locator('.shard-badge')).toHaveText(['shard01', 'shard02', 'shard03']);
    // The costliest path runs down the slowest shard.
    await expect(tree.locator('[data-costliest]')).toHaveCount(3);
    const costliest = tree.locator('li[data-costliest="stage"]');
    await expect(costliest).toHaveAttribute('data-path', 'SHARD_MERGE/shard01:SHARDING_FILTER/COLLSCAN');

    const summary = result.getByRole('region', { name: 'Summary' });
    await expect(summary).toContainText(/Documents examined\s*330,552 \(14\.67 per returned\)/);
    await expect(summary).toContainText(/Collection scan\s*yes/);
    await expect(summary).toContainText(/Shards\s*3 \(shard01, shard02, shard03\)/);
    await expect(summary).toContainText(/Costliest stage\s*COLLSCAN: 160 ms of its own/);

    await costliest.getByRole('button', { name: 'COLLSCAN on shard01 (costliest stage)' }).click();
    await expect(costliest).toHaveAttribute('aria-selected', 'true');
    const details = result.getByRole('region', { name: 'Stage details' });
    await expect(details.locator('.stage-path')).toHaveText('SHARD_MERGE/shard01:SHARDING_FILTER/COLLSCAN');
    const atStage = details.getByRole('list', { name: 'Findings at this stage' });
    await expect(atStage).toContainText('COLLSCAN (critical): Collection scan of mongodb.fanclub on shard shard01: read 315,067 documents to pass on 7,043.');
    await expect(atStage).toContainText('EXAMINED_RATIO');
    const json = JSON.parse((await details.getByLabel('Stage JSON').textContent()) ?? '{}') as Record<string, unknown>;
    expect(json).toMatchObject({ stage: 'COLLSCAN', shard: 'shard01', nReturned: 7043, docsExamined: 315067, executionTimeMillisEstimate: 160, direction: 'forward' });

    const advice = result.getByRole('region', { name: 'Index advice' });
    await expect(advice.locator('.proposed')).toContainText('Proposed index { age: 1 }');
    await expect(advice).toContainText('An existing index already has this key: age_1.');
    // The index the other shards used is missing on the one that scanned: the page says where to look.
    await expect(result.getByRole('list', { name: 'Notes' })).toContainText('age_1 was used on shard02, shard03, but shard01 scanned the whole collection: check that the index exists on every shard.');

    // A finding's button selects its stage in the tree.
    await result.getByRole('region', { name: 'Findings' }).getByRole('button', { name: 'Show stage SHARD_MERGE', exact: true }).click();
    await expect(tree.locator('li[data-path="SHARD_MERGE"]')).toHaveAttribute('aria-selected', 'true');
    await costliest.getByRole('button', { name: /costliest stage/ }).click();
    await page.screenshot({ path: `${SHOTS}/explain-import-sharded.png`, fullPage: true });

    // Another file: an in-memory sort whose ESR advice is a new index, with its command.
    await page.getByLabel('Open an explain file').setInputFiles(SORTED);
    await expect(result.getByRole('heading', { level: 2 })).toHaveText('Imported sort_skip_limit_index_3.2.json — find on mongodb.fanclub');
    await expect(result.getByRole('region', { name: 'Index advice' }).locator('.create-index-command')).toHaveText('db.getSiblingDB("mongodb").getCollection("fanclub").createIndex({ "email": -1, "age": 1 })');
    await expect(result.getByRole('region', { name: 'Findings' })).toContainText('IN_MEMORY_SORT');
    await page.screenshot({ path: `${SHOTS}/explain-import-sort.png`, fullPage: true });

    // Something that is not an explain: a typed error, the page stays.
    await page.getByLabel('Or paste an explain').fill('{"hello": 1}');
    await page.getByRole('button', { name: 'Read pasted explain' }).click();
    await expect(page.getByRole('form', { name: 'Import an explain' }).getByRole('alert')).toContainText('E_PARSE');
    expect(consoleErrors).toEqual([]);
  });
});
