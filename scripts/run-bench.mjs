#!/usr/bin/env node
// `npm run bench`: runs every bench/*.bench.ts in turn (or those named on the command line) and prints their figures.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const wanted = process.argv.slice(2);
const benches = readdirSync(join(root, 'bench'))
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.includes(w)))
  .sort();
let failed = 0;
for (const f of benches) {
  console.log(`\n=== ${f} ===`);
  const r = spawnSync(join(root, 'node_modules', '.bin', 'tsx'), [join('bench', f)], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
if (benches.length === 0) console.log('no benchmarks found');
process.exitCode = failed ? 1 : 0;
