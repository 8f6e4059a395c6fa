// Public surface of diagnosis: the operation model, query shapes and their statistics.
export type { Operation, OperationSource, OperationError, QueryShapeRef, ShapeHashSource } from './operation';
export { clientHost, examinedPerReturned, MAX_DURATION_MS } from './operation';
export type { ShapeInput } from './query-shape';
export { queryShapeText, baleenShapeHash, fnv1a32, typeName, MAX_SHAPE_DEPTH, MAX_SHAPE_LENGTH } from './query-shape';
export type { QuantileSketchJSON } from './quantile-sketch';
export { QuantileSketch } from './quantile-sketch';
export type { ShapeStatsOptions, ShapeSummary, ShapeStatsJSON, PlanChange } from './shape-stats';
export { ShapeStatsTable } from './shape-stats';
