import { ManualClock } from './manual-clock';

describe('ManualClock', () => {
  it('fires timers in due order with the clocks set to their due time', async () => {
    const clock = new ManualClock(1_000_000, 0);
    const seen: [string, number, number][] = [];
    clock.setTimeout(() => seen.push(['b', clock.monotonic(), clock.now()]), 200);
    clock.setTimeout(() => seen.push(['a', clock.monotonic(), clock.now()]), 100);
    const cancelled = clock.setTimeout(() => seen.push(['x', 0, 0]), 150);
    cancelled.cancel();
    await clock.advance(150);
    expect(seen).toEqual([['a', 100, 1_000_100]]);
    await clock.advance(100);
    expect(seen.map((s) => s[0])).toEqual(['a', 'b']);
    expect(clock.monotonic()).toBe(250);
    expect(clock.pending).toBe(0);
    await expect(clock.advance(-1)).rejects.toThrow(RangeError);
  });

  it('runs timers scheduled by timers within the same advance, and sleep honours abort', async () => {
    const clock = new ManualClock();
    const order: number[] = [];
    clock.setTimeout(() => {
      order.push(1);
      clock.setTimeout(() => order.push(2), 10);
    }, 10);
    await clock.advance(25);
    expect(order).toEqual([1, 2]);

    const ac = new AbortController();
    const s = clock.sleep(1_000, ac.signal);
    ac.abort(new Error('stop'));
    await expect(s).rejects.toThrow('stop');
    expect(clock.pending).toBe(0);
    const done = clock.sleep(5);
    await clock.advance(5);
    await expect(done).resolves.toBeUndefined();
  });

  it('jumpWall moves only the wall clock', () => {
    const clock = new ManualClock(0, 0);
    clock.jumpWall(-5_000);
    expect([clock.now(), clock.monotonic()]).toEqual([-5_000, 0]);
  });
});
