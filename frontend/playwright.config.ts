import { defineConfig, devices } from '@playwright/test';

// Against a running gateway serving the built app (scripts/e2e.sh starts one when none answers).
const baseURL = process.env.E2E_BASE_URL ?? `http://127.0.0.1:${process.env.GATEWAY_PORT ?? '3000'}`;
// Runs against different gateways (ports) may overlap: each keeps its own traces and report.
const port = new URL(baseURL).port || 'default';
const chromium = {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ],
};

export default defineConfig({
  testDir: './e2e',
  outputDir: `./test-results/artifacts-${port}`,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list'], ['html', { outputFolder: `playwright-report/${port}`, open: 'never' }]],
  use: {
    baseURL,
    launchOptions: chromium,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    actionTimeout: 15_000,
  },
  projects: [
    { name: 'desktop', use: { ...devices['Desktop Chrome'], viewport: { width: 1280, height: 900 }, channel: undefined } },
    {
      name: 'phone',
      use: { ...devices['Pixel 7'], channel: undefined },
      grep: /@phone/,
    },
  ],
});
