import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Baleen's install root: the nearest folder up from this module whose package.json is named `baleen`. */
export function findAppRoot(from: string = import.meta.url): string | null {
  let dir = dirname(from.startsWith('file:') ? fileURLToPath(from) : from);
  for (let i = 0; i < 8; i++) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'baleen') return dir;
      } catch {
        // keep looking
      }
    }
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return null;
}

/** The built renderer, if it has been built. */
export function rendererDir(root = findAppRoot()): string | null {
  const dir = root && join(root, 'out', 'renderer');
  return dir && existsSync(join(dir, 'index.html')) ? dir : null;
}

/** Where Baleen keeps its data when no --data-dir / BALEEN_DATA_DIR is given (same folder Electron's userData uses). */
export function defaultDataDir(env: Record<string, string | undefined> = process.env, platform = process.platform): string {
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Baleen');
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Baleen');
  return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'Baleen');
}
