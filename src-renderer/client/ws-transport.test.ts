import { BaleenClient } from '../../src-shared/contract/client';
import { BaleenError } from '../../src-shared/domain/errors';
import type { TransportState } from './transport-state';
import { rpcUrl, WsTransport, type SocketHandlers, type Timers } from './ws-transport';

/** A socket the test opens, feeds and drops by hand. */
class FakeSocket {
  readonly sent: unknown[] = [];
  closedByClient = false;
  constructor(
    readonly url: string,
    readonly h: SocketHandlers,
  ) {}
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close() {
    this.closedByClient = true;
  }
  open() {
    this.h.onOpen();
  }
  reply(frame: unknown) {
    this.h.onMessage(JSON.stringify(frame));
  }
  drop(code = 1006, reason = '') {
    this.h.onClose(code, reason);
  }
}

/** Manual clock and timers: time moves only when the test says so. */
class ManualTimers implements Timers {
  now = 0;
  private next = 1;
  private readonly pending = new Map<number, { at: number; fn: () => void }>();
  setTimeout(fn: () => void, ms: number) {
    const id = this.next++;
    this.pending.set(id, { at: this.now + ms, fn });
    return id;
  }
  clearTimeout(h: unknown) {
    this.pending.delete(h as number);
  }
  /** Delays of the timers waiting now, soonest first. */
  delays(): number[] {
    return [...this.pending.values()].map((t) => t.at - this.now).sort((a, b) => a - b);
  }
  advance(ms: number) {
    const until = this.now + ms;
    for (;;) {
      const due = [...this.pending.entries()].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.pending.delete(due[0]);
      this.now = due[1].at;
      due[1].fn();
    }
    this.now = until;
  }
}

function setup() {
  const timers = new ManualTimers();
  const sockets: FakeSocket[] = [];
  const states: TransportState[] = [];
  const t = new WsTransport({
    url: 'ws://127.0.0.1:9/rpc',
    timers,
    now: () => timers.now,
    createSocket: (url, h) => {
      const s = new FakeSocket(url, h);
      sockets.push(s);
      return s;
    },
  });
  t.stateSource.subscribe((s) => states.push(s));
  t.start();
  const client = new BaleenClient(t);
  const last = () => sockets[sockets.length - 1]!;
  return { t, timers, sockets, states, client, last };
}

