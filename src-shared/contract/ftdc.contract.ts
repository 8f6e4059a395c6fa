import { z } from 'zod';
import { EntityKey, NodeId } from '../domain/identity';
import { defineService, method } from './define';

/**
 * FTDC import (issue 7): a customer's diagnostic.data (files, a folder, a .tar/.tar.gz/.zip of them,
 * or fetched over SSH) goes into the metric store as an offline set tied to the node and host its
 * metadata names, so every chart reads it like live history. Paths are read by the core (the bridge
 * and Electron both run it on the user's machine); the renderer never touches the file system.
 */
const Ts = z.number().int().nonnegative();
/** A server-side path typed or picked by the user: absolute, no NUL, bounded. */
export const FtdcImportPath = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => !p.includes('\0'), 'a path cannot contain NUL')
  .refine((p) => p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p) || p.startsWith('\\\\'), 'the path must be absolute');

/** A client-chosen id that tags this import's progress events (the call's own result arrives at the end). */
const JobId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);

export const FtdcImportFile = z.object({
  path: z.string(),
  bytes: z.number().int().nonnegative(),
  /** sha256 of the whole file (or archive): how a second import of the same bytes is recognised. */
  sha256: z.string(),
  /** Its first and last sample time (null when it held none, or before it was read). */
  firstTs: Ts.nullable(),
  lastTs: Ts.nullable(),
});
export type FtdcImportFile = z.infer<typeof FtdcImportFile>;

export const FtdcImportedNode = z.object({
  nodeId: NodeId,
  /** host:port as the metadata names it (hostInfo hostname + getCmdLineOpts net.port). */
  hostPort: z.string(),
  /** The host entity id its systemMetrics went to (`host:<hostId>`). */
  hostId: z.string(),
  version: z.string().nullable(),
  os: z.string().nullable(),
  /** True when no known node matched an alias and an offline node was made under "Imported". */
  created: z.boolean(),
});
export type FtdcImportedNode = z.infer<typeof FtdcImportedNode>;

export const FtdcChunkError = z.object({ file: z.string(), offset: z.number().int().nonnegative(), message: z.string() });
export type FtdcChunkError = z.infer<typeof FtdcChunkError>;

export const FtdcImportSummary = z.object({
  id: z.number().int().positive(),
  label: z.string(),
  createdAt: Ts,
  files: z.array(FtdcImportFile),
  nodes: z.array(FtdcImportedNode),
  firstTs: Ts.nullable(),
  lastTs: Ts.nullable(),
  /**
   * The captures in it: its files' time ranges merged where they overlap or lie within an hour of
   * each other. A folder often holds captures months apart; a chart of one reads better than of all.
   */
  spans: z.array(z.object({ from: Ts, to: Ts })),
  chunks: z.number().int().nonnegative(),
  /** Timestamps imported (FTDC samples). */
  samples: z.number().int().nonnegative(),
  /** Values stored (samples × metrics, absent values not counted). */
  values: z.number().int().nonnegative(),
  /** Bytes of the files read. */
  bytes: z.number().int().nonnegative(),
  /** Chunks or documents skipped as unreadable (first 200). */
  errors: z.array(FtdcChunkError),
  errorCount: z.number().int().nonnegative(),
});
export type FtdcImportSummary = z.infer<typeof FtdcImportSummary>;

export const FtdcImportInput = z
  .object({
    paths: z.array(FtdcImportPath).min(1).max(1000),
    label: z.string().trim().min(1).max(200).optional(),
    jobId: JobId.optional(),
  })
  .strict();

