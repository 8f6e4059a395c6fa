// The heap policy: tight while Baleen only monitors, V8's own growth while any import runs (nested or
// overlapping imports included), tight again once the last one ends — and a release called twice
// must not end someone else's import.
import { heapGrowingPercent, keepHeapTight, STEADY_GROWING_PERCENT, throughputHeap } from './heap-policy';

describe('heap policy', () => {
  it('is tight once the core asks, dynamic while imports run, tight again after the last', () => {
    keepHeapTight();
    expect(heapGrowingPercent()).toBe(STEADY_GROWING_PERCENT);
    const a = throughputHeap();
    expect(heapGrowingPercent()).toBe(0);
    const b = throughputHeap();
    a();
    a(); // a second release of the same import changes nothing
    expect(heapGrowingPercent()).toBe(0);
    b();
    expect(heapGrowingPercent()).toBe(STEADY_GROWING_PERCENT);
  });
});
