import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** `baleen serve` from the build, on a temp data folder, started and stopped by PID. */
export interface Served {
  url: string;
  origin: string;
  dataDir: string;
  stop(): Promise<void>;
}

export async function startServe(dataDir = mkdtempSync(join(tmpdir(), 'baleen-e2e-'))): Promise<Served> {
  const child: ChildProcess = spawn(process.execPath, ['bin/baleen.mjs', 'serve', '--port', '0', '--data-dir', dataDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr?.on('data', (d) => (err = (err + d).slice(-4000)));
  const url = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`baleen serve printed no URL in 20 s: ${out} ${err}`)), 20_000);
    child.stdout?.on('data', (d) => {
      out += d;
      const m = /(http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`baleen serve exited (${code}): ${err}`)));
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    url,
    origin: new URL(url).origin,
    dataDir,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGINT');
        const k = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(k);
      }
    },
  };
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
