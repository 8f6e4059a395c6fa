import { createHash } from 'node:crypto';
import { mkdtemp, open, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { EJSON } from '../bson/bson';
import type { FtdcChunkError, FtdcEntityFacts, FtdcImportedNode, FtdcImportFile, FtdcImportPreview, FtdcImportProgress, FtdcImportResult, FtdcImportSummary } from '../../../src-shared/contract/ftdc.contract';
import { BaleenError, errorMessage } from '../../../src-shared/domain/errors';
import { makeNodeId, parseEntityKey, type AliasSource, type NodeId } from '../../../src-shared/domain/identity';
import type { AuditLog } from '../audit/audit-log';
import { readFtdcInputs, resolveFtdcInputs, type FtdcInput } from '../ftdc';
import type { Clock } from '../ports/clock';
import type { Logger } from '../ports/logger';
import type { NewProfile, NodeRow, ProfileRow } from '../store/config.store';
import type { MetricColumn, MetricStore } from '../store/metric-store';
import { factsOf, identityOf, mapColumns, type ColumnMap, type FtdcIdentity } from './ftdc-mapping';
import type { ImportRegistry, NodeMeta } from './import-registry';
import { fetchRemoteFtdc, listRemoteFtdc, type RemoteFtdcFile } from './ssh-fetch';
import type { ExecSessionSource } from '../tunnels/exec-allowlist';
import { throughputHeap } from '../heap-policy';

/**
 * FTDC import: decoded chunks go into the metric store as one `ftdc` batch, each column written
 * whole (`appendColumns`), node metrics on `node:<id>` and systemMetrics on `host:<hostname>`, so
 * every chart reads them like live history.
 *
 * - Identity: each type-0 metadata document names the node (hostInfo hostname + net.port) and the
 *   host; an alias that matches a known node wins, else an offline node under the "Imported"
 *   deployment is made when the import finishes, with the alias recorded. Chunks follow the latest
 *   metadata (metrics.interim has none of its own).
 * - All or nothing: a cancel or a failure deletes the batch (`deleteImport`); the registry row stays
 *   `running` until the last chunk is stored, and a `running` row or an unregistered `ftdc` batch
 *   found at start-up is deleted the same way, so a crash leaves nothing half-imported either.
 * - Bad chunks are skipped by the decoder and reported with their file and offset.
 * - Re-import: a file (or archive) whose sha256 is already in a finished import is skipped.
 */
export const IMPORTED_DEPLOYMENT = 'imported';
const MAX_REPORTED_ERRORS = 200;
const PROGRESS_EVERY_MS = 200;
const HASH_BLOCK = 1 << 20;

/** The slice of the config store an import needs: nodes, profiles and the alias table. */
export interface NodeDirectory {
  resolveAlias(name: string): NodeId[];
  getNode(id: string): NodeRow | undefined;
  getProfile(id: string): ProfileRow | undefined;
  saveProfile(p: NewProfile, nodes: readonly NodeRow[], aliases: readonly { alias: string; nodeId: NodeId; source: AliasSource }[]): void;
  addNodes(nodes: readonly NodeRow[], aliases: readonly { alias: string; nodeId: NodeId; source: AliasSource }[]): void;
  addAlias(alias: string, nodeId: NodeId, source: AliasSource): void;
  nodesOf(connectionId: string): NodeRow[];
  deleteNodesOf(connectionId: string): void;
  deleteProfile(id: string): boolean;
}

export interface FtdcImportDeps {
  store: MetricStore;
  nodes: NodeDirectory;
  audit: Pick<AuditLog, 'run'>;
  registry: ImportRegistry;
  clock: Clock;
  log: Logger;
  emit?: (p: FtdcImportProgress) => void;
  /** Offline nodes were added or removed (the connections list changed). */
  onNodesChanged?: () => void;
}

export interface ImportRequest {
  paths: readonly string[];
  label?: string | undefined;
  jobId?: string | undefined;
  /** How a local path is named in the summary and errors (files fetched over SSH keep their remote name). */
  displayPath?: (local: string) => string;
}

interface Target {
  identity: FtdcIdentity;
  nodeId: NodeId;
  nodeEntity: string;
  hostEntity: string;
  created: boolean;
}

interface PlannedInput {
  input: FtdcInput;
  file: FtdcImportFile;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new BaleenError('E_CANCELLED', 'The import was cancelled; nothing of it was kept.');
}

async function sha256Of(path: string, signal?: AbortSignal): Promise<{ bytes: number; sha256: string }> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw new BaleenError('E_NOT_FOUND', `cannot open ${path}: ${errorMessage(e)}`, { path });
  }
  try {
    const h = createHash('sha256');
    const buf = Buffer.allocUnsafe(HASH_BLOCK);
    let bytes = 0;
    for (;;) {
      throwIfAborted(signal);
      const { bytesRead } = await fh.read(buf, 0, HASH_BLOCK, bytes);
      if (bytesRead === 0) break;
      h.update(buf.subarray(0, bytesRead));
      bytes += bytesRead;
    }
    return { bytes, sha256: h.digest('hex') };
  } catch (e) {
    if (e instanceof BaleenError) throw e;
    throw new BaleenError('E_INVALID_INPUT', `cannot read ${path}: ${errorMessage(e)}`, { path });
  } finally {
    await fh.close();
  }
}

