import { useId, useMemo } from 'react';
import { Chart } from '../../components/chart';
import { useColorScheme } from '../../lib/color-scheme';
import { buildChartOption, chartModel, formatValue, unavailableNote, type ChartMarker, type ChartModel } from './chart-options';
import type { ChartSpec } from './chart-specs';
import type { LiveState } from './live-series';

export interface ChartPanelProps {
  spec: ChartSpec;
  live: LiveState;
  /** What an empty chart says (the node's state). */
  hint: string;
  /** The page's crosshair group. */
  group?: string;
  onBrush?: (from: number, to: number) => void;
  markers?: readonly ChartMarker[];
  /** Shown instead of the spec's title (the member's name on a cluster dashboard). */
  title?: string;
  /** Distinguishes the same chart of several nodes in test ids (`chart-ops-<suffix>`). */
  testSuffix?: string;
  headingLevel?: 2 | 3;
}

function summary(model: ChartModel): string {
  const latest = model.series.map((s) => {
    for (let i = s.points.length - 1; i >= 0; i--) {
      const v = s.points[i]![1];
      if (v !== null) return `${s.label} ${formatValue(model.format, v)}`;
    }
    return null;
  });
  const parts = latest.filter((x): x is string => x !== null);
  return `${model.title}: ${parts.length ? `latest ${parts.join(', ')}` : (unavailableNote(model) ?? 'no samples yet')}`;
}

/** The newest value of each series (`label=value`), for tests and the accessible summary. */
function lastValues(model: ChartModel): string {
  return model.series
    .map((s) => {
      for (let i = s.points.length - 1; i >= 0; i--) if (s.points[i]![1] !== null) return `${s.metric}=${s.points[i]![1]}`;
      return null;
    })
    .filter((x): x is string => x !== null)
    .join(' ');
}

/**
 * One chart with its title, unit axes, legend, tooltip (values, gap reasons, markers), the page's
 * crosshair and brush-to-zoom, and `data-*` hooks (points plotted, newest time, unavailable metrics,
 * last values, markers) that end-to-end tests read instead of pixels.
 */
export function ChartPanel({ spec, live, hint, group, onBrush, markers, title, testSuffix, headingLevel = 2 }: ChartPanelProps) {
  const dark = useColorScheme() === 'dark';
  const model = useMemo(() => chartModel(spec, live, markers), [spec, live, markers]);
  const option = useMemo(() => buildChartOption(model, { dark, emptyHint: hint }), [model, dark, hint]);
  const note = unavailableNote(model);
  const titleId = useId();
  const H = headingLevel === 2 ? 'h2' : 'h3';
  return (
    <section className="chart-panel" aria-labelledby={titleId}>
      <H id={titleId}>{title ?? spec.title}</H>
      <Chart
        option={option}
        label={summary(model)}
        testId={`chart-${spec.key}${testSuffix ? `-${testSuffix}` : ''}`}
        {...(group ? { group } : {})}
        {...(onBrush ? { onBrush } : {})}
        data={{
          'data-points': String(model.plotted),
          'data-last-ts': String(model.lastTs ?? 0),
          'data-unavailable': model.unavailable.map((u) => u.metric).join(' '),
          'data-last-values': lastValues(model),
          'data-markers': String(model.markers.length),
          'data-marker-ts': model.markers.map((m) => m.ts).join(' '),
          'data-gaps': String(model.gaps.length),
          // The x range drawn, so a test can point at a time without reading pixels.
          'data-window': `${Math.round(model.window.from)} ${Math.round(model.window.to)}`,
          'data-axes': String(model.axes.length),
        }}
      />
      {note ? <p className="chart-note">{note}</p> : null}
    </section>
  );
}
