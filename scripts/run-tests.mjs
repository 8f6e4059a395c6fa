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

const vitestJson = join(results, 'vitest.json');
rmSync(vitestJson, { force: true });
step('vitest (unit + integration)', bin('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${vitestJson}`], {
  parse() {
    const j = readJson(vitestJson);
    if (!j) return null;
    // A suite file that fails to load has no failed tests of its own but must still count as a failure.
    const brokenFiles = (j.testResults ?? []).filter((f) => f.status === 'failed' && !(f.assertionResults ?? []).some((a) => a.status === 'failed')).length;
    return { passed: j.numPassedTests, failed: j.numFailedTests + brokenFiles, skipped: j.numPendingTests + j.numTodoTests };
  },
});

// The OS keychain suite needs a Secret Service: it runs here inside its own D-Bus session with an
// unlocked gnome-keyring (the plain vitest run above skips it with a notice).
const keychainJson = join(results, 'vitest-keychain.json');
rmSync(keychainJson, { force: true });
step('vitest (OS keychain)', 'bash', [join(root, 'scripts', 'with-keyring.sh'), bin('vitest'), 'run', '--project', 'node', 'test/integration/keychain-', '--reporter=default', '--reporter=json', `--outputFile.json=${keychainJson}`], {
  parse() {
    const j = readJson(keychainJson);
    return j && { passed: j.numPassedTests, failed: j.numFailedTests, skipped: j.numPendingTests + j.numTodoTests };
  },
});

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
