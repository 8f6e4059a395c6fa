import { BSON, type Document, Int32, Long, ObjectId } from '../../bson/bson';
import { type Simulator, startSimulator } from '../simulator';
import { ManualClock } from '../testing/manual-clock';
import { RawWireClient } from '../testing/raw-wire-client';
import { OP_MSG, OP_REPLY, OpMsgFlag, encodeOpMsg, encodeOpQuery } from './wire-protocol';

const sims: Simulator[] = [];
const clients: RawWireClient[] = [];

async function sim(opts: Parameters<typeof startSimulator>[0] = {}): Promise<Simulator> {
  const s = await startSimulator(opts);
  sims.push(s);
  return s;
}

async function client(s: Simulator): Promise<RawWireClient> {
  const c = await RawWireClient.connect(s.port);
  clients.push(c);
  return c;
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(sims.splice(0).map((s) => s.stop()));
});

/** A complete, self-consistent frame whose body's first element has an invalid BSON type byte. */
function corruptElementType(frame: Uint8Array): Uint8Array {
  const out = frame.slice();
  out[16 + 4 + 1 + 4] = 0x7f;
  return out;
}

function withLength(len: number, opCode: number): Uint8Array {
  const b = new Uint8Array(Math.max(16, Math.min(len, 64)));
  const v = new DataView(b.buffer);
  v.setInt32(0, len, true);
  v.setInt32(12, opCode, true);
  return b;
}

describe('wire server: malformed input closes only that connection', () => {
  it.each([
    ['a length below the header size', withLength(8, OP_MSG)],
    ['a length above maxMessageSizeBytes', withLength(48_000_001, OP_MSG)],
    ['an unknown opcode', withLength(16, 4242)],
    ['an OP_MSG with broken BSON', corruptElementType(encodeOpMsg({ requestId: 1, body: { ping: 1, $db: 'admin' } }))],
  ])('%s', async (_what, bytes) => {
    const s = await sim();
    const bystander = await client(s);
    const victim = await client(s);
    expect((await bystander.command({ ping: 1 })).ok).toBe(1);
    // A fixed-up header keeps the frame self-consistent where the case needs a complete frame.
    if (bytes.length >= 16 && new DataView(bytes.buffer).getInt32(0, true) === 16) new DataView(bytes.buffer).setInt32(0, bytes.length, true);
    victim.send(bytes);
    await victim.closed();
    expect(victim.isClosed).toBe(true);
    expect((await bystander.command({ ping: 1 })).ok).toBe(1);
    expect(s.stats().openConnections).toBe(1);
  });

  it('a client sending OP_REPLY is disconnected too', async () => {
    const s = await sim();
    const c = await client(s);
    const reply = BSON.serialize({ ok: 1 });
    const frame = new Uint8Array(16 + 20 + reply.length);
    const v = new DataView(frame.buffer);
    v.setInt32(0, frame.length, true);
    v.setInt32(12, OP_REPLY, true);
    v.setInt32(32, 1, true);
    frame.set(reply, 36);
    c.send(frame);
    await c.closed();
  });
});

