import { z } from 'zod';
import { ErrorCode } from '../domain/errors';
import { NodeId } from '../domain/identity';
import { defineService, method } from './define';

/**
 * Connection profiles, their secrets' status (never their values: SEC-E8), the deployment found behind
 * them, what the user may do there (capabilities), the step-by-step connection test, import and export.
 */

/**
 * `unreachable` with `ssh` set is "unreachable(ssh)": the SSH path failed, not the node. An SSH login or
 * host-key problem has its own state, never `auth-failed` (which is MongoDB's code 18).
 */
export const NodeState = z.enum(['connecting', 'monitoring', 'unreachable', 'auth-failed', 'not-authorized', 'stopped', 'ssh-auth-failed', 'host-key-unknown', 'host-key-changed']);
export type NodeState = z.infer<typeof NodeState>;

/** A server's SSH host key as the UI shows it and hands back to trust it (public data, never a secret). */
export const HostKeyChallenge = z
  .object({
    /** The name the key is checked under: the hop's host (or its HostKeyAlias) and port. */
    host: z.string().min(1).max(255),
    port: z.number().int().min(1).max(65535),
    keyType: z.string().min(1).max(64),
    /** The public key blob, base64. */
    key: z.string().min(1).max(16384),
    /** `SHA256:<base64>`, as `ssh-keygen -lf` prints it. */
    fingerprint: z.string().min(8).max(100),
  })
  .strict();
export type HostKeyChallenge = z.infer<typeof HostKeyChallenge>;

export const KnownHostKey = z.object({ keyType: z.string(), fingerprint: z.string(), source: z.string() });
export type KnownHostKey = z.infer<typeof KnownHostKey>;

/** What a host-key problem offers the user: trust an unknown key, or replace a changed one (old and new shown). */
export const HostKeyProblem = z.object({
  verdict: z.enum(['unknown', 'changed', 'revoked']),
  challenge: HostKeyChallenge,
  /** The keys known before (changed): from ~/.ssh/known_hosts (`file:line`) or Baleen's pins (`baleen`). */
  previous: z.array(KnownHostKey).optional(),
});
export type HostKeyProblem = z.infer<typeof HostKeyProblem>;

/** Which part of the SSH path failed (`details.sshKind` of the tunnel's error) and at which hop. */
export const SshProblem = z.object({
  kind: z.string(),
  hop: z.number().int().optional(),
  host: z.string().optional(),
  port: z.number().int().optional(),
  hostKey: HostKeyProblem.optional(),
});
export type SshProblem = z.infer<typeof SshProblem>;

/** An SSH tunnel's state (the tunnel layer's own states). */
export const TunnelState = z.enum(['idle', 'connecting', 'ready', 'unreachable', 'ssh-auth-failed', 'host-key-unknown', 'host-key-changed', 'host-key-revoked', 'failed', 'closed']);
export type TunnelState = z.infer<typeof TunnelState>;

export const HopTiming = z.object({ hop: z.number().int(), host: z.string(), port: z.number().int(), ms: z.number() });
export type HopTiming = z.infer<typeof HopTiming>;

export const TunnelSummary = z.object({
  state: TunnelState,
  since: z.number(),
  /** Per-hop connect times of the live session. */
  hops: z.array(HopTiming),
  /** Why it is not ready, in words, with the hop. */
  reason: z.string().optional(),
  ssh: SshProblem.optional(),
  nextAttemptAt: z.number().optional(),
  failures: z.number().int(),
});
export type TunnelSummary = z.infer<typeof TunnelSummary>;

export const NodeStatus = z.object({
  state: NodeState,
  /** Why, in words a DBA can act on (for anything but `monitoring`). */
  reason: z.string().optional(),
  since: z.number(),
  /** Set when the SSH tunnel is why the node cannot be polled. */
  ssh: SshProblem.optional(),
});
export type NodeStatus = z.infer<typeof NodeStatus>;

// ---------------------------------------------------------------------------------------------------
// Capabilities: which Baleen features this user may use on a node (REL-M5).

