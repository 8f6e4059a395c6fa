import type { LineSeriesOption } from 'echarts/charts';
import type {
  GridComponentOption,
  LegendComponentOption,
  MarkAreaComponentOption,
  MarkLineComponentOption,
  TitleComponentOption,
  TooltipComponentOption,
} from 'echarts/components';
import type { ComposeOption } from 'echarts/core';
import type { ChartPoint, Gap } from '../../../src-shared/domain/samples';
import { formatBytes, formatBytesPerSecond, formatCompact, formatDuration, formatMiB, formatTime } from '../../lib/format';
import type { ChartKey, ChartSpec, ValueFormat } from './chart-specs';
import type { LiveState } from './live-series';

export type ChartOption = ComposeOption<
  | LineSeriesOption
  | GridComponentOption
  | LegendComponentOption
  | TitleComponentOption
  | TooltipComponentOption
  | MarkAreaComponentOption
  | MarkLineComponentOption
>;

export interface ChartModelSeries {
  metric: string;
  label: string;
  yAxis: 0 | 1;
  points: readonly ChartPoint[];
}

/** Everything one chart shows, independent of ECharts: what the tests and the data-* hooks read. */
export interface ChartMarker {
  ts: number;
  label: string;
}

export interface ChartModel {
  key: ChartKey;
  title: string;
  axes: readonly string[];
  format: ValueFormat;
  step: boolean;
  series: ChartModelSeries[];
  /** Events on the time axis (elections): dashed lines with a label. */
  markers: readonly ChartMarker[];
  unavailable: { metric: string; label: string; reason: string }[];
  /** True when no metric of the chart is reported by the server: the chart says why, never a zero line. */
  allUnavailable: boolean;
  gaps: readonly Gap[];
  resets: readonly number[];
  /** Non-null points plotted, over all series. */
  plotted: number;
  /** Newest timestamp of a plotted point, or null. */
  lastTs: number | null;
  window: { from: number; to: number };
  /** A chosen range (not live): an empty chart means nothing was recorded then, not "not yet". */
  fixed: boolean;
}

export function chartModel(spec: ChartSpec, live: LiveState, markers: readonly ChartMarker[] = []): ChartModel {
  const series: ChartModelSeries[] = [];
  const unavailable: ChartModel['unavailable'] = [];
  let plotted = 0;
  let newest: number | null = null;
  let oldest: number | null = null;
  const hasData = (m: string) => live.series[m]?.points.some((p) => p[1] !== null) ?? false;
  // Alternatives by server version (7.0 vs 8.0 ticket paths): the ones this server lacks are left out quietly.
  const anyAlternative = spec.alternatives === true && spec.series.some((x) => hasData(x.metric));
  for (const s of spec.series) {
    const st = live.series[s.metric];
    if (anyAlternative && st?.unavailable && !hasData(s.metric)) continue;
    const points = st?.points ?? [];
    series.push({ metric: s.metric, label: s.label, yAxis: s.yAxis, points });
    if (st?.unavailable) unavailable.push({ metric: s.metric, label: s.label, reason: st.unavailable });
    for (const p of points) {
      if (p[1] === null) continue;
      plotted++;
      if (newest === null || p[0] > newest) newest = p[0];
      if (oldest === null || p[0] < oldest) oldest = p[0];
    }
  }
  return {
    key: spec.key,
    title: spec.title,
    axes: spec.axes,
    format: spec.format,
    step: spec.step === true,
    markers,
    series,
    unavailable,
    allUnavailable: series.length > 0 && unavailable.length === series.length && plotted === 0,
    gaps: live.gaps,
    resets: live.resets,
    plotted,
    lastTs: newest,
    window: live.fixed ?? liveWindow(live, oldest),
    fixed: live.fixed !== undefined,
  };
}

/** Where a stepped series changes value upwards (a term after an election): markers for the time axis. */
export function risesOf(points: readonly ChartPoint[], label: string): ChartMarker[] {
  const out: ChartMarker[] = [];
  let prev: number | null = null;
  for (const [ts, v] of points) {
    if (v === null) continue;
    if (prev !== null && v > prev) out.push({ ts, label });
    prev = v;
  }
  return out;
}

