// Importing logs through the core's contract: progress events, an import tied to a node (its
// start-up name becomes an alias), cancellation part-way (what was committed is kept, the source says
// it was cancelled, the audit log has the outcome), bad paths as typed errors, deletion, and a
// restart of the core (the imported events are still there; nothing is evicted).
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { LogImportProgress } from '../../src-shared/contract';
import { startSimulator } from '../../src-main/core/sim';
import { makeNodeId } from '../../src-shared/domain/identity';
import { startTestCore } from '../helpers/core';
import { tempDir } from '../helpers/tmp';

const REPLICA = resolve(process.cwd(), '../shared/corpus/hatchet/logs/replica.tar.gz');
const HAVE = existsSync(REPLICA);
if (!HAVE) console.warn(`logs-import-core: ${REPLICA} not found; the corpus cases are skipped`);
const dataDir = tempDir('baleen-logs-core-');
const t = startTestCore({ dataDir });
afterAll(() => t.close());

const line = (ts: number, msg: string, attr: unknown = { n: 1 }) => JSON.stringify({ t: { $date: new Date(ts).toISOString() }, s: 'I', c: 'CONTROL', id: 1, ctx: 'main', msg, attr });

describe('log import through the core', () => {
  it('bad paths are typed errors and leave no source behind', async () => {
    const e1 = (await t.client.invoke('logs.import', { paths: ['/nonexistent/mongod.log'] }).catch((x: unknown) => x)) as { code?: string };
    expect(e1.code).toBe('E_NOT_FOUND');
    const empty = mkdtempSync(join(tmpdir(), 'baleen-empty-'));
    writeFileSync(join(empty, 'notes.txt'), 'not a log\n');
    const e2 = (await t.client.invoke('logs.import', { paths: [empty] }).catch((x: unknown) => x)) as { code?: string; message?: string };
    expect(e2.code).toBe('E_INVALID_INPUT');
    expect(e2.message).toMatch(/No mongod log found/);
    const e3 = (await t.client.invoke('logs.import', { paths: ['a\0b'] }).catch((x: unknown) => x)) as { code?: string };
    expect(e3.code).toBe('E_INVALID_INPUT');
    expect(await t.client.invoke('logs.sources', {})).toEqual([]);
  });

  it('an import tied to a node: every line is that node, its log name becomes an alias, and the next import of that name resolves to it', async () => {
    const sim = await startSimulator({});
    try {
      const conn = await t.client.invoke('connections.add', { uri: sim.uri, name: 'db7' });
      const nodeId = conn.nodes[0]!.id;
      const dir = mkdtempSync(join(tmpdir(), 'baleen-node-log-'));
      const T = Date.UTC(2025, 1, 2, 3, 4, 5);
      const startup = (ts: number) => JSON.stringify({ t: { $date: new Date(ts).toISOString() }, s: 'I', c: 'CONTROL', id: 4615611, ctx: 'initandlisten', msg: 'MongoDB starting', attr: { pid: 1, port: 27017, host: 'db7.internal' } });
      writeFileSync(join(dir, 'mongod.log'), [startup(T), line(T + 1, 'hello')].join('\n') + '\n');
      const s = await t.client.invoke('logs.import', { paths: [dir], nodeId });
      expect(s).toMatchObject({ kind: 'file', state: 'done', events: 2, nodeId });
      expect((await t.client.invoke('connections.get', { id: conn.id })).nodes[0]!.aliases).toContain('db7.internal:27017');
      // Another customer file naming the same host:port, imported without saying which node: resolved by the alias.
      const dir2 = mkdtempSync(join(tmpdir(), 'baleen-node-log-'));
      writeFileSync(join(dir2, 'mongod.log.1'), [startup(T + 10), line(T + 11, 'again')].join('\n') + '\n');
      const s2 = await t.client.invoke('logs.import', { paths: [dir2] });
      expect(s2.nodeId).toBeNull();
      const rows = await t.client.invoke('logs.search', { filter: { nodeIds: [nodeId] } });
      expect(rows.rows.map((r) => r.msg)).toEqual(['MongoDB starting', 'hello', 'MongoDB starting', 'again']);
      const nodes = await t.client.invoke('logs.nodes', {});
      expect(nodes.find((n) => n.nodeId === nodeId)).toMatchObject({ name: nodeId, events: 4 });
      // A node Baleen does not know is refused before anything is read.
      const e = (await t.client.invoke('logs.import', { paths: [dir], nodeId: makeNodeId('nobody', 'x:1') }).catch((x: unknown) => x)) as { code?: string };
      expect(e.code).toBe('E_NOT_FOUND');
      for (const id of [s.id, s2.id]) await t.client.invoke('logs.deleteSource', { sourceId: id });
      await t.client.invoke('connections.remove', { id: conn.id });
    } finally {
      await sim.stop();
    }
  });

  it.skipIf(!HAVE)('progress events, then a cancel part-way keeps what was committed and says so; delete removes it', async () => {
    const progress: LogImportProgress[] = [];
    const ac = new AbortController();
    const off = t.client.on('logs.progress', (p) => {
      progress.push(p);
      if (progress.length === 1) ac.abort();
    });
    const e = (await t.client.invoke('logs.import', { paths: [REPLICA] }, { signal: ac.signal }).catch((x: unknown) => x)) as { code?: string };
    off();
    expect(e.code).toBe('E_CANCELLED');
    const [src] = (await t.client.invoke('logs.sources', {})).filter((s) => s.label === REPLICA);
    expect(src).toMatchObject({ state: 'cancelled' });
    expect(src!.error).toMatch(/^E_CANCELLED/);
    expect(src!.events).toBeGreaterThan(0);
    expect(src!.events).toBeLessThan(15_000);
    const count = await t.client.invoke('logs.count', { filter: { sourceId: src!.id } });
    expect(count.count).toBe(src!.events);
    const audit = t.core.audit.list({ action: 'logs.import', limit: 10 });
    expect(audit.some((r) => r.kind === 'outcome' && r.errorCode === 'E_CANCELLED')).toBe(true);
    expect(await t.client.invoke('logs.deleteSource', { sourceId: src!.id })).toEqual({ deleted: true, events: src!.events });
  });

  it.skipIf(!HAVE)('a whole import survives a restart of the core, with its incidents', async () => {
    const s = await t.client.invoke('logs.import', { paths: [REPLICA] });
    expect(s.state).toBe('done');
    expect(s.events).toBe(7757 + 4599 + 3652);
    await t.stop();
    const again = startTestCore({ dataDir });
    try {
      const sources = await again.client.invoke('logs.sources', {});
      expect(sources.find((x) => x.id === s.id)).toMatchObject({ state: 'done', events: s.events });
      const incidents = await again.client.invoke('events.incidents', {});
      expect(incidents.filter((i) => i.kind === 'election')).toHaveLength(2);
    } finally {
      await again.stop();
    }
  });
});