export const FEATURES = [
  'serverStatus',
  'replSetGetStatus',
  'replSetGetConfig',
  'currentOp',
  'getLog',
  'top',
  'hostInfo',
  'dbStats',
  'collStats',
  'profiler',
  'explain',
] as const;
export const Feature = z.enum(FEATURES);
export type Feature = z.infer<typeof Feature>;

export const CapabilityState = z.enum(['available', 'partial', 'unavailable', 'unsupported', 'unknown']);
export type CapabilityState = z.infer<typeof CapabilityState>;

export const Capability = z.object({
  feature: Feature,
  label: z.string(),
  state: CapabilityState,
  /** Why it is off or partial, or how it was learned. */
  reason: z.string().optional(),
  /** The privilege it needs, e.g. `serverStatus on the cluster`. */
  needs: z.string(),
  /** The built-in role that would unlock it when it is off. */
  unlockRole: z.string().optional(),
  /** When a refusal was last seen (code 13); the feature is retried at most once an hour. */
  deniedAt: z.number().optional(),
});
export type Capability = z.infer<typeof Capability>;

export const CapabilityMatrix = z.object({
  /** `connectionStatus` (showPrivileges) read at connect time, or learned from first use. */
  source: z.enum(['privileges', 'no-access-control', 'first-use']),
  users: z.array(z.string()),
  roles: z.array(z.string()),
  features: z.array(Capability),
  /** The least role that turns on everything Baleen needs by default. */
  minimumRole: z.string(),
  checkedAt: z.number(),
});
export type CapabilityMatrix = z.infer<typeof CapabilityMatrix>;

// ---------------------------------------------------------------------------------------------------
// Topology.

export const MemberInfo = z.object({
  hostPort: z.string(),
  /** PRIMARY, SECONDARY, ARBITER, RECOVERING, DOWN, ... or MONGOS / STANDALONE / UNKNOWN. */
  state: z.string(),
  health: z.number().nullable(),
  hidden: z.boolean(),
  arbiter: z.boolean(),
  /** secondaryDelaySecs (slaveDelay before 5.0); null when unknown. */
  delaySecs: z.number().nullable(),
  priority: z.number().nullable(),
  votes: z.number().nullable(),
  /** The node Baleen polls for this member. */
  nodeId: NodeId.optional(),
});
export type MemberInfo = z.infer<typeof MemberInfo>;

export const ReplicaSetInfo = z.object({ name: z.string(), setVersion: z.number().nullable(), members: z.array(MemberInfo) });
export type ReplicaSetInfo = z.infer<typeof ReplicaSetInfo>;

export const Topology = z.object({
  kind: z.enum(['standalone', 'replicaSet', 'sharded', 'unknown']),
  /** Standalone: one member; replica set: its members; sharded: the mongos routers. */
  members: z.array(MemberInfo),
  replicaSet: ReplicaSetInfo.nullable(),
  shards: z.array(ReplicaSetInfo.extend({ shard: z.string() })),
  configServers: ReplicaSetInfo.nullable(),
  discoveredAt: z.number(),
  /** What could not be read and why (e.g. replSetGetConfig not authorized), never an error. */
  notes: z.array(z.string()),
});
export type Topology = z.infer<typeof Topology>;

export const NodeSummary = z.object({
  id: NodeId,
  connectionId: z.string(),
  deployment: z.string(),
  /** Canonical host:port from hello.me (else the seed). Never a local tunnel port. */
  hostPort: z.string(),
  /** Other names seen for this node (the seed dialled, FTDC and log names). */
  aliases: z.array(z.string()),
  version: z.string().nullable(),
  /** `mongod`, `mongos`, or a compatible server (`ferretdb`, ...). */
  server: z.string().nullable(),
  setName: z.string().nullable(),
  status: NodeStatus,
  /** PRIMARY, SECONDARY, ARBITER, MONGOS... as last discovered. */
  role: z.string().optional(),
  /** The shard (or `config`) this node belongs to in a sharded cluster. */
  shard: z.string().optional(),
  capabilities: CapabilityMatrix.optional(),
});
export type NodeSummary = z.infer<typeof NodeSummary>;