const ejson = (d: unknown): string | null => (d === null || d === undefined ? null : EJSON.stringify(d as Parameters<typeof EJSON.stringify>[0], { relaxed: true }));

export class FtdcImportService {
  /** Start-up recovery (half-finished imports removed); imports wait for it. */
  readonly ready: Promise<void>;

  constructor(private readonly d: FtdcImportDeps) {
    this.ready = this.recover().catch((e: unknown) => d.log.error('FTDC import recovery failed', { error: errorMessage(e) }));
  }

  private async recover(): Promise<void> {
    const { store, registry } = this.d;
    const drop = async (id: number) => {
      try {
        await store.deleteImport(id);
      } catch (e) {
        if (!(e instanceof BaleenError && e.code === 'E_NOT_FOUND')) throw e;
      }
    };
    for (const id of registry.ids('running')) {
      this.d.log.warn('removing an FTDC import that did not finish', { id });
      await drop(id);
      registry.remove(id);
    }
    const done = new Set(registry.ids('done'));
    const inStore = store.listImports().filter((b) => b.source === 'ftdc');
    for (const b of inStore) {
      if (!done.has(b.id)) {
        this.d.log.warn('removing an FTDC batch no import owns', { id: b.id });
        await drop(b.id);
      }
    }
    const kept = new Set(inStore.map((b) => b.id));
    for (const id of done) if (!kept.has(id)) registry.remove(id);
  }

  /** What would be read: each input's size and whether it was imported before. */
  async preview(paths: readonly string[], signal?: AbortSignal): Promise<FtdcImportPreview> {
    const planned = await this.plan(paths, signal);
    return {
      files: planned.map((p) => ({
        path: p.file.path,
        bytes: p.file.bytes,
        kind: p.input.kind === 'file' ? 'file' : p.input.format,
        importedAs: this.d.registry.importsOfSha(p.file.sha256)[0] ?? null,
      })),
      totalBytes: planned.reduce((n, p) => n + p.file.bytes, 0),
    };
  }

  private async plan(paths: readonly string[], signal?: AbortSignal, display: (p: string) => string = (p) => p): Promise<PlannedInput[]> {
    const inputs = await resolveFtdcInputs(paths);
    const out: PlannedInput[] = [];
    for (const input of inputs) {
      throwIfAborted(signal);
      const st = await stat(input.path).catch((e: unknown) => {
        throw new BaleenError('E_NOT_FOUND', `cannot read ${input.path}: ${errorMessage(e)}`, { path: input.path });
      });
      if (!st.isFile()) throw new BaleenError('E_INVALID_INPUT', `${input.path} is not a file`, { path: input.path });
      const { bytes, sha256 } = await sha256Of(input.path, signal);
      out.push({ input, file: { path: display(input.path), bytes, sha256, firstTs: null, lastTs: null } });
    }
    return out;
  }