/** Shortest span the axis shows, so two samples do not stretch across the whole chart. */
const MIN_SPAN_MS = 10_000;

/**
 * The x range: the last `windowMs`, except while history is shorter than that — then it starts at the
 * first sample (a fresh connection fills the chart instead of hugging its right edge).
 */
export function liveWindow(live: Pick<LiveState, 'latestTs' | 'windowMs' | 'gaps'>, oldest: number | null): { from: number; to: number } {
  const full = live.latestTs - live.windowMs;
  const firstEvidence = Math.min(oldest ?? Infinity, ...live.gaps.map((g) => g.from));
  if (!Number.isFinite(firstEvidence) || firstEvidence <= full) return { from: full, to: live.latestTs };
  return { from: Math.min(firstEvidence, live.latestTs - MIN_SPAN_MS), to: live.latestTs };
}

/** The "why" of missing metrics, grouped by reason: "No data — FerretDB does not report opcounters". */
export function unavailableNote(model: ChartModel): string | null {
  if (model.unavailable.length === 0) return null;
  const byReason = new Map<string, string[]>();
  for (const u of model.unavailable) byReason.set(u.reason, [...(byReason.get(u.reason) ?? []), u.label]);
  if (model.allUnavailable) return `No data — ${[...byReason.keys()].join('; ')}`;
  return [...byReason].map(([reason, labels]) => `${labels.join(', ')}: no data — ${reason}`).join('; ');
}

/** replSetGetStatus member states by number (the server's MemberState). */
export const MEMBER_STATES: Readonly<Record<number, string>> = {
  0: 'STARTUP',
  1: 'PRIMARY',
  2: 'SECONDARY',
  3: 'RECOVERING',
  5: 'STARTUP2',
  6: 'UNKNOWN',
  7: 'ARBITER',
  8: 'DOWN',
  9: 'ROLLBACK',
  10: 'REMOVED',
};

/** µs (what opLatencies counts) as µs or ms. */
function formatLatency(us: number): string {
  if (!Number.isFinite(us)) return '—';
  return Math.abs(us) >= 1000 ? `${formatCompact(us / 1000)} ms` : `${formatCompact(us)} µs`;
}

export function formatValue(format: ValueFormat, v: number): string {
  switch (format) {
    case 'ops':
      return `${formatCompact(v)}/s`;
    case 'count':
      return formatCompact(v);
    case 'bytesPerSecond':
      return formatBytesPerSecond(v);
    case 'mib':
      return formatMiB(v);
    case 'bytes':
      return formatBytes(v);
    case 'percent':
      return `${formatCompact(v)} %`;
    case 'ratio':
      return `${formatCompact(v)} : 1`;
    case 'latency':
      return formatLatency(v);
    case 'state':
      return MEMBER_STATES[v] ?? String(v);
    case 'seconds':
      return formatDuration(v * 1000);
    case 'ms':
      return v < 1000 ? `${Math.round(v)} ms` : `${formatCompact(v / 1000)} s`;
  }
}

function axisLabel(format: ValueFormat, v: number): string {
  // Axis ticks drop the "/s" the axis name already carries.
  switch (format) {
    case 'ops':
    case 'count':
    case 'ratio':
      return formatCompact(v);
    case 'bytesPerSecond':
      return formatBytesPerSecond(v).replace(/\/s$/, '');
    case 'percent':
      return `${formatCompact(v)}`;
    case 'state':
      return MEMBER_STATES[v] ?? '';
    default:
      return formatValue(format, v);
  }
}

export interface ChartTheme {
  dark: boolean;
}

const GAP_FILL = { light: 'rgba(214, 69, 65, 0.12)', dark: 'rgba(255, 120, 110, 0.16)' };
const RESET_LINE = { light: '#b45309', dark: '#f59e0b' };

export interface BuildOptions extends ChartTheme {
  /** Shown when nothing is plotted yet and nothing is unavailable (e.g. monitoring stopped). */
  emptyHint?: string;
}

