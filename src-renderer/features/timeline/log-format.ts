/**
 * How log data reads on screen, shared by the log views: node names from the event store, times,
 * severities and durations.
 */

/** `prod/db1:27017` → `db1:27017`; `log:db1:27017` → `db1:27017`; `file:mongod.log` → `mongod.log`. */
export function nodeLabel(name: string): string {
  if (name.startsWith('log:') || name.startsWith('file:')) return name.slice(name.indexOf(':') + 1);
  const i = name.indexOf('/');
  return i >= 0 ? name.slice(i + 1) : name;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** `2024-03-18 14:52:44.658` in UTC: log lines are read against other logs, so one zone, to the millisecond. */
export function formatLogTime(ts: number): string {
  const d = new Date(ts);
  if (!Number.isFinite(d.getTime())) return '—';
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}`;
}

export const SEVERITIES = [
  { id: 'F', label: 'Fatal' },
  { id: 'E', label: 'Error' },
  { id: 'W', label: 'Warning' },
  { id: 'I', label: 'Info' },
  { id: 'D', label: 'Debug' },
] as const;

export function severityLabel(s: string): string {
  if (/^D\d$/.test(s)) return `Debug ${s.slice(1)}`;
  return SEVERITIES.find((x) => x.id === s)?.label ?? s;
}

/** Severity colours, worst first; the same in every log view and the timeline lane. */
export const SEVERITY_COLOR: Record<string, string> = { F: '#8b0000', E: '#d1242f', W: '#bf8700', I: '#4c8bf5', D: '#8c959f', '-': '#8c959f' };

export function severityColor(s: string): string {
  return SEVERITY_COLOR[s] ?? SEVERITY_COLOR[s.charAt(0)] ?? '#8c959f';
}

export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms * 10) / 10} ms`;
  if (ms < 60_000) return `${Math.round(ms / 100) / 10} s`;
  return `${Math.round(ms / 6000) / 10} min`;
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** The CSS class for a severity's colour (the CSP forbids inline styles): sev-F, sev-E, sev-W, sev-I, sev-D. */
export function severityClass(s: string): string {
  const c = s.charAt(0);
  return `sev-${'FEWID'.includes(c) && c !== '' ? c : 'D'}`;
}
