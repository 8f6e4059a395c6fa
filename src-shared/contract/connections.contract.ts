import { z } from 'zod';
import { NodeId } from '../domain/identity';
import { defineService, method } from './define';

export const NodeState = z.enum(['connecting', 'monitoring', 'unreachable', 'auth-failed', 'not-authorized', 'stopped']);
export type NodeState = z.infer<typeof NodeState>;

export const NodeStatus = z.object({
  state: NodeState,
  /** Why, in words a DBA can act on (for anything but `monitoring`). */
  reason: z.string().optional(),
  since: z.number(),
});
export type NodeStatus = z.infer<typeof NodeStatus>;

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
});
export type NodeSummary = z.infer<typeof NodeSummary>;

export const ConnectionSummary = z.object({
  id: z.string(),
  name: z.string(),
  /** The URI with any password removed: the renderer never sees a secret. */
  uri: z.string(),
  createdAt: z.number(),
  nodes: z.array(NodeSummary),
});
export type ConnectionSummary = z.infer<typeof ConnectionSummary>;

export const AddConnectionInput = z
  .object({
    uri: z.string().trim().min(1, 'enter a mongodb:// URI').max(4096),
    name: z.string().trim().max(200).optional(),
  })
  .strict();
export type AddConnectionInput = z.infer<typeof AddConnectionInput>;

const ById = z.object({ id: z.string().min(1).max(200) }).strict();
const ByNode = z.object({ nodeId: NodeId }).strict();

export const connectionsContract = defineService(
  'connections',
  {
    list: method(z.object({}).strict(), z.array(ConnectionSummary)),
    add: method(AddConnectionInput, ConnectionSummary),
    remove: method(ById, z.object({ removed: z.boolean() })),
    startMonitoring: method(ByNode, NodeSummary),
    stopMonitoring: method(ByNode, NodeSummary),
  },
  {
    /** The list or any node's status changed; carries the whole (small) list. */
    changed: z.object({ connections: z.array(ConnectionSummary) }),
  },
);
