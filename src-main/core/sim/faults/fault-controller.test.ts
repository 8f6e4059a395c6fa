import { FaultController } from './fault-controller';

describe('FaultController', () => {
  it('matches by sent name, canonical name or group, or everything with "*"', () => {
    const f = new FaultController();
    f.delay('hello', 10);
    f.delay(['ping', 'buildInfo'], 5);
    f.delay('*', 1);
    expect(f.plan(['ismaster', 'isMaster', 'hello']).delayMs).toBe(11);
    expect(f.plan(['ping', 'ping']).delayMs).toBe(6);
    expect(f.plan(['serverStatus', 'serverStatus']).delayMs).toBe(1);
  });

  it('wears out after `times`, and a worn-out hang still holds what it caught until cleared', async () => {
    const f = new FaultController();
    f.delay('ping', 7, { times: 2 });
    expect([f.plan(['ping']).delayMs, f.plan(['ping']).delayMs, f.plan(['ping']).delayMs]).toEqual([7, 7, 0]);

    const h = f.hang('serverStatus', { times: 1 });
    const caught = f.plan(['serverStatus']).hold;
    expect(caught).toBeDefined();
    expect(f.plan(['serverStatus']).hold).toBeUndefined();
    let released = false;
    void caught!.then(() => (released = true));
    await new Promise((r) => setImmediate(r));
    expect(released).toBe(false);
    h.clear();
    await new Promise((r) => setImmediate(r));
    expect(released).toBe(true);
    expect(f.active()).toEqual([]);
  });

  it('honours maxTimeMS by default for delays (slow ops) and not for hangs (stalls)', () => {
    const f = new FaultController();
    f.delay('a', 1);
    f.hang('b');
    f.hang('c', { honorMaxTimeMS: true });
    expect(f.plan(['a']).honorMaxTimeMS).toBe(true);
    expect(f.plan(['b']).honorMaxTimeMS).toBe(false);
    expect(f.plan(['c']).honorMaxTimeMS).toBe(true);
    f.clearAll();
  });

  it('produces seeded garbage of the requested size', () => {
    const a = new FaultController(5);
    const b = new FaultController(5);
    a.garbage('*', { bytes: 33 });
    b.garbage('*', { bytes: 33 });
    const ga = a.plan(['x']).garbage!;
    expect(ga).toHaveLength(33);
    expect([...ga]).toEqual([...b.plan(['x']).garbage!]);
  });

  it('rejects nonsense and needs a running simulator for connection faults', () => {
    const f = new FaultController();
    expect(() => f.delay('x', -1)).toThrow(RangeError);
    expect(() => f.hang([])).toThrow(RangeError);
    expect(() => f.hang('x', { times: 0 })).toThrow(RangeError);
    expect(() => f.garbage('x', { bytes: 0 })).toThrow(RangeError);
    expect(() => f.dropConnections()).toThrow(/not attached/);
  });
});
