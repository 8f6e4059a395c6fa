// The poller at scale: 100 simulated nodes polled every second by one Baleen core (every source on its
// default schedule: serverStatus 1 s, replSetGetStatus 5 s, top 10 s, dbStats/$collStats/oplog 60 s).
// The simulators run in a child process so their CPU is not counted as Baleen's. Budgets: < 15 % of one
// core and < 300 MB RSS for Baleen's process, and the p99 poll interval within 10 % of 1 s (measured
// where the polls land: on the simulators).
// It measures the code as it ships: it bundles itself (esbuild, npm packages left external, as the
// product build does) and runs that on plain node, since TypeScript through tsx costs ~60 MB of RSS
// and JIT work of its own that Baleen's built process does not have. --tsx runs the sources instead.
// Run: npx tsx bench/poller.bench.ts [--quick] [--nodes N] [--tsx] [--cpu-profile F] [--alloc-profile F] [--old-alloc-profile F] [--heap-snapshot F] [--memory-timeline]
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Session } from 'node:inspector/promises';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const NODES = Number(process.argv[process.argv.indexOf('--nodes') + 1]) || 100;
const quick = process.argv.includes('--quick');
const argOf = (flag: string) => (process.argv.includes(flag) ? process.argv[process.argv.indexOf(flag) + 1] : undefined);
/** --cpu-profile FILE: a V8 profile of the measured window only (open it in Chrome DevTools). */
const profileTo = argOf('--cpu-profile');
/** --alloc-profile FILE: sampled allocations (collected ones included) of the measured window. */
const allocTo = argOf('--alloc-profile');
/** --old-alloc-profile FILE: sampled allocations that lived into the old generation (still live or
 *  collected by a major GC) — what grows the heap between major GCs, and so the RSS. */
const oldAllocTo = argOf('--old-alloc-profile');

type ToChild = { type: 'report' } | { type: 'stop' };
type FromChild = { type: 'ready'; uris: string[] } | { type: 'report'; intervals: number[]; polls: number; loopP99Ms: number; loopMaxMs: number };

// ---- child: the simulators ------------------------------------------------------------------------
async function child(): Promise<void> {
  const { startSimulator, generateServerStatus } = await import('../src-main/core/sim');
  const arrivals: number[][] = [];
  const sims: Awaited<ReturnType<typeof startSimulator>>[] = [];
  for (let i = 0; i < NODES; i++) {
    const at: number[] = [];
    arrivals.push(at);
    sims.push(
      await startSimulator({
        seed: i + 1,
        extendCommands: (t) =>
          t.replace({
            name: 'serverStatus',
            requiresAuth: true,
            run: (ctx) => {
              at.push(performance.now());
              return generateServerStatus(ctx.node, ctx.body);
            },
          }),
      }),
    );
  }
  const send = (m: FromChild) => process.send!(m);
  // The simulators' own event loop: when it stalls, polls land late there, whatever Baleen did.
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  process.on('message', async (m: ToChild) => {
    if (m.type === 'report') {
      const intervals: number[] = [];
      let polls = 0;
      for (const at of arrivals) {
        polls += at.length;
        for (let i = 1; i < at.length; i++) intervals.push(at[i]! - at[i - 1]!);
        at.length = 0;
      }
      send({ type: 'report', intervals, polls, loopP99Ms: loop.percentile(99) / 1e6, loopMaxMs: loop.max / 1e6 });
      loop.reset();
    } else {
      await Promise.all(sims.map((s) => s.stop()));
      process.exit(0);
    }
  });
  send({ type: 'ready', uris: sims.map((s) => s.uri) });
}

// ---- parent: Baleen -------------------------------------------------------------------------------
function ask(c: ChildProcess, m: ToChild): Promise<FromChild> {
  return new Promise((resolve) => {
    c.once('message', (r: FromChild) => resolve(r));
    c.send(m);
  });
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};
const fmt = (n: number, d = 1) => n.toFixed(d);

