#!/usr/bin/env node
// The `baleen` command: runs the built CLI (npm run build:main writes out/main/cli.js).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const built = fileURLToPath(new URL('../out/main/cli.js', import.meta.url));
if (!existsSync(built)) {
  process.stderr.write('baleen: not built yet. Run `npm run build` first (or `npm run web`).\n');
  process.exit(1);
}
const { runCli } = await import(built);
const ac = new AbortController();
let interrupted = false;
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    ac.abort(new Error(`interrupted (${sig})`));
  });
}
process.exitCode = await runCli(process.argv.slice(2), undefined, ac.signal);