// ---------------------------------------------------------------------------------------------------
// Profiles.

export const PROFILE_COLORS = ['none', 'red', 'orange', 'yellow', 'green', 'teal', 'blue', 'purple', 'pink', 'grey'] as const;
export const ProfileColor = z.enum(PROFILE_COLORS);
export type ProfileColor = z.infer<typeof ProfileColor>;

export const AUTH_MECHANISMS = ['NONE', 'DEFAULT', 'SCRAM-SHA-1', 'SCRAM-SHA-256', 'MONGODB-X509', 'PLAIN', 'GSSAPI', 'MONGODB-AWS'] as const;
export const AuthMechanism = z.enum(AUTH_MECHANISMS);
export type AuthMechanism = z.infer<typeof AuthMechanism>;

export const READ_PREFERENCES = ['primary', 'primaryPreferred', 'secondary', 'secondaryPreferred', 'nearest'] as const;
export const ReadPreference = z.enum(READ_PREFERENCES);

/** The TLS options that switch certificate checks off: each needs an explicit, audited opt-in (REL-M8). */
export const INSECURE_TLS_FLAGS = ['tlsAllowInvalidCertificates', 'tlsAllowInvalidHostnames', 'tlsInsecure'] as const;
export const InsecureTlsFlag = z.enum(INSECURE_TLS_FLAGS);
export type InsecureTlsFlag = z.infer<typeof InsecureTlsFlag>;

const HostInput = z.string().trim().min(1, 'a host is empty').max(300);
const FilePath = z.string().trim().min(1).max(4096);

/** The connection form: everything a URI can say, minus its secrets. Built into a URI by the core. */
export const ConnectionForm = z
  .object({
    scheme: z.enum(['mongodb', 'mongodb+srv']),
    hosts: z.array(HostInput).min(1, 'add at least one host').max(50),
    replicaSet: z.string().trim().max(200).optional(),
    directConnection: z.boolean().optional(),
    auth: z
      .object({
        mechanism: AuthMechanism,
        username: z.string().max(1000).optional(),
        authSource: z.string().trim().max(200).optional(),
        /** GSSAPI SERVICE_NAME. */
        serviceName: z.string().trim().max(200).optional(),
      })
      .strict(),
    tls: z
      .object({
        mode: z.enum(['default', 'on', 'off']),
        caFile: FilePath.optional(),
        certificateKeyFile: FilePath.optional(),
        allowInvalidCertificates: z.boolean().optional(),
        allowInvalidHostnames: z.boolean().optional(),
      })
      .strict(),
    readPreference: ReadPreference.optional(),
    /** Every other URI option, kept verbatim (the driver validates them). */
    options: z.record(z.string().max(100), z.string().max(2000)).optional(),
  })
  .strict();
export type ConnectionForm = z.infer<typeof ConnectionForm>;

/** The MongoDB-side secrets a profile can carry; stored in the OS keychain, never returned (SEC-E8). */
export const SECRET_KINDS = ['mongodb-password', 'tls-key-password', 'aws-session-token', 'proxy-password'] as const;
export type BaseSecretKind = (typeof SECRET_KINDS)[number];
/** SSH secrets are per hop (1-based): the keychain account is `<profileId>/ssh-password:<hop>`. */
export type SshSecretKind = `ssh-password:${number}` | `ssh-passphrase:${number}`;
export const MAX_SSH_HOPS = 5;
export const SSH_SECRET_KIND = /^ssh-(password|passphrase):([1-9]\d?)$/;
export const sshSecretKind = (what: 'password' | 'passphrase', hop: number): SshSecretKind => `ssh-${what}:${hop}`;
export const isSshSecretKind = (k: string): k is SshSecretKind => SSH_SECRET_KIND.test(k);
export const SecretKind = z.union([z.enum(SECRET_KINDS), z.custom<SshSecretKind>((v) => typeof v === 'string' && isSshSecretKind(v), 'not an SSH secret kind')]);
export type SecretKind = BaseSecretKind | SshSecretKind;

