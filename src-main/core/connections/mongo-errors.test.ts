// REL-M6 with the driver's own errors: a state-change error (stepdown, shutting down) makes the driver
// clear the node's pool, and a command waiting for a connection then fails with MongoPoolClearedError
// carrying that error as its cause. Both are transient — skip a sample, keep the source on — while a
// pool cleared by a network failure, or by a non-transient error, is not.
import { createRequire } from 'node:module';
import { MongoServerError } from 'mongodb';
import { classifyMongoError, isTransientServerError } from './mongo-errors';

// The driver does not export its pool errors; this is the class it throws.
const { PoolClearedError } = createRequire(import.meta.url)('mongodb/lib/cmap/errors.js') as {
  PoolClearedError: new (pool: { address: string; serverError?: Error }) => Error;
};
const serverError = (code: number, codeName: string) => new MongoServerError({ ok: 0, code, codeName, errmsg: codeName });

describe('transient errors (REL-M6)', () => {
  it('a stepdown or shutdown code is transient, and so is a pool cleared because of one', () => {
    for (const [code, name] of [[91, 'ShutdownInProgress'], [189, 'PrimarySteppedDown'], [11602, 'InterruptedDueToReplStateChange']] as const) {
      expect(isTransientServerError(classifyMongoError(serverError(code, name), 'h:1')), name).toBe(true);
      const cleared = classifyMongoError(new PoolClearedError({ address: 'h:1', serverError: serverError(code, name) }), 'h:1');
      expect(isTransientServerError(cleared), `pool cleared by ${name}`).toBe(true);
      expect(cleared.message).toContain(name);
    }
  });

  it('a pool cleared by anything else is not', () => {
    expect(isTransientServerError(classifyMongoError(new PoolClearedError({ address: 'h:1', serverError: serverError(8000, 'AtlasError') }), 'h:1'))).toBe(false);
    expect(isTransientServerError(classifyMongoError(new PoolClearedError({ address: 'h:1' }), 'h:1'))).toBe(false);
  });
});
