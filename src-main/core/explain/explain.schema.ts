// The explain model's schemas live in src-shared (the renderer draws them); one definition, re-exported here.
export * from '../../../src-shared/domain/explain';