async function parent(): Promise<number> {
  const { createCore } = await import('../src-main/core/create-core');
  const { silentLogger } = await import('../src-main/core/ports/logger');
  const { betterSqliteDriver } = await import('../src-main/core/store/better-sqlite3.driver');
  const sims = fork(fileURLToPath(import.meta.url), ['--child', '--nodes', String(NODES)], { execArgv: BUNDLED ? [] : ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ready = (await new Promise<FromChild>((resolve) => sims.once('message', resolve))) as Extract<FromChild, { type: 'ready' }>;
  const dataDir = mkdtempSync(join(tmpdir(), 'baleen-poller-bench-'));
  const core = createCore({ dataDir, sqlite: betterSqliteDriver(), shell: 'memory', logger: silentLogger });
  const rssNow = () => fmt(process.memoryUsage().rss / 1048576, 0);
  console.log(`RSS with Baleen's core loaded, before any node: ${rssNow()} MB`);
  try {
    const t0 = performance.now();
    for (const [i, uri] of ready.uris.entries()) await core.connections.add({ uri, name: `sim-${i}` }, 'bench', new AbortController().signal);
    console.log(`${NODES} simulated nodes in a child process; connected in ${fmt((performance.now() - t0) / 1000)} s; RSS ${rssNow()} MB (heap ${fmt(process.memoryUsage().heapTotal / 1048576, 0)} MB, external ${fmt(process.memoryUsage().external / 1048576, 0)} MB)`);
    // RSS is sampled every second from here on: the budget holds over the warm-up as well.
    let rssMax = 0;
    let rssMaxAll = 0;
    const timeline = process.argv.includes('--memory-timeline');
    let tick = 0;
    const rssTimer = setInterval(() => {
      const m = process.memoryUsage();
      rssMax = Math.max(rssMax, m.rss);
      rssMaxAll = Math.max(rssMaxAll, m.rss);
      if (timeline && ++tick % 5 === 0) console.log(`  ${tick} s: RSS ${fmt(m.rss / 1048576, 0)} MB, heap ${fmt(m.heapUsed / 1048576, 0)}/${fmt(m.heapTotal / 1048576, 0)} MB, external ${fmt(m.external / 1048576, 0)} MB`);
    }, 1000);
    // Warm up past the first minute-long sources and the JIT, then measure from a clean slate.
    const warmMs = quick ? 15_000 : 70_000;
    const measureMs = quick ? 30_000 : 120_000;
    await new Promise((r) => setTimeout(r, warmMs));
    await ask(sims, { type: 'report' });
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    const heapProfileTo = allocTo ?? oldAllocTo;
    const session = profileTo || heapProfileTo ? new Session() : undefined;
    session?.connect();
    if (session && profileTo) {
      await session.post('Profiler.enable');
      await session.post('Profiler.start');
    }
    if (session && heapProfileTo) {
      await session.post('HeapProfiler.enable');
      await session.post('HeapProfiler.startSampling', { samplingInterval: 16384, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: !oldAllocTo });
    }
    const cpu0 = process.cpuUsage();
    const wall0 = performance.now();
    rssMax = 0;
    await new Promise((r) => setTimeout(r, measureMs));
    clearInterval(rssTimer);
    const cpu = process.cpuUsage(cpu0);
    const wall = performance.now() - wall0;
    loop.disable();
    if (session && profileTo) writeFileSync(profileTo, JSON.stringify((await session.post('Profiler.stop')).profile));
    if (session && heapProfileTo) writeFileSync(heapProfileTo, JSON.stringify((await session.post('HeapProfiler.stopSampling')).profile));
    session?.disconnect();
    const heapTo = argOf('--heap-snapshot');
    if (heapTo) (await import('node:v8')).writeHeapSnapshot(heapTo);
    const report = (await ask(sims, { type: 'report' })) as Extract<FromChild, { type: 'report' }>;
    const corePct = ((cpu.user + cpu.system) / 1000 / wall) * 100;
    const dev = report.intervals.map((x) => Math.abs(x - 1000));
    const p99dev = pct(dev, 99);
    const rssMb = rssMax / 1048576;
    const rssAllMb = rssMaxAll / 1048576;
    const ids = core.connections.list().flatMap((c) => c.nodes).map((n) => n.id);
    const stat = (f: 'skipped' | 'lateRuns' | 'runs') => ids.reduce((n, id) => n + (core.scheduler.stats(id)?.[f] ?? 0), 0);
    const maxLate = Math.max(...ids.map((id) => core.scheduler.stats(id)?.maxLatenessMs ?? 0));
    console.log(`machine: ${cpus().length} cores, load average ${loadavg().map((x) => fmt(x, 2)).join(' ')} (other work on this machine inflates these numbers)`);
    console.log(`measured ${fmt(wall / 1000)} s after ${warmMs / 1000} s of warm-up: ${report.polls} serverStatus polls (${fmt(report.polls / (wall / 1000))}/s expected ${NODES}/s)`);
    console.log(`CPU of Baleen's process: ${fmt(corePct)} % of one core (user ${fmt(cpu.user / 1000 / wall * 100)} %, system ${fmt(cpu.system / 1000 / wall * 100)} %)   budget < 15 %  ${corePct < 15 ? 'OK' : 'OVER'}`);
    console.log(`RSS of Baleen's process: max ${fmt(rssMb, 0)} MB (${fmt(rssAllMb, 0)} MB since the nodes were connected, warm-up included)   budget < 300 MB  ${rssAllMb < 300 ? 'OK' : 'OVER'}`);
    const short = report.intervals.filter((x) => x < 900).length;
    const long = report.intervals.filter((x) => x > 1100).length;
    console.log(`intervals: ${report.intervals.length}, shorter than 900 ms: ${short}, longer than 1100 ms: ${long}; p1 ${fmt(pct(report.intervals, 1))} ms`);
    console.log(`poll interval at the nodes: p50 ${fmt(pct(report.intervals, 50))} ms, p99 ${fmt(pct(report.intervals, 99))} ms, p99 |deviation| ${fmt(p99dev)} ms (${fmt(p99dev / 10)} %)   budget ≤ 10 %  ${p99dev <= 100 ? 'OK' : 'OVER'}`);
    const mu = process.memoryUsage();
    if (timeline) console.log((await import('node:fs')).readFileSync('/proc/self/smaps_rollup', 'utf8').split('\n').filter((l) => /^(Rss|Anonymous|Pss_File|Private_Dirty)/.test(l)).join('; '));
    console.log(`memory: heap used ${fmt(mu.heapUsed / 1048576, 0)} MB of ${fmt(mu.heapTotal / 1048576, 0)} MB, external ${fmt(mu.external / 1048576, 0)} MB (array buffers ${fmt(mu.arrayBuffers / 1048576, 0)} MB)`);
    console.log(`Baleen's event-loop delay: p99 ${fmt(loop.percentile(99) / 1e6)} ms, max ${fmt(loop.max / 1e6)} ms; the simulators' (other process): p99 ${fmt(report.loopP99Ms)} ms, max ${fmt(report.loopMaxMs)} ms`);
    console.log(`serverStatus runs since start: ${stat('runs')}, started > 100 ms after their tick: ${stat('lateRuns')} (worst ${fmt(maxLate, 0)} ms), ticks skipped (previous poll still running): ${stat('skipped')}`);
    return corePct < 15 && rssAllMb < 300 && p99dev <= 100 ? 0 : 1;
  } finally {
    await core.dispose();
    const exited = new Promise<void>((r) => sims.once('exit', () => r()));
    sims.send({ type: 'stop' } satisfies ToChild);
    const kill = setTimeout(() => sims.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(kill);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const BUNDLED = process.env.BALEEN_BENCH_BUNDLED === '1';

/** Bundles this file next to the product build (so node_modules resolve) and runs it on plain node. */
async function runBundled(): Promise<number> {
  const { build } = await import('esbuild');
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const outfile = join(root, 'out', 'bench', 'poller.bench.mjs');
  mkdirSync(dirname(outfile), { recursive: true });
  await build({ entryPoints: [fileURLToPath(import.meta.url)], outfile, bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'warning' });
  const r = spawnSync(process.execPath, [outfile, ...process.argv.slice(2)], { stdio: 'inherit', env: { ...process.env, BALEEN_BENCH_BUNDLED: '1' } });
  return r.status ?? 1;
}

if (process.argv.includes('--child')) void child();
else if (!BUNDLED && !process.argv.includes('--tsx')) runBundled().then((code) => process.exit(code));
else
  parent().then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
