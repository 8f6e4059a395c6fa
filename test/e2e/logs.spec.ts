// End to end in Debian's Chromium against `baleen serve`: a log folder (hatchet's MongoDB 6.0 logs:
// a three-member replica set with elections, and a single node's log) is imported through the UI by
// the server-side path the user types; the incidents timeline shows the elections; clicking the
// stepdown election shows its evidence and the operations that failed around it. Then the explorer
// searches the imported lines, slow queries group by shape, and client connections group by app.
import { expect, test } from '@playwright/test';
import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { removeDir, startServe, type Served } from './serve.fixture';

const SHOTS = 'test-results/screenshots';
const FOLDER = resolve(process.cwd(), '../shared/corpus/hatchet/logs');

test.describe('logs: import a folder, incidents, operations around an election', () => {
  test.skip(!existsSync(FOLDER), `${FOLDER} not found (../shared/corpus is optional)`);
  let serve: Served;
  const consoleErrors: string[] = [];

  test.beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    serve = await startServe();
  });
  test.afterAll(async () => {
    await serve?.stop();
    if (serve) removeDir(serve.dataDir);
  });

  test('import the folder by path, see the elections on the incident timeline, open one and see the operations around it', async ({ page }) => {
    test.setTimeout(120_000);
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}:${e.columnNumber} at ${location.hash}`));
    });
    await page.goto(serve.url);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Logs' }).click();
    await page.getByRole('link', { name: 'Sources' }).click();

    await page.getByLabel('Log files or folders (paths where Baleen runs, one per line)').fill(FOLDER);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    const done = page.getByTestId('import-done');
    await expect(done).toBeVisible({ timeout: 90_000 });
    await expect(done).toContainText(/Imported [\d,]+ lines \([\d,]+ slow operations, 0 not parsed\) from 4 file\(s\)/);
    const sources = page.getByTestId('log-sources');
    await expect(sources.locator('tr[data-state="done"]')).toHaveCount(1);
    await page.screenshot({ path: `${SHOTS}/logs-imported.png`, fullPage: true });

    // The incident timeline: the set's start-up election, its stepdown election, its shutdown, and
    // the single node's restart (the folder's other log).
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Incidents' }).click();
    const table = page.getByTestId('incidents');
    await expect(table.locator('tr[data-kind="election"]')).toHaveCount(2);
    await expect(table.locator('tr[data-kind="restart"]')).toHaveCount(2);
    await expect(page.getByTestId('incident-strip').locator('rect')).toHaveCount(4);
    await page.screenshot({ path: `${SHOTS}/logs-incidents.png`, fullPage: true });

    // Click the election that followed the stepdown (on the timeline strip).
    const title = 'Election: demo.example.com:27018 became PRIMARY (term 2); demo.example.com:27017 stepped down';
    await page.getByTestId('incident-strip').getByRole('link', { name: title }).click();
    const detail = page.getByTestId('incident-detail');
    await expect(detail.getByRole('heading', { name: title })).toBeVisible();
    await expect(detail.getByTestId('incident-signals')).toContainText('Attempting to step down in response to replSetStepDown command');
    await expect(detail.getByTestId('incident-signals')).toContainText('Election succeeded, assuming primary role');
    const ops = detail.getByTestId('incident-operations');
    await expect(ops).toBeVisible();
    // Failed operations first: the old primary refusing reads after it stepped down.
    await expect(ops.locator('tbody tr').first()).toHaveAttribute('data-failed', 'true');
    await expect(ops).toContainText('NotPrimaryNoSecondaryOk (13435)');
    expect(await ops.locator('tbody tr').count()).toBeGreaterThan(20);
    await detail.getByRole('heading', { name: title }).scrollIntoViewIfNeeded();
    await page.setViewportSize({ width: 1400, height: 1000 });
    await page.screenshot({ path: `${SHOTS}/logs-election-operations.png` });

    // The explorer finds the election lines by text, in time order, with the full line on click.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Logs' }).click();
    await page.getByLabel('Search text').fill('"Election succeeded"');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect(page.getByTestId('log-count')).toContainText('2 matching lines');
    const rows = page.getByTestId('log-row');
    await expect(rows).toHaveCount(2);
    await rows.nth(1).click();
    await expect(page.getByTestId('log-detail')).toContainText('"term": 2');
    await page.screenshot({ path: `${SHOTS}/logs-explorer.png`, fullPage: true });

    // Without a filter, tens of thousands of lines: only a window of rows is in the DOM.
    await page.getByRole('button', { name: 'Clear' }).click();
    await expect(page.getByTestId('log-count')).toContainText(/[\d,]{6,} matching lines/);
    expect(await rows.count()).toBeLessThan(80);
    const list = page.getByTestId('log-rows');
    const firstTs = Number(await rows.first().getAttribute('data-ts'));
    for (let i = 0; i < 12; i++) await list.evaluate((el) => (el.scrollTop = el.scrollHeight));
    await expect(list).toHaveAttribute('data-count', /^(4\d\d|[5-9]\d\d|\d{4})$/);
    expect(Number(await rows.last().getAttribute('data-ts'))).toBeGreaterThan(firstTs);

    // Slow queries by shape, sorted by total time, each with a link to explain it.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Slow queries' }).click();
    const shapes = page.getByTestId('shapes');
    await expect(shapes.locator('tbody tr').first()).toBeVisible();
    await shapes.locator('tbody tr').first().click();
    await expect(page.getByTestId('shape-detail').getByRole('link', { name: 'Explain this shape' })).toHaveAttribute('href', /^#\/explain\?ns=[^&]+&filter=/);
    await page.screenshot({ path: `${SHOTS}/logs-slow-queries.png`, fullPage: true });

    // Client connections by application, with churn over time.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Clients' }).click();
    await expect(page.getByTestId('connection-groups').locator('tr[data-key="Keyhole Lib"]')).toBeVisible();
    await expect(page.getByTestId('churn')).toBeVisible();
    await page.screenshot({ path: `${SHOTS}/logs-clients.png`, fullPage: true });

    // Zod's eval probe at start-up (before main.tsx makes it jitless) is reported on every page of the
    // app, with or without these views; it is left to the app shell. Anything else is ours.
    expect(consoleErrors.filter((e) => !/^CSP violation: script-src eval /.test(e))).toEqual([]);
  });
});

test.describe('getLog on the demo, the log lane under the node charts, what happened in a brushed window', () => {
  let serve: Served;
  test.beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    serve = await startServe();
  });
  test.afterAll(async () => {
    await serve?.stop();
    if (serve) removeDir(serve.dataDir);
  });

  test('poll a demo member with getLog from the Sources page, see its lines under its charts, brush a window and see what moved', async ({ page }) => {
    test.setTimeout(120_000);
    await page.goto(serve.url);
    const demoStart = Date.now();
    await page.getByRole('button', { name: 'Try the demo' }).click();
    await expect(page).toHaveURL(/#\/cluster\//, { timeout: 20_000 });

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Logs' }).click();
    await page.getByRole('link', { name: 'Sources' }).click();
    const follow = page.getByRole('form', { name: "Follow a node's log" });
    const option = follow.locator('option', { hasText: 'demo-a.baleen.invalid:27017' });
    const nodeId = (await option.getAttribute('value'))!;
    await follow.getByLabel('Node').selectOption(nodeId);
    await follow.getByLabel('Every (s)').fill('1');
    await follow.getByRole('button', { name: 'Poll getLog' }).click();
    const row = page.getByTestId('log-sources').locator('tr[data-state="following"]');
    await expect(row).toHaveCount(1);
    await expect.poll(async () => Number(((await row.locator('td').nth(3).textContent()) ?? '0').replace(/,/g, '')), { timeout: 20_000 }).toBeGreaterThan(5);
    await page.screenshot({ path: `${SHOTS}/logs-getlog-source.png`, fullPage: true });

    // The node page: the log lane under the metric charts, on the same time axis.
    await page.goto(`${serve.url.replace(/\?.*$/, '')}#/node/${encodeURIComponent(nodeId)}`);
    const lane = page.getByTestId('timeline-lane');
    await expect(lane).toBeVisible({ timeout: 20_000 });
    await expect.poll(async () => Number(await lane.getAttribute('data-total')), { timeout: 40_000 }).toBeGreaterThan(5);

    // Brush a window on a metric chart: the last 10 s (the 10 s before it have samples too, for the
    // comparison). The range becomes that window and "What happened here?" answers for it.
    const chart = page.getByTestId('chart-ops');
    await expect.poll(async () => Number(await chart.getAttribute('data-last-ts')), { timeout: 40_000 }).toBeGreaterThan(demoStart + 25_000);
    await chart.scrollIntoViewIfNeeded();
    const box = (await chart.boundingBox())!;
    const [from, to] = ((await chart.getAttribute('data-window')) ?? '0 1').split(' ').map(Number) as [number, number];
    const last = Number(await chart.getAttribute('data-last-ts'));
    const xOf = (ts: number) => box.x + 48 + ((ts - from) / (to - from)) * (box.width - 48 - 16);
    await page.mouse.move(xOf(last - 10_000), box.y + box.height * 0.6);
    await page.mouse.down();
    await page.mouse.move(xOf(last), box.y + box.height * 0.6, { steps: 8 });
    await page.mouse.up();
    const wh = page.getByTestId('what-happened');
    await expect(wh).toBeVisible({ timeout: 10_000 });
    await expect(wh.getByTestId('movers').locator('tbody tr').first()).toBeVisible({ timeout: 20_000 });
    await expect(wh).toContainText(/Log lines: [1-9]/);
    await page.locator('section.timeline-lane').screenshot({ path: `${SHOTS}/logs-what-happened.png` });
  });
});
