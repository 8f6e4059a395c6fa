import { APP_VERSION } from '../../src-shared/domain/version';
import { BaleenError } from '../../src-shared/domain/errors';
import { COMMANDS } from './commands';
import { UsageError, processIO, type CliIO } from './io';

export const VERSION = APP_VERSION;

function help(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length), 4);
  return [
    `baleen ${VERSION}: supervise and diagnose MongoDB`,
    '',
    'Usage: baleen <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    `  ${'help'.padEnd(width)}  Show help for a command: baleen help <command>`,
    '',
    'Options: --version, --help',
    '',
  ].join('\n');
}

/** Runs one CLI invocation and resolves to its exit code; never throws. */
export async function runCli(argv: string[], io: CliIO = processIO(), signal: AbortSignal = new AbortController().signal): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h') {
    io.stdout(help());
    return first === undefined ? 2 : 0;
  }
  if (first === '--version' || first === '-v') {
    io.stdout(`${VERSION}\n`);
    return 0;
  }
  if (first === 'help') {
    const cmd = COMMANDS.find((c) => c.name === rest[0]);
    io.stdout(cmd ? `${cmd.usage.trimEnd()}\n` : help());
    return cmd || rest[0] === undefined ? 0 : 2;
  }
  const cmd = COMMANDS.find((c) => c.name === first);
  if (!cmd) {
    io.stderr(`baleen: unknown command "${first}". Run \`baleen --help\` for the list.\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(`${cmd.usage.trimEnd()}\n`);
    return 0;
  }
  try {
    return await cmd.run(rest, io, signal);
  } catch (e) {
    if (e instanceof UsageError || (e instanceof TypeError && 'code' in e && String(e.code).startsWith('ERR_PARSE_ARGS'))) {
      io.stderr(`baleen ${cmd.name}: ${e.message}\n\n${cmd.usage.trimEnd()}\n`);
      return 2;
    }
    if (e instanceof BaleenError) {
      io.stderr(`baleen ${cmd.name}: ${e.message} [${e.code}]\n`);
      return 1;
    }
    io.stderr(`baleen ${cmd.name}: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 1;
  }
}
