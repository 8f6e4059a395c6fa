import type { Document } from 'mongodb';
import type { Capability, CapabilityMatrix, CapabilityState, Feature } from '../../../src-shared/contract';
import { BaleenError } from '../../../src-shared/domain/errors';
import type { Clock } from '../ports/clock';

/**
 * What a user may do on a node (REL-M5): the privileges `connectionStatus {showPrivileges: true}`
 * reports, matched against what each Baleen feature needs (docs/privileges.md), plus what first use
 * teaches. A feature refused with code 13 is turned off with the reason and tried again at most once
 * an hour; it never marks the node down.
 */
type Need =
  | { kind: 'cluster'; action: string }
  /** An action on any (non-system) collection of any database. */
  | { kind: 'anyCollection'; action: string }
  /** An action on one system collection name in any database. */
  | { kind: 'systemCollection'; collection: string; action: string };

interface FeatureSpec {
  label: string;
  needs: Need;
  /** The built-in role that grants it. */
  role: string;
  needsText: string;
}

export const FEATURE_SPECS: Record<Feature, FeatureSpec> = {
  serverStatus: { label: 'Server metrics (serverStatus)', needs: { kind: 'cluster', action: 'serverStatus' }, role: 'clusterMonitor', needsText: 'serverStatus on the cluster' },
  replSetGetStatus: { label: 'Replica set status', needs: { kind: 'cluster', action: 'replSetGetStatus' }, role: 'clusterMonitor', needsText: 'replSetGetStatus on the cluster' },
  replSetGetConfig: { label: 'Replica set configuration', needs: { kind: 'cluster', action: 'replSetGetConfig' }, role: 'clusterMonitor', needsText: 'replSetGetConfig on the cluster' },
  currentOp: { label: 'Current operations (currentOp)', needs: { kind: 'cluster', action: 'inprog' }, role: 'clusterMonitor', needsText: 'inprog on the cluster' },
  getLog: { label: 'Recent log lines (getLog)', needs: { kind: 'cluster', action: 'getLog' }, role: 'clusterMonitor', needsText: 'getLog on the cluster' },
  top: { label: 'Per-collection time (top)', needs: { kind: 'cluster', action: 'top' }, role: 'clusterMonitor', needsText: 'top on the cluster' },
  hostInfo: { label: 'Host facts (hostInfo)', needs: { kind: 'cluster', action: 'hostInfo' }, role: 'clusterMonitor', needsText: 'hostInfo on the cluster' },
  dbStats: { label: 'Database sizes (dbStats)', needs: { kind: 'anyCollection', action: 'dbStats' }, role: 'clusterMonitor', needsText: 'dbStats on every database' },
  collStats: { label: 'Collection sizes (collStats)', needs: { kind: 'anyCollection', action: 'collStats' }, role: 'clusterMonitor', needsText: 'collStats on every collection' },
  profiler: { label: 'Profiler documents (system.profile)', needs: { kind: 'systemCollection', collection: 'system.profile', action: 'find' }, role: 'clusterMonitor', needsText: 'find on <db>.system.profile' },
  explain: {
    label: 'Explain plans',
    needs: { kind: 'anyCollection', action: 'find' },
    role: 'read (on the databases to explain), or a custom role with find',
    needsText: 'find on the namespace explained (beyond clusterMonitor)',
  },
};

export const MINIMUM_ROLE = 'clusterMonitor on admin';

interface Privilege {
  resource: { cluster?: boolean; anyResource?: boolean; db?: string; collection?: string };
  actions: string[];
}

function privilegesOf(authInfo: Document): Privilege[] | null {
  const list = authInfo.authenticatedUserPrivileges as unknown;
  if (!Array.isArray(list)) return null;
  const out: Privilege[] = [];
  for (const p of list) {
    if (typeof p !== 'object' || p === null) continue;
    const r = (p as { resource?: unknown }).resource;
    const a = (p as { actions?: unknown }).actions;
    if (typeof r !== 'object' || r === null || !Array.isArray(a)) continue;
    const res = r as Record<string, unknown>;
    out.push({
      resource: {
        ...(res.cluster === true ? { cluster: true } : {}),
        ...(res.anyResource === true ? { anyResource: true } : {}),
        ...(typeof res.db === 'string' ? { db: res.db } : {}),
        ...(typeof res.collection === 'string' ? { collection: res.collection } : {}),
      },
      actions: a.filter((x): x is string => typeof x === 'string'),
    });
  }
  return out;
}

