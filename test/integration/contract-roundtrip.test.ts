// One contract, every transport: validation on both sides, error envelopes, cancellation and events
// behave the same in memory and over the real WebSocket bridge.
import { EventBus } from '../../src-main/core/events';
import { silentLogger } from '../../src-main/core/ports/logger';
import { Dispatcher, type Handlers } from '../../src-main/rpc';
import { BaleenError } from '../../src-shared/domain/errors';
import { makeNodeId } from '../../src-shared/domain/identity';
import { TRANSPORTS, type Connected } from '../helpers/transports';

// Only the methods this suite exercises; the rest of the contract is covered by the feature suites.
function handlers(bus: EventBus, seen: { aborted: number }): Handlers {
  const node = makeNodeId('d1', 'a.example:27017');
  const summary = { id: 'd1', name: 'one', uri: 'mongodb://a.example/', createdAt: 1, nodes: [] };
  return {
    'app.info': () => ({ version: '9.9.9', startedAt: 5, dataDir: '/x', shell: 'memory' }),
    'connections.list': () => [summary],
    'connections.add': async (input, ctx) => {
      if (input.uri.includes('slow')) {
        await new Promise((_, reject) => ctx.signal.addEventListener('abort', () => {
          seen.aborted++;
          reject(new Error('aborted'));
        }));
      }
      if (input.uri.includes('refused')) throw new BaleenError('E_UNREACHABLE', 'Cannot reach a.example:27017: connection refused.', { host: 'a.example:27017' });
      if (input.uri.includes('boom')) throw new Error('secret internals');
      bus.emit('connections.changed', { connections: [summary] });
      return summary;
    },
    'connections.remove': () => ({ removed: true }),
    // Deliberately broken: returns a shape the contract forbids, which must surface as E_INTERNAL.
    'connections.startMonitoring': () => ({ id: node }) as never,
    'connections.stopMonitoring': () => {
      throw new BaleenError('E_NOT_FOUND', 'No such node.');
    },
    'metrics.query': (q) => ({ entity: q.entity, from: q.from, to: q.to, series: [], gaps: [], resets: [] }),
  } as Partial<Handlers> as Handlers;
}

describe.each(TRANSPORTS)('contract round trip over $name', (transport) => {
  let c: Connected;
  let bus: EventBus;
  const seen = { aborted: 0 };

  beforeEach(async () => {
    bus = new EventBus();
    c = await transport.connect(new Dispatcher(handlers(bus, seen), bus, silentLogger));
  });
  afterEach(async () => c.close());

  it('returns validated outputs', async () => {
    expect(await c.client.invoke('app.info', {})).toEqual({ version: '9.9.9', startedAt: 5, dataDir: '/x', shell: 'memory' });
    expect(await c.client.invoke('connections.list', {})).toHaveLength(1);
  });

  it('refuses invalid input with E_INVALID_INPUT and the failing path', async () => {
    const e = await c.client.invoke('metrics.query', { entity: 'node:d/a:1', metrics: [], from: 10, to: 0 }).catch((x) => x);
    expect(e).toBeInstanceOf(BaleenError);
    expect(e.code).toBe('E_INVALID_INPUT');
    expect(e.details.issues.length).toBeGreaterThan(0);
    const extra = await c.client.invoke('app.info', { sneaky: 1 } as never).catch((x) => x);
    expect(extra.code).toBe('E_INVALID_INPUT');
  });

  it('refuses unknown methods', async () => {
    const e = await c.client.invoke('nope.nothing' as never, {} as never).catch((x) => x);
    expect(e.code).toBe('E_INVALID_INPUT');
  });

  it('passes named errors through and hides unexpected ones as E_INTERNAL', async () => {
    const e = await c.client.invoke('connections.add', { uri: 'mongodb://refused/' }).catch((x) => x);
    expect(e).toMatchObject({ code: 'E_UNREACHABLE', details: { host: 'a.example:27017' } });
    const boom = await c.client.invoke('connections.add', { uri: 'mongodb://boom/' }).catch((x) => x);
    expect(boom.code).toBe('E_INTERNAL');
    expect(boom.message).not.toContain('secret internals');
  });

  it('turns an output that breaks the contract into E_INTERNAL', async () => {
    const e = await c.client.invoke('connections.startMonitoring', { nodeId: makeNodeId('d1', 'a:1') }).catch((x) => x);
    expect(e.code).toBe('E_INTERNAL');
  });

  it('cancels an in-flight call through its AbortSignal', async () => {
    const before = seen.aborted;
    const ac = new AbortController();
    const p = c.client.invoke('connections.add', { uri: 'mongodb://slow/' }, { signal: ac.signal }).catch((x) => x);
    await new Promise((r) => setTimeout(r, 50));
    ac.abort();
    const e = await p;
    expect(e.code).toBe('E_CANCELLED');
    expect(seen.aborted).toBe(before + 1);
  });

  it('delivers subscribed events, validated, and stops after unsubscribe', async () => {
    const got: unknown[] = [];
    const off = c.client.on('connections.changed', (p) => got.push(p));
    await new Promise((r) => setTimeout(r, 20));
    await c.client.invoke('connections.add', { uri: 'mongodb://ok/' });
    await new Promise((r) => setTimeout(r, 20));
    expect(got).toHaveLength(1);
    // An event whose payload breaks its schema is dropped, not delivered.
    bus.emit('connections.changed', { connections: 'nope' } as never);
    off();
    await new Promise((r) => setTimeout(r, 20));
    await c.client.invoke('connections.add', { uri: 'mongodb://ok/' });
    await new Promise((r) => setTimeout(r, 20));
    expect(got).toHaveLength(1);
  });
});
