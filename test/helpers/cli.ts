import { runCli } from '../../src-main/cli';
import type { CliIO } from '../../src-main/cli/io';

/** Run `baleen ...args` in-process and capture what it prints. */
export async function runBaleen(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}) {
  let stdout = '';
  let stderr = '';
  const io: CliIO = {
    stdout: (s) => void (stdout += s),
    stderr: (s) => void (stderr += s),
    env: { ...process.env, ...opts.env },
    cwd: opts.cwd ?? process.cwd(),
    isTTY: false,
  };
  const code = await runCli(args, io);
  return { code, stdout, stderr };
}
