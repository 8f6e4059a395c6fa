/// <reference types="vitest/config" />
// Renderer build (React app → out/renderer) and the test runner configuration.
import { readFileSync } from 'node:fs';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };
export const define = { __BALEEN_VERSION__: JSON.stringify(pkg.version) };
const KEYCHAIN_SUITES = ['test/integration/keychain-*.test.ts', 'test/integration/ssh-keychain*.test.ts'];

export default defineConfig({
  root: 'src-renderer',
  base: './',
  define,
  plugins: [react()],
  build: {
    outDir: '../out/renderer',
    emptyOutDir: true,
    target: 'chrome130',
    chunkSizeWarningLimit: 1500,
  },
  test: {
    root: '.',
    globals: true,
    setupFiles: ['./test/setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    // Playwright specs (test/e2e) and long soak/fuzz runs are not vitest suites.
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          environment: 'node',
          include: ['src-shared/**/*.test.ts', 'src-main/**/*.test.ts', 'src-preload/**/*.test.ts', 'test/**/*.test.ts', 'scripts/**/*.test.ts'],
          // The OS keychain suites run only inside scripts/with-keyring.sh (a D-Bus session with an unlocked
          // keyring, which sets BALEEN_KEYRING_UP): elsewhere they are not collected at all, so each is counted once.
          exclude: ['test/e2e/**', 'test/soak/**', 'node_modules/**', ...(process.env.BALEEN_KEYRING_UP === '1' ? [] : KEYCHAIN_SUITES)],
        },
      },
      {
        extends: true,
        test: {
          name: 'web',
          environment: 'jsdom',
          include: ['src-renderer/**/*.test.{ts,tsx}'],
        },
      },
    ],
  },
});