describe('WsTransport', () => {
  it('queues calls made while the socket opens and sends them once it is open', async () => {
    const { client, last, t } = setup();
    expect(t.stateSource.getState().status).toBe('connecting');
    const p = client.invoke('app.info', {});
    expect(last().sent).toEqual([]);
    last().open();
    expect(t.stateSource.getState()).toEqual({ status: 'open', epoch: 1 });
    const frame = last().sent[0] as { t: string; id: string; ch: string };
    expect(frame).toMatchObject({ t: 'call', ch: 'app.info' });
    last().reply({ t: 'result', id: frame.id, out: { version: '1', startedAt: 0, dataDir: '/d', shell: 'web' } });
    await expect(p).resolves.toMatchObject({ version: '1', shell: 'web' });
  });

  it('fails calls in flight when the socket drops, instead of leaving them pending', async () => {
    const { client, last } = setup();
    last().open();
    const p = client.invoke('connections.list', {});
    last().drop();
    await expect(p).rejects.toMatchObject({ code: 'E_UNREACHABLE' });
    await expect(p).rejects.toBeInstanceOf(BaleenError);
  });

  it('fails calls queued behind a socket that never opens', async () => {
    const { client, last, timers } = setup();
    const p = client.invoke('connections.list', {});
    last().drop(1006);
    await expect(p).rejects.toMatchObject({ code: 'E_UNREACHABLE', message: expect.stringContaining('Could not connect') });
    // And an attempt that hangs is given up after the connect timeout.
    timers.advance(1000);
    const q = client.invoke('connections.list', {});
    timers.advance(10_000);
    await expect(q).rejects.toMatchObject({ code: 'E_UNREACHABLE', message: expect.stringContaining('timed out') });
  });

  it('fails calls at once while waiting to reconnect', async () => {
    const { client, last } = setup();
    last().open();
    last().drop();
    await expect(client.invoke('connections.list', {})).rejects.toMatchObject({ code: 'E_UNREACHABLE' });
  });

  it('reconnects with backoff 1, 2, 4 … capped at 30 s, then starts again after a stable connection', () => {
    const { last, timers, sockets, t } = setup();
    const waits: number[] = [];
    for (let i = 0; i < 8; i++) {
      last().drop();
      const st = t.stateSource.getState();
      expect(st.status).toBe('reconnecting');
      const wait = timers.delays()[0]!;
      waits.push(wait);
      if (st.status === 'reconnecting') expect(st.retryAt - timers.now).toBe(wait);
      const before = sockets.length;
      timers.advance(wait - 1);
      expect(sockets.length).toBe(before);
      timers.advance(1);
      expect(sockets.length).toBe(before + 1);
    }
    expect(waits).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);

    // A socket that opens and drops at once keeps the long wait (a refused token must not spin).
    last().open();
    last().drop(1008, 'forbidden');
    expect(timers.delays()[0]).toBe(30_000);
    expect(t.stateSource.getState()).toMatchObject({ status: 'reconnecting', reason: 'forbidden (code 1008)' });

    // One that stayed up resets the backoff.
    timers.advance(30_000);
    last().open();
    timers.advance(60_000);
    last().drop();
    expect(timers.delays()[0]).toBe(1000);
  });

  it('re-sends subscriptions after a reconnect and bumps the epoch', () => {
    const { client, last, timers, t } = setup();
    const got: unknown[] = [];
    client.on('connections.changed', (p) => got.push(p));
    last().open();
    expect(last().sent).toEqual([{ t: 'sub', ch: 'connections.changed' }]);
    last().drop();
    timers.advance(1000);
    last().open();
    expect(last().sent).toEqual([{ t: 'sub', ch: 'connections.changed' }]);
    expect(t.stateSource.getState()).toEqual({ status: 'open', epoch: 2 });
    last().reply({ t: 'event', ch: 'connections.changed', payload: { connections: [] } });
    expect(got).toEqual([{ connections: [] }]);
  });

  it('sends a cancel frame when the caller aborts', async () => {
    const { client, last } = setup();
    last().open();
    const ac = new AbortController();
    const p = client.invoke('connections.add', { uri: 'mongodb://h:1' }, { signal: ac.signal });
    const call = last().sent[0] as { id: string };
    ac.abort();
    expect(last().sent[1]).toEqual({ t: 'cancel', id: call.id });
    last().reply({ t: 'error', id: call.id, err: { code: 'E_CANCELLED', message: 'Cancelled.' } });
    await expect(p).rejects.toMatchObject({ code: 'E_CANCELLED' });
  });

  it('ignores frames that are not JSON or not frames', () => {
    const { last } = setup();
    last().open();
    expect(() => last().h.onMessage('not json')).not.toThrow();
    expect(() => last().h.onMessage(new ArrayBuffer(2))).not.toThrow();
    expect(() => last().reply({ t: 'result' })).not.toThrow();
  });

  it('retries at once on retryNow, and stops for good on dispose', async () => {
    const { client, last, timers, sockets, t } = setup();
    last().open();
    last().drop();
    t.retryNow();
    expect(sockets).toHaveLength(2);
    last().open();
    const p = client.invoke('connections.list', {});
    t.dispose();
    await expect(p).rejects.toMatchObject({ code: 'E_CANCELLED' });
    expect(last().closedByClient).toBe(true);
    expect(t.stateSource.getState().status).toBe('closed');
    timers.advance(120_000);
    expect(sockets).toHaveLength(2);
  });

  it('builds the /rpc URL on the page origin, wss for https, passing a bridge token on', () => {
    expect(rpcUrl({ protocol: 'http:', host: '127.0.0.1:4321', search: '' })).toBe('ws://127.0.0.1:4321/rpc');
    expect(rpcUrl({ protocol: 'https:', host: 'localhost:8443', search: '' })).toBe('wss://localhost:8443/rpc');
    expect(rpcUrl({ protocol: 'http:', host: '127.0.0.1:1', search: '?token=a b' })).toBe('ws://127.0.0.1:1/rpc?token=a%20b');
  });
});
