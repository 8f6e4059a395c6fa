import type { Document } from '../../bson/bson';
import type { SimPrincipal } from '../commands/command-table';
import { dbl } from './bson-values';

interface Privilege {
  resource: { cluster: true } | { db: string; collection: string } | { anyResource: true };
  actions: string[];
}

/**
 * Privileges of the built-in roles Baleen cares about (a subset of the documented lists): enough for
 * connectionStatus {showPrivileges: true} to tell a monitoring user from one that cannot see serverStatus.
 */
const ROLE_PRIVILEGES: Record<string, Privilege[]> = {
  clusterMonitor: [
    {
      resource: { cluster: true },
      actions: [
        'connPoolStats',
        'getCmdLineOpts',
        'getDefaultRWConcern',
        'getLog',
        'getParameter',
        'hostInfo',
        'inprog',
        'listDatabases',
        'listSessions',
        'netstat',
        'replSetGetConfig',
        'replSetGetStatus',
        'serverStatus',
        'top',
      ],
    },
    { resource: { db: '', collection: '' }, actions: ['collStats', 'dbStats', 'indexStats'] },
    { resource: { db: 'local', collection: 'oplog.rs' }, actions: ['collStats', 'find'] },
  ],
  read: [{ resource: { db: '$DB', collection: '' }, actions: ['changeStream', 'collStats', 'dbHash', 'dbStats', 'find', 'killCursors', 'listCollections', 'listIndexes'] }],
  readAnyDatabase: [
    { resource: { cluster: true }, actions: ['listDatabases'] },
    { resource: { db: '', collection: '' }, actions: ['changeStream', 'collStats', 'dbHash', 'dbStats', 'find', 'killCursors', 'listCollections', 'listIndexes'] },
  ],
  root: [{ resource: { anyResource: true }, actions: ['anyAction'] }],
};

export function generateConnectionStatus(principal: SimPrincipal | undefined, showPrivileges: boolean): Document {
  const authInfo: Document = {
    authenticatedUsers: principal === undefined ? [] : [{ user: principal.user, db: principal.db }],
    authenticatedUserRoles: principal === undefined ? [] : principal.roles.map((r) => ({ role: r.role, db: r.db })),
  };
  if (showPrivileges) authInfo.authenticatedUserPrivileges = privilegesOf(principal);
  return { authInfo, ok: dbl(1) };
}

function privilegesOf(principal: SimPrincipal | undefined): Document[] {
  if (principal === undefined) return [];
  // The server merges privileges per resource; so do we, keeping actions sorted and unique.
  const merged = new Map<string, { resource: Document; actions: Set<string> }>();
  for (const { role, db } of principal.roles) {
    for (const p of ROLE_PRIVILEGES[role] ?? []) {
      const resource: Document = 'db' in p.resource ? { db: p.resource.db === '$DB' ? db : p.resource.db, collection: p.resource.collection } : { ...p.resource };
      const key = JSON.stringify(resource);
      let entry = merged.get(key);
      if (entry === undefined) merged.set(key, (entry = { resource, actions: new Set() }));
      for (const a of p.actions) entry.actions.add(a);
    }
  }
  return [...merged.values()].map((e) => ({ resource: e.resource, actions: [...e.actions].sort() }));
}
