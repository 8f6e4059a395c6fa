import type { CliCommand } from '../io';
import { demoCommand } from './demo';
import { explainCommand } from './explain';
import { ftdcCommand } from './ftdc';
import { logsCommand } from './logs';
import { serveCommand } from './serve';

/** Every `baleen <command>`. One module per command; add it here. */
export const COMMANDS: CliCommand[] = [serveCommand, demoCommand, ftdcCommand, explainCommand, logsCommand];
