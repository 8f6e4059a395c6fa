#!/usr/bin/env node
// `npm start`: build, rebuild better-sqlite3 for Electron's ABI into .electron-native/ (leaving the Node
// build in node_modules for tests, the CLI and `npm run web`), then launch the desktop app.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));

let electronBin;
try {
  electronBin = require('electron'); // the binary's path, or a throw when the download was skipped
} catch {
  electronBin = null;
}
if (typeof electronBin !== 'string' || !existsSync(electronBin)) {
  console.error('Baleen: the Electron binary is not installed here (its download was skipped or blocked); run `npm run web` to use Baleen in your browser.');
  process.exit(1);
}

const run = (cmd, args, opts = {}) => {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
  if (r.status !== 0) process.exit(r.status ?? 1);
};

run('npm', ['run', 'build']);

const electronVersion = JSON.parse(readFileSync(join(root, 'node_modules', 'electron', 'package.json'), 'utf8')).version;
const nativeDir = join(root, '.electron-native');
const binding = join(nativeDir, 'better_sqlite3.node');
const marker = join(nativeDir, 'target.txt');
const target = `electron-${electronVersion}-${process.platform}-${process.arch}`;
if (!existsSync(binding) || !existsSync(marker) || readFileSync(marker, 'utf8') !== target) {
  console.log(`Baleen: building better-sqlite3 for Electron ${electronVersion}…`);
  const work = mkdtempSync(join(tmpdir(), 'baleen-native-'));
  cpSync(join(root, 'node_modules', 'better-sqlite3'), work, { recursive: true });
  rmSync(join(work, 'build'), { recursive: true, force: true });
  // An inherited npm_config_nodedir would make node-gyp build against Node's headers: the wrong ABI.
  const env = { ...process.env, npm_config_nodedir: '', npm_config_runtime: 'electron', npm_config_target: electronVersion, npm_config_disturl: 'https://electronjs.org/headers' };
  const prebuilt = spawnSync(join(root, 'node_modules', '.bin', 'prebuild-install'), ['--runtime', 'electron', '--target', electronVersion], { cwd: work, env, stdio: 'inherit' });
  if (prebuilt.status !== 0) run(process.execPath, [join(root, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'), 'rebuild', '--release', `--target=${electronVersion}`, '--runtime=electron', '--dist-url=https://electronjs.org/headers'], { cwd: work, env });
  mkdirSync(nativeDir, { recursive: true });
  copyFileSync(join(work, 'build', 'Release', 'better_sqlite3.node'), binding);
  writeFileSync(marker, target);
  rmSync(work, { recursive: true, force: true });
}

const child = spawn(electronBin, [root], { stdio: 'inherit', env: { ...process.env, BALEEN_ELECTRON_SQLITE: binding } });
child.on('exit', (code) => process.exit(code ?? 0));
