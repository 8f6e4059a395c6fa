import type { Document } from '../../bson/bson';
import { dbl } from '../documents/bson-values';
import { generateConnectionStatus } from '../documents/connection-status.generator';
import { generateBuildInfo, generateCmdLineOpts, generateHostInfo } from '../documents/node-info.generator';
import { generateServerStatus } from '../documents/server-status.generator';
import type { CommandSpec } from './command-table';

const ok = (): Document => ({ ok: dbl(1) });

export const pingCommand: CommandSpec = { name: 'ping', requiresAuth: false, run: ok };

export const buildInfoCommand: CommandSpec = {
  name: 'buildInfo',
  aliases: ['buildinfo'],
  requiresAuth: false,
  run: (ctx) => generateBuildInfo(ctx.node),
};

export const serverStatusCommand: CommandSpec = {
  name: 'serverStatus',
  requiresAuth: true,
  run: (ctx) => generateServerStatus(ctx.node, ctx.body),
};

export const hostInfoCommand: CommandSpec = { name: 'hostInfo', requiresAuth: true, run: (ctx) => generateHostInfo(ctx.node) };

export const getCmdLineOptsCommand: CommandSpec = { name: 'getCmdLineOpts', requiresAuth: true, run: (ctx) => generateCmdLineOpts(ctx.node) };

export const connectionStatusCommand: CommandSpec = {
  name: 'connectionStatus',
  requiresAuth: false,
  run: (ctx) => generateConnectionStatus(ctx.session.principal, truthy(ctx.body.showPrivileges)),
};

/** Sessions are not modelled: ending them always succeeds, as it does for unknown session ids. */
export const endSessionsCommand: CommandSpec = { name: 'endSessions', requiresAuth: false, run: ok };

function truthy(v: unknown): boolean {
  if (typeof v === 'object' && v !== null && 'valueOf' in v) return Boolean((v as { valueOf(): unknown }).valueOf());
  return Boolean(v);
}
