import type { BucketsResult, Incident } from '../../../src-shared/contract';
import { severityColor, severityLabel } from './log-format';

/**
 * The timeline lane's chart: log lines per bucket by severity, stacked, on the same time axis as
 * the metric charts above it (so the page's crosshair lines up), with incidents as shaded spans.
 * Pure: unit-tested without ECharts.
 */
export interface LaneModel {
  from: number;
  to: number;
  stepMs: number;
  series: { key: string; label: string; color: string; points: [number, number][] }[];
  incidents: { from: number; to: number; title: string }[];
  total: number;
}

const ORDER = ['F', 'E', 'W', 'I', 'D1', 'D2', 'D3', 'D4', 'D5', 'D', '-'];

export function laneModel(b: BucketsResult, incidents: readonly Incident[]): LaneModel {
  const rank = (k: string) => {
    const i = ORDER.indexOf(k);
    return i < 0 ? ORDER.length : i;
  };
  const series = [...b.series]
    .sort((x, y) => rank(x.key) - rank(y.key))
    .map((s) => {
      // Buckets without lines are zeros on a count chart (not gaps): nothing was logged then.
      const byTs = new Map(s.points);
      const points: [number, number][] = [];
      const first = Math.floor(b.from / b.stepMs) * b.stepMs;
      for (let t = first; t <= b.to; t += b.stepMs) points.push([t, byTs.get(t) ?? 0]);
      return { key: s.key, label: severityLabel(s.key), color: severityColor(s.key), points };
    });
  return {
    from: b.from,
    to: b.to,
    stepMs: b.stepMs,
    series,
    incidents: incidents.map((i) => ({ from: i.start, to: Math.max(i.end, i.start + b.stepMs / 4), title: i.title })),
    total: b.series.reduce((a, s) => a + s.total, 0),
  };
}

export function laneOption(m: LaneModel, dark: boolean): Record<string, unknown> {
  return {
    backgroundColor: 'transparent',
    animation: false,
    legend: { top: 0, itemWidth: 12, textStyle: { fontSize: 11 }, data: m.series.map((s) => s.label) },
    grid: { left: 48, right: 16, top: 28, bottom: 22 },
    tooltip: { trigger: 'axis', axisPointer: { type: 'line', snap: false }, confine: true },
    xAxis: { type: 'time', min: m.from, max: m.to },
    yAxis: { type: 'value', name: 'lines', minInterval: 1, splitNumber: 2, nameTextStyle: { fontSize: 10 } },
    series: [
      ...m.series.map((s) => ({
      id: s.key,
      name: s.label,
      type: 'line',
      stack: 'lines',
      step: 'start',
      showSymbol: false,
      lineStyle: { width: 1, color: s.color },
      itemStyle: { color: s.color },
      areaStyle: { color: s.color, opacity: 0.5 },
      data: s.points,
      })),
      // Incidents hang off a series of their own, so they show on a lane with no lines too.
      {
        id: 'incidents',
        name: 'Incidents',
        type: 'line',
        data: [],
        markArea: {
          silent: false,
          itemStyle: { color: dark ? 'rgba(255,200,80,0.22)' : 'rgba(255,170,0,0.2)' },
          label: { show: false },
          data: m.incidents.map((x) => [{ xAxis: x.from, name: x.title }, { xAxis: x.to }]),
        },
      },
    ],
  };
}
