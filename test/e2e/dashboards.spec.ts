// The dashboards in Debian's Chromium against `baleen serve` (the real build): a simulated replica set
// whose third member lags by a configured 5 s (the lag chart shows it) and that holds an election
// during the test (it appears on the member-state chart); the cluster dashboard with members side by
// side, a crosshair shared by every chart and brush-to-zoom; and FerretDB, whose missing sections are
// said, not zeroed, and whose paused interval is a gap with its reason on hover.
import { expect, test, type Locator, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { ReplicaSetModel, startSimulator, type Simulator } from '../../src-main/core/sim';
import { startFerretDb, type FerretDb } from '../servers/ferretdb';
import { freePort } from '../servers/net';
import { wsClient } from '../helpers/transports';
import { removeDir, startServe, type Served } from './serve.fixture';

const SHOTS = 'test-results/screenshots';
const num = async (l: Locator, attr: string) => Number((await l.getAttribute(attr)) ?? '0');

/** The console's own API, over the bridge with the printed token (what the page uses). */
async function api<T>(serve: Served, fn: (client: Awaited<ReturnType<typeof wsClient>>['client']) => Promise<T>): Promise<T> {
  const u = new URL(serve.url);
  const ws = await wsClient(`ws://${u.host}/rpc?token=${u.searchParams.get('token')}`);
  try {
    return await fn(ws.client);
  } finally {
    await ws.close();
  }
}

const addConnection = (serve: Served, uri: string, name: string, discover: boolean) => api(serve, (c) => c.invoke('connections.add', { uri, name, discover }));

/** Points the mouse at a time on a chart, from the x range the chart reports (grid: 48 px left, 16 or 48 px right). */
async function hoverAt(page: Page, chart: Locator, ts: number) {
  const [from, to] = ((await chart.getAttribute('data-window')) ?? '0 1').split(' ').map(Number) as [number, number];
  const right = (await num(chart, 'data-axes')) > 1 ? 48 : 16;
  await chart.scrollIntoViewIfNeeded();
  const box = (await chart.boundingBox())!;
  const x = box.x + 48 + ((ts - from) / (to - from)) * (box.width - 48 - right);
  await page.mouse.move(x, box.y + box.height / 2);
}

test.describe('dashboards on a simulated replica set', () => {
  const sims: Simulator[] = [];
  let members: string[];
  let model: ReplicaSetModel;
  let serve: Served;
  let connectionId: string;
  const errors: string[] = [];

  test.beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    // Members named by their real loopback addresses: `baleen serve` dials them as any deployment.
    members = [];
    for (let i = 0; i < 3; i++) members.push(`127.0.0.1:${await freePort()}`);
    model = new ReplicaSetModel({ setName: 'rs0', members, lagMs: { [members[2]!]: 5000 } });
    for (const [i, me] of members.entries()) sims.push(await startSimulator({ port: Number(me.split(':')[1]), me, topology: model, seed: i + 1, rates: { query: 300, insert: 60 } }));
    serve = await startServe();
    const conn = await addConnection(serve, `mongodb://${members[0]}/?replicaSet=rs0`, 'rs0', true);
    expect(conn.nodes).toHaveLength(3);
    connectionId = conn.id;
  });
  test.afterAll(async () => {
    await serve?.stop();
    await Promise.all(sims.map((s) => s.stop()));
    if (serve) removeDir(serve.dataDir);
  });

  test('replication: the lag chart shows the configured lag, and an election appears on the member-state chart', async ({ page }) => {
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.goto(`${serve.url}#/replication/${encodeURIComponent(connectionId)}`);
    const lag = page.getByTestId('chart-repl-lag');
    await expect(lag).toBeVisible();
    // replSetGetStatus is polled every 5 s; optimes have one-second resolution: 5000 ms reads as exactly 5 s.
    await expect(lag).toHaveAttribute('data-last-values', new RegExp(`replSetGetStatus\\.lagMs@${members[2]!.replace(/\./g, '\\.')}=5000`), { timeout: 20_000 });
    await expect(lag).not.toHaveAttribute('data-last-values', new RegExp(`@${members[0]!.replace(/\./g, '\\.')}=`));
    await expect(page.getByTestId('members-table').locator(`[data-member="${members[2]}"]`)).toContainText('5 s');
    const states = page.getByTestId('chart-member-states');
    await expect(states).toHaveAttribute('data-markers', '0');
    await page.screenshot({ path: `${SHOTS}/replication-before-election.png`, fullPage: true });

    model.stepDown(members[1]!);
    await expect(states).toHaveAttribute('data-markers', '1', { timeout: 20_000 });
    await expect(states).toHaveAttribute('data-last-values', new RegExp(`myState@${members[1]!.replace(/\./g, '\\.')}=1`), { timeout: 20_000 });
    await expect(states).toHaveAttribute('data-last-values', new RegExp(`myState@${members[0]!.replace(/\./g, '\\.')}=2`));
    await expect(page.getByTestId('members-table').locator(`[data-member="${members[1]}"]`)).toHaveAttribute('data-state', 'PRIMARY', { timeout: 10_000 });
    // The marker sits where a member first reported the new term; its tooltip names it.
    const marker = Number(await states.getAttribute('data-marker-ts'));
    expect(marker).toBeGreaterThanOrEqual(model.elections().at(-1)!.at - 1000);
    // Live charts redraw every second: point again until the tooltip has caught the marker.
    await expect
      .poll(
        async () => {
          await hoverAt(page, states, marker);
          return (await page.locator('.chart-tooltip-marker').allTextContents()).join(' ');
        },
        { timeout: 10_000 },
      )
      .toContain('election (term 2)');
    await page.screenshot({ path: `${SHOTS}/replication-after-election.png`, fullPage: true });
    expect(errors).toEqual([]);
  });

  test('cluster dashboard: members side by side, one crosshair for every chart, brush to zoom', async ({ page }) => {
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.goto(`${serve.url}#/cluster/${encodeURIComponent(connectionId)}`);
    const charts = members.map((m) => page.getByTestId(`chart-ops-${m}`));
    for (const c of charts) await expect.poll(() => num(c, 'data-points'), { timeout: 15_000 }).toBeGreaterThan(6);
    // While history is short the live axis starts at the first sample; once it spans 15 s the whole
    // chart holds data, so a brush anywhere in it selects recorded time.
    const span = async (c: Locator) => {
      const [f, t] = ((await c.getAttribute('data-window')) ?? '0 0').split(' ').map(Number) as [number, number];
      return t - f;
    };
    await expect.poll(() => span(charts[1]!), { timeout: 30_000 }).toBeGreaterThanOrEqual(15_000);
    // Side by side: one row, three columns.
    const boxes = await Promise.all(charts.map((c) => c.boundingBox()));
    expect(new Set(boxes.map((b) => Math.round(b!.y))).size).toBe(1);
    expect(new Set(boxes.map((b) => Math.round(b!.x))).size).toBe(3);
    // Brushing a span of one chart sets the page's range to it.
    const box = boxes[1]!;
    await page.mouse.move(box.x + box.width * 0.4, box.y + box.height * 0.6);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.7, box.y + box.height * 0.6, { steps: 8 });
    await page.mouse.up();
    await expect(page.getByRole('radio', { name: 'Custom' })).toHaveAttribute('aria-checked', 'true', { timeout: 5000 });
    await expect(page.getByRole('button', { name: 'Back to live' })).toBeVisible();
    // Every chart takes the brushed range (another member's chart may redraw a moment after the picker).
    await expect.poll(() => span(charts[2]!), { timeout: 5000 }).toBeLessThan(15 * 60_000);
    expect(await span(charts[2]!)).toBeGreaterThan(1000);
    // Hovering one chart shows the same instant on the others (ECharts connect).
    // (On the brushed range: nothing redraws under the pointer while it is checked.)
    const [wFrom, wTo] = ((await charts[0]!.getAttribute('data-window')) ?? '').split(' ').map(Number) as [number, number];
    const shown = () =>
      page.locator('.chart-tooltip-time').evaluateAll((els) =>
        els
          .filter((e) => {
            // ECharts hides a tooltip by visibility/opacity and keeps its element.
            const box = e.closest('.chart-tooltip')?.parentElement;
            const st = box ? getComputedStyle(box) : null;
            return st !== null && st.visibility !== 'hidden' && st.display !== 'none' && st.opacity !== '0';
          })
          .map((e) => e.textContent ?? ''),
      );
    // Every visible tooltip (both rows of all three members) shows the same instant, to within a poll. The brushed range is
    // still loading into some charts (each redraw drops a tooltip): point again until all agree.
    await expect
      .poll(
        async () => {
          await hoverAt(page, charts[0]!, (wFrom + wTo) / 2);
          await page.waitForTimeout(200);
          const t = await shown();
          // Each member polls on its own phase: a tooltip names its chart's nearest sample, each within half
          // an interval (1 s) of the pointer, so the instants shown agree to within one second.
          const secs = t.map((x) => x.split(':').reduce((acc, part) => acc * 60 + Number(part), 0));
          return t.length >= 3 && secs.every(Number.isFinite) && Math.max(...secs) - Math.min(...secs) <= 1;
        },
        { timeout: 20_000 },
      )
      .toBe(true);
    await page.screenshot({ path: `${SHOTS}/cluster-zoomed-crosshair.png`, fullPage: true });
    expect(errors).toEqual([]);
  });

  test('node dashboard: the 17 groups, derived series plotted', async ({ page }) => {
    const nodeId = `${connectionId}/${members[0]}`;
    await page.goto(`${serve.url}#/node/${encodeURIComponent(nodeId)}`);
    await expect(page.locator('section.dash-group')).toHaveCount(21);
    for (const key of ['query-targeting', 'latency', 'cache-percent', 'ops']) await expect.poll(() => num(page.getByTestId(`chart-${key}`), 'data-points'), { timeout: 15_000 }).toBeGreaterThan(2);
    await expect(page.getByTestId('hot-collections')).toBeVisible({ timeout: 30_000 });
    await page.screenshot({ path: `${SHOTS}/node-dashboard.png`, fullPage: true });
  });
});

