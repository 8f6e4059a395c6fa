import { laneModel, laneOption } from './lane-options';

describe('timeline lane model', () => {
  const b = {
    stepMs: 60_000,
    from: 0,
    to: 5 * 60_000,
    series: [
      { key: 'I', total: 7, points: [[0, 3], [120_000, 4]] as [number, number][] },
      { key: 'E', total: 1, points: [[60_000, 1]] as [number, number][] },
    ],
  };
  it('puts the worst severity first, fills empty buckets with zeros, and shades incidents', () => {
    const m = laneModel(b, [{ id: 1, kind: 'election', title: 'Election: a became PRIMARY', start: 61_000, end: 61_000, nodes: ['a'], kinds: ['election'], signals: 2, failedOperations: 0, operations: 0, maxDurationMs: 0, topErrors: [], marginMs: 60_000 }]);
    expect(m.series.map((s) => s.key)).toEqual(['E', 'I']);
    expect(m.series[1]!.points).toEqual([
      [0, 3],
      [60_000, 0],
      [120_000, 4],
      [180_000, 0],
      [240_000, 0],
      [300_000, 0],
    ]);
    expect(m.total).toBe(8);
    expect(m.incidents).toEqual([{ from: 61_000, to: 61_000 + 15_000, title: 'Election: a became PRIMARY' }]);
    const o = laneOption(m, false) as { series: { id: string; stack?: string; markArea?: { data: unknown[] } }[]; xAxis: { min: number; max: number } };
    expect(o.series.map((s) => s.id)).toEqual(['E', 'I', 'incidents']);
    expect(o.series[0]!.stack).toBe('lines');
    expect(o.series[2]!.markArea!.data).toHaveLength(1);
    expect([o.xAxis.min, o.xAxis.max]).toEqual([0, 300_000]);
  });
});
