import { homedir } from 'node:os';
import type { FollowRemoteInput, LogImportProgress, LogSourceInfo } from '../../../src-shared/contract/logs.contract';
import { BaleenError, errorMessage } from '../../../src-shared/domain/errors';
import { splitNodeId, type NodeId } from '../../../src-shared/domain/identity';
import { expandInputs } from '../logs';
import type { Clock } from '../ports/clock';
import type { Logger } from '../ports/logger';
import type { ExecSessionSource } from '../tunnels/exec-allowlist';
import type { EventStore } from './event.store';
import { GetLogPoller } from './get-log-poller';
import { rebuildIncidents } from './incident-detector';
import { importInputs } from './local-import';
import { RemoteLogFollower } from './remote-log-follower';
import { throughputHeap } from '../heap-policy';

/** The audit log as this service uses it: every import, follow, stop and delete is recorded. */
export interface LogAuditPort {
  run<T>(entry: { action: string; target: string; actor?: string; details?: Record<string, unknown> }, effect: () => Promise<T>): Promise<T>;
}

export interface LogServiceDeps {
  store: EventStore;
  audit: LogAuditPort;
  clock: Clock;
  log: Logger;
  /** Relative import paths resolve here (default: the user's home folder). */
  cwd?: string;
  /** `{getLog: name}` on a node through its connection (and its privilege gate). */
  getLog(nodeId: NodeId, name: 'global' | 'startupWarnings', signal: AbortSignal): Promise<unknown>;
  /** Throws E_NOT_FOUND for a node Baleen does not know. */
  requireNode?(nodeId: NodeId): void;
  /** The SSH session that reaches a node's host, when its connection goes through SSH; null otherwise. */
  sshSession(nodeId: NodeId): ExecSessionSource | null;
  onProgress?(p: LogImportProgress): void;
  onSource?(s: LogSourceInfo): void;
}

interface Follower {
  pollOnce(signal?: AbortSignal): Promise<unknown>;
  start(): void;
  stop(): Promise<void>;
}

/** Incidents are rebuilt at most this often while followers bring lines in. */
const REBUILD_EVERY_MS = 10_000;

/**
 * Log sources: local imports (files, folders, archives), remote files followed over SSH, getLog
 * polling. Each is tied to a node, audited, deletable, and never evicted by retention.
 */
export class LogService {
  private readonly followers = new Map<number, Follower>();
  private rebuildTimer: ReturnType<Clock['setTimeout']> | undefined;
  private lastRebuild = 0;
  private disposed = false;

  constructor(private readonly d: LogServiceDeps) {}

  private info(id: number): LogSourceInfo {
    return this.d.store.requireSource(id).info;
  }

  private changed(id: number): void {
    const s = this.d.store.source(id);
    if (s) this.d.onSource?.(s.info);
  }

  /** Rebuilds incidents now, or soon if one ran moments ago (followers bring lines every few seconds). */
  private scheduleRebuild(now = false): void {
    if (this.disposed) return;
    const run = () => {
      this.rebuildTimer = undefined;
      this.lastRebuild = this.d.clock.now();
      try {
        rebuildIncidents(this.d.store);
      } catch (e) {
        this.d.log.error('incident rebuild failed', { error: errorMessage(e) });
      }
    };
    if (now) {
      this.rebuildTimer?.cancel();
      run();
      return;
    }
    if (this.rebuildTimer) return;
    const wait = Math.max(0, this.lastRebuild + REBUILD_EVERY_MS - this.d.clock.now());
    this.rebuildTimer = this.d.clock.setTimeout(run, wait);
  }

