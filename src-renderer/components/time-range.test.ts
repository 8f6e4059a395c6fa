import { fromLocalInput, presetId, PRESETS, refreshEveryMs, resolveRange, toLocalInput } from './time-range';

describe('time range', () => {
  const now = Date.UTC(2026, 2, 1, 12);

  it('offers live, 15 m, 1 h, 6 h, 24 h and 7 d, and resolves each against the clock', () => {
    expect(PRESETS.map((p) => p.label)).toEqual(['Live', '15 m', '1 h', '6 h', '24 h', '7 d']);
    expect(resolveRange({ kind: 'live' }, now)).toEqual({ from: now - 15 * 60_000, to: now });
    expect(resolveRange({ kind: 'last', ms: 7 * 86_400_000 }, now)).toEqual({ from: now - 7 * 86_400_000, to: now });
    expect(resolveRange({ kind: 'custom', from: 5, to: 9 }, now)).toEqual({ from: 5, to: 9 });
  });

  it('names the preset a range is, and calls anything else custom', () => {
    expect(presetId({ kind: 'last', ms: 3_600_000 })).toBe('1h');
    expect(presetId({ kind: 'last', ms: 1234 })).toBe('custom');
    expect(presetId({ kind: 'custom', from: 1, to: 2 })).toBe('custom');
  });

  it('refreshes rolling windows in proportion to their length, fixed ranges never', () => {
    expect(refreshEveryMs({ kind: 'last', ms: 15 * 60_000 })).toBe(5000);
    expect(refreshEveryMs({ kind: 'last', ms: 7 * 86_400_000 })).toBe(2_520_000);
    expect(refreshEveryMs({ kind: 'custom', from: 1, to: 2 })).toBeNull();
    expect(refreshEveryMs({ kind: 'live' })).toBeNull();
  });

  it('round-trips a local date-time input to the minute, and refuses garbage', () => {
    const t = new Date(2026, 2, 1, 9, 30).getTime();
    expect(fromLocalInput(toLocalInput(t))).toBe(t);
    expect(fromLocalInput('yesterday')).toBeNull();
    expect(fromLocalInput('')).toBeNull();
  });
});
