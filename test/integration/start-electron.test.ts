// `npm start` where the Electron binary is not installed (as on our build machines): one clear line
// pointing to `npm run web`, a failing exit code, and no build attempted.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const electronInstalled = (() => {
  try {
    const p = createRequire(import.meta.url)('electron') as unknown;
    return typeof p === 'string' && existsSync(p);
  } catch {
    return false;
  }
})();

describe('npm start without the Electron binary', () => {
  it.skipIf(electronInstalled)('says so in one line and points to npm run web', () => {
    const r = spawnSync(process.execPath, ['scripts/start-electron.mjs'], { encoding: 'utf8', timeout: 20_000 });
    expect(r.status).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/Electron binary is not installed/);
    expect(lines[0]).toMatch(/npm run web/);
    expect(r.stdout).toBe('');
  });
});
