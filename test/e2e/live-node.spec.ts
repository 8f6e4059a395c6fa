// End to end in Debian's Chromium: `baleen serve` (the real build) on a temp data folder, the simulator
// added as a connection through the UI, live points arriving on the ops/s chart, and history coming
// back from the store after a reload. FerretDB's missing sections show as gaps with their reasons.
import { expect, test, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { startSimulator, type Simulator } from '../../src-main/core/sim';
import { startFerretDb, type FerretDb } from '../servers/ferretdb';
import { removeDir, startServe, type Served } from './serve.fixture';

const SHOTS = 'test-results/screenshots';

async function chartPoints(page: Page, key: string): Promise<number> {
  return Number((await page.getByTestId(`chart-${key}`).getAttribute('data-points')) ?? '0');
}

async function addConnection(page: Page, uri: string): Promise<void> {
  await page.getByLabel('MongoDB URI').fill(uri);
  await page.getByRole('button', { name: 'Add connection' }).click();
}

test.describe('live node page', () => {
  let sim: Simulator;
  let serve: Served;
  const consoleErrors: string[] = [];

  test.beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    sim = await startSimulator({ setName: 'rs0', me: 'sim-a.example.net:27017', rates: { insert: 40, query: 150 } });
    serve = await startServe();
  });
  test.afterAll(async () => {
    await serve?.stop();
    await sim?.stop();
    if (serve) removeDir(serve.dataDir);
  });

  test('add the simulator, watch ops/s go live, reload and get history back', async ({ page }) => {
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    const t0 = Date.now();
    await page.goto(serve.url);
    // The token URL swaps to a cookie and leaves the address bar.
    await expect(page).toHaveURL((u) => !u.search.includes('token'));
    await page.getByLabel('MongoDB URI').waitFor();
    const firstPaintMs = Date.now() - t0;
    console.log(`first paint (goto → form visible): ${firstPaintMs} ms`);

    await addConnection(page, `mongodb://${sim.address}/?replicaSet=rs0`);
    // The node is named by hello.me, not by the address dialled.
    await page.getByRole('link', { name: /sim-a\.example\.net:27017/ }).first().click();
    const chart = page.getByTestId('chart-ops');
    await expect(chart).toBeVisible();

    const start = await chartPoints(page, 'ops');
    await expect.poll(() => chartPoints(page, 'ops'), { timeout: 5000, intervals: [250] }).toBeGreaterThanOrEqual(start + 3);
    for (const key of ['connections', 'network', 'memory']) {
      await expect.poll(() => chartPoints(page, key), { timeout: 5000 }).toBeGreaterThan(0);
    }
    await page.screenshot({ path: `${SHOTS}/live-node.png`, fullPage: true });

    const before = await chartPoints(page, 'ops');
    await page.reload();
    await expect(page.getByTestId('chart-ops')).toBeVisible();
    // Backfilled from the store: at least what was plotted before the reload, immediately.
    await expect.poll(() => chartPoints(page, 'ops'), { timeout: 5000 }).toBeGreaterThanOrEqual(before);
    await page.screenshot({ path: `${SHOTS}/live-node-after-reload.png`, fullPage: true });
    expect(consoleErrors).toEqual([]);
  });
});

test.describe('a server with gaps', () => {
  let fdb: FerretDb;
  let serve: Served;

  test.beforeAll(async () => {
    fdb = await startFerretDb();
    serve = await startServe();
  });
  test.afterAll(async () => {
    await serve?.stop();
    await fdb?.stop();
    if (serve) removeDir(serve.dataDir);
  });

  test('FerretDB: charts it cannot fill show the reason, not zeros', async ({ page }) => {
    await page.goto(serve.url);
    await addConnection(page, fdb.uri);
    await page.getByRole('link', { name: new RegExp(`127\\.0\\.0\\.1:${fdb.port}`) }).first().click();
    const ops = page.getByTestId('chart-ops');
    await expect(ops).toHaveAttribute('data-unavailable', /serverStatus\.opcounters\.insert/, { timeout: 10_000 });
    await expect(ops).toHaveAttribute('aria-label', /serverStatus\.opcounters is not returned by FerretDB 1\.24\.2/);
    await expect(page.getByText(/No data — serverStatus\.opcounters is not returned by FerretDB 1\.24\.2/)).toBeVisible();
    await expect(page.getByText(/No data — serverStatus\.mem is not returned by FerretDB 1\.24\.2/)).toBeVisible();
    expect(await chartPoints(page, 'ops')).toBe(0);
    await page.screenshot({ path: `${SHOTS}/ferretdb-gaps.png`, fullPage: true });
  });
});

test.describe('SEC-E5 content security policy', () => {
  let serve: Served;
  test.beforeAll(async () => {
    serve = await startServe();
  });
  test.afterAll(async () => {
    await serve?.stop();
    if (serve) removeDir(serve.dataDir);
  });

  test('an injected inline script does not run and raises a securitypolicyviolation', async ({ page }) => {
    await page.goto(serve.url);
    await page.getByLabel('MongoDB URI').waitFor();
    const result = await page.evaluate(async () => {
      const violations: string[] = [];
      document.addEventListener('securitypolicyviolation', (e) => violations.push(e.violatedDirective));
      const w = window as unknown as { __pwned?: boolean };
      const s = document.createElement('script');
      s.textContent = 'window.__pwned = true';
      document.body.appendChild(s);
      await new Promise((r) => setTimeout(r, 200));
      return { ran: w.__pwned === true, violations };
    });
    expect(result.ran).toBe(false);
    expect(result.violations.some((v) => v.startsWith('script-src'))).toBe(true);
  });
});
