export { DashboardsPage } from './dashboards-page';
export { TryDemoButton } from './try-demo-button';
export { dashboardHrefs } from './links';