const SecretValue = z.string().min(1).max(8192);
/** Write-only: a value sets the secret, null deletes it, absent leaves it as it is. */
export const SecretsInput = z
  .object({
    password: SecretValue.nullable().optional(),
    tlsKeyPassword: SecretValue.nullable().optional(),
    awsSessionToken: SecretValue.nullable().optional(),
    /** SOCKS5 proxy password (the URI's proxyPassword). */
    proxyPassword: SecretValue.nullable().optional(),
    /** Per SSH hop (1-based): its login password and its private key's passphrase. */
    ssh: z
      .array(
        z
          .object({
            hop: z.number().int().min(1).max(MAX_SSH_HOPS),
            password: SecretValue.nullable().optional(),
            passphrase: SecretValue.nullable().optional(),
          })
          .strict(),
      )
      .max(MAX_SSH_HOPS)
      .optional(),
  })
  .strict();
export type SecretsInput = z.infer<typeof SecretsInput>;

export const SecretStatus = z.object({
  kind: SecretKind,
  /** keychain: saved in the OS keychain; session: kept until Baleen quits; missing / unreadable: ask again. */
  state: z.enum(['keychain', 'session', 'missing', 'unreadable']),
  reason: z.string().optional(),
});
export type SecretStatus = z.infer<typeof SecretStatus>;

export const SecretStorage = z.object({ persistent: z.boolean(), reason: z.string().optional() });
export type SecretStorage = z.infer<typeof SecretStorage>;

export const SSH_AUTH_METHODS = ['key', 'agent', 'password', 'keyboard-interactive'] as const;
export const SshHopAuth = z.enum(SSH_AUTH_METHODS);
export type SshHopAuth = z.infer<typeof SshHopAuth>;

/**
 * One SSH hop, in order: hop 1 is dialled from this machine, hop N through hop N−1, and the last hop
 * opens the TCP connections to the MongoDB members (by their real names). Its secrets (password, key
 * passphrase) are kept in the keychain per hop, never here.
 */
export const SshHop = z
  .object({
    host: HostInput.refine((h) => !/[\s/@]/.test(h), 'an SSH host name has no spaces, "/" or "@"'),
    port: z.number().int().min(1).max(65535).default(22),
    username: z.string().trim().min(1).max(200).refine((u) => !/[\s:]/.test(u), 'an SSH user name has no spaces or ":"'),
    auth: SshHopAuth,
    /** The private key file (auth `key`); it stays on disk, only its passphrase goes to the keychain. */
    keyFile: FilePath.optional(),
    /** How messages name the hop (e.g. its ssh config alias). */
    label: z.string().trim().min(1).max(200).optional(),
    /** known_hosts looks the key up under this name (ssh_config HostKeyAlias). */
    hostKeyAlias: z.string().trim().min(1).max(255).optional(),
  })
  .strict()
  .refine((h) => h.auth !== 'key' || h.keyFile !== undefined, { message: 'key authentication needs a private key file', path: ['keyFile'] });
export type SshHop = z.infer<typeof SshHop>;
export type SshHopInput = z.input<typeof SshHop>;

const ProfileFields = {
  name: z.string().trim().max(200).optional(),
  group: z.string().trim().max(100).optional(),
  tags: z.array(z.string().trim().min(1).max(50)).max(20).optional(),
  color: ProfileColor.optional(),
  /**
   * The whole URI; a password in it is taken out and kept as a secret. The editor builds it from its
   * form with `connections.parse`.
   */
  uri: z.string().trim().min(1, 'enter a mongodb:// URI').max(4096).optional(),
  secrets: SecretsInput.optional(),
  /** The explicit opt-in for each insecure TLS flag the URI or form sets (REL-M8); audited. */
  trustInsecureTls: z.array(InsecureTlsFlag).max(3).optional(),
  sshHops: z.array(SshHop).max(MAX_SSH_HOPS).optional(),
  /** Find the whole deployment from the seed (replica set members, shards). Absent: the seed hosts only. */
  discover: z.boolean().optional(),
};

