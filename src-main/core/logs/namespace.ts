/** Commands whose first value names a collection of the command's database. */
const COLLECTION_COMMANDS = new Set([
  'find',
  'aggregate',
  'count',
  'distinct',
  'insert',
  'update',
  'delete',
  'findAndModify',
  'findandmodify',
  'create',
  'drop',
  'createIndexes',
  'dropIndexes',
  'deleteIndexes',
  'listIndexes',
  'collStats',
  'collMod',
  'mapReduce',
  'mapreduce',
  'validate',
  'compact',
  'geoNear',
  'group',
  'convertToCapped',
  'cloneCollectionAsCapped',
  'reIndex',
]);

/**
 * The namespace a command ran on. Logs write `db.$cmd` for commands; `{find: "c"}` means `db.c`,
 * while admin commands such as `{moveChunk: "test.docs"}` or `{shardCollection: "db.c"}` name a
 * whole namespace. Anything else keeps `db.$cmd`.
 */
export function commandNamespace(ns: string, command: string | undefined, target: string | undefined): string {
  if (target === undefined || target === '' || !ns.endsWith('.$cmd')) return ns;
  const db = ns.slice(0, -5);
  if (command !== undefined && COLLECTION_COMMANDS.has(command)) return `${db}.${target}`;
  if (/^[^\s.$]+\.[^\s$]+$/.test(target)) return target;
  return ns;
}