  async importPaths(input: { paths: string[]; nodeId?: NodeId | undefined }, actor: string, signal: AbortSignal): Promise<LogSourceInfo> {
    if (input.nodeId) this.d.requireNode?.(input.nodeId);
    const { inputs, skipped } = await expandInputs(input.paths, this.d.cwd ?? homedir());
    if (inputs.length === 0) {
      const why = skipped.slice(0, 3).map((s) => `${s.path}: ${s.reason}`);
      throw new BaleenError('E_INVALID_INPUT', `No mongod log found in ${input.paths.join(', ')}${why.length ? ` (${why.join('; ')})` : ''}.`, { skipped: skipped.slice(0, 20) });
    }
    const label = input.paths.length === 1 ? input.paths[0]! : `${input.paths[0]!} and ${input.paths.length - 1} more`;
    const id = this.d.store.createSource('file', label, { nodeId: input.nodeId ?? null, config: { paths: input.paths } });
    this.changed(id);
    let lastProgress = 0;
    const release = throughputHeap();
    try {
      await this.d.audit.run(
        { action: 'logs.import', target: label, actor, details: { sourceId: id, files: inputs.length, bytes: inputs.reduce((a, i) => a + i.size, 0), ...(input.nodeId ? { nodeId: input.nodeId } : {}) } },
        async () => {
          const done = await importInputs(this.d.store, id, inputs, {
            nodeId: input.nodeId ?? null,
            signal,
            onProgress: (p) => {
              const now = this.d.clock.monotonic();
              if (now - lastProgress < 200 && p.bytesDone < p.bytesTotal) return;
              lastProgress = now;
              this.d.onProgress?.({ sourceId: id, ...p });
            },
          });
          return done;
        },
      );
      this.d.store.setSourceState(id, 'done', skipped.length > 0 ? `Skipped ${skipped.length} file(s) that do not look like mongod logs.` : null);
    } catch (e) {
      const cancelled = e instanceof BaleenError && e.code === 'E_CANCELLED';
      this.d.store.setSourceState(id, cancelled ? 'cancelled' : 'error', `${e instanceof BaleenError ? e.code : 'E_INTERNAL'}: ${errorMessage(e)}`);
      this.changed(id);
      this.scheduleRebuild(true);
      throw e;
    } finally {
      release();
    }
    this.d.store.db.pragma('optimize');
    this.scheduleRebuild(true);
    this.changed(id);
    return this.info(id);
  }

  async followRemote(input: FollowRemoteInput, actor: string): Promise<LogSourceInfo> {
    this.d.requireNode?.(input.nodeId);
    const session = this.d.sshSession(input.nodeId);
    if (session === null) {
      throw new BaleenError('E_UNSUPPORTED', `${splitNodeId(input.nodeId).hostPort} is not reached through SSH, so its log file cannot be followed; poll it with getLog instead, or add SSH hops to its connection.`);
    }
    const label = `${splitNodeId(input.nodeId).hostPort}:${input.path}`;
    return this.d.audit.run({ action: 'logs.follow', target: label, actor, details: { sudo: input.sudo, initialBytes: input.initialBytes, intervalMs: input.intervalMs } }, async () => {
      const id = this.d.store.createSource('ssh', label, { nodeId: input.nodeId, state: 'following', config: { path: input.path, sudo: input.sudo, initialBytes: input.initialBytes, intervalMs: input.intervalMs } });
      this.startRemote(id, input.nodeId, session, input);
      return this.info(id);
    });
  }

  private startRemote(id: number, nodeId: NodeId, session: ExecSessionSource, c: { path: string; sudo: boolean; initialBytes: number; intervalMs: number }): void {
    const f = new RemoteLogFollower({
      store: this.d.store,
      sourceId: id,
      nodeId,
      session,
      path: c.path,
      sudo: c.sudo,
      initialBytes: c.initialBytes,
      intervalMs: c.intervalMs,
      clock: this.d.clock,
      onChange: () => {
        this.changed(id);
        this.scheduleRebuild();
      },
    });
    this.followers.set(id, f);
    f.start();
  }

  async pollGetLog(input: { nodeId: NodeId; intervalMs: number }, actor: string): Promise<LogSourceInfo> {
    this.d.requireNode?.(input.nodeId);
    const label = `getLog on ${splitNodeId(input.nodeId).hostPort}`;
    return this.d.audit.run({ action: 'logs.getLog', target: input.nodeId, actor, details: { intervalMs: input.intervalMs } }, async () => {
      const id = this.d.store.createSource('getLog', label, { nodeId: input.nodeId, state: 'following', config: { intervalMs: input.intervalMs } });
      this.startGetLog(id, input.nodeId, input.intervalMs);
      return this.info(id);
    });
  }