/** Whether the privileges grant the need everywhere, somewhere (which databases), or not at all. */
function grants(privs: Privilege[], need: Need): { state: 'available' } | { state: 'partial'; where: string[] } | { state: 'unavailable' } {
  const has = (p: Privilege, action: string) => p.actions.includes(action) || p.actions.includes('anyAction');
  if (privs.some((p) => p.resource.anyResource && has(p, need.action))) return { state: 'available' };
  if (need.kind === 'cluster') return privs.some((p) => p.resource.cluster && has(p, need.action)) ? { state: 'available' } : { state: 'unavailable' };
  const where = new Set<string>();
  for (const p of privs) {
    if (!has(p, need.action) || p.resource.db === undefined || p.resource.collection === undefined) continue;
    const { db, collection } = p.resource;
    if (need.kind === 'systemCollection') {
      // "Any collection" never covers system collections: only a grant on that name does.
      if (collection !== need.collection) continue;
    } else if (collection !== '') {
      // clusterMonitor's find on local.oplog.rs is not a place anyone explains a query.
      if (db !== 'local' && db !== 'config') where.add(`${db || '*'}.${collection}`);
      continue;
    }
    if (db === '') return { state: 'available' };
    where.add(db);
  }
  return where.size > 0 ? { state: 'partial', where: [...where].sort() } : { state: 'unavailable' };
}

/** The matrix from a `connectionStatus {showPrivileges: true}` reply. */
export function matrixFromConnectionStatus(reply: Document, now: number): CapabilityMatrix {
  const authInfo = (typeof reply.authInfo === 'object' && reply.authInfo !== null ? reply.authInfo : {}) as Document;
  const users = Array.isArray(authInfo.authenticatedUsers) ? (authInfo.authenticatedUsers as Document[]).map((u) => `${String(u.user)}@${String(u.db)}`) : [];
  const roles = Array.isArray(authInfo.authenticatedUserRoles) ? (authInfo.authenticatedUserRoles as Document[]).map((r) => `${String(r.role)}@${String(r.db)}`) : [];
  const privs = privilegesOf(authInfo);
  const base = { users, roles, minimumRole: MINIMUM_ROLE, checkedAt: now };
  if (users.length === 0) {
    // Nobody is logged in: either the server has no access control, or nothing will work. First use tells.
    return { ...base, source: 'first-use', features: allFeatures(() => ({ state: 'unknown', reason: 'not logged in: known after first use' })) };
  }
  if (privs === null) {
    // A server that does not list privileges (FerretDB, DocumentDB): learn from first use.
    return { ...base, source: 'first-use', features: allFeatures(() => ({ state: 'unknown', reason: 'the server does not list privileges: known after first use' })) };
  }
  return {
    ...base,
    source: 'privileges',
    features: allFeatures((f, spec) => {
      const g = grants(privs, spec.needs);
      if (g.state === 'available') return { state: 'available' };
      if (g.state === 'partial') return { state: 'partial', reason: `only on ${g.where.join(', ')}`, unlockRole: spec.role };
      return { state: 'unavailable', reason: `needs ${spec.needsText}`, unlockRole: spec.role };
    }),
  };
}

function allFeatures(fn: (f: Feature, spec: FeatureSpec) => { state: CapabilityState; reason?: string; unlockRole?: string }): Capability[] {
  return (Object.keys(FEATURE_SPECS) as Feature[]).map((f) => {
    const spec = FEATURE_SPECS[f];
    const r = fn(f, spec);
    return { feature: f, label: spec.label, needs: spec.needsText, state: r.state, ...(r.reason ? { reason: r.reason } : {}), ...(r.unlockRole ? { unlockRole: r.unlockRole } : {}) };
  });
}

export const RETRY_DENIED_MS = 60 * 60 * 1000;