const MARKER_LINE = { light: '#6d28d9', dark: '#a78bfa' };

/** The ECharts option for a model. Pure apart from the tooltip formatter, which builds DOM nodes. */
export function buildChartOption(model: ChartModel, opts: BuildOptions): ChartOption {
  const scheme = opts.dark ? 'dark' : 'light';
  const twoAxes = model.axes.length > 1;
  // Gaps and restarts hang off one series: one that has data, so they draw even when others are unavailable.
  const marks = (model.series.find((s) => s.points.some((p) => p[1] !== null)) ?? model.series[0])?.metric;
  const series: LineSeriesOption[] = model.series.map((s) => ({
    id: s.metric,
    name: s.label,
    type: 'line',
    yAxisIndex: s.yAxis,
    showSymbol: false,
    connectNulls: false,
    ...(model.step ? { step: 'end' as const } : {}),
    // The echarts typings want a mutable array; the model's points are never mutated.
    data: s.points as ChartPoint[],
    emphasis: { focus: 'series' },
    ...(s.metric === marks
      ? {
          markArea: {
            silent: false,
            itemStyle: { color: GAP_FILL[scheme] },
            // The reason is in the tooltip: a label in a narrow area spills over the neighbouring plot.
            label: { show: false },
            data: model.gaps.map((g) => [{ xAxis: g.from, name: g.reason }, { xAxis: g.to }]),
          },
          markLine: {
            silent: false,
            symbol: 'none',
            lineStyle: { color: RESET_LINE[scheme], type: 'dashed', width: 1 },
            label: { formatter: '{b}', position: 'insideEndTop', color: RESET_LINE[scheme], fontSize: 10 },
            data: [
              ...model.resets.map((ts) => ({ xAxis: ts, name: 'restart' })),
              ...model.markers.map((m) => ({ xAxis: m.ts, name: m.label, lineStyle: { color: MARKER_LINE[scheme], type: 'dashed' as const, width: 1 }, label: { color: MARKER_LINE[scheme] } })),
            ],
          },
        }
      : {}),
  }));

  const note = unavailableNote(model);
  const title: TitleComponentOption = model.allUnavailable
    ? { show: true, text: 'No data', subtext: note?.replace(/^No data — /, '') ?? '', left: 'center', top: 'middle' }
    : model.plotted === 0
      ? model.fixed
        ? { show: true, text: 'No samples in this range', subtext: 'Nothing was recorded for this node then; widen the range or go back to live.', left: 'center', top: 'middle' }
        : { show: true, text: 'Waiting for samples…', subtext: opts.emptyHint ?? '', left: 'center', top: 'middle' }
      : { show: false, text: '', subtext: '' };

  const fmt = (v: number) => axisLabel(model.format, v);
  return {
    backgroundColor: 'transparent',
    animation: false,
    title: { ...title, textStyle: { fontSize: 14, fontWeight: 'normal' }, subtextStyle: { fontSize: 12, width: 360, overflow: 'break' } },
    // One row of compact items: six opcounters fit the narrowest chart without paging.
    legend: { top: 0, type: 'scroll', itemGap: 6, itemWidth: 14, textStyle: { fontSize: 11 }, data: model.series.map((s) => s.label) },
    // ECharts 6 keeps axis labels inside the box on its own (grid.outerBoundsMode 'auto').
    grid: { left: 48, right: twoAxes ? 48 : 16, top: 52, bottom: 24 },
    tooltip: {
      trigger: 'axis',
      // One crosshair for the page: connected charts show the same instant.
      axisPointer: { type: 'line', snap: false },
      // Confined tooltips have no arrow; ECharts would draw one with an inline style attribute (CSP).
      confine: true,
      formatter: (params: unknown) => renderTooltip(params, model),
    },
    // No snapping: the crosshair stays where the user points (inside a gap too), the same instant on every chart.
    xAxis: { type: 'time', min: model.window.from, max: model.window.to, axisLabel: { hideOverlap: true }, axisPointer: { snap: false } },
    yAxis: model.axes.map((name, i) => {
      const step = binaryInterval(model, i);
      return {
        type: 'value' as const,
        name,
        min: 0,
        ...(model.format === 'state' ? { max: 10, interval: 1 } : {}),
        // With a binary step the top must be a multiple of it too, or ECharts labels its own decimal max.
        interval: step,
        max: step ? (extent: { max: number }) => Math.ceil(extent.max / step) * step : undefined,
        position: i === 0 ? ('left' as const) : ('right' as const),
        splitLine: { show: i === 0 },
        axisLabel: { formatter: fmt },
      };
    }),
    series,
  };
}

