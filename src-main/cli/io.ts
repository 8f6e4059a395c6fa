/** What a CLI command may touch: its streams, environment and working directory (injected for tests). */
export interface CliIO {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  env: Record<string, string | undefined>;
  cwd: string;
  /** True when stderr is a terminal (progress lines may use \r). */
  isTTY: boolean;
}

export interface CliCommand {
  name: string;
  /** One line for `baleen --help`. */
  summary: string;
  /** Full usage text for `baleen help <name>` and usage errors. */
  usage: string;
  /** Resolves to the exit code: 0 ok, 1 failed, 2 usage error. Aborted by Ctrl-C. */
  run(args: string[], io: CliIO, signal: AbortSignal): Promise<number>;
}

/** A usage error: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function processIO(): CliIO {
  return {
    stdout: (s) => void process.stdout.write(s),
    stderr: (s) => void process.stderr.write(s),
    env: process.env,
    cwd: process.cwd(),
    isTTY: Boolean(process.stderr.isTTY),
  };
}
