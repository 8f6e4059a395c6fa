// End to end in Debian's Chromium: `baleen serve` (the real build) connected to a real FerretDB, a
// query typed in mongosh syntax on the Explain page, explained at queryPlanner; then executionStats,
// which needs the "runs on a node that takes writes" box ticked first; the advice's index created
// from the page (typed namespace, build status), the collection's indexes checked, and the shape's
// plan history listing every run.
import { expect, test } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { MongoClient } from 'mongodb';
import { startFerretDb, type FerretDb } from '../servers/ferretdb';
import { removeDir, startServe, type Served } from './serve.fixture';

const SHOTS = 'test-results/screenshots';

test.describe('explain on a live node', () => {
  let fdb: FerretDb;
  let serve: Served;

  test.beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    fdb = await startFerretDb();
    const c = new MongoClient(`${fdb.uri}?directConnection=true`);
    await c.connect();
    await c
      .db('shop')
      .collection('orders')
      .insertMany(Array.from({ length: 300 }, (_, i) => ({ status: i % 5 === 0 ? 'A' : 'B', qty: i, ts: new Date(1_700_000_000_000 + i * 1000) })));
    await c.close();
    serve = await startServe();
  });
  test.afterAll(async () => {
    await serve?.stop();
    await fdb?.stop();
    if (serve) removeDir(serve.dataDir);
  });

  test('type a mongosh query, explain it on FerretDB, confirm executionStats, create the advised index, see the history', async ({ page }) => {
    test.setTimeout(90_000);
    const consoleErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    const host = `127.0.0.1:${fdb.port}`;
    await page.goto(serve.url);
    await page.getByLabel('MongoDB URI').fill(fdb.uri);
    await page.getByLabel('Name (optional)').fill('ferret');
    await page.getByRole('button', { name: 'Add connection' }).click();
    await expect(page.getByRole('link', { name: host })).toBeVisible({ timeout: 15_000 });

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Explain' }).click();
    await page.getByRole('group', { name: 'Explain source' }).getByRole('button', { name: 'Run on a node' }).click();
    const form = page.getByRole('form', { name: 'Run explain on a node' });
    await expect(form.getByLabel('Node').locator('option:checked')).toHaveText(`${host} — standalone (ferret)`);
    await form.getByLabel('Database').fill('shop');
    await form.getByLabel('Query (mongosh syntax)').fill('db.orders.find({status: "A", qty: {$gt: 100}}).sort({ts: -1})');
    await expect(form.locator('.query-preview')).toHaveText('find() on shop.orders — shape {"filter":{"status":"?string","qty":{"$gt":"?number"}},"sort":{"ts":-1}}');
    await form.getByRole('button', { name: 'Run explain' }).click();

    const result = page.getByRole('region', { name: 'Explain result' });
    await expect(result.getByRole('heading', { level: 2 })).toHaveText(`find on shop.orders — ${host} (standalone), queryPlanner`);
    const tree = result.getByRole('tree', { name: 'Plan stages' });
    await expect(tree.getByRole('treeitem')).toHaveCount(2);
    await expect(tree.locator('li[data-path="SORT/COLLSCAN"] .stage-name')).toHaveText('COLLSCAN');
    await expect(result.getByRole('list', { name: 'Notes' })).toContainText("FerretDB v1.24.2 printed its backend's plan");
    await expect(result.getByRole('region', { name: 'Findings' })).toContainText('Collection scan of shop.orders');
    await tree.getByRole('button', { name: 'COLLSCAN' }).click();
    const details = result.getByRole('region', { name: 'Stage details' });
    await expect(details.getByRole('list', { name: 'Findings at this stage' })).toContainText('COLLSCAN');
    await expect(details.getByLabel('Stage JSON')).toContainText('"ferretdb": "SCAN ');
    const advice = result.getByRole('region', { name: 'Index advice' });
    await expect(advice.locator('.proposed')).toContainText('Proposed index { status: 1, ts: -1, qty: 1 }');
    await expect(advice.locator('.create-index-command')).toHaveText('db.getSiblingDB("shop").getCollection("orders").createIndex({ "status": 1, "ts": -1, "qty": 1 })');
    await expect(advice).toContainText("Checked against the collection's 1 index (listIndexes).");

    // executionStats runs the query: on a node that takes writes, not before the box is ticked.
    await form.getByLabel('Verbosity').selectOption('executionStats');
    await expect(form.getByRole('note')).toContainText('executionStats runs the query');
    const run = form.getByRole('button', { name: 'Run explain' });
    await expect(run).toBeDisabled();
    await form.getByLabel(`Run it on ${host}, a standalone that takes writes`).check();
    await run.click();
    await expect(result.getByRole('heading', { level: 2 })).toHaveText(`find on shop.orders — ${host} (standalone), executionStats`);
    await expect(result.getByRole('list', { name: 'Notes' })).toContainText('You asked for executionStats, but the server returned no execution numbers');

    // Create the advised index from the page: the namespace typed again, then its build status.
    const advice2 = result.getByRole('region', { name: 'Index advice' });
    await advice2.getByRole('button', { name: 'Create this index…' }).click();
    const confirm = advice2.getByRole('form', { name: 'Create the index' });
    const create = confirm.getByRole('button', { name: 'Create index' });
    await confirm.getByLabel('Namespace to confirm').fill('shop.order');
    await expect(create).toBeDisabled();
    await confirm.getByLabel('Namespace to confirm').fill('shop.orders');
    await create.click();
    const build = advice2.getByRole('status', { name: 'Index build' });
    await expect(build).toHaveAttribute('data-state', 'done', { timeout: 15_000 });
    await expect(build).toContainText(`Index status_1_ts_-1_qty_1 built on ${host}`);

    const indexes = result.getByRole('region', { name: 'Indexes of the collection' });
    await indexes.getByRole('button', { name: 'Check unused and redundant indexes' }).click();
    await expect(indexes.locator('tr[data-index]')).toHaveCount(2);
    await expect(indexes.locator('tr[data-index="status_1_ts_-1_qty_1"]')).toContainText('{ status: 1, ts: -1, qty: 1 }');
    await expect(indexes).toContainText('Unused indexes not judged');

    // Run again: the advice now finds the index; the history lists the three runs of this shape.
    await form.getByLabel('Verbosity').selectOption('queryPlanner');
    await form.getByRole('button', { name: 'Run explain' }).click();
    await expect(result.getByRole('heading', { level: 2 })).toHaveText(`find on shop.orders — ${host} (standalone), queryPlanner`);
    await expect(result.getByRole('region', { name: 'Index advice' })).toContainText('An existing index already has this key: status_1_ts_-1_qty_1.');
    const history = result.getByRole('region', { name: 'Plan history' });
    await expect(history.locator('tbody tr')).toHaveCount(3);
    await expect(history.locator('tbody tr').first()).toContainText('COLLSCAN + in-memory sort');
    await page.screenshot({ path: `${SHOTS}/explain-live-ferretdb.png`, fullPage: true });

    // A slow query's shape link opens the page on that shape, values shown as their type placeholders.
    await page.goto(`${serve.origin}/#/explain?ns=shop.orders&filter=${encodeURIComponent('{"status":"?string","qty":{"$gt":"?number"}}')}`);
    const fromShape = page.getByRole('form', { name: 'Run explain on a node' });
    await expect(fromShape.getByRole('note')).toContainText('values are type placeholders');
    await expect(fromShape.getByLabel('Query (mongosh syntax)')).toHaveValue('db.orders.find({"status":"?string","qty":{"$gt":"?number"}})');
    await expect(fromShape.getByLabel('Database')).toHaveValue('shop');
    await fromShape.getByRole('button', { name: 'Run explain' }).click();
    await expect(page.getByRole('region', { name: 'Explain result' }).getByRole('list', { name: 'Notes' })).toContainText('The query holds type placeholders from a query shape');
    expect(consoleErrors).toEqual([]);
  });
});
