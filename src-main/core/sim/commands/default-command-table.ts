import { CommandTable } from './command-table';
import {
  buildInfoCommand,
  connectionStatusCommand,
  endSessionsCommand,
  getCmdLineOptsCommand,
  hostInfoCommand,
  pingCommand,
  serverStatusCommand,
} from './diagnostic.commands';
import { helloCommand, isMasterCommand } from './hello.command';
import { replSetGetConfigCommand, replSetGetStatusCommand } from './replication.commands';

/** The commands a v1 simulated mongod answers. Later features register more (replSetGetStatus, currentOp...). */
export function defaultCommandTable(): CommandTable {
  return new CommandTable()
    .register(helloCommand)
    .register(isMasterCommand)
    .register(pingCommand)
    .register(buildInfoCommand)
    .register(serverStatusCommand)
    .register(hostInfoCommand)
    .register(getCmdLineOptsCommand)
    .register(connectionStatusCommand)
    .register(endSessionsCommand)
    .register(replSetGetStatusCommand)
    .register(replSetGetConfigCommand);
}
