import type { ChartPoint } from '../../../src-shared/domain/samples';
import type { ChartSpec, LiveState } from '../dashboard';

/**
 * The host page's charts from FTDC systemMetrics: CPU as % of the machine, memory, disk and network
 * throughput. The stored series are raw (counters become rates in metrics.query); the percentages and
 * byte scalings are applied here, per platform, because their names and units differ: Linux /proc
 * counts CPU in ms summed over every CPU and disks in 512-byte sectors, Windows PDH counts CPU in
 * 100 ns ticks already averaged over the CPUs and disks in bytes.
 */
export type HostPlatform = 'linux' | 'windows';

export interface HostLayout {
  platform: HostPlatform;
  /** Disk devices charted (loop/ram devices left out), at most four. */
  disks: string[];
  /** Every stored metric the charts read (the metrics.query input). */
  metrics: string[];
  /** Chart series key → stored metric and the factor applied to its points. */
  derived: Record<string, { metric: string; factor: number | 'perCpu' }>;
  specs: ChartSpec[];
}

const SM = 'systemMetrics';
const LINUX_CPU = ['user', 'system', 'iowait', 'nice', 'steal'] as const;
const WIN_CPU: Record<string, string> = { user: 'User', system: 'Privileged', interrupt: 'Interrupt' };
const IGNORED_DISK = /^(loop|ram|zram|sr|fd)\d*$/;

const spec = (key: string, title: string, axes: [string], format: ChartSpec['format'], series: { metric: string; label: string }[]): ChartSpec => ({
  key,
  group: 'host',
  title,
  axes,
  format,
  series: series.map((s) => ({ ...s, yAxis: 0 as const })),
});

/** What this host's capture holds, from its stored series names. */
export function hostLayout(stored: readonly string[]): HostLayout {
  const has = new Set(stored);
  const windows = stored.some((m) => m.startsWith(`${SM}.cpu.\\`));
  const derived: HostLayout['derived'] = {};
  const metrics = new Set<string>();
  const pick = (key: string, metric: string, factor: number | 'perCpu'): { metric: string; label: string } | null => {
    if (!has.has(metric)) return null;
    metrics.add(metric);
    derived[key] = { metric, factor };
    return { metric: key, label: key.split('.').pop()! };
  };
  const present = <T,>(xs: (T | null)[]): T[] => xs.filter((x): x is T => x !== null);
  const specs: ChartSpec[] = [];
  let disks: string[];
  if (windows) {
    specs.push(spec('host-cpu', 'CPU', ['%'], 'percent', present(Object.entries(WIN_CPU).map(([k, w]) => pick(`host.cpu.${k}`, `${SM}.cpu.\\Processor\\% ${w} Time`, 1e-5)))));
    specs.push(
      spec('host-memory', 'Memory', ['bytes'], 'bytes', present([pick('host.mem.available', `${SM}.memory.\\Memory\\Available Bytes`, 1), pick('host.mem.committed', `${SM}.memory.\\Memory\\Committed Bytes`, 1), pick('host.mem.commitLimit', `${SM}.memory.\\Memory\\Commit Limit`, 1)])),
    );
    disks = [...new Set(stored.map((m) => /^systemMetrics\.disks\.(.+)\.\\PhysicalDisk\\Disk Read Bytes\/sec$/.exec(m)?.[1]).filter((d): d is string => d !== undefined))].sort().slice(0, 4);
    specs.push(
      spec(
        'host-disk',
        'Disk I/O',
        ['bytes/s'],
        'bytesPerSecond',
        present(disks.flatMap((d) => [pick(`host.disk.${d} read`, `${SM}.disks.${d}.\\PhysicalDisk\\Disk Read Bytes/sec`, 1), pick(`host.disk.${d} write`, `${SM}.disks.${d}.\\PhysicalDisk\\Disk Write Bytes/sec`, 1)])),
      ),
    );
    specs.push(spec('host-network', 'Network', ['bytes/s'], 'bytesPerSecond', []));
  } else {
    if (has.has(`${SM}.cpu.num_cpus`)) metrics.add(`${SM}.cpu.num_cpus`);
    specs.push(spec('host-cpu', 'CPU', ['%'], 'percent', present(LINUX_CPU.map((k) => pick(`host.cpu.${k}`, `${SM}.cpu.${k}_ms`, 'perCpu')))));
    specs.push(
      spec('host-memory', 'Memory', ['bytes'], 'bytes', present([pick('host.mem.total', `${SM}.memory.MemTotal_kb`, 1024), pick('host.mem.available', `${SM}.memory.MemAvailable_kb`, 1024), pick('host.mem.cached', `${SM}.memory.Cached_kb`, 1024), pick('host.mem.free', `${SM}.memory.MemFree_kb`, 1024)])),
    );
    disks = [...new Set(stored.map((m) => /^systemMetrics\.disks\.(.+)\.read_sectors$/.exec(m)?.[1]).filter((d): d is string => d !== undefined && !IGNORED_DISK.test(d)))].sort().slice(0, 4);
    specs.push(spec('host-disk', 'Disk I/O', ['bytes/s'], 'bytesPerSecond', present(disks.flatMap((d) => [pick(`host.disk.${d} read`, `${SM}.disks.${d}.read_sectors`, 512), pick(`host.disk.${d} write`, `${SM}.disks.${d}.write_sectors`, 512)]))));
    specs.push(spec('host-network', 'Network', ['bytes/s'], 'bytesPerSecond', present([pick('host.net.in', `${SM}.netstat.IpExt:InOctets`, 1), pick('host.net.out', `${SM}.netstat.IpExt:OutOctets`, 1)])));
  }
  return { platform: windows ? 'windows' : 'linux', disks, metrics: [...metrics], derived, specs };
}

/** The newest CPU count in the capture (it can change on a VM resize), else the metadata's, else 1. */
export function cpuCount(live: LiveState, fallback: number | null): number {
  const pts = live.series[`${SM}.cpu.num_cpus`]?.points ?? [];
  for (let i = pts.length - 1; i >= 0; i--) {
    const v = pts[i]![1];
    if (v !== null && v > 0) return v;
  }
  return fallback !== null && fallback > 0 ? fallback : 1;
}

/** The chart series of a layout, computed from the stored series' points (rates for counters). */
export function hostLive(live: LiveState, layout: HostLayout, cores: number | null): LiveState {
  const ncpu = cpuCount(live, cores);
  const series: Record<string, LiveState['series'][string]> = { ...live.series };
  for (const [key, d] of Object.entries(layout.derived)) {
    const src = live.series[d.metric];
    // ms of CPU per second, summed over the CPUs → % of the whole machine.
    const f = d.factor === 'perCpu' ? 100 / (1000 * ncpu) : d.factor;
    const points: ChartPoint[] = (src?.points ?? []).map(([t, v]) => [t, v === null ? null : v * f]);
    series[key] = { metric: key, kind: 'gauge', points, unavailable: src?.unavailable ?? null };
  }
  return { ...live, metrics: [...live.metrics, ...Object.keys(layout.derived)], series };
}