export const AddConnectionInput = z
  .object({
    ...ProfileFields,
    uri: z.string().trim().min(1, 'enter a mongodb:// URI').max(4096),
    /** Connect now (default): the profile is saved only if the connection works. false: just save it. */
    connect: z.boolean().optional(),
  })
  .strict();
export type AddConnectionInput = z.input<typeof AddConnectionInput>;
export type AddConnectionRequest = z.output<typeof AddConnectionInput>;

export const UpdateConnectionInput = z.object({ id: z.string().min(1).max(200), ...ProfileFields }).strict();
export type UpdateConnectionInput = z.input<typeof UpdateConnectionInput>;
export type UpdateConnectionRequest = z.output<typeof UpdateConnectionInput>;

export const ConnectionSummary = z.object({
  id: z.string(),
  name: z.string(),
  /** The URI with any password removed: the renderer never sees a secret. */
  uri: z.string(),
  createdAt: z.number(),
  nodes: z.array(NodeSummary),
  group: z.string().optional(),
  tags: z.array(z.string()).optional(),
  color: ProfileColor.optional(),
  /** Insecure TLS flags in force (shown as a badge), and whether the user opted in to them. */
  insecureTls: z.object({ flags: z.array(InsecureTlsFlag), confirmed: z.boolean() }).optional(),
  secrets: z.array(SecretStatus).optional(),
  topology: Topology.optional(),
  /** false: saved, nothing connected (imported, or disconnected by the user). */
  connected: z.boolean().optional(),
  sshHops: z.array(SshHop).optional(),
  /** The SSH tunnel of a profile with hops, while it is in use. */
  tunnel: TunnelSummary.optional(),
  discover: z.boolean().optional(),
  updatedAt: z.number().optional(),
});
export type ConnectionSummary = z.infer<typeof ConnectionSummary>;

export const ConnectionDetail = ConnectionSummary.extend({
  form: ConnectionForm,
  secretStorage: SecretStorage,
});
export type ConnectionDetail = z.infer<typeof ConnectionDetail>;

export const ParseInput = z
  .object({ uri: z.string().trim().min(1, 'enter a mongodb:// URI').max(4096).optional(), form: ConnectionForm.optional() })
  .strict()
  .refine((v) => (v.uri === undefined) !== (v.form === undefined), { message: 'give either a URI or the form' });

export const ParseResult = z.object({
  form: ConnectionForm,
  /** The URI without its secrets. */
  uri: z.string(),
  /** Which secrets the pasted URI carried (they are not echoed back). */
  carriesSecrets: z.array(SecretKind),
  /** Which secrets this form needs to connect. */
  needsSecrets: z.array(SecretKind),
  insecureTls: z.array(InsecureTlsFlag),
  /** Non-fatal remarks (e.g. an SRV URI turns TLS on by default). */
  notes: z.array(z.string()),
});
export type ParseResult = z.infer<typeof ParseResult>;

// ---------------------------------------------------------------------------------------------------
// Connection test.

export const TEST_STEPS = ['ssh', 'dns', 'tcp', 'tls', 'auth', 'privileges', 'topology'] as const;
export const TestStepId = z.enum(TEST_STEPS);
export type TestStepId = z.infer<typeof TestStepId>;

export const TestStep = z.object({
  step: TestStepId,
  label: z.string(),
  host: z.string().optional(),
  status: z.enum(['ok', 'failed', 'skipped', 'warning']),
  ms: z.number().nullable(),
  detail: z.string(),
  /** For a failure: what kind (refused, dns, timeout, auth, not-authorized, tls-expired, tls-hostname, tls-unknown-ca...). */
  reason: z.string().optional(),
  code: ErrorCode.optional(),
  /** SSH steps: the hop (1-based); a failure at a later step names the hop that could not go on. */
  hop: z.number().int().optional(),
  /** An SSH host-key problem at this step: the fingerprint to trust, or the old and new keys. */
  hostKey: HostKeyProblem.optional(),
});
export type TestStep = z.infer<typeof TestStep>;

