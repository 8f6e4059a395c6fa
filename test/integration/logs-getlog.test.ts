// getLog polling against the simulator, through the real core and contract: the node's ring of the
// last 1,024 lines is read poll after poll without repeats; a burst larger than the ring between two
// polls is recorded as a gap with the exact count of lines missed (from totalLinesWritten); a
// restart of the node starts a new file; the source is audited, stoppable and deletable.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src-main/core/sim';
import { RING_LINES, simLog } from '../../src-main/core/sim/commands/get-log.command';
import { ManualClock } from '../../src-main/core/sim/testing/manual-clock';
import type { NodeId } from '../../src-shared/domain/identity';
import { eventually, startTestCore, type TestCore } from '../helpers/core';

let sim: Simulator;
let t: TestCore;
let nodeId: NodeId;
const clock = new ManualClock(Date.UTC(2025, 5, 1, 12, 0, 0));

beforeAll(async () => {
  sim = await startSimulator({ clock, jitter: 0, seed: 3 });
  t = startTestCore();
  const conn = await t.client.invoke('connections.add', { uri: sim.uri, name: 'sim' });
  nodeId = conn.nodes[0]!.id;
});

afterAll(async () => {
  await t?.close();
  await sim?.stop();
});

/** Line numbers stored for the source (the node's own count: 1 = the first line it logged). */
function lineNumbers(sourceId: number): number[] {
  return t.core.logs.store.db
    .prepare<[number], { line: number }>("SELECT e.line FROM events e JOIN files f ON f.id = e.file_id WHERE f.source_id = ? AND e.comp != 'BALEEN' AND e.line > 0 ORDER BY e.id")
    .all(sourceId)
    .map((r) => r.line);
}
const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

describe('getLog polling (simulator, through the core)', () => {
  it('reads new lines poll after poll, counts lines lost to the ring, and starts over after a restart', async () => {
    simLog.setRate(sim.node, 10);
    const started = await t.client.invoke('logs.pollGetLog', { nodeId, intervalMs: 3_600_000 });
    expect(started).toMatchObject({ kind: 'getLog', state: 'following', nodeId });
    const id = started.id;
    // The first poll runs at once: the start-up lines (the warning is also in startupWarnings: kept once).
    await eventually(async () => ((await t.client.invoke('logs.sources', {})).find((s) => s.id === id)!.events === 3 ? true : undefined), 10_000, 'the first poll');
    expect(lineNumbers(id)).toEqual([1, 2, 3]);

    // 20 s at 10 lines/s.
    await clock.advance(20_000);
    let s = await t.client.invoke('logs.pollNow', { sourceId: id });
    expect(s.events).toBe(203);
    expect(s.missed).toBe(0);
    expect(lineNumbers(id)).toEqual(range(1, 203));

    // A burst of 5,000 lines: the ring keeps the last 1,024, so 3,976 are missed, and said so.
    simLog.burst(sim.node, 5000);
    s = await t.client.invoke('logs.pollNow', { sourceId: id });
    expect(s.missed).toBe(5000 - RING_LINES);
    expect(lineNumbers(id)).toEqual([...range(1, 203), ...range(203 + 5000 - RING_LINES + 1, 5203)]);
    const gap = await t.client.invoke('logs.search', { filter: { components: ['BALEEN'] } });
    expect(gap.rows.map((r) => [r.msg, JSON.parse(r.attr!)])).toEqual([
      ['3976 log line(s) were missed between two getLog polls (the ring keeps the last 1,024); poll more often or follow the file over SSH', { missedLines: 3976 }],
    ]);
    expect(s.events).toBe(203 + RING_LINES + 1);

    // Nothing new, nothing written.
    s = await t.client.invoke('logs.pollNow', { sourceId: id });
    expect(s.events).toBe(203 + RING_LINES + 1);

    // The node restarts: a new file from its first line; an incident says so.
    await sim.restart();
    s = await t.client.invoke('logs.pollNow', { sourceId: id });
    expect(s.files.map((f) => f.path)).toEqual(['getLog global', 'getLog global (after restart 1)']);
    expect(s.events).toBe(203 + RING_LINES + 1 + 3);
    const incidents = await t.client.invoke('events.incidents', { nodeIds: [nodeId] });
    expect(incidents.some((i) => i.kind === 'restart')).toBe(true);

    // What was read is searchable and analysed like any log: slow queries by shape, connections by app.
    const shapes = await t.client.invoke('logs.shapes', { nodeIds: [nodeId] });
    expect(shapes.shapes[0]).toMatchObject({ ns: 'shop.orders', op: 'find', planSummaries: [{ plan: 'COLLSCAN' }] });
    const conns = await t.client.invoke('logs.connections', { nodeIds: [nodeId], by: 'app' });
    expect(conns.groups[0]).toMatchObject({ key: 'orders-api' });

    // Stop, then delete: audited, and nothing of it is left.
    expect((await t.client.invoke('logs.stopSource', { sourceId: id })).state).toBe('stopped');
    expect(await t.client.invoke('logs.deleteSource', { sourceId: id })).toEqual({ deleted: true, events: 203 + RING_LINES + 1 + 3 });
    expect((await t.client.invoke('logs.sources', {})).find((x) => x.id === id)).toBeUndefined();
    const actions = t.core.audit.list({ limit: 50 }).map((r) => `${r.kind}:${r.action}`);
    for (const a of ['logs.getLog', 'logs.stop', 'logs.delete']) {
      expect(actions).toContain(`intent:${a}`);
      expect(actions).toContain(`outcome:${a}`);
    }
  }, 60_000);

  it('a node Baleen does not know is refused with E_NOT_FOUND and no source is made', async () => {
    const before = (await t.client.invoke('logs.sources', {})).length;
    const e = (await t.client.invoke('logs.pollGetLog', { nodeId: 'nope/ghost:27017' as NodeId }).catch((x: unknown) => x)) as { code?: string };
    expect(e.code).toBe('E_NOT_FOUND');
    expect((await t.client.invoke('logs.sources', {})).length).toBe(before);
    const f = (await t.client.invoke('logs.followRemote', { nodeId, path: '/var/log/mongodb/mongod.log' }).catch((x: unknown) => x)) as { code?: string; message?: string };
    // The simulator is reached directly, not through SSH: following its file is not possible, and it says why.
    expect(f.code).toBe('E_UNSUPPORTED');
    expect(f.message).toMatch(/not reached through SSH/);
  });
});
