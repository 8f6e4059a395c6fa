import type { MetricsQueryResult } from '../../../src-shared/contract';
import { fixedRange } from '../dashboard/live-series';
import { cpuCount, hostLayout, hostLive } from './host-charts';

const LINUX = [
  'systemMetrics.cpu.num_cpus',
  'systemMetrics.cpu.user_ms',
  'systemMetrics.cpu.system_ms',
  'systemMetrics.cpu.iowait_ms',
  'systemMetrics.memory.MemTotal_kb',
  'systemMetrics.memory.MemAvailable_kb',
  'systemMetrics.disks.sda.read_sectors',
  'systemMetrics.disks.sda.write_sectors',
  'systemMetrics.disks.loop3.read_sectors',
  'systemMetrics.disks.loop3.write_sectors',
  'systemMetrics.netstat.IpExt:InOctets',
  'systemMetrics.netstat.IpExt:OutOctets',
];
const WINDOWS = [
  'systemMetrics.cpu.\\Processor\\% User Time',
  'systemMetrics.cpu.\\Processor\\% Privileged Time',
  'systemMetrics.memory.\\Memory\\Available Bytes',
  'systemMetrics.disks.0 C:.\\PhysicalDisk\\Disk Read Bytes/sec',
  'systemMetrics.disks.0 C:.\\PhysicalDisk\\Disk Write Bytes/sec',
];

function result(series: Record<string, [number, number | null][]>): MetricsQueryResult {
  return {
    entity: 'host:h',
    from: 0,
    to: 10_000,
    gaps: [],
    resets: [],
    series: Object.entries(series).map(([metric, points]) => ({ metric, unit: '', kind: 'gauge', points, unavailable: null })),
  };
}

describe('host charts', () => {
  it('lays out Linux captures: CPU by state, memory, real disks only, network from IpExt octets', () => {
    const l = hostLayout(LINUX);
    expect(l.platform).toBe('linux');
    expect(l.disks).toEqual(['sda']);
    expect(l.specs.map((s) => [s.key, s.series.length])).toEqual([
      ['host-cpu', 3],
      ['host-memory', 2],
      ['host-disk', 2],
      ['host-network', 2],
    ]);
    expect(l.metrics).toContain('systemMetrics.cpu.num_cpus');
    expect(l.metrics).not.toContain('systemMetrics.disks.loop3.read_sectors');
  });

  it('turns CPU ms/s summed over CPUs into % of the machine, and sectors into bytes', () => {
    const l = hostLayout(LINUX);
    const live = fixedRange(l.metrics, result({ 'systemMetrics.cpu.num_cpus': [[1000, 4]], 'systemMetrics.cpu.user_ms': [[1000, 2000], [2000, null]], 'systemMetrics.disks.sda.read_sectors': [[1000, 10]] }));
    expect(cpuCount(live, null)).toBe(4);
    const out = hostLive(live, l, null);
    // 2,000 ms of CPU per second on 4 CPUs = half the machine.
    expect(out.series['host.cpu.user']!.points).toEqual([
      [1000, 50],
      [2000, null],
    ]);
    expect(out.series['host.disk.sda read']!.points).toEqual([[1000, 5120]]);
  });

  it('Windows: PDH 100 ns ticks (already averaged over CPUs) become %, disks are bytes, no network counters', () => {
    const l = hostLayout(WINDOWS);
    expect(l.platform).toBe('windows');
    expect(l.disks).toEqual(['0 C:']);
    const live = fixedRange(l.metrics, result({ 'systemMetrics.cpu.\\Processor\\% User Time': [[1000, 636_789]] }));
    expect(hostLive(live, l, null).series['host.cpu.user']!.points[0]![1]).toBeCloseTo(6.36789, 5);
    expect(l.specs.find((s) => s.key === 'host-network')!.series).toEqual([]);
  });
});
