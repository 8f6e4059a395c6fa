import { LineChart } from 'echarts/charts';
import { BrushComponent, GridComponent, LegendComponent, MarkAreaComponent, MarkLineComponent, TitleComponent, TooltipComponent } from 'echarts/components';
import { connect, init, use as registerEcharts, type EChartsCoreOption, type EChartsType } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useRef } from 'react';
import { useColorScheme } from '../lib/color-scheme';
import { useChartEnvironment } from './chart-environment';

// Only what Baleen's charts use, so the bundle carries a fraction of ECharts (ENV-NOTES §8).
registerEcharts([LineChart, GridComponent, LegendComponent, TitleComponent, TooltipComponent, MarkAreaComponent, MarkLineComponent, BrushComponent, CanvasRenderer]);

export interface ChartProps {
  option: EChartsCoreOption;
  /** The accessible summary: what a screen reader hears instead of the drawing. */
  label: string;
  className?: string;
  testId?: string;
  /** `data-*` hooks for end-to-end tests. */
  data?: Record<`data-${string}`, string>;
  /** Charts of one group share a crosshair: hovering one shows the same time on all (ECharts connect). */
  group?: string;
  /** Brushing a span of the time axis asks for that range (zoom); the brush itself is then cleared. */
  onBrush?: (from: number, to: number) => void;
}

const BRUSH = { xAxisIndex: 0, brushType: 'lineX', brushMode: 'single', transformable: false, throttleType: 'debounce', throttleDelay: 0 } as const;

/** A small ECharts host: one instance per element, themed from the OS, resized with its box. */
export function Chart({ option, label, className, testId, data, group, onBrush }: ChartProps) {
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<EChartsType | null>(null);
  const latest = useRef(option);
  const brushRef = useRef(onBrush);
  const scheme = useColorScheme();
  const { renderer, width, height } = useChartEnvironment();
  const brushing = onBrush !== undefined;

  useEffect(() => {
    brushRef.current = onBrush;
  }, [onBrush]);

  useEffect(() => {
    latest.current = option;
    // Merge (not replace) keeps what the user toggled in the legend; series are replaced by id.
    chart.current?.setOption(option, { replaceMerge: ['series'], lazyUpdate: true });
  }, [option]);

  useEffect(() => {
    const host = el.current;
    if (!host) return;
    const c = init(host, scheme === 'dark' ? 'dark' : undefined, { renderer, width, height });
    chart.current = c;
    c.setOption(latest.current);
    if (group) {
      c.group = group;
      connect(group);
    }
    if (brushing) {
      c.setOption({ brush: BRUSH });
      // Dragging across the plot selects a span of time; no toolbox button to find first.
      c.dispatchAction({ type: 'takeGlobalCursor', key: 'brush', brushOption: { brushType: 'lineX', brushMode: 'single' } });
      c.on('brushEnd', (params: unknown) => {
        const range = (params as { areas?: { coordRange?: unknown }[] }).areas?.[0]?.coordRange;
        c.dispatchAction({ type: 'brush', areas: [] });
        if (Array.isArray(range) && typeof range[0] === 'number' && typeof range[1] === 'number' && range[1] > range[0]) brushRef.current?.(Math.round(range[0]), Math.round(range[1]));
      });
    }
    const ro = typeof ResizeObserver === 'function' ? new ResizeObserver(() => c.resize()) : undefined;
    ro?.observe(host);
    return () => {
      ro?.disconnect();
      chart.current = null;
      c.dispose();
    };
  }, [scheme, renderer, width, height, group, brushing]);

  return <div ref={el} className={className ?? 'chart'} role="img" aria-label={label} data-testid={testId} {...data} />;
}
