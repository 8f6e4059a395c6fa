import { type Document, Double, Int32, Long } from '../../bson/bson';
import { BaleenError } from '../../../../src-shared/domain/errors';
import { SimNode, type SimNodeOptions } from '../node/sim-node';
import { StaticReplicaSet } from '../node/topology';
import { ManualClock } from '../testing/manual-clock';
import { generateServerStatus } from './server-status.generator';

function node(opts: Partial<SimNodeOptions> = {}): { n: SimNode; clock: ManualClock } {
  const clock = (opts.clock as ManualClock | undefined) ?? new ManualClock(Date.UTC(2026, 2, 1));
  return { n: new SimNode({ me: 'node-a.example.net:27017', version: '7.0.14', seed: 42, clock, ...opts }), clock };
}

const at = (doc: Document, path: string): unknown => path.split('.').reduce<unknown>((d, k) => (d as Document | undefined)?.[k], doc);
const num = (doc: Document, path: string): number => Number((at(doc, path) as { valueOf(): unknown }).valueOf());

describe('serverStatus generator', () => {
  it('uses the BSON types of a real 7.0 mongod', () => {
    const { n } = node({ host: { memSizeMB: 32_768 } });
    const ss = generateServerStatus(n);
    const expectType = (path: string, type: new (...a: never[]) => unknown) => expect(at(ss, path), path).toBeInstanceOf(type);
    expectType('pid', Long);
    expectType('uptime', Double);
    expectType('uptimeMillis', Long);
    expectType('uptimeEstimate', Long);
    expectType('connections.current', Int32);
    expectType('opcounters.insert', Long);
    expectType('mem.resident', Int32);
    expectType('extra_info.page_faults', Long);
    expectType('globalLock.currentQueue.total', Int32);
    expectType('wiredTiger.concurrentTransactions.read.available', Int32);
    expectType('wiredTiger.cache.bytes currently in the cache', Long);
    // 15.5 GB of cache does not fit an Int32, so like mongod it is sent as Int64.
    expectType('wiredTiger.cache.maximum bytes configured', Long);
    expectType('ok', Double);
    expect(at(ss, 'localTime')).toBeInstanceOf(Date);
    expect(ss.host).toBe('node-a.example.net');
    expect(ss.version).toBe('7.0.14');
    expect(ss).not.toHaveProperty('queues');
    expect(ss).not.toHaveProperty('repl');
  });

  it('counters advance with the configured rates on the injected clock; uptime and localTime follow it', async () => {
    const { n, clock } = node({ rates: { insert: 200, query: 50, update: 0, delete: 0, getmore: 0, command: 10 } });
    const before = generateServerStatus(n);
    expect(num(before, 'opcounters.insert')).toBe(0);
    await clock.advance(120_000);
    const after = generateServerStatus(n);
    expect(num(after, 'uptime')).toBe(120);
    expect(num(after, 'uptimeMillis')).toBe(120_000);
    expect((after.localTime as Date).getTime()).toBe(clock.now());
    const rate = (path: string) => (num(after, path) - num(before, path)) / 120;
    expect(rate('opcounters.insert')).toBeGreaterThan(200 * 0.95);
    expect(rate('opcounters.insert')).toBeLessThan(200 * 1.05);
    expect(rate('opcounters.query')).toBeGreaterThan(50 * 0.93);
    expect(rate('opcounters.query')).toBeLessThan(50 * 1.07);
    expect(num(after, 'opcounters.update')).toBe(0);
    // Derived counters follow the workload: every query is a read op; every insert writes a document.
    expect(rate('opLatencies.reads.ops')).toBeGreaterThan(50 * 0.93);
    expect(rate('metrics.document.inserted')).toBeGreaterThan(200 * 0.95);
    expect(num(after, 'globalLock.totalTime')).toBe(120_000_000);
    expect(num(after, 'network.bytesIn')).toBeGreaterThan(num(before, 'network.bytesIn'));
  });

  it('gives the same document for the same seed and time, and a different one for another seed', async () => {
    const clock = new ManualClock();
    const a = new SimNode({ me: 'a:27017', version: '7.0.14', seed: 1, clock });
    const b = new SimNode({ me: 'a:27017', version: '7.0.14', seed: 1, clock });
    const c = new SimNode({ me: 'a:27017', version: '7.0.14', seed: 2, clock });
    await clock.advance(30_000);
    expect(JSON.stringify(generateServerStatus(a))).toBe(JSON.stringify(generateServerStatus(b)));
    expect(num(generateServerStatus(c), 'opcounters.query')).not.toBe(num(generateServerStatus(a), 'opcounters.query'));
    expect(c.pid).not.toBe(a.pid);
  });

  it('a restart gives a new pid, uptime from zero and counters from zero', async () => {
    const { n, clock } = node();
    await clock.advance(600_000);
    const before = generateServerStatus(n);
    const processIdBefore = n.topologyVersion().processId;
    n.restart();
    await clock.advance(2_000);
    const after = generateServerStatus(n);
    expect(num(after, 'pid')).not.toBe(num(before, 'pid'));
    expect(num(after, 'uptimeMillis')).toBe(2_000);
    expect(num(after, 'opcounters.query')).toBeLessThan(num(before, 'opcounters.query') / 100);
    expect(n.generation).toBe(1);
    // A new process announces a new topologyVersion.processId, so streaming clients re-sync.
    expect(n.topologyVersion().processId.equals(processIdBefore)).toBe(false);
  });

  it('8.0 reports execution tickets under queues.execution instead of wiredTiger.concurrentTransactions', () => {
    const { n } = node({ version: '8.0.4' });
    const ss = generateServerStatus(n);
    expect(ss.version).toBe('8.0.4');
    expect(at(ss, 'queues.execution.read.totalTickets')).toBeInstanceOf(Int32);
    expect(at(ss, 'wiredTiger.concurrentTransactions')).toBeUndefined();
    expect(n.profile.maxWireVersion).toBe(25);
  });

  it('refuses versions it does not model', () => {
    expect(() => node({ version: '6.0.1' })).toThrow(BaleenError);
    expect(() => node({ version: 'latest' })).toThrow(/MAJOR.MINOR.PATCH/);
  });

  it('leaves out sections the request switches off, and reports repl for set members', () => {
    const rs = new StaticReplicaSet({ setName: 'rs0', hosts: ['node-a.example.net:27017', 'node-b.example.net:27017'] });
    const { n } = node({ topology: rs });
    const full = generateServerStatus(n);
    expect(at(full, 'repl.setName')).toBe('rs0');
    expect(at(full, 'repl.hosts')).toEqual(['node-a.example.net:27017', 'node-b.example.net:27017']);
    expect(at(full, 'repl.isWritablePrimary')).toBe(true);
    const trimmed = generateServerStatus(n, { serverStatus: 1, repl: 0, metrics: false, wiredTiger: new Int32(0) });
    expect(trimmed).not.toHaveProperty('repl');
    expect(trimmed).not.toHaveProperty('metrics');
    expect(trimmed).not.toHaveProperty('wiredTiger');
    expect(trimmed).toHaveProperty('opcounters');
  });

  it('gauges stay plausible: resident memory below virtual, dirty bytes below cache bytes below the maximum', async () => {
    const { n, clock } = node();
    for (let i = 0; i < 50; i++) {
      await clock.advance(37_000);
      const ss = generateServerStatus(n);
      expect(num(ss, 'mem.resident')).toBeLessThan(num(ss, 'mem.virtual'));
      const cache = num(ss, 'wiredTiger.cache.bytes currently in the cache');
      expect(num(ss, 'wiredTiger.cache.tracked dirty bytes in the cache')).toBeLessThan(cache);
      expect(cache).toBeLessThan(num(ss, 'wiredTiger.cache.maximum bytes configured'));
      const t = 'wiredTiger.concurrentTransactions.read';
      expect(num(ss, `${t}.out`) + num(ss, `${t}.available`)).toBe(num(ss, `${t}.totalTickets`));
      expect(num(ss, 'metrics.queryExecutor.collectionScans.nonTailable')).toBeLessThanOrEqual(num(ss, 'metrics.queryExecutor.collectionScans.total'));
    }
  });
});
