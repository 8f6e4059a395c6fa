import type { Migration } from '../store/sqlite-open';

/**
 * events.db: everything that happened at a time (log lines, slow operations, connections, incidents),
 * kept apart from metrics.db so a 5 GB log import never competes with live samples for the writer.
 *
 * - Ids are assigned by the writer in insertion order and each batch of a source is one contiguous id
 *   range (`chunks`): deleting an import walks its ranges instead of needing a source index on every
 *   table.
 * - Full-text search is a contentless FTS5 table (`contentless_delete=1`, so rows can be removed by id)
 *   with `detail=none`: the smallest index that answers "which rows hold all these tokens". Phrases are
 *   checked on the candidate rows' text (see event.store.ts), so no positional index is paid for.
 * - Aggregates the views read at every zoom level are written with the events, in the same
 *   transaction: per-minute counts (`buckets`, `conn_buckets`) and the signal lines incidents are built
 *   from (`signals`).
 */
export const EVENT_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'events, operations, connections, incidents',
    up: `
      CREATE TABLE sources (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        label TEXT NOT NULL,
        node_id TEXT,
        created_at INTEGER NOT NULL,
        state TEXT NOT NULL,
        error TEXT,
        config TEXT NOT NULL DEFAULT '{}',
        cursor TEXT,
        events INTEGER NOT NULL DEFAULT 0,
        unparsed INTEGER NOT NULL DEFAULT 0,
        ops INTEGER NOT NULL DEFAULT 0,
        bytes INTEGER NOT NULL DEFAULT 0,
        missed INTEGER NOT NULL DEFAULT 0,
        t_min INTEGER,
        t_max INTEGER,
        updated_at INTEGER NOT NULL
      );
      CREATE TABLE files (
        id INTEGER PRIMARY KEY,
        source_id INTEGER NOT NULL,
        path TEXT NOT NULL,
        lines INTEGER NOT NULL DEFAULT 0,
        bytes INTEGER NOT NULL DEFAULT 0,
        error TEXT
      );
      CREATE INDEX files_source ON files(source_id);
      CREATE TABLE nodes (
        ix INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        node_id TEXT
      );
      CREATE TABLE chunks (
        source_id INTEGER NOT NULL,
        first_id INTEGER NOT NULL,
        last_id INTEGER NOT NULL,
        PRIMARY KEY (source_id, first_id)
      ) WITHOUT ROWID;
      CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        file_id INTEGER NOT NULL,
        line INTEGER NOT NULL,
        ts INTEGER NOT NULL,
        node_ix INTEGER NOT NULL,
        sev TEXT NOT NULL,
        comp TEXT NOT NULL,
        mid INTEGER,
        ctx TEXT NOT NULL,
        msg TEXT NOT NULL,
        attr TEXT,
        kind INTEGER NOT NULL
      );
      CREATE INDEX events_ts ON events(ts);
      CREATE INDEX events_node_ts ON events(node_ix, ts);
      CREATE INDEX events_ctx ON events(ctx, ts);
      CREATE VIRTUAL TABLE events_fts USING fts5(msg, attr, content='', contentless_delete=1, detail=none);
      CREATE TABLE unparsed (
        id INTEGER PRIMARY KEY,
        file_id INTEGER NOT NULL,
        line INTEGER NOT NULL,
        bytes INTEGER NOT NULL,
        reason TEXT NOT NULL,
        text TEXT NOT NULL
      );
      CREATE TABLE shapes (
        ix INTEGER PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,
        ns TEXT NOT NULL,
        op TEXT NOT NULL,
        text TEXT NOT NULL,
        hash TEXT NOT NULL,
        hash_source TEXT NOT NULL
      );
      CREATE TABLE ops (
        id INTEGER PRIMARY KEY,
        node_ix INTEGER NOT NULL,
        ts INTEGER NOT NULL,
        ns TEXT NOT NULL,
        op TEXT NOT NULL,
        ms REAL NOT NULL,
        keys INTEGER,
        docs INTEGER,
        nret INTEGER,
        plan TEXT,
        shape_ix INTEGER,
        client TEXT,
        conn TEXT,
        app TEXT,
        user TEXT,
        err_code INTEGER,
        err_name TEXT,
        failed INTEGER NOT NULL,
        lsid TEXT,
        txn INTEGER,
        sess_id INTEGER
      );
      CREATE INDEX ops_ts ON ops(ts);
      CREATE INDEX ops_shape ON ops(shape_ix, ts);
      CREATE INDEX ops_lsid ON ops(lsid, ts) WHERE lsid IS NOT NULL;
      CREATE INDEX ops_sess ON ops(sess_id) WHERE sess_id IS NOT NULL;
      CREATE TABLE sessions (
        id INTEGER PRIMARY KEY,
        source_id INTEGER NOT NULL,
        node_ix INTEGER NOT NULL,
        conn TEXT NOT NULL,
        remote TEXT,
        host TEXT,
        accepted INTEGER,
        ended INTEGER,
        driver TEXT,
        driver_version TEXT,
        app TEXT,
        os TEXT,
        platform TEXT,
        user TEXT,
        auth_db TEXT,
        mechanism TEXT,
        auth_ok INTEGER,
        auth_failures INTEGER NOT NULL DEFAULT 0,
        ops INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX sessions_accepted ON sessions(accepted);
      CREATE INDEX sessions_node_conn ON sessions(node_ix, conn);
      CREATE INDEX sessions_source ON sessions(source_id);
      CREATE TABLE buckets (
        source_id INTEGER NOT NULL,
        node_ix INTEGER NOT NULL,
        minute INTEGER NOT NULL,
        comp TEXT NOT NULL,
        sev TEXT NOT NULL,
        n INTEGER NOT NULL,
        PRIMARY KEY (minute, node_ix, comp, sev, source_id)
      ) WITHOUT ROWID;
      CREATE TABLE conn_buckets (
        source_id INTEGER NOT NULL,
        node_ix INTEGER NOT NULL,
        minute INTEGER NOT NULL,
        accepted INTEGER NOT NULL,
        ended INTEGER NOT NULL,
        PRIMARY KEY (minute, node_ix, source_id)
      ) WITHOUT ROWID;
      CREATE TABLE signals (
        id INTEGER PRIMARY KEY,
        node_ix INTEGER NOT NULL,
        ts INTEGER NOT NULL,
        kind TEXT NOT NULL,
        detail TEXT NOT NULL
      );
      CREATE INDEX signals_ts ON signals(ts);
      CREATE TABLE incidents (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        title TEXT NOT NULL,
        start INTEGER NOT NULL,
        end INTEGER NOT NULL,
        nodes TEXT NOT NULL,
        summary TEXT NOT NULL,
        evidence TEXT NOT NULL
      );
      CREATE INDEX incidents_start ON incidents(start);
    `,
  },
];
