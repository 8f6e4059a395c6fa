// The real `mongodb` driver against a real independent server (FerretDB): the collector runs, the
// serverStatus sections FerretDB does not return are gaps with reasons (never zeros), nothing crashes.
import { nodeEntityKey } from '../../src-shared/domain/identity';
import { startFerretDb, type FerretDb } from '../servers/ferretdb';
import { eventually, startTestCore, type TestCore } from '../helpers/core';

describe('monitoring FerretDB', () => {
  let fdb: FerretDb;
  let t: TestCore;

  beforeAll(async () => {
    fdb = await startFerretDb();
    t = startTestCore({ monitoring: { intervalMs: 250 } });
  });
  afterAll(async () => {
    await t?.close();
    await fdb?.stop();
  });

  it('connects, identifies the server, and polls serverStatus with gaps for what FerretDB lacks', async () => {
    const conn = await t.client.invoke('connections.add', { uri: fdb.uri, name: 'ferret' });
    const node = conn.nodes[0]!;
    expect(node.server).toBe('ferretdb');
    expect(node.version).toBe('1.24.2');
    // FerretDB's hello has no `me`: identity falls back to the seed dialled.
    expect(node.hostPort).toBe(`127.0.0.1:${fdb.port}`);

    const entity = nodeEntityKey(node.id);
    // The v0 chart set plus the restart detectors (the catalogue is larger than one query may ask for).
    const ids = ['uptimeMillis', 'pid', 'opcounters.insert', 'connections.current', 'network.bytesIn', 'mem.resident'].map((p) => `serverStatus.${p}`);
    const result = await eventually(async () => {
      const r = await t.client.invoke('metrics.query', { entity, metrics: ids, from: 0, to: Date.now() + 1000 });
      const up = r.series.find((s) => s.metric === 'serverStatus.uptimeMillis')!;
      return up.points.length >= 3 ? r : undefined;
    }, 10_000, 'three polls of FerretDB');

    const byId = Object.fromEntries(result.series.map((s) => [s.metric, s]));
    // What FerretDB returns is stored and charted.
    expect(byId['serverStatus.pid']!.points.every(([, v]) => v !== null && v > 0)).toBe(true);
    // What it does not return is a gap with a reason naming the section and the server, never a zero.
    for (const id of ['serverStatus.opcounters.insert', 'serverStatus.connections.current', 'serverStatus.network.bytesIn', 'serverStatus.mem.resident']) {
      expect(byId[id]!.points, id).toEqual([]);
      expect(byId[id]!.unavailable, id).toMatch(/^serverStatus\.(opcounters|connections|network|mem) is not returned by FerretDB 1\.24\.2$/);
    }
    const list = await t.client.invoke('connections.list', {});
    expect(list[0]!.nodes[0]!.status.state).toBe('monitoring');
  });

  it('audits adding the connection with no secret in the record', async () => {
    const rows = t.core.audit.list({ action: 'connection.add' });
    expect(rows.map((r) => r.kind).sort()).toEqual(['intent', 'outcome']);
    expect(rows.find((r) => r.kind === 'outcome')!.result).toBe('ok');
    expect(t.core.audit.verifyChain().ok).toBe(true);
  });
});
