// A node's diagnostic.data fetched over SSH (real OpenSSH sshd on loopback) with the allowlisted
// list/read commands only, then imported like local files; names, sizes and hostile file names checked.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Long } from '../../src-main/core/bson/bson';
import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it } from 'vitest';
import { encodeFtdcFile } from '../../src-main/core/ftdc/ftdc-reference.fixture';
import { buildExecCommand } from '../../src-main/core/tunnels';
import { FTDC_LIST_TEMPLATE, FTDC_READ_TEMPLATE, fetchRemoteFtdc, listRemoteFtdc } from '../../src-main/core/imports/ssh-fetch';
import { systemClock } from '../../src-main/core/ports/clock';
import type { SshTunnel } from '../../src-main/core/tunnels';
import { startTestCore, type TestCore } from '../helpers/core';
import { tempDir } from '../helpers/tmp';
import { requireOpenSsh, sshKeygen, startSshd, type KeyPair, type SshdHandle } from '../servers/sshd';
import { pinKey, sshKit, type SshKit } from '../servers/ssh-test-kit';

requireOpenSsh();
const dir = tempDir('baleen-ftdc-ssh-');
const T0 = Date.UTC(2024, 6, 1, 10, 0, 0);
const remote = join(dir, 'remote', 'diagnostic.data');

function file(from: number, n: number) {
  const samples = Array.from({ length: n }, (_, k) => {
    const i = from + k;
    return { start: new Date(T0 + i * 1000), serverStatus: { opcounters: { insert: new Long(100 + i * 5) } }, systemMetrics: { cpu: { user_ms: new Long(i * 100) } } };
  });
  return encodeFtdcFile(samples, { metadata: { start: new Date(T0), buildInfo: { version: '7.0.12' }, hostInfo: { system: { hostname: 'db-remote.example' } }, getCmdLineOpts: { parsed: { net: { port: 27017 } } } } });
}

let sshd: SshdHandle;
let key: KeyPair;
let kit: SshKit;
let tunnel: SshTunnel;

beforeAll(async () => {
  mkdirSync(remote, { recursive: true });
  writeFileSync(join(remote, 'metrics.2024-07-01T10-00-00Z-00000'), file(0, 600).bytes);
  writeFileSync(join(remote, 'metrics.interim'), file(600, 30).bytes);
  // Not FTDC files, and names the fetch must never write: skipped at listing.
  writeFileSync(join(remote, 'README'), 'not ftdc');
  writeFileSync(join(remote, 'metrics.x;touch MARKER'), 'hostile');
  key = sshKeygen(dir, 'client');
  sshd = await startSshd({ authorizedKeys: [key.publicLine] });
}, 60_000);
afterAll(async () => sshd?.stop());

beforeEach(async () => {
  kit = sshKit();
  await pinKey(kit, sshd.host, sshd.port, sshd.hostKey.blob);
  tunnel = kit.tunnel([{ host: sshd.host, port: sshd.port, username: 'root', auth: { identityFiles: [{ path: key.path, required: true }] } }]);
  await tunnel.open();
});
afterEach(async () => kit.close());

describe('FTDC over SSH', () => {
  it('commands come from fixed templates; paths are single-quoted arguments', () => {
    expect(buildExecCommand(FTDC_LIST_TEMPLATE, { dir: "/data/it's here" })).toBe(`find '/data/it'\\''s here' -maxdepth 1 -type f -name 'metrics.*' -printf '%s %T@ %f\\n'`);
    expect(() => buildExecCommand(FTDC_READ_TEMPLATE, { file: '/data/diagnostic.data/../../etc/passwd' })).toThrow(/not allowed/);
    expect(() => buildExecCommand(FTDC_LIST_TEMPLATE, { dir: 'relative' })).toThrow(/not allowed/);
  });

  it('lists the metrics files with sizes, in time order, and skips anything else', async () => {
    const files = await listRemoteFtdc(tunnel, remote, { clock: systemClock });
    expect(files.map((f) => f.name)).toEqual(['metrics.2024-07-01T10-00-00Z-00000', 'metrics.interim']);
    expect(files[0]!.bytes).toBe(file(0, 600).bytes.length);
    expect(files[0]!.mtime).toBeGreaterThan(Date.now() - 3_600_000);
    const e = await listRemoteFtdc(tunnel, join(dir, 'nope'), { clock: systemClock }).catch((x: unknown) => x as Error);
    expect(e, String(e)).toMatchObject({ code: 'E_NOT_FOUND' });
  });

  it('fetches byte for byte into the destination only', async () => {
    const files = await listRemoteFtdc(tunnel, remote, { clock: systemClock });
    const dest = join(dir, 'dest');
    const seen: string[] = [];
    const got = await fetchRemoteFtdc(tunnel, remote, files, dest, { clock: systemClock, onFile: (_d, _t, n) => n && seen.push(n) });
    expect(got).toEqual(files.map((f) => join(dest, f.name)));
    expect(seen).toEqual(files.map((f) => f.name));
    expect(readdirSync(dest).sort()).toEqual(['metrics.2024-07-01T10-00-00Z-00000', 'metrics.interim']);
    expect(existsSync(join(dir, 'remote', 'MARKER'))).toBe(false);
    // A size that does not match the listing is refused.
    await expect(fetchRemoteFtdc(tunnel, remote, [{ ...files[0]!, bytes: files[0]!.bytes + 1 }], join(dir, 'dest2'), { clock: systemClock })).rejects.toMatchObject({ code: 'E_PARSE' });
  });

  describe('imported through the service', () => {
    let t: TestCore;
    beforeAll(() => {
      t = startTestCore();
    });
    afterAll(async () => t?.close());

    it('imports what it fetched, named by its remote path; the same files again are recognised', async () => {
      const preview = await t.core.imports.sshPreview(tunnel, remote);
      expect(preview.files).toHaveLength(2);
      const progress: string[] = [];
      const off = t.core.events.on('ftdc.progress', (p) => p.jobId === 'ssh' && p.message !== null && progress.push(p.message));
      const r = await t.core.imports.importOverSsh(tunnel, { host: 'db-remote.example', remoteDir: `${remote}/` }, { jobId: 'ssh' }, 'test');
      off();
      if (r.status !== 'imported') throw new Error('not imported');
      expect(progress).toContain('Fetching metrics.interim over SSH');
      expect(r.import.label).toContain(`db-remote.example:${remote}`);
      expect(r.import.files.map((f) => f.path)).toEqual([`ssh://db-remote.example${remote}/metrics.2024-07-01T10-00-00Z-00000`, `ssh://db-remote.example${remote}/metrics.interim`]);
      expect(r.import.samples).toBe(630);
      expect(r.import.nodes[0]).toMatchObject({ nodeId: 'imported/db-remote.example:27017', hostId: 'db-remote.example', version: '7.0.12' });
      expect(t.core.store.query('node:imported/db-remote.example:27017', 'serverStatus.opcounters.insert', T0, T0 + 630_000)).toHaveLength(630);
      const again = await t.core.imports.importOverSsh(tunnel, { host: 'db-remote.example', remoteDir: remote }, {}, 'test');
      expect(again.status).toBe('duplicate');
    });
  });
});
