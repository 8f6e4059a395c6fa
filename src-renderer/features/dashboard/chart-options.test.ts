import type { LineSeriesOption } from 'echarts/charts';
import type { TitleComponentOption } from 'echarts/components';
import { binaryInterval, buildChartOption, chartModel, formatValue, liveWindow, renderTooltip, risesOf, unavailableNote } from './chart-options';
import { NODE_CHARTS, NODE_METRICS, type ChartKey } from './chart-specs';
import { applyGap, applySamples, emptyLive, type LiveState } from './live-series';

const T0 = 1_700_000_000_000;
const spec = (key: ChartKey) => NODE_CHARTS.find((c) => c.key === key)!;
const OPS = NODE_CHARTS[0]!.series.map((s) => s.metric);

function liveWithOps(): LiveState {
  let s = emptyLive(NODE_METRICS);
  for (let i = 0; i < 4; i++) {
    const values: Record<string, number> = { 'serverStatus.uptimeMillis': 1000 * (i + 1), 'serverStatus.pid': 1 };
    for (const [j, m] of OPS.entries()) values[m] = 100 * i * (j + 1);
    values['serverStatus.connections.current'] = 10 + i;
    values['serverStatus.connections.available'] = 800 - i;
    s = applySamples(s, { entity: 'node:d/a:1', ts: T0 + i * 1000, values, unavailable: { 'serverStatus.mem.resident': 'not reported by FerretDB', 'serverStatus.mem.virtual': 'not reported by FerretDB' } });
  }
  return s;
}

describe('node charts', () => {
  it('charts the six opcounters, connections on two axes, network in/out and process memory', () => {
    expect(NODE_CHARTS.map((c) => c.key)).toEqual(['ops', 'connections', 'network', 'memory']);
    expect(OPS).toEqual(['insert', 'query', 'update', 'delete', 'getmore', 'command'].map((o) => `serverStatus.opcounters.${o}`));
    expect(spec('connections').series.map((s) => s.yAxis)).toEqual([0, 0, 1]);
    expect(NODE_METRICS).toHaveLength(13);
  });

  it('counts plotted points and the newest timestamp, per chart', () => {
    const live = liveWithOps();
    const ops = chartModel(spec('ops'), live);
    expect(ops.plotted).toBe(6 * 3); // rates start at the second sample
    expect(ops.lastTs).toBe(T0 + 3000);
    const conn = chartModel(spec('connections'), live);
    expect(conn.plotted).toBe(2 * 4);
    const mem = chartModel(spec('memory'), live);
    expect(mem.plotted).toBe(0);
    expect(mem.lastTs).toBeNull();
    expect(mem.allUnavailable).toBe(true);
  });

  it('builds line series with the rates as data, on a time axis that starts at the data while history is short', () => {
    const model = chartModel(spec('ops'), liveWithOps());
    const opt = buildChartOption(model, { dark: false });
    const series = opt.series as LineSeriesOption[];
    expect(series.map((s) => s.name)).toEqual(['insert', 'query', 'update', 'delete', 'getmore', 'command']);
    expect(series[1]!.data).toEqual([
      [T0 + 1000, 200],
      [T0 + 2000, 200],
      [T0 + 3000, 200],
    ]);
    expect(opt.xAxis).toMatchObject({ type: 'time', min: T0 + 3000 - 10_000, max: T0 + 3000 });
    expect((opt.title as TitleComponentOption).show).toBe(false);
  });

  it('says "No data" with the reason for a chart whose metrics are unavailable, never a zero line', () => {
    const model = chartModel(spec('memory'), liveWithOps());
    const opt = buildChartOption(model, { dark: true });
    expect(opt.title).toMatchObject({ show: true, text: 'No data', subtext: 'not reported by FerretDB' });
    expect((opt.series as LineSeriesOption[])[0]!.data).toEqual([]);
    expect(unavailableNote(model)).toBe('No data — not reported by FerretDB');
  });

  it('names partly unavailable series by reason', () => {
    let live = emptyLive(NODE_METRICS);
    live = applySamples(live, {
      entity: 'node:d/a:1',
      ts: T0,
      values: { 'serverStatus.connections.current': 3 },
      unavailable: { 'serverStatus.connections.available': 'not reported' },
    });
    const model = chartModel(spec('connections'), live);
    expect(model.allUnavailable).toBe(false);
    expect(unavailableNote(model)).toBe('available: no data — not reported');
  });

  it('shades gaps with their reason and marks restarts', () => {
    let live = liveWithOps();
    live = applyGap(live, { from: T0 + 3500, to: T0 + 9000, reason: 'connection refused' });
    live = applySamples(live, {
      entity: 'node:d/a:1',
      ts: T0 + 10_000,
      values: { 'serverStatus.uptimeMillis': 10, 'serverStatus.pid': 2, 'serverStatus.opcounters.insert': 1 },
      unavailable: {},
    });
    const model = chartModel(spec('ops'), live);
    const first = (buildChartOption(model, { dark: false }).series as LineSeriesOption[])[0]!;
    // The gap runs to the first sample after it (T0 + 10 s), as the core closes it in the store.
    expect(first.markArea?.data).toEqual([[{ xAxis: T0 + 3500, name: 'connection refused' }, { xAxis: T0 + 10_000 }]]);
    expect(first.markLine?.data).toEqual([{ xAxis: T0 + 10_000, name: 'restart' }]);

    // Hovering inside the gap names it; text only, no markup.
    const tip = renderTooltip([{ axisValue: T0 + 5000, seriesName: '<b>insert</b>', value: [T0 + 3000, 300], color: '#123456' }], model);
    expect(tip.textContent).toContain('connection refused');
    expect(tip.querySelector('b')).toBeNull();
    expect(tip.textContent).toContain('<b>insert</b>');
    expect(tip.textContent).toContain('300/s');
  });

  it('shows a hint while waiting for the first samples', () => {
    const model = chartModel(spec('network'), emptyLive(NODE_METRICS));
    expect(buildChartOption(model, { dark: false, emptyHint: 'Monitoring is stopped.' }).title).toMatchObject({
      show: true,
      text: 'Waiting for samples…',
      subtext: 'Monitoring is stopped.',
    });
  });

  it('ticks byte axes at powers of two', () => {
    let live = emptyLive(NODE_METRICS);
    live = applySamples(live, { entity: 'node:d/a:1', ts: T0, values: { 'serverStatus.mem.resident': 5000 }, unavailable: {} });
    expect(binaryInterval(chartModel(spec('memory'), live), 0)).toBe(1024);
    expect(binaryInterval(chartModel(spec('ops'), live), 0)).toBeUndefined();
    expect(binaryInterval(chartModel(spec('network'), live), 0)).toBeUndefined();
  });
});

