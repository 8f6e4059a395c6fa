// FTDC imports: the list, the import dialog (progress, cancel), one import's charts, the series browser.
export { ImportsPage } from './imports-page';
export { ImportViewPage } from './import-view';
export { SeriesBrowserPage } from './series-browser';
export { FtdcImportDialog, pathsOf, progressText } from './import-dialog';
export { filterSeries } from './series-filter';
export { importHref, importsHref, nodeRangeHref } from './import-links';
