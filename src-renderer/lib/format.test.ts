import { formatBytes, formatBytesPerSecond, formatCompact, formatDuration, formatMiB, formatRate } from './format';

describe('format', () => {
  it('uses binary prefixes and trims trailing zeros', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(10 * 1024 * 1024)).toBe('10 MiB');
    expect(formatBytesPerSecond(2048)).toBe('2 KiB/s');
    expect(formatMiB(2048)).toBe('2 GiB');
    expect(formatMiB(300)).toBe('300 MiB');
  });

  it('keeps small rates visible and compacts large ones', () => {
    expect(formatCompact(0.05)).toBe('0.05');
    expect(formatCompact(12.345)).toBe('12.3');
    expect(formatCompact(950)).toBe('950');
    expect(formatCompact(12_345)).toBe('12.3k');
    expect(formatCompact(2_500_000)).toBe('2.5M');
    expect(formatRate(3, 'ops')).toBe('3 ops/s');
    expect(formatBytes(Number.NaN)).toBe('—');
  });

  it('formats durations for humans', () => {
    expect(formatDuration(12_000)).toBe('12 s');
    expect(formatDuration(4 * 60_000)).toBe('4 min');
    expect(formatDuration(185 * 60_000)).toBe('3 h 5 min');
    expect(formatDuration(-1)).toBe('—');
  });
});