test.describe('dashboards on FerretDB', () => {
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

  test('missing sections say why; a paused interval is a gap, with its reason on hover', async ({ page }) => {
    const conn = await addConnection(serve, fdb.uri, 'ferret', false);
    const nodeId = conn.nodes[0]!.id;
    await page.goto(`${serve.url}#/node/${encodeURIComponent(nodeId)}`);
    const ops = page.getByTestId('chart-ops');
    await expect(ops).toHaveAttribute('aria-label', /serverStatus\.opcounters is not returned by FerretDB 1\.24\.2/, { timeout: 15_000 });
    expect(await num(ops, 'data-points')).toBe(0);
    await expect(page.getByTestId('chart-repl-lag')).toHaveAttribute('aria-label', /replSetGetStatus is not available on FerretDB/, { timeout: 15_000 });
    // FerretDB counts its commands: that chart has data, and says which series it lacks.
    const commands = page.getByTestId('chart-commands');
    await expect.poll(() => num(commands, 'data-points'), { timeout: 15_000 }).toBeGreaterThan(2);
    await expect(commands).toHaveAttribute('data-unavailable', /serverStatus\.metrics\.commands\.insert\.total/);

    await page.getByRole('button', { name: 'Pause monitoring' }).click();
    await page.waitForTimeout(3000);
    await page.getByRole('button', { name: 'Resume monitoring' }).click();
    await expect(commands).toHaveAttribute('data-gaps', /[1-9]/, { timeout: 10_000 });
    const before = await num(commands, 'data-points');
    await expect.poll(() => num(commands, 'data-points'), { timeout: 10_000 }).toBeGreaterThan(before + 1);
    // Inside the gap: the tooltip gives the reason; no line is drawn across it.
    const gaps = await api(serve, (c) => c.invoke('metrics.query', { entity: `node:${nodeId}`, metrics: ['serverStatus.uptimeMillis'], from: 0, to: Date.now() + 1000 }));
    const paused = gaps.gaps.find((g) => g.reason === 'Monitoring paused by the user')!;
    expect(paused.to - paused.from).toBeGreaterThan(2000);
    await hoverAt(page, commands, (paused.from + paused.to) / 2);
    await expect(page.locator('.chart-tooltip-gap').first()).toContainText('Monitoring paused by the user', { timeout: 5000 });
    await expect(page.locator('.chart-tooltip-unavailable').first()).toContainText('not returned by FerretDB 1.24.2');
    await page.screenshot({ path: `${SHOTS}/ferretdb-dashboard-gap.png`, fullPage: true });
  });
});

test.describe('the demo from the empty start screen', () => {
  let serve: Served;
  test.beforeAll(async () => {
    serve = await startServe();
  });
  test.afterAll(async () => {
    await serve?.stop();
    if (serve) removeDir(serve.dataDir);
  });

  test('"Try the demo" starts the simulated replica set and opens its cluster dashboard with data', async ({ page }) => {
    await page.goto(serve.url);
    await page.getByRole('button', { name: 'Try the demo' }).click();
    await expect(page).toHaveURL(/#\/cluster\//, { timeout: 20_000 });
    await expect(page.getByRole('heading', { level: 1 })).toContainText('Baleen demo');
    for (const m of ['demo-a', 'demo-b', 'demo-c']) {
      await expect.poll(() => num(page.getByTestId(`chart-ops-${m}.baleen.invalid:27017`), 'data-points'), { timeout: 20_000 }).toBeGreaterThan(3);
    }
    await page.screenshot({ path: `${SHOTS}/demo-cluster.png`, fullPage: true });
  });
});
