// REL-D4's child: runs inside its own mount namespace (`unshare -rm`) with a small tmpfs at argv[2], so
// it can fill a disk without touching the machine's. Three starts of Baleen's core on that disk:
//  1. normal: connect a simulator, poll a few seconds, stop;
//  2. the disk filled to the last byte: start again — it must start, say why, poll into memory, and
//     refuse audited actions rather than run them unrecorded;
//  3. space freed: start again — normal, with everything from start 1 still there.
// Prints one JSON line with what each start saw; the test asserts on it.
import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { createCore, type Core } from '../../src-main/core/create-core';
import { startSimulator } from '../../src-main/core/sim';
import { betterSqliteDriver } from '../../src-main/core/store/better-sqlite3.driver';
import { errorMessage } from '../../src-shared/domain/errors';

const disk = process.argv[2]!;
const dataDir = join(disk, 'data');
const METRIC = 'serverStatus.opcounters.query';
const signal = new AbortController().signal;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const open = () => createCore({ dataDir, sqlite: betterSqliteDriver(), shell: 'memory' });
const nodeOf = (core: Core) => core.connections.list()[0]?.nodes[0]?.id;
const samples = (core: Core, from: number) => {
  const id = nodeOf(core);
  return id ? core.store.query(`node:${id}`, METRIC, from, Date.now() + 1000).length : 0;
};

async function main(): Promise<void> {
  const sim = await startSimulator({ seed: 7 });
  const out: Record<string, unknown> = {};
  try {
    // 1. Normal start.
    const t1 = Date.now();
    const a = open();
    await a.connections.add({ uri: sim.uri, name: 'rel-d4' }, 'test', signal);
    await sleep(3500);
    a.store.flush();
    out.first = { state: a.store.writerState().state, samples: samples(a, t1), node: nodeOf(a) };
    await a.dispose();

    // 2. The disk is full.
    const filler = join(disk, 'filler');
    const fd = openSync(filler, 'w');
    const block = Buffer.alloc(4096, 1);
    try {
      for (;;) writeSync(fd, block);
    } catch (e) {
      out.filled = (e as NodeJS.ErrnoException).code;
    } finally {
      closeSync(fd);
    }
    const t2 = Date.now();
    let b: Core;
    try {
      b = open();
    } catch (e) {
      out.second = { started: false, error: errorMessage(e) };
      return;
    }
    const state = b.store.writerState();
    const profiles = b.connections.list().map((c) => c.name);
    await sleep(3500);
    let refused: string | null = null;
    try {
      await b.connections.update({ id: b.connections.list()[0]!.id, name: 'renamed on a full disk' }, 'test', signal);
    } catch (e) {
      refused = errorMessage(e);
    }
    out.second = { started: true, state: state.state, reason: state.reason, message: state.message, profiles, samplesInMemory: samples(b, t2), refused, nameAfter: b.connections.list()[0]?.name };
    await b.dispose();

    // 3. Space again.
    rmSync(filler);
    const c = open();
    out.third = { state: c.store.writerState().state, samplesFromFirst: samples(c, t1) - samples(c, t2), profiles: c.connections.list().map((p) => p.name) };
    await c.dispose();
  } finally {
    await sim.stop();
    process.stdout.write(`${JSON.stringify(out)}\n`);
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  },
);
