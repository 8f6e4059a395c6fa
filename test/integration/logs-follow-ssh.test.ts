// Following a mongod log over SSH against real OpenSSH (Debian sshd), with only the allowlisted
// commands: lines appended are read once; the file rotated mid-follow (renamed, with unread lines
// still in it) loses nothing and repeats nothing; a partial last line waits for its newline; sshd
// killed and restarted resumes where the store stopped; a new follower (Baleen restarted) continues
// from the committed position; the initial import honours the user's size cap from a whole line;
// `sudo -n` reads through sudo.
import { appendFileSync, chmodSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventStore, RemoteLogFollower } from '../../src-main/core/events/index';
import { systemClock } from '../../src-main/core/ports/clock';
import { betterSqliteDriver } from '../../src-main/core/store/better-sqlite3.driver';
import type { SshTunnel } from '../../src-main/core/tunnels';
import { makeNodeId } from '../../src-shared/domain/identity';
import { tempDir } from '../helpers/tmp';
import { requireOpenSsh, sshKeygen, startSshd, type SshdHandle } from '../servers/sshd';
import { pinKey, sshKit, type SshKit } from '../servers/ssh-test-kit';

requireOpenSsh();
const dir = tempDir('baleen-follow-ssh-');
const NODE = makeNodeId('prod', 'db1.example.net:27017');
let sshd: SshdHandle;
let kit: SshKit;
let tunnel: SshTunnel;
let store: EventStore;
const logs = join(dir, 'remote', 'var', 'log', 'mongodb');

const T0 = Date.UTC(2025, 2, 3, 4, 5, 6);
/** Line n of the remote log: its number is in the message, so loss and repeats are countable. */
const line = (n: number) => JSON.stringify({ t: { $date: new Date(T0 + n * 10).toISOString() }, s: 'I', c: 'NETWORK', id: 22943, ctx: 'listener', msg: `line ${n}`, attr: { n, pad: 'é'.repeat(n % 7) } });
const lines = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => line(from + i))
    .map((l) => `${l}\n`)
    .join('');

beforeAll(async () => {
  mkdirSync(logs, { recursive: true });
  const key = sshKeygen(dir, 'user_key');
  sshd = await startSshd({ authorizedKeys: [key.publicLine] });
  kit = sshKit();
  await pinKey(kit, sshd.host, sshd.port, sshd.hostKey.blob);
  tunnel = kit.tunnel([{ host: sshd.host, port: sshd.port, username: sshd.user, auth: { identityFiles: [{ path: key.path, required: true }] } }], { backoffMs: [100, 200, 400], jitter: 0 });
  await tunnel.open();
  store = new EventStore(betterSqliteDriver(), join(dir, 'events.db'), { clock: systemClock });
}, 60_000);

afterAll(async () => {
  store?.close();
  await kit?.close();
  await sshd?.stop();
});

/** The line numbers stored for a source, in store order. */
function stored(sourceId: number): number[] {
  return store.db
    .prepare<[number], { msg: string }>("SELECT e.msg FROM events e JOIN files f ON f.id = e.file_id WHERE f.source_id = ? AND e.comp != 'BALEEN' ORDER BY e.id")
    .all(sourceId)
    .map((r) => Number(r.msg.replace('line ', '')));
}
const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

function follower(sourceId: number, path: string, o: { sudo?: boolean; initialBytes?: number; chunkBytes?: number } = {}) {
  return new RemoteLogFollower({
    store,
    sourceId,
    nodeId: NODE,
    session: tunnel,
    path,
    sudo: o.sudo ?? false,
    initialBytes: o.initialBytes ?? 64 * 1024 * 1024,
    intervalMs: 60_000,
    clock: systemClock,
    execDeadlineMs: 10_000,
    ...(o.chunkBytes !== undefined ? { chunkBytes: o.chunkBytes } : {}),
  });
}

