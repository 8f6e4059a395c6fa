// Host pages: a machine's facts (FTDC metadata) and its CPU, memory, disk and network charts.
export { HostCharts, HostPage, hostHref, seriesHref, useLoad, type HostChartsProps, type HostPageProps } from './host-page';
export { hostLayout, hostLive, type HostLayout, type HostPlatform } from './host-charts';
