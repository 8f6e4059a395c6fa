import type { CliCommand } from '../io';

/** Every `baleen <command>`. One module per command; add it here. */
export const COMMANDS: CliCommand[] = [];