/**
 * One node's feature switches (REL-M5). `run` calls the server unless the feature was refused less
 * than an hour ago; a code-13 refusal turns the feature off with its reason; "command not found"
 * marks it unsupported; success turns it on. Callers catch the BaleenError and carry on: a feature
 * that is off is never a node failure.
 */
export class FeatureGate {
  private matrix: CapabilityMatrix;
  private readonly listeners = new Set<(m: CapabilityMatrix) => void>();

  constructor(
    private readonly clock: Clock,
    initial?: CapabilityMatrix,
  ) {
    this.matrix = initial ?? {
      source: 'first-use',
      users: [],
      roles: [],
      minimumRole: MINIMUM_ROLE,
      checkedAt: clock.now(),
      features: allFeatures(() => ({ state: 'unknown', reason: 'not checked yet' })),
    };
  }

  get current(): CapabilityMatrix {
    return this.matrix;
  }

  onChange(l: (m: CapabilityMatrix) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  /** A fresh matrix from connectionStatus; refusals seen within the hour stay in force. */
  replace(next: CapabilityMatrix): void {
    const denied = new Map(this.matrix.features.filter((f) => f.deniedAt !== undefined && this.clock.now() - f.deniedAt < RETRY_DENIED_MS).map((f) => [f.feature, f]));
    this.matrix = { ...next, features: next.features.map((f) => denied.get(f.feature) ?? f) };
    this.changed();
  }

  private set(feature: Feature, patch: Partial<Capability>): void {
    this.matrix = {
      ...this.matrix,
      features: this.matrix.features.map((f) => {
        if (f.feature !== feature) return f;
        const { deniedAt: _d, reason: _r, ...rest } = f;
        return { ...rest, ...patch };
      }),
    };
    this.changed();
  }

  private changed(): void {
    for (const l of this.listeners) {
      try {
        l(this.matrix);
      } catch {
        // Listeners must not break the gate.
      }
    }
  }

  state(feature: Feature): Capability {
    return this.matrix.features.find((f) => f.feature === feature)!;
  }

  /** A success seen outside `run` (the poller's own serverStatus): the feature works. */
  succeeded(feature: Feature): void {
    const c = this.state(feature);
    if (c.state === 'available' && c.deniedAt === undefined) return;
    this.set(feature, { state: 'available', ...(c.state === 'unknown' ? { reason: 'learned from first use' } : {}) });
  }

  /** Whether `run` would call the server now. */
  allowed(feature: Feature): boolean {
    const c = this.state(feature);
    if (c.state === 'unsupported') return false;
    if (c.deniedAt !== undefined && this.clock.now() - c.deniedAt < RETRY_DENIED_MS) return false;
    return true;
  }

  async run<T>(feature: Feature, fn: () => Promise<T>): Promise<T> {
    const c = this.state(feature);
    if (c.state === 'unsupported') throw new BaleenError('E_UNSUPPORTED', `${c.label} is not supported by this server${c.reason ? `: ${c.reason}` : ''}.`, { feature });
    if (c.deniedAt !== undefined && this.clock.now() - c.deniedAt < RETRY_DENIED_MS) {
      throw new BaleenError('E_NOT_AUTHORIZED', `${c.label} is off: ${c.reason ?? 'not authorized'} (tried again at most once an hour).`, { feature, code: 13, retryAt: c.deniedAt + RETRY_DENIED_MS });
    }
    try {
      const v = await fn();
      if (c.state !== 'available' || c.deniedAt !== undefined) {
        const reason = c.state === 'unknown' ? 'learned from first use' : undefined;
        this.set(feature, { state: 'available', ...(reason ? { reason } : {}) });
      }
      return v;
    } catch (e) {
      if (e instanceof BaleenError && e.code === 'E_NOT_AUTHORIZED') {
        const spec = FEATURE_SPECS[feature];
        this.set(feature, { state: 'unavailable', reason: `refused by the server (code 13): needs ${spec.needsText}`, unlockRole: spec.role, deniedAt: this.clock.now() });
      } else if (e instanceof BaleenError && e.code === 'E_UNSUPPORTED') {
        this.set(feature, { state: 'unsupported', reason: e.message });
      }
      throw e;
    }
  }
}
