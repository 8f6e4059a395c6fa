import { defineConfig } from '@playwright/test';

// End-to-end suites in Debian's Chromium (never a downloaded browser). Each spec starts its own
// `baleen serve` and test servers, by PID, and stops them.
export default defineConfig({
  testDir: './test/e2e',
  testMatch: /.*\.spec\.ts/,
  outputDir: './test-results/e2e',
  workers: 1,
  timeout: 60_000,
  reporter: [['list'], ['json', { outputFile: 'test-results/playwright.json' }]],
  use: {
    headless: true,
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-dev-shm-usage',
      ],
    },
  },
  projects: [{ name: 'debian-chromium', use: { browserName: 'chromium' } }],
});