  private startGetLog(id: number, nodeId: NodeId, intervalMs: number): void {
    const p = new GetLogPoller({
      store: this.d.store,
      sourceId: id,
      nodeId,
      port: { getLog: (name, signal) => this.d.getLog(nodeId, name, signal) },
      clock: this.d.clock,
      intervalMs,
      onChange: () => {
        this.changed(id);
        this.scheduleRebuild();
      },
    });
    this.followers.set(id, p);
    p.start();
  }

  /** Polls a followed source now (the "refresh" button), whatever its interval. */
  async pollNow(id: number, signal: AbortSignal): Promise<LogSourceInfo> {
    const f = this.followers.get(id);
    if (!f) throw new BaleenError('E_CONFLICT', `Log source ${id} is not being followed.`);
    try {
      await f.pollOnce(signal);
      this.d.store.setSourceState(id, 'following');
    } catch (e) {
      this.d.store.setSourceState(id, 'waiting', `${e instanceof BaleenError ? e.code : 'E_INTERNAL'}: ${errorMessage(e)}`);
      throw e;
    } finally {
      this.changed(id);
      this.scheduleRebuild(true);
    }
    return this.info(id);
  }

  async stopSource(id: number, actor: string): Promise<LogSourceInfo> {
    const s = this.d.store.requireSource(id);
    const f = this.followers.get(id);
    if (!f) return s.info;
    await this.d.audit.run({ action: 'logs.stop', target: s.info.label, actor, details: { sourceId: id } }, async () => {
      this.followers.delete(id);
      await f.stop();
      this.d.store.setSourceState(id, 'stopped');
    });
    this.changed(id);
    return this.info(id);
  }

  async deleteSource(id: number, actor: string, signal: AbortSignal): Promise<{ deleted: boolean; events: number }> {
    const s = this.d.store.source(id);
    if (!s) return { deleted: false, events: 0 };
    const out = await this.d.audit.run({ action: 'logs.delete', target: s.info.label, actor, details: { sourceId: id, events: s.info.events, kind: s.info.kind } }, async () => {
      const f = this.followers.get(id);
      this.followers.delete(id);
      await f?.stop();
      return this.d.store.deleteSource(id, signal);
    });
    this.scheduleRebuild(true);
    return { deleted: true, events: out.events };
  }

  /** After a restart: followed sources pick up from their committed positions. */
  restore(): void {
    for (const s of this.d.store.sources()) {
      if ((s.info.state !== 'following' && s.info.state !== 'waiting') || s.info.nodeId === null) continue;
      const nodeId = s.info.nodeId;
      const c = s.config as { path?: unknown; sudo?: unknown; initialBytes?: unknown; intervalMs?: unknown };
      const intervalMs = typeof c.intervalMs === 'number' ? c.intervalMs : 5000;
      try {
        if (s.info.kind === 'getLog') this.startGetLog(s.info.id, nodeId, intervalMs);
        else if (s.info.kind === 'ssh' && typeof c.path === 'string') {
          const session = this.d.sshSession(nodeId);
          if (session === null) {
            this.d.store.setSourceState(s.info.id, 'waiting', `E_UNSUPPORTED: ${splitNodeId(nodeId).hostPort} has no SSH route now; stop or delete this source, or add SSH hops to its connection.`);
            continue;
          }
          this.startRemote(s.info.id, nodeId, session, { path: c.path, sudo: c.sudo === true, initialBytes: typeof c.initialBytes === 'number' ? c.initialBytes : 0, intervalMs });
        }
      } catch (e) {
        this.d.store.setSourceState(s.info.id, 'waiting', `E_INTERNAL: ${errorMessage(e)}`);
      }
    }
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    this.rebuildTimer?.cancel();
    const all = [...this.followers.values()];
    this.followers.clear();
    await Promise.all(all.map((f) => f.stop()));
  }
}
