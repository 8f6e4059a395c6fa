// FTDC import into the metric store (issue 7): the public surface of the feature.
export { FtdcImportService, IMPORTED_DEPLOYMENT, type FtdcImportDeps, type ImportRequest, type NodeDirectory } from './ftdc-import.service';
export { ImportRegistry } from './import-registry';
export { factsOf, identityOf, isHostMetric, mapColumns, storedMetricName, type FtdcIdentity } from './ftdc-mapping';
