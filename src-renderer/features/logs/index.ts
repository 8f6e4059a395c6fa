// Logs: the explorer, sources (import, follow over SSH, getLog) and the could-not-parse view.
export { LogsPage, type LogsTab } from './logs-page';
export { LogImportDialog } from './log-sources';
