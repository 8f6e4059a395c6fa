#!/usr/bin/env node
// Runs every suite (typecheck, lint, vitest unit + integration, build, Playwright e2e) and ends with one
// plain line `N passed, N failed[, N skipped]` summed over all of them. Exit code 1 if anything failed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const results = join(root, 'test-results');
mkdirSync(results, { recursive: true });
const bin = (name) => join(root, 'node_modules', '.bin', name);
const totals = { passed: 0, failed: 0, skipped: 0 };
const lines = [];
const started = Date.now();

function step(name, cmd, args, { env = {}, parse } = {}) {
  const t0 = Date.now();
  console.log(`\n=== ${name} ===`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, FORCE_COLOR: '0', ...env } });
  let counts = { passed: r.status === 0 ? 1 : 0, failed: r.status === 0 ? 0 : 1, skipped: 0 };
  if (parse) {
    const parsed = parse();
    // A suite that crashed before writing its report still counts as a failure.
    if (parsed) counts = { ...parsed, failed: parsed.failed + (r.status !== 0 && parsed.failed === 0 ? 1 : 0) };
  }
  totals.passed += counts.passed;
  totals.failed += counts.failed;
  totals.skipped += counts.skipped;
  lines.push(`${name.padEnd(28)} ${String(counts.passed).padStart(5)} passed ${String(counts.failed).padStart(4)} failed ${String(counts.skipped).padStart(4)} skipped  ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return r.status === 0;
}

const readJson = (f) => (existsSync(f) ? JSON.parse(readFileSync(f, 'utf8')) : null);

step('typecheck (node)', bin('tsc'), ['-p', 'tsconfig.node.json']);
step('typecheck (web)', bin('tsc'), ['-p', 'tsconfig.web.json']);
step('typecheck (e2e)', bin('tsc'), ['-p', 'tsconfig.e2e.json']);
step('lint', bin('eslint'), ['.']);

/** A vitest run (optionally inside a wrapper command) counted from its JSON report; a file that fails to load counts as a failure. */
function vitestStep(name, { wrapper = [], args = [], jsonName }) {
  const json = join(results, jsonName);
  rmSync(json, { force: true });
  const vitest = [bin('vitest'), 'run', ...args, '--reporter=default', '--reporter=json', `--outputFile.json=${json}`];
  const [cmd, ...rest] = [...wrapper, ...vitest];
  step(name, cmd, rest, {
    parse() {
      const j = readJson(json);
      if (!j) return null;
      const brokenFiles = (j.testResults ?? []).filter((f) => f.status === 'failed' && !(f.assertionResults ?? []).some((a) => a.status === 'failed')).length;
      return { passed: j.numPassedTests, failed: j.numFailedTests + brokenFiles, skipped: j.numPendingTests + j.numTodoTests };
    },
  });
}

// vite.config.ts leaves the OS keychain suites out unless BALEEN_KEYRING_UP is set (by with-keyring.sh).
vitestStep('vitest (unit + integration)', { jsonName: 'vitest.json' });
// The OS keychain suites need a Secret Service: they run inside their own D-Bus session with an unlocked
// gnome-keyring, and only here, so each test is counted once.
vitestStep('vitest (OS keychain)', { wrapper: ['bash', join(root, 'scripts', 'with-keyring.sh')], args: ['--project', 'node', 'test/integration/keychain-', 'test/integration/ssh-keychain'], jsonName: 'vitest-keychain.json' });

const built = step('build', 'npm', ['run', 'build', '--silent']);
const pwJson = join(results, 'playwright.json');
rmSync(pwJson, { force: true });
if (built) {
  step('e2e (Playwright, Chromium)', bin('playwright'), ['test'], {
    parse() {
      const j = readJson(pwJson);
      return j && { passed: j.stats.expected + j.stats.flaky, failed: j.stats.unexpected, skipped: j.stats.skipped };
    },
  });
} else {
  console.log('e2e skipped: the build failed');
  totals.failed++;
}

console.log('\n=== summary ===');
for (const l of lines) console.log(l);
console.log(`total time ${((Date.now() - started) / 1000).toFixed(0)} s`);
console.log(`${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}`);
process.exitCode = totals.failed > 0 ? 1 : 0;
