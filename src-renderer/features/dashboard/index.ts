// The dashboard engine shared by the node, cluster, compare and replication pages: chart specs by
// group, the chart model and ECharts options, live and ranged series, hot collections.
export { ChartPanel, type ChartPanelProps } from './chart-panel';
export { DashboardView, type DashboardViewProps } from './dashboard-view';
export { HotCollections } from './hot-collections';
export { DASHBOARD_CHARTS, DASHBOARD_GROUPS, NODE_CHARTS, NODE_METRICS, chartSpec, metricsOfCharts, type ChartSpec, type ValueFormat } from './chart-specs';
export { MEMBER_STATES, formatValue, risesOf, type ChartMarker } from './chart-options';
export { emptyLive, type LiveState } from './live-series';
export { queryAll, useEntitySeries, type SeriesView } from './use-entity-series';
export { emptyHint } from './node-hint';
