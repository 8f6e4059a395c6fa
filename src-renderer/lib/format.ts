/**
 * Number and unit formatting for charts, tooltips and lists. Binary prefixes for bytes because
 * that is what mongod reports (mem.resident is MiB) and what DBAs compare against.
 */
const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;

function trimmed(value: number, digits: number): string {
  // toFixed then drop trailing zeros so axis labels read "1.5 MiB", not "1.50 MiB".
  return value.toFixed(digits).replace(/\.0+$|(\.\d*?)0+$/, '$1');
}

function scaled(value: number): string {
  const abs = Math.abs(value);
  if (abs === 0) return '0';
  if (abs >= 100) return trimmed(value, 0);
  if (abs >= 10) return trimmed(value, 1);
  return trimmed(value, 2);
}

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '—';
  let v = bytes;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < BYTE_UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  return `${scaled(v)} ${BYTE_UNITS[i]}`;
}

export const formatBytesPerSecond = (bytesPerSecond: number): string =>
  Number.isFinite(bytesPerSecond) ? `${formatBytes(bytesPerSecond)}/s` : '—';

/** A value already in MiB (serverStatus.mem.resident). */
export const formatMiB = (mib: number): string => (Number.isFinite(mib) ? formatBytes(mib * 1024 * 1024) : '—');

/** 1234 → "1.23k"; small rates keep two decimals so 0.05 ops/s is not shown as 0. */
export function formatCompact(n: number): string {
  if (!Number.isFinite(n)) return '—';
  const abs = Math.abs(n);
  if (abs >= 1e9) return `${scaled(n / 1e9)}G`;
  if (abs >= 1e6) return `${scaled(n / 1e6)}M`;
  if (abs >= 1e4) return `${scaled(n / 1e3)}k`;
  if (abs >= 100) return trimmed(n, 0);
  return scaled(n);
}

export const formatRate = (perSecond: number, unit: string): string => `${formatCompact(perSecond)} ${unit}/s`;

/** "12 s", "4 min", "3 h 5 min", for "since" labels and gap lengths. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 === 0 ? `${h} h` : `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} d`;
}

/** Local wall-clock time with seconds: charts and gaps are read against the user's own clock. */
export function formatTime(ts: number): string {
  const d = new Date(ts);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function formatDateTime(ts: number): string {
  const d = new Date(ts);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${formatTime(ts)}`;
}