/** A node's diagnostic.data fetched over its connection's SSH tunnel (commands run on the last hop). */
export const FtdcSshSource = z
  .object({
    nodeId: NodeId,
    remoteDir: z.string().trim().min(2).max(1024).regex(/^\//, 'an absolute path on the node, e.g. /var/lib/mongodb/diagnostic.data'),
  })
  .strict();

export const FtdcSshImportInput = FtdcSshSource.extend({
  label: z.string().trim().min(1).max(200).optional(),
  jobId: JobId.optional(),
}).strict();

export const FtdcImportResult = z.discriminatedUnion('status', [
  z.object({ status: z.literal('imported'), import: FtdcImportSummary, skippedFiles: z.array(z.object({ path: z.string(), importId: z.number().int() })) }),
  /** Every file was imported before: nothing was written. */
  z.object({ status: z.literal('duplicate'), importIds: z.array(z.number().int()), skippedFiles: z.array(z.object({ path: z.string(), importId: z.number().int() })) }),
]);
export type FtdcImportResult = z.infer<typeof FtdcImportResult>;

export const FtdcPreviewInput = z.object({ paths: z.array(FtdcImportPath).min(1).max(1000) }).strict();
export const FtdcImportPreview = z.object({
  files: z.array(z.object({ path: z.string(), bytes: z.number().int().nonnegative(), kind: z.enum(['file', 'tar', 'tar.gz', 'zip']), importedAs: z.number().int().nullable() })),
  totalBytes: z.number().int().nonnegative(),
});
export type FtdcImportPreview = z.infer<typeof FtdcImportPreview>;

export const FtdcImportProgress = z.object({
  jobId: z.string().nullable(),
  importId: z.number().int().nullable(),
  phase: z.enum(['checking', 'importing', 'done', 'cancelled', 'failed']),
  filesDone: z.number().int().nonnegative(),
  filesTotal: z.number().int().nonnegative(),
  file: z.string().nullable(),
  chunks: z.number().int().nonnegative(),
  samples: z.number().int().nonnegative(),
  values: z.number().int().nonnegative(),
  bytesDone: z.number().int().nonnegative(),
  bytesTotal: z.number().int().nonnegative(),
  errors: z.number().int().nonnegative(),
  lastError: FtdcChunkError.nullable(),
  message: z.string().nullable(),
});
export type FtdcImportProgress = z.infer<typeof FtdcImportProgress>;

/** What the metadata documents said about a node or host (the latest import that names it). */
export const FtdcEntityFacts = z.object({
  entity: EntityKey,
  importId: z.number().int(),
  hostname: z.string().nullable(),
  os: z.string().nullable(),
  version: z.string().nullable(),
  /** A short, display-ready selection: CPU, memory, kernel, storage engine, replica set, ... */
  facts: z.array(z.object({ label: z.string(), value: z.string() })),
  /** The three metadata documents as they were (Extended JSON, relaxed), for the raw view. */
  hostInfo: z.unknown().nullable(),
  buildInfo: z.unknown().nullable(),
  getCmdLineOpts: z.unknown().nullable(),
});
export type FtdcEntityFacts = z.infer<typeof FtdcEntityFacts>;

export const ftdcContract = defineService(
  'ftdc',
  {
    /** Sizes and whether each file was imported before, before anything is read in full. */
    preview: method(FtdcPreviewInput, FtdcImportPreview),
    /** Imports; progress as `ftdc.progress` events; cancel the call to leave nothing behind. */
    import: method(FtdcImportInput, FtdcImportResult),
    sshPreview: method(FtdcSshSource, FtdcImportPreview),
    sshImport: method(FtdcSshImportInput, FtdcImportResult),
    list: method(z.object({}).strict(), z.array(FtdcImportSummary)),
    delete: method(z.object({ id: z.number().int().positive() }).strict(), z.object({ id: z.number().int(), samples: z.number().int().nonnegative() })),
    facts: method(z.object({ entity: EntityKey }).strict(), FtdcEntityFacts.nullable()),
    /** The desktop shell's native picker (E_UNSUPPORTED in the browser, where the user types a path); null when dismissed. */
    pickPaths: method(z.object({ kind: z.enum(['folder', 'files']) }).strict(), z.object({ paths: z.array(z.string()).nullable() })),
  },
  { progress: FtdcImportProgress },
);
