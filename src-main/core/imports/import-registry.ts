import type { FtdcChunkError, FtdcImportedNode, FtdcImportFile, FtdcImportSummary } from '../../../src-shared/contract/ftdc.contract';
import type { SqliteDatabase, SqliteDriver } from '../ports/sqlite';
import { openDatabase, type Migration } from '../store/sqlite-open';

/**
 * What Baleen knows about each FTDC import beyond its samples (imports.db): the files and their
 * hashes (re-import detection), the nodes and hosts it went to, its metadata documents, its totals.
 * The row's id is the metric store's batch id. A row stays `running` until every chunk is stored;
 * a `running` row found at start-up is an import that died half-way, and its batch is deleted.
 */
const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'imports, files, metadata',
    up: `
      CREATE TABLE imports (
        id INTEGER PRIMARY KEY,
        label TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('running', 'done')),
        created_at INTEGER NOT NULL,
        first_ts INTEGER,
        last_ts INTEGER,
        chunks INTEGER NOT NULL DEFAULT 0,
        samples INTEGER NOT NULL DEFAULT 0,
        vals INTEGER NOT NULL DEFAULT 0,
        bytes INTEGER NOT NULL DEFAULT 0,
        error_count INTEGER NOT NULL DEFAULT 0,
        errors TEXT NOT NULL DEFAULT '[]',
        nodes TEXT NOT NULL DEFAULT '[]'
      );
      CREATE TABLE import_files (
        import_id INTEGER NOT NULL REFERENCES imports(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        path TEXT NOT NULL,
        bytes INTEGER NOT NULL,
        sha256 TEXT NOT NULL,
        PRIMARY KEY (import_id, seq)
      );
      CREATE INDEX import_files_sha ON import_files (sha256);
      CREATE TABLE import_meta (
        import_id INTEGER NOT NULL REFERENCES imports(id) ON DELETE CASCADE,
        node_id TEXT NOT NULL,
        host_id TEXT NOT NULL,
        set_name TEXT,
        host_info TEXT,
        build_info TEXT,
        cmd_line TEXT,
        PRIMARY KEY (import_id, node_id)
      );
      CREATE INDEX import_meta_host ON import_meta (host_id);
    `,
  },
  {
    version: 2,
    name: 'time range per file',
    up: `
      ALTER TABLE import_files ADD COLUMN first_ts INTEGER;
      ALTER TABLE import_files ADD COLUMN last_ts INTEGER;
    `,
  },
];

/** Files closer than this in time are one capture (mongod writes a new file every ~10 MB or restart). */
export const SPAN_JOIN_MS = 3_600_000;

/** The captures of an import: its files' ranges, merged where they overlap or nearly touch. */
export function spansOf(files: readonly { firstTs: number | null; lastTs: number | null }[]): { from: number; to: number }[] {
  const rs = files
    .filter((f): f is { firstTs: number; lastTs: number } => f.firstTs !== null && f.lastTs !== null)
    .map((f) => ({ from: f.firstTs, to: f.lastTs }))
    .sort((a, b) => a.from - b.from);
  const out: { from: number; to: number }[] = [];
  for (const r of rs) {
    const last = out[out.length - 1];
    if (last && r.from <= last.to + SPAN_JOIN_MS) last.to = Math.max(last.to, r.to);
    else out.push({ ...r });
  }
  return out;
}

type ImportRow = {
  id: number;
  label: string;
  state: 'running' | 'done';
  created_at: number;
  first_ts: number | null;
  last_ts: number | null;
  chunks: number;
  samples: number;
  vals: number;
  bytes: number;
  error_count: number;
  errors: string;
  nodes: string;
};

export interface ImportTotals {
  firstTs: number | null;
  lastTs: number | null;
  chunks: number;
  samples: number;
  values: number;
  bytes: number;
  errors: FtdcChunkError[];
  errorCount: number;
  nodes: FtdcImportedNode[];
}

export interface NodeMeta {
  nodeId: string;
  hostId: string;
  setName: string | null;
  /** Relaxed Extended JSON of each document. */
  hostInfo: string | null;
  buildInfo: string | null;
  getCmdLineOpts: string | null;
}

function parseJson<T>(s: string, fallback: T): T {
  try {
    return JSON.parse(s) as T;
  } catch {
    return fallback;
  }
}

export class ImportRegistry {
  private readonly db: SqliteDatabase;

  constructor(driver: SqliteDriver, path: string) {
    this.db = openDatabase(driver, path, { synchronous: 'FULL', migrations: MIGRATIONS });
  }

