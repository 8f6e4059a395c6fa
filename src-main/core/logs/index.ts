// Public surface of the mongod log readers: parsers, sources, streaming events and the summary.
export type {
  LogEvent,
  LogEventBase,
  LogEventKind,
  LogFormat,
  UnparsedLine,
  UnparsedReason,
  ConnectionRef,
  ClientInfo,
  AuthInfo,
  NodeInfo,
} from './log-event';
export { MAX_LINE_BYTES } from './log-event';
export { Logv2Parser, LOGV2_IDS } from './logv2.parser';
export { LegacyParser } from './legacy.parser';
export { parseShellDoc } from './shell-doc.parser';
export { LineSplitter, type LineSink } from './line-splitter';
export { LogFileReader, type LogEventConsumer, type LogReaderOptions } from './log-reader';
export { TarReader, type TarSink } from './tar.reader';
export { expandInputs, readInput, sniffFile, type LogInput, type InputPiece, type SkippedInput } from './log-sources';
export { readLogEvents, type LogEventBatch } from './read-events';
export { analyzeInto, type ReadOptions } from './analyze-input';
export { analyzeParallel, splitRanges, startModuleWorker } from './analyze-parallel';
export { analyzeLogs, type AnalyzeOptions, type AnalyzeProgress, type LogAnalysis } from './analyze';
export {
  LogSummary,
  type LogAnalysisReport,
  type FileReport,
  type FileStats,
  type LogFormatName,
  type SummaryJSON,
  type SummaryOptions,
  type UnparsedSample,
} from './log-summary';
export { ShapeCache } from './shape-cache';
export { parseIsoAt, parseCtimeAt, CtimeYears } from './timestamp';