  async import(req: ImportRequest, actor: string, signal?: AbortSignal): Promise<FtdcImportResult> {
    await this.ready;
    const jobId = req.jobId ?? null;
    const base: FtdcImportProgress = {
      jobId,
      importId: null,
      phase: 'checking',
      filesDone: 0,
      filesTotal: 0,
      file: null,
      chunks: 0,
      samples: 0,
      values: 0,
      bytesDone: 0,
      bytesTotal: 0,
      errors: 0,
      lastError: null,
      message: null,
    };
    this.emit(base);
    let planned: PlannedInput[];
    try {
      planned = await this.plan(req.paths, signal, req.displayPath);
    } catch (e) {
      this.emit({ ...base, phase: e instanceof BaleenError && e.code === 'E_CANCELLED' ? 'cancelled' : 'failed', message: errorMessage(e) });
      throw e;
    }
    const skippedFiles: { path: string; importId: number }[] = [];
    const seen = new Set<string>();
    const fresh = planned.filter((p) => {
      const before = this.d.registry.importsOfSha(p.file.sha256)[0];
      if (before !== undefined) {
        skippedFiles.push({ path: p.file.path, importId: before });
        return false;
      }
      if (seen.has(p.file.sha256)) return false;
      seen.add(p.file.sha256);
      return true;
    });
    if (fresh.length === 0) {
      const importIds = [...new Set(skippedFiles.map((s) => s.importId))].sort((a, b) => a - b);
      this.emit({ ...base, phase: 'done', message: `Already imported (import ${importIds.join(', ')}): nothing new to read.` });
      return { status: 'duplicate', importIds, skippedFiles };
    }
    const label = req.label ?? basename(req.paths[0]!);
    const release = throughputHeap();
    try {
      const summary = await this.d.audit.run(
        { action: 'ftdc.import', target: label, actor, details: { paths: req.paths.slice(0, 20), files: fresh.length, skipped: skippedFiles.length } },
        () => this.run(fresh, label, req.label !== undefined, base, signal, req.displayPath ?? ((p) => p)),
      );
      return { status: 'imported', import: summary, skippedFiles };
    } finally {
      release();
    }
  }

  private emit(p: FtdcImportProgress): void {
    this.d.emit?.(p);
  }

  private resolveTarget(identity: FtdcIdentity): Target {
    const existing = this.d.nodes.resolveAlias(identity.hostPort);
    // A node Baleen monitors wins over an offline one made by an earlier import.
    const live = existing.filter((id) => !id.startsWith(`${IMPORTED_DEPLOYMENT}/`)).sort();
    const nodeId = live[0] ?? existing.sort()[0] ?? makeNodeId(IMPORTED_DEPLOYMENT, identity.hostPort);
    const created = this.d.nodes.getNode(nodeId) === undefined;
    return { identity, nodeId, nodeEntity: `node:${nodeId}`, hostEntity: `host:${identity.hostId}`, created };
  }