describe('an empty chosen range', () => {
  it('says nothing was recorded then, not "waiting"', () => {
    const fixed = { ...emptyLive(['serverStatus.opcounters.query']), fixed: { from: 0, to: 1000 } };
    const opt = buildChartOption(chartModel(spec('ops'), fixed), { dark: false });
    expect((opt.title as TitleComponentOption).text).toBe('No samples in this range');
    const live = buildChartOption(chartModel(spec('ops'), emptyLive(['serverStatus.opcounters.query'])), { dark: false });
    expect((live.title as TitleComponentOption).text).toBe('Waiting for samples…');
  });
});

describe('liveWindow', () => {
  const live = { latestTs: 10_000_000, windowMs: 15 * 60_000, gaps: [] as { from: number; to: number; reason: string }[] };

  it('starts at the first sample while history is shorter than the window, showing at least 10 s', () => {
    expect(liveWindow(live, live.latestTs - 3_000)).toEqual({ from: live.latestTs - 10_000, to: live.latestTs });
    expect(liveWindow(live, live.latestTs - 40_000)).toEqual({ from: live.latestTs - 40_000, to: live.latestTs });
    expect(liveWindow(live, live.latestTs - 5 * 60_000)).toEqual({ from: live.latestTs - 5 * 60_000, to: live.latestTs });
  });

  it('shows the whole window once history is longer, or when there is none', () => {
    expect(liveWindow(live, live.latestTs - 60 * 60_000)).toEqual({ from: live.latestTs - live.windowMs, to: live.latestTs });
    expect(liveWindow(live, null)).toEqual({ from: live.latestTs - live.windowMs, to: live.latestTs });
  });

  it('keeps an older gap in view', () => {
    const withGap = { ...live, gaps: [{ from: live.latestTs - 3 * 60_000, to: live.latestTs - 2 * 60_000, reason: 'x' }] };
    expect(liveWindow(withGap, live.latestTs - 10_000).from).toBe(live.latestTs - 3 * 60_000);
  });
});

describe('dashboard charts', () => {
  it('every spec names catalogue metrics, and the 17 core groups each have charts or the hot collections table', async () => {
    const { DASHBOARD_GROUPS } = await import('./chart-specs');
    const core = DASHBOARD_GROUPS.slice(0, 17);
    expect(core.map((g) => g.group)).toContain('collectionStats');
    expect(core.filter((g) => g.group !== 'collectionStats' && g.charts.length === 0)).toEqual([]);
  });

  it('hides a version alternative this server lacks once another one has data (7.0 vs 8.0 tickets)', async () => {
    const { chartSpec } = await import('./chart-specs');
    const tickets = chartSpec('tickets');
    let live = emptyLive(tickets.series.map((s) => s.metric));
    live = applySamples(live, {
      entity: 'node:d/a:1',
      ts: T0,
      values: { 'serverStatus.wiredTiger.concurrentTransactions.read.out': 3, 'serverStatus.wiredTiger.concurrentTransactions.write.out': 1 },
      unavailable: Object.fromEntries(tickets.series.filter((s) => s.metric.includes('queues')).map((s) => [s.metric, 'serverStatus.queues is not returned by MongoDB 7.0.14'])),
    });
    const model = chartModel(tickets, live);
    expect(model.series.map((s) => s.label)).toEqual(['read in use', 'write in use', 'read available', 'write available']);
    expect(model.unavailable).toEqual([]);
  });

  it('draws member states as steps with state names, and marks elections where the term rose', () => {
    const points: [number, number | null][] = [
      [T0, 1],
      [T0 + 1000, 1],
      [T0 + 2000, 2],
      [T0 + 3000, 2],
    ];
    expect(risesOf(points, 'election')).toEqual([{ ts: T0 + 2000, label: 'election' }]);
    expect(formatValue('state', 1)).toBe('PRIMARY');
    expect(formatValue('latency', 1500)).toBe('1.5 ms');
    expect(formatValue('ms', 4000)).toBe('4 s');
    expect(formatValue('seconds', 93_600)).toBe('26 h');
  });

  it('a fixed range shows exactly its window, whatever the data', () => {
    const live = { ...emptyLive(NODE_METRICS), fixed: { from: T0 - 3_600_000, to: T0 }, latestTs: T0 };
    expect(chartModel(spec('ops'), live).window).toEqual({ from: T0 - 3_600_000, to: T0 });
  });
});