export const TestResult = z.object({
  ok: z.boolean(),
  steps: z.array(TestStep),
  totalMs: z.number(),
  server: z.object({ hostPort: z.string(), server: z.string().nullable(), version: z.string().nullable() }).optional(),
  topology: Topology.optional(),
  capabilities: CapabilityMatrix.optional(),
});
export type TestResult = z.infer<typeof TestResult>;

export const TestConnectionInput = z
  .object({ id: z.string().min(1).max(200).optional(), ...ProfileFields })
  .strict()
  .refine((v) => v.id !== undefined || v.uri !== undefined, { message: 'enter a URI or pick a saved connection' });
export type TestConnectionInput = z.input<typeof TestConnectionInput>;
export type TestConnectionRequest = z.output<typeof TestConnectionInput>;

// ---------------------------------------------------------------------------------------------------
// SSH: the tunnel's state, host keys, keyboard-interactive prompts, ssh config import.


const SshHostInput = z.string().trim().min(1).max(255).refine((h) => !/[\s/@,]/.test(h), 'not a host name');

export const CheckHostKeyInput = z
  .object({ host: SshHostInput, port: z.number().int().min(1).max(65535).default(22), hostKeyAlias: SshHostInput.optional() })
  .strict();
export type CheckHostKeyInput = z.input<typeof CheckHostKeyInput>;

/** The pre-flight: the server's host key, fetched without any authentication, and what Baleen knows of it. */
export const HostKeyCheck = z.object({
  verdict: z.enum(['trusted', 'unknown', 'changed', 'revoked']),
  challenge: HostKeyChallenge,
  /** trusted: where from (`known_hosts` or `pinned`). */
  via: z.string().optional(),
  previous: z.array(KnownHostKey).optional(),
  ms: z.number(),
});
export type HostKeyCheck = z.infer<typeof HostKeyCheck>;

export const HostKeyPinned = z.object({ host: z.string(), port: z.number().int(), keyType: z.string(), fingerprint: z.string(), pinnedAt: z.number() });
export type HostKeyPinned = z.infer<typeof HostKeyPinned>;

export const SshPromptEvent = z.object({
  id: z.string(),
  /** The profile (or `unsaved` during a test of a new one). */
  connectionId: z.string(),
  hop: z.number().int(),
  host: z.string(),
  port: z.number().int(),
  username: z.string(),
  name: z.string(),
  instructions: z.string(),
  prompts: z.array(z.object({ prompt: z.string(), echo: z.boolean() })),
  expiresAt: z.number(),
});
export type SshPromptEvent = z.infer<typeof SshPromptEvent>;

export const AnswerSshPromptInput = z
  .object({
    id: z.string().min(1).max(100),
    /** One answer per prompt; null: the user declined (the login fails with the reason). */
    answers: z.array(z.string().max(1024)).max(20).nullable(),
  })
  .strict();

export const ImportSshConfigInput = z.object({ alias: z.string().trim().min(1).max(255), path: FilePath.optional() }).strict();
export const ImportSshConfigResult = z.object({
  hops: z.array(SshHop),
  /** What could not be carried over (CertificateFile, a ProxyCommand Baleen will not run, ...). */
  warnings: z.array(z.string()),
  /** Identity files of a hop other than the first one listed (Baleen uses one key per hop). */
  notes: z.array(z.string()),
});
export type ImportSshConfigResult = z.infer<typeof ImportSshConfigResult>;

// ---------------------------------------------------------------------------------------------------
// Import / export (SEC-C5).

export const ImportInput = z
  .object({
    format: z.enum(['auto', 'uri-list', 'compass', 'baleen']).default('auto'),
    /** The file's text (a list of URIs one per line, a Compass export, or a Baleen export). */
    content: z.string().min(1, 'the file is empty').max(5_000_000),
    /** Needed when the export carries encrypted secrets. */
    passphrase: z.string().min(1).max(1024).optional(),
  })
  .strict();