  private async run(
    fresh: PlannedInput[],
    label: string,
    labelGiven: boolean,
    base: FtdcImportProgress,
    signal: AbortSignal | undefined,
    display: (p: string) => string,
  ): Promise<FtdcImportSummary> {
    const { store, registry, clock } = this.d;
    const batch = store.openBatch('ftdc', label);
    const createdAt = clock.now();
    registry.begin(
      batch,
      label,
      createdAt,
      fresh.map((p) => p.file),
    );
    const bytesTotal = fresh.reduce((n, p) => n + p.file.bytes, 0);
    const prog: FtdcImportProgress = { ...base, importId: batch, phase: 'importing', filesTotal: fresh.length, bytesTotal };
    const errors: FtdcChunkError[] = [];
    const targets = new Map<string, Target>();
    let current: Target | null = null;
    let map: ColumnMap | null = null;
    let mapFor: readonly string[] | null = null;
    let firstTs = Infinity;
    let lastTs = -Infinity;
    const fileRanges = fresh.map(() => ({ firstTs: null as number | null, lastTs: null as number | null }));
    let inputIdx = 0;
    let bytesBefore = 0;
    let lastEmit = -Infinity;
    const progress = (force: boolean) => {
      const now = clock.monotonic();
      if (!force && now - lastEmit < PROGRESS_EVERY_MS) return;
      lastEmit = now;
      this.emit({ ...prog });
    };
    try {
      progress(true);
      for await (const { input, event } of readFtdcInputs(
        fresh.map((p) => p.input),
        signal,
      )) {
        if (input !== inputIdx) {
          for (; inputIdx < input; inputIdx++) bytesBefore += fresh[inputIdx]!.file.bytes;
          prog.filesDone = input;
          progress(true);
        }
        prog.file = display(event.file);
        if (fresh[input]!.input.kind === 'file') prog.bytesDone = Math.min(bytesTotal, bytesBefore + event.offset);
        if (event.kind === 'metadata') {
          if (event.type !== 0) continue;
          const identity = identityOf(event.doc);
          if (!identity) continue;
          const t = targets.get(identity.hostPort) ?? this.resolveTarget(identity);
          // The latest metadata of a node is the one its pages show.
          t.identity = identity;
          targets.set(identity.hostPort, t);
          current = t;
        } else if (event.kind === 'error') {
          prog.errors++;
          const err = { file: display(event.file), offset: event.offset, message: event.message };
          prog.lastError = err;
          if (errors.length < MAX_REPORTED_ERRORS) errors.push(err);
          this.d.log.warn('FTDC chunk skipped', err);
          progress(true);
        } else {
          if (current === null) {
            // Chunks before any metadata (a lone metrics.interim): an offline node named after the import.
            const identity: FtdcIdentity = {
              hostId: `unidentified-${batch}`,
              hostPort: `unidentified-${batch}:27017`,
              version: null,
              os: null,
              setName: null,
              hostInfo: null,
              buildInfo: null,
              getCmdLineOpts: null,
            };
            current = this.resolveTarget(identity);
            targets.set(identity.hostPort, current);
          }
          if (event.names !== mapFor) {
            map = mapColumns(event.names);
            mapFor = event.names;
          }
          const m = map!;
          const cols = (idx: Int32Array, names: string[]): MetricColumn[] => {
            const out: MetricColumn[] = new Array<MetricColumn>(idx.length);
            for (let k = 0; k < idx.length; k++) out[k] = { metric: names[k]!, values: event.columns[idx[k]!]! };
            return out;
          };
          prog.values += store.appendColumns(batch, current.nodeEntity, event.ts, cols(m.nodeIdx, m.nodeNames)).samples;
          if (m.hostIdx.length > 0) prog.values += store.appendColumns(batch, current.hostEntity, event.ts, cols(m.hostIdx, m.hostNames)).samples;
          const fr = fileRanges[input]!;
          for (const t of event.ts) {
            if (!Number.isSafeInteger(t) || t < 0) continue; // what the store keeps (a corrupt `start` can be anything)
            if (t < firstTs) firstTs = t;
            if (t > lastTs) lastTs = t;
            if (fr.firstTs === null || t < fr.firstTs) fr.firstTs = t;
            if (fr.lastTs === null || t > fr.lastTs) fr.lastTs = t;
          }
          prog.chunks++;
          prog.samples += event.samples;
          progress(false);
        }
      }
      throwIfAborted(signal);
      prog.filesDone = fresh.length;
      prog.bytesDone = bytesTotal;
      const nodes = this.commitTargets([...targets.values()]);
      const totals = {
        firstTs: Number.isFinite(firstTs) ? firstTs : null,
        lastTs: Number.isFinite(lastTs) ? lastTs : null,
        chunks: prog.chunks,
        samples: prog.samples,
        values: prog.values,
        bytes: bytesTotal,
        errors,
        errorCount: prog.errors,
        nodes,
      };
      const meta: NodeMeta[] = [...targets.values()].map((t) => ({
        nodeId: t.nodeId,
        hostId: t.identity.hostId,
        setName: t.identity.setName,
        hostInfo: ejson(t.identity.hostInfo),
        buildInfo: ejson(t.identity.buildInfo),
        getCmdLineOpts: ejson(t.identity.getCmdLineOpts),
      }));
      registry.finish(batch, totals, meta, fileRanges);
      const finalLabel = labelGiven || nodes.length === 0 ? label : `${nodes.map((n) => n.hostPort).join(', ')} — ${label}`;
      if (finalLabel !== label) registry.relabel(batch, finalLabel);
      this.emit({ ...prog, phase: 'done', file: null, message: null });
      return registry.get(batch)!;
    } catch (e) {
      const cancelled = signal?.aborted === true || (e instanceof BaleenError && e.code === 'E_CANCELLED');
      try {
        await store.deleteImport(batch);
      } catch (e2) {
        this.d.log.error('could not remove a cancelled FTDC import', { id: batch, error: errorMessage(e2) });
      }
      registry.remove(batch);
      this.emit({ ...prog, phase: cancelled ? 'cancelled' : 'failed', message: errorMessage(e) });
      if (cancelled && !(e instanceof BaleenError && e.code === 'E_CANCELLED')) throw new BaleenError('E_CANCELLED', 'The import was cancelled; nothing of it was kept.');
      throw e;
    }
  }