describe('wire server: commands', () => {
  it('answers an unknown command with the real CommandNotFound shape', async () => {
    const s = await sim();
    const c = await client(s);
    const reply = await c.command({ xyz: 1 }, { bson: { promoteValues: false } });
    expect(Object.keys(reply).slice(0, 4)).toEqual(['ok', 'errmsg', 'code', 'codeName']);
    expect(reply.ok.valueOf()).toBe(0);
    expect(reply.errmsg).toBe("no such command: 'xyz'");
    expect(reply.code).toBeInstanceOf(Int32);
    expect(reply.code.valueOf()).toBe(59);
    expect(reply.codeName).toBe('CommandNotFound');
    // ...and the connection stays usable.
    expect((await c.command({ ping: 1 })).ok).toBe(1);
    expect(s.stats().unknownCommands).toBe(1);
  });

  it('answers the legacy OP_QUERY handshake with OP_REPLY, and refuses other OP_QUERY commands (code 352)', async () => {
    const s = await sim();
    const c = await client(s);
    c.send(encodeOpQuery({ requestId: 77, fullCollectionName: 'admin.$cmd', query: { ismaster: 1, helloOk: true, client: { driver: { name: 'raw' } } } }));
    const m = await c.nextMessage();
    expect(m.kind).toBe('reply');
    if (m.kind !== 'reply') return;
    expect(m.header.responseTo).toBe(77);
    expect(m.documents[0]).toMatchObject({ ismaster: true, helloOk: true, maxWireVersion: 21, ok: 1 });
    expect(m.documents[0]).not.toHaveProperty('isWritablePrimary');
    c.send(encodeOpQuery({ requestId: 78, fullCollectionName: 'admin.$cmd', query: { ping: 1 } }));
    const refused = await c.nextMessage();
    expect(refused.kind === 'reply' && refused.documents[0]).toMatchObject({ ok: 0, code: 352, codeName: 'UnsupportedOpQueryCommand' });
  });

  it('requires $db, folds document sequences into the body, and honours the client moreToCome flag', async () => {
    const s = await sim();
    const c = await client(s);
    c.send(encodeOpMsg({ requestId: 1, body: { ping: 1 } }));
    const noDb = await c.nextMessage();
    expect(noDb.kind === 'msg' && noDb.body).toMatchObject({ ok: 0, code: 40571 });

    c.send(encodeOpMsg({ requestId: 2, body: { endSessions: 1, ids: [], $db: 'admin' }, sequences: { ids: [{ id: 1 }] } }));
    const dup = await c.nextMessage();
    expect(dup.kind === 'msg' && dup.body).toMatchObject({ ok: 0, code: 2 });
    c.send(encodeOpMsg({ requestId: 3, body: { endSessions: 1, $db: 'admin' }, sequences: { ids: [{ id: 1 }] }, checksum: true }));
    const ended = await c.nextMessage();
    expect(ended.kind === 'msg' && ended.header.responseTo).toBe(3);

    // Fire-and-forget: no reply to request 4, so the next reply answers request 5.
    c.send(encodeOpMsg({ requestId: 4, flags: OpMsgFlag.moreToCome, body: { ping: 1, $db: 'admin' } }));
    c.send(encodeOpMsg({ requestId: 5, body: { ping: 1, $db: 'admin' } }));
    const next = await c.nextMessage();
    expect(next.header.responseTo).toBe(5);
  });

  it('accepts client metadata only in the first hello of a connection', async () => {
    const s = await sim();
    const c = await client(s);
    expect((await c.command({ hello: 1, client: { application: { name: 'a' } } })).ok).toBe(1);
    const again = await c.command({ hello: 1, client: { application: { name: 'b' } } });
    expect(again).toMatchObject({ ok: 0, code: 186, codeName: 'ClientMetadataCannotBeMutated' });
  });
});

