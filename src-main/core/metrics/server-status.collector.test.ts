// The reasons a serverStatus metric has no value: each names the missing part and the server, and
// stays right when the same metric list is read from different servers in turn (the reasons are built
// once per metric, server label and depth, so a label must never leak into another server's reasons).
import { extractServerStatus } from './server-status.collector';

describe('serverStatus extraction: reasons for what is missing', () => {
  const doc = {
    uptimeMillis: 5,
    pid: 'not a number',
    metrics: { commands: { find: { total: 7 }, insert: { total: 3 } } },
  };

  it('names the missing section, the non-number and the empty `*` level, with the server', () => {
    const r = extractServerStatus(doc, 'mongod 7.0 (primary)');
    expect(r.values['serverStatus.uptimeMillis']).toBe(5);
    expect(r.values['serverStatus.metrics.commands.*.total']).toBe(10);
    expect(r.unavailable['serverStatus.pid']).toBe('serverStatus.pid is not a number on mongod 7.0 (primary)');
    expect(r.unavailable['serverStatus.opcounters.insert']).toBe('serverStatus.opcounters is not returned by mongod 7.0 (primary)');
    expect(r.unavailable['serverStatus.metrics.commands.*.failed']).toBe('serverStatus.metrics.commands lists no failed on mongod 7.0 (primary)');
  });

  it('gives each server its own reasons, read after read', () => {
    for (let i = 0; i < 3; i++) {
      const a = extractServerStatus(doc, 'FerretDB 1.24');
      const b = extractServerStatus({ uptimeMillis: 1 }, 'mongod 4.0');
      expect(a.unavailable['serverStatus.opcounters.insert']).toBe('serverStatus.opcounters is not returned by FerretDB 1.24');
      expect(b.unavailable['serverStatus.opcounters.insert']).toBe('serverStatus.opcounters is not returned by mongod 4.0');
      expect(b.unavailable['serverStatus.pid']).toBe('serverStatus.pid is not returned by mongod 4.0');
      expect(b.unavailable['serverStatus.metrics.commands.*.total']).toBe('serverStatus.metrics is not returned by mongod 4.0');
    }
  });
});
