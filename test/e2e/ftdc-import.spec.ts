// End to end in Debian's Chromium: `baleen serve` (the real build) on a temp data folder; a corpus
// diagnostic.data folder imported through the Imports page's dialog (a server-side path typed in:
// the browser has no picker that could hand the core a path), its progress seen, then its
// opcounters and host CPU charted for its time range, and the import deleted again.
import { expect, test, type Page } from '@playwright/test';
import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { removeDir, startServe, type Served } from './serve.fixture';

const SHOTS = 'test-results/screenshots';
const FOLDER = resolve(process.cwd(), '../shared/corpus/b1ron-ftdc/files/diagnostic.data');
const NODE = 'imported/byron-thinkcentre-m910q:27017';
const HOST = 'byron-thinkcentre-m910q';

async function points(page: Page, testId: string): Promise<number> {
  return Number((await page.getByTestId(testId).getAttribute('data-points')) ?? '0');
}

test.describe('FTDC import', () => {
  test.skip(!existsSync(FOLDER), `${FOLDER} not found: the corpus import e2e is skipped`);
  let serve: Served;

  test.beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    serve = await startServe();
  });
  test.afterAll(async () => {
    await serve?.stop();
    if (serve) removeDir(serve.dataDir);
  });

  test('import a corpus folder through the dialog, watch progress, chart opcounters and CPU for its range, delete it', async ({ page }) => {
    test.setTimeout(180_000);
    const consoleErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    await page.goto(serve.url);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Imports' }).click();
    await expect(page.getByText('No imports yet')).toBeVisible();

    await page.getByRole('button', { name: 'Import FTDC…' }).click();
    await page.getByLabel('Paths on the machine running Baleen').fill(FOLDER);
    await page.getByRole('button', { name: 'Check files' }).click();
    await expect(page.getByRole('table').getByText(/^3 files, 4\.6\d? MiB$/)).toBeVisible();

    await page.getByRole('button', { name: 'Import' }).click();
    // The real core reads ~86 M values: progress shows while it does.
    const progress = page.getByRole('status').filter({ hasText: /^Importing file \d of 3: \d+ chunks/ });
    await expect(progress).toBeVisible({ timeout: 30_000 });
    await expect.poll(async () => Number((await progress.getAttribute('data-chunks').catch(() => '0')) ?? '0'), { timeout: 60_000 }).toBeGreaterThan(0);
    await page.screenshot({ path: `${SHOTS}/ftdc-import-progress.png`, fullPage: true });
    const outcome = page.locator('.import-outcome');
    await expect(outcome).toBeVisible({ timeout: 120_000 });
    await expect(outcome).toContainText(/^Imported byron-thinkcentre-m910q:27017 — diagnostic\.data: 36\.9k samples/);

    // The import's own page opens on its latest capture (the folder holds one from 2024 and one from 2025).
    await outcome.getByRole('link').first().click();
    await expect(page.getByRole('heading', { level: 1 })).toContainText('byron-thinkcentre-m910q:27017');
    const captures = page.getByRole('group', { name: 'Captures' });
    await expect(captures.getByRole('button')).toHaveText([/^Capture 1: /, /^Capture 2: /, 'Whole import']);
    await expect(captures.getByRole('button', { name: /^Capture 2/ })).toHaveAttribute('aria-pressed', 'true');
    await expect.poll(() => points(page, 'chart-ops'), { timeout: 30_000 }).toBeGreaterThan(200);
    await expect.poll(() => points(page, 'chart-host-cpu'), { timeout: 30_000 }).toBeGreaterThan(200);
    await page.screenshot({ path: `${SHOTS}/ftdc-import-view.png`, fullPage: true });
    // The whole import still charts (a few points per capture at that width).
    await captures.getByRole('button', { name: 'Whole import' }).click();
    await expect.poll(() => points(page, 'chart-ops'), { timeout: 30_000 }).toBeGreaterThan(0);
    await captures.getByRole('button', { name: /^Capture 2/ }).click();

    // The node dashboard, opened from the import on its range, reads the imported series like live history.
    await page.getByRole('link', { name: 'Node dashboard for this range' }).click();
    await expect(page).toHaveURL(new RegExp(`#/node/${encodeURIComponent(NODE).replace(/[.%]/g, '\\$&')}/\\d+/\\d+$`));
    await expect.poll(() => points(page, 'chart-ops'), { timeout: 30_000 }).toBeGreaterThan(200);

    // The 2025 capture's last hours (the folder also holds an hour of 2024): dense charts.
    const url = new URL(page.url());
    const to = Date.UTC(2025, 6, 10, 20, 23, 20);
    const from = to - 4 * 3_600_000;
    await page.goto(`${url.origin}/#/node/${encodeURIComponent(NODE)}/${from}/${to}`);
    await expect.poll(() => points(page, 'chart-ops'), { timeout: 30_000 }).toBeGreaterThan(200);
    const win = (await page.getByTestId('chart-ops').getAttribute('data-window'))!.split(' ').map(Number);
    expect(win).toEqual([from, to]);
    await page.screenshot({ path: `${SHOTS}/ftdc-node-dashboard.png`, fullPage: false });

    await page.goto(`${url.origin}/#/host/${HOST}/${from}/${to}`);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(HOST);
    await expect(page.getByLabel('Host facts')).toContainText('7.0.0-rc6');
    await expect.poll(() => points(page, 'chart-host-cpu'), { timeout: 30_000 }).toBeGreaterThan(200);
    await expect.poll(() => points(page, 'chart-host-memory'), { timeout: 30_000 }).toBeGreaterThan(200);
    // CPU is a share of the machine: every plotted value is a percentage.
    const cpuValues = (await page.getByTestId('chart-host-cpu').getAttribute('data-last-values'))!;
    for (const v of cpuValues.split(' ').map((kv) => Number(kv.split('=')[1]))) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(100);
    }
    await page.screenshot({ path: `${SHOTS}/ftdc-host.png`, fullPage: true });

    // FTDC-only series are browsable.
    await page.getByRole('link', { name: 'Browse all series' }).click();
    await page.getByLabel('Filter').fill('vmstat pgmajfault');
    await page.getByRole('button', { name: 'systemMetrics.vmstat.pgmajfault' }).click();
    await expect.poll(() => points(page, 'chart-series'), { timeout: 30_000 }).toBeGreaterThan(0);

    // Delete: gone from the list, and from the connections (the offline node was only the import's).
    await page.goto(`${url.origin}/#/imports`);
    await page.getByRole('button', { name: /^Delete / }).click();
    await page.getByRole('button', { name: 'Confirm delete' }).click();
    await expect(page.getByText('No imports yet')).toBeVisible({ timeout: 30_000 });
    expect(consoleErrors).toEqual([]);
  });
});