  begin(id: number, label: string, createdAt: number, files: readonly FtdcImportFile[]): void {
    this.db.transaction(() => {
      this.db.prepare(`INSERT INTO imports (id, label, state, created_at) VALUES (?, ?, 'running', ?)`).run(id, label, createdAt);
      const ins = this.db.prepare('INSERT INTO import_files (import_id, seq, path, bytes, sha256) VALUES (?, ?, ?, ?, ?)');
      files.forEach((f, i) => ins.run(id, i, f.path, f.bytes, f.sha256));
    })();
  }

  /** The import becomes visible (and its files count as imported) only here. */
  finish(id: number, t: ImportTotals, meta: readonly NodeMeta[], fileRanges: readonly { firstTs: number | null; lastTs: number | null }[] = []): void {
    this.db.transaction(() => {
      const rng = this.db.prepare('UPDATE import_files SET first_ts = ?, last_ts = ? WHERE import_id = ? AND seq = ?');
      fileRanges.forEach((r, i) => rng.run(r.firstTs, r.lastTs, id, i));
      this.db
        .prepare(
          `UPDATE imports SET state = 'done', first_ts = ?, last_ts = ?, chunks = ?, samples = ?, vals = ?, bytes = ?, error_count = ?, errors = ?, nodes = ? WHERE id = ?`,
        )
        .run(t.firstTs, t.lastTs, t.chunks, t.samples, t.values, t.bytes, t.errorCount, JSON.stringify(t.errors), JSON.stringify(t.nodes), id);
      const ins = this.db.prepare('INSERT OR REPLACE INTO import_meta (import_id, node_id, host_id, set_name, host_info, build_info, cmd_line) VALUES (?, ?, ?, ?, ?, ?, ?)');
      for (const m of meta) ins.run(id, m.nodeId, m.hostId, m.setName, m.hostInfo, m.buildInfo, m.getCmdLineOpts);
    })();
  }

  relabel(id: number, label: string): void {
    this.db.prepare('UPDATE imports SET label = ? WHERE id = ?').run(label, id);
  }

  remove(id: number): void {
    this.db.prepare('DELETE FROM imports WHERE id = ?').run(id);
  }

  /** Finished imports holding a file with this hash. */
  importsOfSha(sha256: string): number[] {
    return this.db
      .prepare<[string], { id: number }>(`SELECT DISTINCT i.id FROM import_files f JOIN imports i ON i.id = f.import_id WHERE f.sha256 = ? AND i.state = 'done' ORDER BY i.id`)
      .all(sha256)
      .map((r) => r.id);
  }

  ids(state: 'running' | 'done'): number[] {
    return this.db
      .prepare<[string], { id: number }>('SELECT id FROM imports WHERE state = ? ORDER BY id')
      .all(state)
      .map((r) => r.id);
  }

  list(): FtdcImportSummary[] {
    const rows = this.db.prepare<[], ImportRow>(`SELECT * FROM imports WHERE state = 'done' ORDER BY created_at DESC, id DESC`).all();
    const files = this.db.prepare<[number], { path: string; bytes: number; sha256: string; firstTs: number | null; lastTs: number | null }>(
      'SELECT path, bytes, sha256, first_ts AS firstTs, last_ts AS lastTs FROM import_files WHERE import_id = ? ORDER BY seq',
    );
    return rows.map((r) => {
      const fs = files.all(r.id);
      return {
        id: r.id,
        label: r.label,
        createdAt: r.created_at,
        files: fs,
        spans: spansOf(fs),
        nodes: parseJson<FtdcImportedNode[]>(r.nodes, []),
        firstTs: r.first_ts,
        lastTs: r.last_ts,
        chunks: r.chunks,
        samples: r.samples,
        values: r.vals,
        bytes: r.bytes,
        errors: parseJson<FtdcChunkError[]>(r.errors, []),
        errorCount: r.error_count,
      };
    });
  }

  get(id: number): FtdcImportSummary | undefined {
    return this.list().find((s) => s.id === id);
  }

  /** The newest finished import's metadata for a node or a host. */
  latestMeta(by: 'node' | 'host', id: string): (NodeMeta & { importId: number }) | undefined {
    const col = by === 'node' ? 'm.node_id' : 'm.host_id';
    const r = this.db
      .prepare<[string], { import_id: number; node_id: string; host_id: string; set_name: string | null; host_info: string | null; build_info: string | null; cmd_line: string | null }>(
        `SELECT m.* FROM import_meta m JOIN imports i ON i.id = m.import_id WHERE ${col} = ? AND i.state = 'done' ORDER BY i.created_at DESC, i.id DESC LIMIT 1`,
      )
      .get(id);
    return r && { importId: r.import_id, nodeId: r.node_id, hostId: r.host_id, setName: r.set_name, hostInfo: r.host_info, buildInfo: r.build_info, getCmdLineOpts: r.cmd_line };
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
