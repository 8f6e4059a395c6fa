import { LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, MarkAreaComponent, MarkLineComponent, TitleComponent, TooltipComponent } from 'echarts/components';
import { init, use as registerEcharts, type EChartsCoreOption, type EChartsType } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useRef } from 'react';
import { useColorScheme } from '../lib/color-scheme';
import { useChartEnvironment } from './chart-environment';

// Only what Baleen's charts use, so the bundle carries a fraction of ECharts (ENV-NOTES §8).
registerEcharts([LineChart, GridComponent, LegendComponent, TitleComponent, TooltipComponent, MarkAreaComponent, MarkLineComponent, CanvasRenderer]);

export interface ChartProps {
  option: EChartsCoreOption;
  /** The accessible summary: what a screen reader hears instead of the drawing. */
  label: string;
  className?: string;
  testId?: string;
  /** `data-*` hooks for end-to-end tests. */
  data?: Record<`data-${string}`, string>;
}

/** A small ECharts host: one instance per element, themed from the OS, resized with its box. */
export function Chart({ option, label, className, testId, data }: ChartProps) {
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<EChartsType | null>(null);
  const latest = useRef(option);
  const scheme = useColorScheme();
  const { renderer, width, height } = useChartEnvironment();

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
    const ro = typeof ResizeObserver === 'function' ? new ResizeObserver(() => c.resize()) : undefined;
    ro?.observe(host);
    return () => {
      ro?.disconnect();
      chart.current = null;
      c.dispose();
    };
  }, [scheme, renderer, width, height]);

  return <div ref={el} className={className ?? 'chart'} role="img" aria-label={label} data-testid={testId} {...data} />;
}
