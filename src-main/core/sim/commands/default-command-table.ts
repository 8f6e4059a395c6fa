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
import { aggregateCommand, dbStatsCommand, findCommand, listCollectionsCommand, listDatabasesCommand, replSetStepDownCommand, topCommand } from './data.commands';
import { currentOpCommand } from './current-op.command';
import { explainCommand } from './explain.command';
import { getLogCommand } from './get-log.command';
import { helloCommand, isMasterCommand } from './hello.command';
import { createIndexesCommand, listIndexesCommand, withIndexPipelines } from './indexes.commands';
import { replSetGetConfigCommand, replSetGetStatusCommand } from './replication.commands';

/** The commands a simulated mongod answers. Later features register more (currentOp, getLog...). */
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
    .register(replSetGetConfigCommand)
    .register(replSetStepDownCommand)
    .register(listDatabasesCommand)
    .register(listCollectionsCommand)
    .register(dbStatsCommand)
    .register(topCommand)
    .register(withIndexPipelines(aggregateCommand))
    .register(findCommand)
    .register(getLogCommand)
    .register(explainCommand)
    .register(listIndexesCommand)
    .register(createIndexesCommand)
    .register(currentOpCommand);
}
