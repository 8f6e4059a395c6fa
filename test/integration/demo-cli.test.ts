// `baleen demo` in-process: it starts the simulated set, serves the console with its token, and within a
// few seconds all three members are monitored with samples in the store; its data lives in a temp folder
// that is gone after Ctrl-C, and nothing is left listening.
import { existsSync } from 'node:fs';
import { runCli } from '../../src-main/cli';
import type { CliIO } from '../../src-main/cli/io';
import { nodeEntityKey } from '../../src-shared/domain/identity';
import { eventually } from '../helpers/core';
import { wsClient } from '../helpers/transports';

describe('baleen demo', () => {
  it('serves the console on a three-member simulated replica set, all members monitored', async () => {
    let stdout = '';
    let stderr = '';
    const io: CliIO = { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s), env: { ...process.env }, cwd: process.cwd(), isTTY: false };
    const ac = new AbortController();
    const run = runCli(['demo', '--port', '0', '--election-every', '30'], io, ac.signal);
    let closeWs: (() => Promise<void>) | undefined;
    try {
      const url = await eventually(() => /Open the console at (http:\/\/127\.0\.0\.1:(\d+)\/\?token=([\w-]+))#\/cluster\/(\S+)/.exec(stdout) ?? undefined, 20_000, `the URL (stderr: ${stderr})`);
      const dataDir = /Data folder: (\S+)/.exec(stdout)![1]!;
      expect(existsSync(dataDir)).toBe(true);
      const page = await fetch(url[1]!, { redirect: 'manual' });
      // The token is swapped for a cookie (the console is served once built; the API is up either way).
      expect([200, 302, 303]).toContain(page.status);
      const ws = await wsClient(`ws://127.0.0.1:${url[2]}/rpc?token=${url[3]}`);
      closeWs = ws.close;
      const conns = await ws.client.invoke('connections.list', {});
      expect(conns).toHaveLength(1);
      expect(conns[0]!.id).toBe(decodeURIComponent(url[4]!));
      expect(conns[0]!.nodes.map((n) => n.hostPort).sort()).toEqual(['demo-a.baleen.invalid:27017', 'demo-b.baleen.invalid:27017', 'demo-c.baleen.invalid:27017']);
      for (const n of conns[0]!.nodes) {
        await eventually(async () => {
          const node = (await ws.client.invoke('connections.list', {}))[0]!.nodes.find((x) => x.id === n.id)!;
          if (node.status.state !== 'monitoring') return undefined;
          const q = await ws.client.invoke('metrics.query', { entity: nodeEntityKey(n.id), metrics: ['serverStatus.opcounters.query', 'replSetGetStatus.myState'], from: 0, to: Date.now() + 1000 });
          return q.series[0]!.points.some(([, v]) => v !== null && v > 0) && q.series[1]!.points.length > 0 ? true : undefined;
        }, 15_000, `${n.hostPort} monitored with samples`);
      }
      const states = await Promise.all(conns[0]!.nodes.map((n) => ws.client.invoke('metrics.replication', { nodeId: n.id })));
      expect(states.map((s) => s?.myState).sort()).toEqual([1, 2, 2]);
      await ws.close();
      closeWs = undefined;
      ac.abort();
      expect(await run).toBe(0);
      expect(existsSync(dataDir)).toBe(false);
      // The console and the simulators are gone with it.
      await expect(fetch(url[1]!)).rejects.toThrow();
    } finally {
      await closeWs?.();
      ac.abort();
      await run;
    }
  }, 60_000);
});
