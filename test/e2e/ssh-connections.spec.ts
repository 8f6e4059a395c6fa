// SSH end to end in Debian's Chromium against the real build (`baleen serve`): a real OpenSSH bastion
// started here (key login), a simulated mongod behind it whose name (db.inside.test) resolves only at
// the bastion. In the profile editor: add the hop, see the unknown host key's SHA256 fingerprint, trust
// it, run the connection test (the hop step shows its time), save, and watch the node's charts go live.
import { expect, test, type Page } from '@playwright/test';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, type Simulator } from '../../src-main/core/sim';
import { sshKeygen, startSshd, type KeyPair, type SshdHandle } from '../servers/sshd';
import { removeDir, startServe, type Served } from './serve.fixture';

const SHOTS = 'test-results/screenshots';

async function chartPoints(page: Page, key: string): Promise<number> {
  return Number((await page.getByTestId(`chart-${key}`).first().getAttribute('data-points')) ?? '0');
}

test.describe('a MongoDB node behind an SSH bastion', () => {
  let sim: Simulator;
  let sshd: SshdHandle;
  let key: KeyPair;
  let dir: string;
  let serve: Served;
  const net = `127.78.${2 + Math.floor(Math.random() * 250)}`;

  test.beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    dir = mkdtempSync(join(tmpdir(), 'baleen-e2e-ssh-'));
    key = sshKeygen(dir, 'id_e2e');
    sim = await startSimulator({ host: `${net}.11`, port: 27017, me: 'db.inside.test:27017', setName: 'rs0', rates: { insert: 40, query: 150 } });
    sshd = await startSshd({ address: `${net}.3`, authorizedKeys: [key.publicLine], hosts: { 'db.inside.test': `${net}.11` }, permitOpen: ['db.inside.test:27017'] });
    serve = await startServe();
  });
  test.afterAll(async () => {
    await serve?.stop();
    await sshd?.stop();
    await sim?.stop();
    if (serve) removeDir(serve.dataDir);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('add a hop, trust its host key by fingerprint, test (hop time shown), save, and see the charts go live', async ({ page }) => {
    const consoleErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    await page.goto(serve.url);
    const editor = page.getByRole('form', { name: 'Add a connection' });
    await editor.getByLabel('MongoDB URI').fill('mongodb://db.inside.test:27017/?replicaSet=rs0');
    await editor.getByLabel('MongoDB URI').blur();

    await editor.getByRole('button', { name: 'Add SSH hop' }).click();
    await editor.getByLabel('SSH host (hop 1)').fill(sshd.host);
    await editor.getByLabel('SSH port (hop 1)').fill(String(sshd.port));
    await editor.getByLabel('SSH user (hop 1)').fill(sshd.user);
    await editor.getByLabel('SSH login (hop 1)').selectOption('key');
    await editor.getByLabel('Private key file (hop 1)').fill(key.path);

    // The pre-flight: the server's key, with no login attempted.
    await editor.getByRole('button', { name: 'Check host key of hop 1' }).click();
    const prompt = editor.getByRole('group', { name: `SSH host key of [${sshd.host}]:${sshd.port}` });
    await expect(prompt).toContainText('Unknown host key');
    await expect(prompt).toContainText(sshd.hostKey.fingerprint);
    expect(sshd.log()).not.toMatch(/Accepted publickey/);
    await page.screenshot({ path: `${SHOTS}/ssh-host-key-prompt.png`, fullPage: true });
    await prompt.getByRole('button', { name: 'Trust this host key' }).click();
    await expect(editor.getByText(/trusted: SHA256:/)).toBeVisible();

    await editor.getByRole('button', { name: 'Test connection' }).click();
    const panel = editor.getByRole('region', { name: 'Connection test' });
    await expect(panel.getByRole('status')).toContainText('Every step passed', { timeout: 20_000 });
    const hopStep = panel.locator('[data-step="ssh"][data-hop="1"]');
    await expect(hopStep).toHaveAttribute('data-status', 'ok');
    const hopMs = Number(await hopStep.locator('.step-ms').getAttribute('data-ms'));
    expect(hopMs).toBeGreaterThan(0);
    const steps = await panel.locator('.test-step').evaluateAll((els) => els.map((e) => `${e.querySelector('.step-label')?.textContent?.trim()} ${e.querySelector('.step-ms')?.textContent}`));
    console.log(`connection test in the UI: ${steps.join(', ')}`);
    await page.screenshot({ path: `${SHOTS}/ssh-connection-test.png`, fullPage: true });

    await editor.getByRole('button', { name: 'Add connection' }).click();
    const card = page.locator('article.connection-card').filter({ hasText: 'via 1 SSH hop' });
    await expect(card.locator('[data-tunnel-state]')).toHaveAttribute('data-tunnel-state', 'ready', { timeout: 20_000 });
    // Named by hello.me — the inside name — never by the local forward port.
    await page.getByRole('link', { name: 'db.inside.test:27017' }).first().click();
    await expect(page.getByTestId('chart-ops').first()).toBeVisible();
    const start = await chartPoints(page, 'ops');
    await expect.poll(() => chartPoints(page, 'ops'), { timeout: 15_000, intervals: [250] }).toBeGreaterThanOrEqual(start + 3);
    await page.screenshot({ path: `${SHOTS}/ssh-node-live.png`, fullPage: true });
    expect(sshd.log()).toMatch(/Accepted publickey/);
    expect(consoleErrors).toEqual([]);
  });
});