/**
 * Byte axes tick at powers of two (64 KiB, 1 GiB), so the labels read as round binary values rather
 * than ECharts' decimal steps ("0.98 GiB"). Undefined lets ECharts choose.
 */
export function binaryInterval(model: ChartModel, axis: number): number | undefined {
  if (model.format !== 'mib' && model.format !== 'bytesPerSecond' && model.format !== 'bytes') return undefined;
  let max = 0;
  for (const s of model.series) {
    if (s.yAxis !== axis) continue;
    for (const [, v] of s.points) if (v !== null && v > max) max = v;
  }
  if (!(max > 0) || !Number.isFinite(max)) return undefined;
  let step = 1;
  while (max / step > 5) step *= 2;
  return step;
}

interface AxisParam {
  seriesName?: string;
  seriesId?: string;
  value?: unknown;
  color?: unknown;
  axisValue?: unknown;
}

/**
 * The axis tooltip, built from text nodes (never an HTML string: series names and gap reasons come
 * from servers) and classes (no inline style attributes, which the CSP forbids). A hover inside a
 * gap names the reason, since the shaded area itself does not get an item tooltip on an axis chart.
 */
export function renderTooltip(params: unknown, model: ChartModel): HTMLElement {
  const list = (Array.isArray(params) ? params : [params]) as AxisParam[];
  const root = document.createElement('div');
  root.className = 'chart-tooltip';
  const first = list[0];
  const ts = typeof first?.axisValue === 'number' ? first.axisValue : Array.isArray(first?.value) ? Number(first.value[0]) : NaN;
  const head = document.createElement('div');
  head.className = 'chart-tooltip-time';
  head.textContent = Number.isFinite(ts) ? formatTime(ts) : '';
  root.append(head);
  const gap = Number.isFinite(ts) ? model.gaps.find((g) => ts >= g.from && ts <= g.to) : undefined;
  if (gap) {
    const row = document.createElement('div');
    row.className = 'chart-tooltip-gap';
    row.textContent = `No samples for ${formatDuration(gap.to - gap.from)}: ${gap.reason}`;
    root.append(row);
  }
  for (const p of list) {
    const v = Array.isArray(p.value) ? p.value[1] : p.value;
    const row = document.createElement('div');
    row.className = 'chart-tooltip-row';
    const swatch = document.createElement('span');
    swatch.className = 'chart-tooltip-swatch';
    // CSSOM, not a style attribute: allowed by the CSP.
    if (typeof p.color === 'string') swatch.style.backgroundColor = p.color;
    const name = document.createElement('span');
    name.textContent = p.seriesName ?? '';
    const value = document.createElement('span');
    value.className = 'chart-tooltip-value';
    value.textContent = typeof v === 'number' && Number.isFinite(v) ? formatValue(model.format, v) : '—';
    row.append(swatch, name, value);
    root.append(row);
  }
  for (const m of model.markers) {
    if (!Number.isFinite(ts) || Math.abs(m.ts - ts) > 2000) continue;
    const row = document.createElement('div');
    row.className = 'chart-tooltip-marker';
    row.textContent = `${m.label} at ${formatTime(m.ts)}`;
    root.append(row);
  }
  for (const u of model.unavailable) {
    const row = document.createElement('div');
    row.className = 'chart-tooltip-unavailable';
    row.textContent = `${u.label}: no data — ${u.reason}`;
    root.append(row);
  }
  return root;
}