  /** Makes the offline nodes an import needs and records the aliases it learned. */
  private commitTargets(targets: Target[]): FtdcImportedNode[] {
    const dir = this.d.nodes;
    let changed = false;
    const out: FtdcImportedNode[] = [];
    for (const t of targets) {
      const exists = dir.getNode(t.nodeId) !== undefined;
      if (!exists) {
        this.ensureImportedProfile();
        dir.addNodes([this.offlineNodeRow(t.nodeId, t.identity)], [{ alias: t.identity.hostPort, nodeId: t.nodeId, source: 'ftdc' }]);
        changed = true;
      } else {
        dir.addAlias(t.identity.hostPort, t.nodeId, 'ftdc');
      }
      out.push({ nodeId: t.nodeId, hostPort: t.identity.hostPort, hostId: t.identity.hostId, version: t.identity.version, os: t.identity.os, created: !exists });
    }
    if (changed) this.d.onNodesChanged?.();
    return out;
  }

  private offlineNodeRow(nodeId: NodeId, identity: Pick<FtdcIdentity, 'hostPort' | 'version' | 'setName'>): NodeRow {
    return {
      id: nodeId,
      connectionId: IMPORTED_DEPLOYMENT,
      deployment: IMPORTED_DEPLOYMENT,
      hostPort: identity.hostPort,
      // `.invalid` never resolves (RFC 2606): an offline node is never dialled by accident.
      dialAddress: 'offline.invalid:27017',
      version: identity.version,
      server: 'mongod (FTDC import)',
      setName: identity.setName,
      monitoring: false,
      role: null,
      shard: null,
    };
  }

  private ensureImportedProfile(): void {
    if (this.d.nodes.getProfile(IMPORTED_DEPLOYMENT)) return;
    const now = this.d.clock.now();
    this.d.nodes.saveProfile(
      { id: IMPORTED_DEPLOYMENT, name: 'Imported', uri: 'mongodb://offline.invalid:27017/', createdAt: now, monitoring: false, group: 'Imported (FTDC)', tags: ['offline'], updatedAt: now },
      [],
      [],
    );
  }

  /** The metrics.* files of a remote diagnostic.data folder and their sizes, before fetching anything. */
  async sshPreview(session: ExecSessionSource, remoteDir: string, signal?: AbortSignal): Promise<{ remoteDir: string; files: RemoteFtdcFile[]; totalBytes: number }> {
    const files = await listRemoteFtdc(session, remoteDir, { clock: this.d.clock, ...(signal ? { signal } : {}) });
    return { remoteDir, files, totalBytes: files.reduce((n, f) => n + f.bytes, 0) };
  }