export type ImportInput = z.input<typeof ImportInput>;
export type ImportRequest = z.output<typeof ImportInput>;

export const ImportResult = z.object({
  imported: z.array(z.object({ id: z.string(), name: z.string() })),
  skipped: z.array(z.object({ entry: z.number(), name: z.string().optional(), reason: z.string() })),
  secretsImported: z.number(),
  notes: z.array(z.string()),
});
export type ImportResult = z.infer<typeof ImportResult>;

export const ExportInput = z
  .object({
    ids: z.array(z.string().min(1).max(200)).max(10_000).optional(),
    /** With a passphrase, secrets are included encrypted (scrypt + AES-256-GCM). Without, never. */
    passphrase: z.string().min(8, 'use a passphrase of 8 characters or more').max(1024).optional(),
  })
  .strict();
export type ExportInput = z.input<typeof ExportInput>;
export type ExportRequest = z.output<typeof ExportInput>;

export const ExportResult = z.object({
  filename: z.string(),
  content: z.string(),
  profiles: z.number(),
  secretsIncluded: z.number(),
  encrypted: z.boolean(),
});
export type ExportResult = z.infer<typeof ExportResult>;

const ById = z.object({ id: z.string().min(1).max(200) }).strict();
const ByNode = z.object({ nodeId: NodeId }).strict();

export const connectionsContract = defineService(
  'connections',
  {
    list: method(z.object({}).strict(), z.array(ConnectionSummary)),
    /** The profile for the editor: form fields and the status of each secret, never its value. */
    get: method(ById, ConnectionDetail),
    add: method(AddConnectionInput, ConnectionSummary),
    update: method(UpdateConnectionInput, ConnectionSummary),
    remove: method(ById, z.object({ removed: z.boolean() })),
    /** A URI into form fields (paste → form), or form fields into a URI; invalid combinations are refused. */
    parse: method(ParseInput, ParseResult),
    test: method(TestConnectionInput, TestResult),
    connect: method(ById, ConnectionSummary),
    disconnect: method(ById, ConnectionSummary),
    /** Find the deployment again now (members added or removed). */
    rediscover: method(ById, ConnectionSummary),
    capabilities: method(ByNode, CapabilityMatrix),
    secretStorage: method(z.object({}).strict(), SecretStorage),
    import: method(ImportInput, ImportResult),
    export: method(ExportInput, ExportResult),
    startMonitoring: method(ByNode, NodeSummary),
    stopMonitoring: method(ByNode, NodeSummary),
    /** Pre-flight: fetch a directly reachable SSH server's host key (no credential is sent) and check it. */
    checkHostKey: method(CheckHostKeyInput, HostKeyCheck),
    /** Trust an UNKNOWN host key (SEC-S1): pinned in Baleen's store, audited. */
    trustHostKey: method(z.object({ challenge: HostKeyChallenge }).strict(), HostKeyPinned),
    /** Replace a CHANGED host key (SEC-S2): an explicit action naming the old fingerprint, audited. */
    replaceHostKey: method(z.object({ challenge: HostKeyChallenge, previousFingerprint: z.string().min(8).max(100) }).strict(), HostKeyPinned),
    /** Answer a keyboard-interactive prompt (an OTP bastion). The answers go to the SSH server only. */
    answerSshPrompt: method(AnswerSshPromptInput, z.object({ accepted: z.boolean() })),
    /** Hops from ~/.ssh/config by alias (ProxyJump chains), with what could not be carried over. */
    importSshConfig: method(ImportSshConfigInput, ImportSshConfigResult),
  },
  {
    /** The list or any node's status changed; carries the whole (small) list. */
    changed: z.object({ connections: z.array(ConnectionSummary) }),
    /** An SSH server asks keyboard-interactive questions (an OTP): answer with `answerSshPrompt`. */
    sshPrompt: SshPromptEvent,
    /** A prompt was answered, declined or expired: the dialog closes. */
    sshPromptDone: z.object({ id: z.string() }),
  },
);
