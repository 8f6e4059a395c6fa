// FTDC (diagnostic.data) decoding: the public surface of the feature. See ftdc-decoder.ts for the
// format, the limits and what a sample's time is.
export {
  MAX_METADATA_BYTES,
  MAX_OUTER_DOC_BYTES,
  bufferSource,
  decodeFtdcBuffer,
  decodeFtdcSource,
  readFtdcFile,
  type ByteSource,
  type FtdcChunkEvent,
  type FtdcErrorEvent,
  type FtdcEvent,
  type FtdcMetadataEvent,
} from './ftdc-decoder';
export { FTDC_LIMITS, decodeChunkPayload, type DecodedChunk } from './chunk-decoder';
export { METRIC_KIND, type MetricKindCode } from './metric-extractor';
export {
  MAX_ARCHIVE_MEMBER_BYTES,
  compareFtdcFileNames,
  isFtdcFileName,
  readFtdc,
  readFtdcInputs,
  resolveFtdcInputs,
  type FtdcInput,
  type SourcedEvent,
} from './ftdc-inputs';
export { hostAndVersion, readFtdcMetric, summarizeFtdc, type FtdcFileSummary, type FtdcMetricSeries, type FtdcSummary } from './ftdc-summary';
