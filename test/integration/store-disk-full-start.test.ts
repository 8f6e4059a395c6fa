// REL-D4: Baleen starts on a full disk. A real full disk: a child process in its own mount namespace
// (`unshare -rm`, so nothing outside it is touched) mounts an 8 MiB tmpfs, starts the core once to make
// its databases, fills the tmpfs to the last byte and starts again (test/helpers/disk-full-start-child.ts).
// SQLite then cannot size the WAL's -shm (SQLITE_IOERR_SHMSIZE) and every database open fails the
// normal way. Pass: the core starts; the metrics store says it runs in memory and why; polling goes on
// into memory; the connection profiles are still read (their file opened without -shm); audited actions
// are refused, not run unrecorded; and once there is space again, everything stored before is there.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const CHILD = resolve(__dirname, '../helpers/disk-full-start-child.ts');
const probe = spawnSync('unshare', ['-rm', 'sh', '-c', 'mount -t tmpfs -o size=64k tmpfs "$1"', 'sh', tmpdir()], { encoding: 'utf8' });
const CAN_MOUNT = probe.status === 0;
if (!CAN_MOUNT) console.warn(`REL-D4 skipped: this machine cannot mount a tmpfs in a private mount namespace (unshare -rm: ${probe.error?.message ?? probe.stderr.trim()})`);

interface Seen {
  first: { state: string; samples: number; node: string };
  filled: string;
  second: { started: boolean; error?: string; state: string; reason: string | null; message: string | null; profiles: string[]; samplesInMemory: number; refused: string | null; nameAfter: string };
  third: { state: string; samplesFromFirst: number; profiles: string[] };
}

describe.skipIf(!CAN_MOUNT)('REL-D4: start with a full disk', () => {
  it('starts in memory, says why, keeps polling, refuses unaudited actions, loses nothing', () => {
    const mountpoint = mkdtempSync(join(tmpdir(), 'baleen-rel-d4-'));
    try {
      const r = spawnSync('unshare', ['-rm', 'sh', '-c', 'mount -t tmpfs -o size=8m tmpfs "$1" && exec "$2" --import tsx "$3" "$1"', 'sh', mountpoint, process.execPath, CHILD], {
        cwd: resolve(__dirname, '../..'),
        encoding: 'utf8',
        timeout: 90_000,
      });
      expect(r.status, r.stderr).toBe(0);
      const seen = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Seen;
      expect(seen.first.state).toBe('ok');
      expect(seen.first.samples).toBeGreaterThanOrEqual(2);
      expect(seen.filled).toBe('ENOSPC');
      // The core started, and the store says it keeps metrics in memory, why, and what to do.
      expect(seen.second.started, seen.second.error).toBe(true);
      expect(seen.second.state).toBe('memory');
      expect(seen.second.reason).toBe('disk-full');
      expect(seen.second.message).toMatch(/is full \(SQLITE_[A-Z_]+\).*in memory only.*Free space.*restart Baleen/);
      // The profiles were read; the node was polled into memory.
      expect(seen.second.profiles).toEqual(['rel-d4']);
      expect(seen.second.samplesInMemory).toBeGreaterThanOrEqual(2);
      // An audited action is refused with the reason, and did not happen.
      expect(seen.second.refused).toMatch(/Refused: the audit log cannot be written .*disk is full/);
      expect(seen.second.nameAfter).toBe('rel-d4');
      // Space again: a normal start with all that was stored before.
      expect(seen.third.state).toBe('ok');
      expect(seen.third.samplesFromFirst).toBe(seen.first.samples);
      expect(seen.third.profiles).toEqual(['rel-d4']);
    } finally {
      rmSync(mountpoint, { recursive: true, force: true });
    }
  }, 120_000);
});
