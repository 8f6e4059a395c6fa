// Explain plans: read saved or live explain output, normalise every server shape into one model,
// summarise it, find problems, and advise indexes by the ESR rule.
export { parseExplainText, DEFAULT_PARSE_LIMITS, type ParseLimits } from './explain-text.parser';
export { parseExplainBytes, parseExplainDocument, readExplainFile, looksLikeBson } from './explain-input.reader';
export { normalizeExplain, normalizeExplainText, forEachNode, findNode, keyPatternOf } from './explain.normalizer';
export { summarize, operationTotals } from './explain.summary';
export { findings, DEFAULT_FINDING_OPTIONS, type FindingOptions } from './explain.findings';
export { extractQueryShape, sortSpecOf } from './query-shape.extractor';
export { adviseIndex, proposeIndex, classifyFilter, createIndexCommand, parseExistingIndexes, type ProposedIndex, type FieldRole } from './esr.advisor';
export { findRedundantIndexes, findUnusedIndexes, type RedundantIndex, type UnusedIndex, type MemberIndexStats } from './index-usage.analyzer';
export { buildExplainReport, formatExplainReport, stageTree, type ExplainReport, type StageTreeNode, type ReportOptions } from './explain-report.formatter';
export * from './explain.schema';
export { parseMongoshQuery, MAX_QUERY_CHARS } from './mongosh-query.parser';
export { costliestPath, planSignature, planSummaryText } from './plan-cost';
export { PlanHistoryStore, MAX_ROWS_PER_SHAPE, type PlanRecord } from './plan-history.store';
export { ExplainService, roleFromHello, pickBuildOp, splitNamespace, type RunRequest } from './explain.service';
export { openExplainService, explainHandlers } from './explain-handlers';
export { isFerretDbExplain, ferretDbToClassic } from './ferretdb-plan.adapter';