describe('wire server: awaitable hello', () => {
  async function topologyOf(c: RawWireClient): Promise<{ processId: ObjectId; counter: Long }> {
    const hello = await c.command({ hello: 1 }, { bson: { promoteValues: false } });
    return hello.topologyVersion as { processId: ObjectId; counter: Long };
  }

  it('holds a hello with the current topologyVersion until maxAwaitTimeMS passes on the clock', async () => {
    const clock = new ManualClock();
    const s = await sim({ clock });
    const c = await client(s);
    const tv = await topologyOf(c);
    const requestId = c.requestId();
    c.send(encodeOpMsg({ requestId, body: { hello: 1, topologyVersion: tv, maxAwaitTimeMS: new Long(10_000), $db: 'admin' } }));
    await vi.waitFor(() => expect(s.stats().awaitingTopologyChanges).toBe(1));
    await expect(c.nextFrame(150)).rejects.toThrow(/no message/);
    await clock.advance(9_999);
    await expect(c.nextFrame(50)).rejects.toThrow(/no message/);
    await clock.advance(1);
    const m = await c.nextMessage();
    expect(m.kind === 'msg' && m.flags & OpMsgFlag.moreToCome).toBe(0);
    expect(m.header.responseTo).toBe(requestId);
    expect(s.stats().awaitingTopologyChanges).toBe(0);
  });

  it('answers at once when the client is behind, and wakes held hellos on a topology change', async () => {
    const clock = new ManualClock();
    const s = await sim({ clock, setName: 'rs0' });
    const c = await client(s);
    const tv = await topologyOf(c);
    const stale = { processId: new ObjectId(), counter: tv.counter };
    const quick = await c.command({ hello: 1, topologyVersion: stale, maxAwaitTimeMS: 60_000 });
    expect(quick.ok).toBe(1);

    c.send(encodeOpMsg({ requestId: c.requestId(), body: { hello: 1, topologyVersion: tv, maxAwaitTimeMS: 60_000, $db: 'admin' } }));
    await vi.waitFor(() => expect(s.stats().awaitingTopologyChanges).toBe(1));
    s.replicaSet!.setPrimary(null);
    const woken = await c.nextMessage(1_000);
    expect(woken.kind === 'msg' && woken.body).toMatchObject({ isWritablePrimary: false, secondary: true, topologyVersion: { counter: 1 } });
  });

  it('streams replies with moreToCome when the client allows exhaust, until the connection closes', async () => {
    const clock = new ManualClock();
    const s = await sim({ clock });
    const c = await client(s);
    const tv = await topologyOf(c);
    c.send(encodeOpMsg({ requestId: 900, flags: OpMsgFlag.exhaustAllowed, body: { hello: 1, topologyVersion: tv, maxAwaitTimeMS: 500, $db: 'admin' } }));
    let prevId = 900;
    for (let i = 0; i < 3; i++) {
      // Advance only once the hello is held, or the clock would move before the server saw it.
      await vi.waitFor(() => expect(s.stats().awaitingTopologyChanges).toBe(1));
      await clock.advance(500);
      const m = await c.nextMessage();
      expect(m.kind === 'msg' && m.flags & OpMsgFlag.moreToCome).toBe(OpMsgFlag.moreToCome);
      expect(m.header.responseTo).toBe(prevId);
      prevId = m.header.requestId;
    }
    expect(s.stats().exhaustHello).toBe(1);
    await c.close();
    await vi.waitFor(() => expect(s.stats().openConnections).toBe(0));
    expect(s.stats().exhaustHello).toBe(0);
    expect(s.stats().awaitingTopologyChanges).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('never holds hellos when awaitable hello is off (drivers poll)', async () => {
    const s = await sim({ awaitableHello: false });
    const c = await client(s);
    const hello = await c.command({ hello: 1 });
    expect(hello).not.toHaveProperty('topologyVersion');
    const reply = await c.command({ hello: 1, topologyVersion: { processId: new ObjectId(), counter: 0 }, maxAwaitTimeMS: 60_000 }, { timeoutMs: 500 });
    expect(reply.ok).toBe(1);
  });

  it('rejects half an awaitable request', async () => {
    const s = await sim();
    const c = await client(s);
    const r: Document = await c.command({ hello: 1, maxAwaitTimeMS: 10 });
    expect(r).toMatchObject({ ok: 0, code: 2 });
  });
});

describe('wire server: fuzzed frames', () => {
  it('random frames are answered or close their own connection; the server and a bystander carry on', async () => {
    const { default: fc } = await import('fast-check');
    const s = await sim();
    const bystander = await client(s);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(2013, 2004, 1, 2012, 7), fc.uint8Array({ maxLength: 120 }), fc.boolean(), async (opCode, tail, validBody) => {
        const c = await RawWireClient.connect(s.port);
        try {
          const body = validBody ? encodeOpMsg({ requestId: 1, body: { ping: 1, $db: 'admin' } }).subarray(16) : tail;
          const frame = new Uint8Array(16 + body.length);
          const v = new DataView(frame.buffer);
          v.setInt32(0, frame.length, true);
          v.setInt32(12, opCode, true);
          frame.set(body, 16);
          c.send(frame);
          // Either a reply comes, or the connection is closed: never silence with an open socket.
          await c.nextFrame(1_000).catch((e: unknown) => expect(String(e)).toMatch(/closed|length/));
        } finally {
          await c.close();
        }
      }),
      { numRuns: 60 },
    );
    expect((await bystander.command({ ping: 1 })).ok).toBe(1);
    await vi.waitFor(() => expect(s.stats().openConnections).toBe(1));
  });
});
