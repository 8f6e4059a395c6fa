// End to end in Debian's Chromium against `baleen serve` and a real FerretDB with SCRAM: a profile is
// filled in through the editor, the connection test shows each step passing with its time; with a
// wrong password the authentication step fails with code 18 (never "unreachable"); then the
// connection is added and its password is shown only as where it is kept.
import { expect, test, type Page } from '@playwright/test';
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { startFerretDb, type FerretDb } from '../servers/ferretdb';
import { removeDir, startServe, type Served } from './serve.fixture';

const SHOTS = 'test-results/screenshots';
const USER = 'dba';
const PASSWORD = `pw-${randomUUID()}`;

async function runTest(page: Page) {
  await page.getByRole('button', { name: 'Test connection' }).click();
  const steps = page.getByRole('list', { name: 'Connection test steps' });
  await expect(steps).toBeVisible({ timeout: 15_000 });
  return steps;
}

const step = (page: Page, id: string) => page.getByRole('list', { name: 'Connection test steps' }).locator(`li[data-step="${id}"]`).last();

test.describe('connection profiles in the editor', () => {
  let fdb: FerretDb;
  let serve: Served;
  const consoleErrors: string[] = [];

  test.beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    fdb = await startFerretDb({ extraArgs: ['--test-enable-new-auth', `--setup-username=${USER}`, `--setup-password=${PASSWORD}`, '--setup-database=admin'] });
    serve = await startServe();
  });
  test.afterAll(async () => {
    await serve?.stop();
    await fdb?.stop();
    if (serve) removeDir(serve.dataDir);
  });

  test('fill in a SCRAM profile, test it step by step, see a wrong password fail at authentication (code 18), then add it', async ({ page }) => {
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    await page.goto(serve.url);
    const editor = page.getByRole('form', { name: 'Add a connection' });
    await editor.getByLabel('MongoDB URI').fill(`mongodb://${USER}@127.0.0.1:${fdb.port}/?authMechanism=SCRAM-SHA-256&authSource=admin`);
    await editor.getByLabel('MongoDB URI').press('Tab');
    // The URI was parsed: the form knows the mechanism, and a password field appeared.
    await editor.getByText(/^Connection options/).click();
    await expect(editor.getByLabel('Authentication')).toHaveValue('SCRAM-SHA-256');
    await expect(editor.getByLabel('User name')).toHaveValue(USER);
    await editor.getByLabel('Password').fill(PASSWORD);
    await editor.getByLabel('Name (optional)').fill('ferret-scram');

    await runTest(page);
    await expect(page.getByRole('region', { name: 'Connection test' }).getByRole('status')).toHaveText(/Every step passed in \d+ ms/);
    for (const id of ['dns', 'tcp', 'auth', 'privileges', 'topology']) {
      await expect(step(page, id), id).toHaveAttribute('data-status', /^(ok|warning)$/);
      await expect(step(page, id).locator('.step-ms'), id).toHaveText(/^\d+ ms$/);
    }
    await expect(step(page, 'tls')).toHaveAttribute('data-status', 'skipped');
    await expect(step(page, 'auth')).toContainText(`authenticated as ${USER} (SCRAM-SHA-256) on admin`);
    const timings = await page.locator('li[data-step]').evaluateAll((lis) => lis.map((li) => `${li.getAttribute('data-step')}=${li.querySelector('.step-ms')?.textContent}`).join(' '));
    console.log(`connection test in Chromium (FerretDB, SCRAM): ${timings}`);
    await page.screenshot({ path: `${SHOTS}/connection-test-ok.png`, fullPage: true });

    const canary = `CANARY-${randomUUID()}`;
    await editor.getByLabel('Password').fill(canary);
    await runTest(page);
    await expect(step(page, 'auth')).toHaveAttribute('data-status', 'failed');
    await expect(step(page, 'auth')).toContainText('E_AUTH');
    await expect(step(page, 'auth')).toContainText(/authentication failed \(code 18\)/i);
    for (const id of ['dns', 'tcp']) await expect(step(page, id), id).toHaveAttribute('data-status', 'ok');
    await expect(page.getByRole('region', { name: 'Connection test' }).getByRole('status')).toHaveText(/Failed at “Authentication”/);
    await page.screenshot({ path: `${SHOTS}/connection-test-auth-failed.png`, fullPage: true });
    // The canary is in the password box the user typed it in, and nowhere else on the page.
    const html = await page.content();
    expect(html.split(canary).length - 1).toBe(0);

    await editor.getByLabel('Password').fill(PASSWORD);
    await editor.getByRole('button', { name: 'Add connection' }).click();
    const card = page.getByRole('article', { name: 'ferret-scram' });
    await expect(card.getByRole('link', { name: `127.0.0.1:${fdb.port}` })).toBeVisible({ timeout: 15_000 });
    await expect(card.getByRole('list', { name: 'Secrets of ferret-scram' })).toContainText(/Password: (saved in keychain|session only — .+)/);
    await expect(card).not.toContainText(PASSWORD);
    await expect(page.getByLabel('MongoDB URI')).toHaveValue('');
    await page.screenshot({ path: `${SHOTS}/connection-added.png`, fullPage: true });
    expect(consoleErrors).toEqual([]);
  });
});
