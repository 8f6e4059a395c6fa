import { type Document, Timestamp } from '../../bson/bson';
import { dbl, i32 } from '../documents/bson-values';
import type { CommandSpec, CommandTable } from './command-table';
import { helloCommand, isMasterCommand } from './hello.command';

/**
 * A simulated mongos: hello says `msg: "isdbgrid"`, and listShards / getShardMap describe the cluster
 * (each shard a replica set, plus the config server replica set), as a 7.0 mongos answers them.
 */
export interface SimShard {
  name: string;
  setName: string;
  hosts: readonly string[];
}

export interface ShardedClusterModel {
  shards: readonly SimShard[];
  configServers: { setName: string; hosts: readonly string[] };
}

const connString = (setName: string, hosts: readonly string[]) => `${setName}/${hosts.join(',')}`;

function asMongos(base: CommandSpec): CommandSpec {
  return {
    ...base,
    run: async (ctx) => {
      const doc = await base.run(ctx);
      const { ok, ...rest } = doc;
      return { ...rest, msg: 'isdbgrid', ok };
    },
  };
}

export function registerMongosCommands(table: CommandTable, model: ShardedClusterModel): CommandTable {
  table.replace(asMongos(helloCommand));
  table.replace(asMongos(isMasterCommand));
  const listShards: CommandSpec = {
    name: 'listShards',
    requiresAuth: true,
    run: (ctx): Document => ({
      shards: model.shards.map((s) => ({ _id: s.name, host: connString(s.setName, s.hosts), state: i32(1), topologyTime: new Timestamp({ t: Math.floor(ctx.node.clock.now() / 1000) - 3600, i: 1 }) })),
      ok: dbl(1),
    }),
  };
  const getShardMap: CommandSpec = {
    name: 'getShardMap',
    requiresAuth: true,
    run: (): Document => {
      const map: Document = {};
      const hosts: Document = {};
      for (const s of model.shards) {
        map[s.name] = connString(s.setName, s.hosts);
        for (const h of s.hosts) hosts[h] = s.name;
      }
      map.config = connString(model.configServers.setName, model.configServers.hosts);
      for (const h of model.configServers.hosts) hosts[h] = 'config';
      return { map, hosts, connStrings: { ...map }, ok: dbl(1) };
    },
  };
  return table.register(listShards).register(getShardMap);
}
