import { z } from 'zod';

/**
 * Identity (DESIGN §3). A node is `deployment + canonical host:port`, the host:port taken from
 * `hello.me` (else the profile's seed) and never a local tunnel port. Other names of the same node
 * (FTDC hostInfo, log start-up lines, a seed that differs from `me`) live in an alias table.
 */
export const DEFAULT_MONGO_PORT = 27017;

/** `Host:27017`, `host`, `[::1]:27018`, `::1` → `host:27017`, `[::1]:27018`, `[::1]:27017`. */
export function canonicalHostPort(input: string): string {
  const s = input.trim();
  if (s === '') throw new Error('empty host');
  let host: string;
  let port: number = DEFAULT_MONGO_PORT;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (bracketed) {
    host = bracketed[1]!;
    if (bracketed[2] !== undefined) port = Number(bracketed[2]);
  } else if ((s.match(/:/g) ?? []).length > 1) {
    host = s; // bare IPv6 literal without a port
  } else {
    const i = s.lastIndexOf(':');
    if (i >= 0) {
      host = s.slice(0, i);
      const p = s.slice(i + 1);
      if (!/^\d+$/.test(p)) throw new Error(`bad port in "${input}"`);
      port = Number(p);
    } else host = s;
  }
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`bad port in "${input}"`);
  host = host.toLowerCase().replace(/\.$/, '');
  if (host === '') throw new Error(`empty host in "${input}"`);
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export const NodeId = z.string().regex(/^[^/]+\/.+:\d+$/, 'node id is deployment/host:port').brand<'NodeId'>();
export type NodeId = z.infer<typeof NodeId>;

export function makeNodeId(deployment: string, hostPort: string): NodeId {
  if (deployment === '' || deployment.includes('/')) throw new Error(`bad deployment name "${deployment}"`);
  return `${deployment}/${canonicalHostPort(hostPort)}` as NodeId;
}

export function splitNodeId(id: NodeId): { deployment: string; hostPort: string } {
  const i = id.indexOf('/');
  return { deployment: id.slice(0, i), hostPort: id.slice(i + 1) };
}

/** What a series is about: a MongoDB node or a host (its SSH target). */
export const Entity = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('node'), id: NodeId }),
  z.object({ kind: z.literal('host'), id: z.string().min(1) }),
]);
export type Entity = z.infer<typeof Entity>;

/** The string form used as a key in the store and on the wire: `node:rs0/a:27017`, `host:db1`. */
export const EntityKey = z.string().regex(/^(node|host):.+$/);
export type EntityKey = string;
export const entityKey = (e: Entity): EntityKey => `${e.kind}:${e.id}`;
export const nodeEntityKey = (id: NodeId): EntityKey => `node:${id}`;

export function parseEntityKey(key: EntityKey): Entity {
  const i = key.indexOf(':');
  const kind = key.slice(0, i);
  const id = key.slice(i + 1);
  return Entity.parse({ kind, id });
}

/** Where an alias came from; resolution prefers the most authoritative source. */
export const AliasSource = z.enum(['hello.me', 'seed', 'ftdc', 'log', 'user']);
export type AliasSource = z.infer<typeof AliasSource>;

export const Alias = z.object({ alias: z.string().min(1), nodeId: NodeId, source: AliasSource });
export type Alias = z.infer<typeof Alias>;

/** Aliases are looked up by canonical host:port when the name parses as one, else lowercased as is. */
export function aliasKey(name: string): string {
  try {
    return canonicalHostPort(name);
  } catch {
    return name.trim().toLowerCase();
  }
}
