import type { ConnectionsResult } from '../../../src-shared/contract';

/** Connection churn over time (accepted and ended per bucket) as an ECharts option. Pure. */
export function churnOption(churn: ConnectionsResult['churn'], dark: boolean): Record<string, unknown> {
  const accepted = churn.points.map(([t, a]) => [t, a]);
  const ended = churn.points.map(([t, , e]) => [t, e]);
  return {
    backgroundColor: 'transparent',
    animation: false,
    legend: { top: 0, textStyle: { fontSize: 11 }, data: ['Accepted', 'Ended'] },
    grid: { left: 48, right: 16, top: 28, bottom: 22 },
    tooltip: { trigger: 'axis', confine: true },
    xAxis: { type: 'time' },
    yAxis: { type: 'value', name: `per ${Math.round(churn.stepMs / 60_000)} min`, minInterval: 1, nameTextStyle: { fontSize: 10 } },
    series: [
      { id: 'accepted', name: 'Accepted', type: 'line', step: 'start', showSymbol: false, data: accepted, lineStyle: { color: dark ? '#6cb6ff' : '#0969da' }, itemStyle: { color: dark ? '#6cb6ff' : '#0969da' } },
      { id: 'ended', name: 'Ended', type: 'line', step: 'start', showSymbol: false, data: ended, lineStyle: { color: '#bf8700' }, itemStyle: { color: '#bf8700' } },
    ],
  };
}