describe('following a remote log over SSH (real sshd)', () => {
  it('appends, a partial last line, rotation with unread lines in the old file, a kill and restart of sshd, a new follower: every line exactly once', async () => {
    const path = join(logs, 'mongod.log');
    writeFileSync(path, lines(1, 500));
    const id = store.createSource('ssh', `db1:${path}`, { nodeId: NODE, state: 'following' });
    // Small reads: many batches, chunk edges inside the two-byte é characters (read again as hex).
    let f = follower(id, path, { chunkBytes: 4093 });
    await f.pollOnce();
    expect(stored(id)).toEqual(range(1, 500));

    // A line still being written is not read until its newline arrives.
    appendFileSync(path, lines(501, 600) + line(601).slice(0, 40));
    await f.pollOnce();
    expect(stored(id)).toEqual(range(1, 600));
    appendFileSync(path, line(601).slice(40) + '\n' + lines(602, 700));
    await f.pollOnce();
    expect(stored(id)).toEqual(range(1, 700));

    // Rotation mid-follow: lines 701–750 reach the old file after the last poll, then it is renamed
    // (mongod logRotate=rename) and the new file gets 751–800 before the next poll.
    appendFileSync(path, lines(701, 750));
    renameSync(path, `${path}.2025-03-03T04-10-00`);
    writeFileSync(path, lines(751, 800));
    const r = await f.pollOnce();
    expect(r.rotated).toBe(true);
    expect(stored(id)).toEqual(range(1, 800));

    // sshd dies: polls fail with a typed error and nothing is written; lines keep arriving.
    await sshd.kill();
    appendFileSync(path, lines(801, 900));
    const e = (await f.pollOnce().catch((x: unknown) => x)) as { code?: string };
    expect(['E_UNREACHABLE', 'E_TIMEOUT']).toContain(e.code);
    expect(stored(id)).toEqual(range(1, 800));
    await sshd.restart();
    const deadline = Date.now() + 20_000;
    for (;;) {
      try {
        await f.pollOnce();
        break;
      } catch (x) {
        if (Date.now() > deadline) throw x;
        await new Promise((res) => setTimeout(res, 200));
      }
    }
    expect(stored(id)).toEqual(range(1, 900));

    // Baleen restarts: a new follower resumes from the committed position, not from the start.
    appendFileSync(path, lines(901, 950));
    await f.stop();
    f = follower(id, path);
    await f.pollOnce();
    expect(stored(id)).toEqual(range(1, 950));
    // Nothing new: nothing written.
    await f.pollOnce();
    expect(stored(id)).toEqual(range(1, 950));

    const src = store.requireSource(id).info;
    expect(src.files.map((x) => x.path)).toEqual([`db1:${path}`, `db1:${path} (after rotation 1)`]);
    expect(src.unparsed).toBe(0);
    expect(src.events).toBe(950);
  }, 90_000);

  it('a file truncated in place starts over at 0 and records that lines may be missing', async () => {
    const path = join(logs, 'copytruncate.log');
    writeFileSync(path, lines(1, 100));
    const id = store.createSource('ssh', `db1:${path}`, { nodeId: NODE });
    const f = follower(id, path);
    await f.pollOnce();
    writeFileSync(path, lines(101, 120));
    expect((await f.pollOnce()).rotated).toBe(true);
    expect(stored(id)).toEqual(range(1, 120));
    const gaps = store.db.prepare<[number], { msg: string }>("SELECT e.msg FROM events e JOIN files f ON f.id = e.file_id WHERE f.source_id = ? AND e.comp = 'BALEEN'").all(id);
    expect(gaps).toHaveLength(1);
    expect(gaps[0]!.msg).toMatch(/shrank from \d+ to \d+ bytes/);
  });

  it('the initial import takes only the newest bytes the user allowed, from the first whole line, and says what it skipped', async () => {
    const path = join(logs, 'big.log');
    const text = lines(1, 2000);
    writeFileSync(path, text);
    const id = store.createSource('ssh', `db1:${path}`, { nodeId: NODE });
    const cap = 50_000;
    const f = follower(id, path, { initialBytes: cap });
    await f.pollOnce();
    const got = stored(id);
    // Exactly the whole lines within the last `cap` bytes.
    const startByte = Buffer.byteLength(text) - cap;
    const firstWhole = Buffer.from(text).subarray(startByte).indexOf(10) + startByte + 1;
    const expectFirst = Number(/"msg":"line (\d+)"/.exec(Buffer.from(text).subarray(firstWhole).toString('utf8'))![1]);
    expect(got).toEqual(range(expectFirst, 2000));
    const src = store.requireSource(id).info;
    expect(src.unparsed).toBe(0);
    const gap = store.db.prepare<[number], { ts: number; msg: string }>("SELECT e.ts, e.msg FROM events e JOIN files f ON f.id = e.file_id WHERE f.source_id = ? AND e.comp = 'BALEEN'").get(id)!;
    expect(gap.msg).toBe(`The first ${startByte} bytes of ${path} were not imported (the initial import was capped at ${cap} bytes).`);
    expect(gap.ts).toBe(T0 + expectFirst * 10 - 1);
    appendFileSync(path, lines(2001, 2010));
    await f.pollOnce();
    expect(stored(id)).toEqual(range(expectFirst, 2010));
  });

  it('reads through `sudo -n` when asked; a missing file is E_NOT_FOUND', async () => {
    const path = join(logs, 'private.log');
    writeFileSync(path, lines(1, 30));
    chmodSync(path, 0o600);
    const id = store.createSource('ssh', `db1:${path}`, { nodeId: NODE });
    await follower(id, path, { sudo: true }).pollOnce();
    expect(stored(id)).toEqual(range(1, 30));
    const missing = store.createSource('ssh', 'db1:/nope', { nodeId: NODE });
    const e = (await follower(missing, join(logs, 'nope.log'))
      .pollOnce()
      .catch((x: unknown) => x)) as { code?: string; message?: string };
    expect(e.code).toBe('E_NOT_FOUND');
  });
});