  /**
   * Fetches a node's diagnostic.data over SSH into a private temp folder, imports it like local
   * files (named `ssh://<host><dir>/<file>` in the summary), and removes the copies.
   */
  async importOverSsh(
    session: ExecSessionSource,
    target: { host: string; remoteDir: string },
    req: { label?: string | undefined; jobId?: string | undefined },
    actor: string,
    signal?: AbortSignal,
  ): Promise<FtdcImportResult> {
    await this.ready;
    const fetchOpts = { clock: this.d.clock, ...(signal ? { signal } : {}) };
    const files = await listRemoteFtdc(session, target.remoteDir, fetchOpts);
    const dir = await mkdtemp(join(tmpdir(), 'baleen-ftdc-ssh-'));
    try {
      const totalBytes = files.reduce((n, f) => n + f.bytes, 0);
      await fetchRemoteFtdc(session, target.remoteDir, files, dir, {
        ...fetchOpts,
        onFile: (done, total, name) =>
          this.emit({
            jobId: req.jobId ?? null,
            importId: null,
            phase: 'checking',
            filesDone: done,
            filesTotal: total,
            file: name || null,
            chunks: 0,
            samples: 0,
            values: 0,
            bytesDone: files.slice(0, done).reduce((n, f) => n + f.bytes, 0),
            bytesTotal: totalBytes,
            errors: 0,
            lastError: null,
            message: name ? `Fetching ${name} over SSH` : 'Fetched',
          }),
      });
      const remote = target.remoteDir.replace(/\/+$/, '');
      return await this.import(
        { paths: [dir], label: req.label ?? `${target.host}:${remote}`, jobId: req.jobId, displayPath: (p) => `ssh://${target.host}${remote}/${basename(p)}` },
        actor,
        signal,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  list(): FtdcImportSummary[] {
    return this.d.registry.list();
  }

  async delete(id: number, actor: string, signal?: AbortSignal): Promise<{ id: number; samples: number }> {
    await this.ready;
    const s = this.d.registry.get(id);
    if (!s) throw new BaleenError('E_NOT_FOUND', `There is no FTDC import ${id}.`);
    return this.d.audit.run({ action: 'ftdc.delete', target: s.label, actor, details: { id, samples: s.samples, nodes: s.nodes.map((n) => n.nodeId) } }, async () => {
      // The row goes first: whatever happens to the samples next, no import owns them any more, and a
      // batch no import owns is deleted at the next start (an interrupted delete finishes then).
      this.d.registry.remove(id);
      this.pruneOfflineNodes();
      let samples = 0;
      try {
        samples = (await this.d.store.deleteImport(id, signal)).samples;
      } catch (e) {
        if (!(e instanceof BaleenError && e.code === 'E_NOT_FOUND')) throw e;
      }
      return { id, samples };
    });
  }

  /** Offline nodes no remaining import refers to go; the rest are rebuilt with their aliases. */
  private pruneOfflineNodes(): void {
    const dir = this.d.nodes;
    const current = dir.nodesOf(IMPORTED_DEPLOYMENT);
    if (current.length === 0) return;
    const wanted = new Map<string, FtdcImportedNode>();
    for (const s of this.d.registry.list()) for (const n of s.nodes) if (n.nodeId.startsWith(`${IMPORTED_DEPLOYMENT}/`) && !wanted.has(n.nodeId)) wanted.set(n.nodeId, n);
    if (current.every((n) => wanted.has(n.id))) return;
    const keep = current.filter((n) => wanted.has(n.id));
    dir.deleteNodesOf(IMPORTED_DEPLOYMENT);
    if (keep.length === 0) dir.deleteProfile(IMPORTED_DEPLOYMENT);
    else {
      dir.addNodes(
        keep,
        keep.map((n) => ({ alias: n.hostPort, nodeId: n.id, source: 'ftdc' as const })),
      );
    }
    this.d.onNodesChanged?.();
  }

  /** The metadata an import recorded for a node or host entity (the newest import naming it). */
  facts(entityKey: string): FtdcEntityFacts | null {
    let entity;
    try {
      entity = parseEntityKey(entityKey);
    } catch {
      throw new BaleenError('E_INVALID_INPUT', `Not an entity: ${entityKey.slice(0, 80)}`);
    }
    const m = this.d.registry.latestMeta(entity.kind, entity.id);
    if (!m) return null;
    const parse = (s: string | null) => {
      if (s === null) return null;
      try {
        return EJSON.parse(s, { relaxed: true }) as Record<string, unknown>;
      } catch {
        return null;
      }
    };
    const hostInfo = parse(m.hostInfo);
    const buildInfo = parse(m.buildInfo);
    const getCmdLineOpts = parse(m.getCmdLineOpts);
    const identity = identityOf({ hostInfo, buildInfo, getCmdLineOpts });
    return {
      entity: entityKey,
      importId: m.importId,
      hostname: identity?.hostId ?? null,
      os: identity?.os ?? null,
      version: identity?.version ?? null,
      facts: factsOf({ hostInfo, buildInfo, getCmdLineOpts }),
      hostInfo: m.hostInfo === null ? null : JSON.parse(m.hostInfo),
      buildInfo: m.buildInfo === null ? null : JSON.parse(m.buildInfo),
      getCmdLineOpts: m.getCmdLineOpts === null ? null : JSON.parse(m.getCmdLineOpts),
    };
  }
}
