// Browser tests: JupyterLab (Galata), Notebook 7 and Voila, driven by Debian's chromium (never downloaded).
// `make test` runs them after pytest; `npm test` runs only these. Each server is started on a free
// localhost port by tests/browser/serve.py on a throwaway copy of the repository, and stopped afterwards.
import { execFileSync } from 'child_process';
import * as path from 'path';
import { defineConfig } from '@playwright/test';

const baseConfig = require('@jupyterlab/galata/lib/playwright-config');

const PYTHON = process.env.LOSSPLOT_PYTHON || path.join(process.env.VENV || '.venv', 'bin', 'python');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

// A free port, chosen once in the runner process and handed to the workers through the environment.
function freePort(name: string): number {
  if (!process.env[name]) {
    const script =
      "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})";
    process.env[name] = execFileSync(process.execPath, ['-e', script]).toString().trim();
  }
  return Number(process.env[name]);
}

const ports = {
  lab: freePort('LOSSPLOT_LAB_PORT'),
  notebook: freePort('LOSSPLOT_NOTEBOOK_PORT'),
  voila: freePort('LOSSPLOT_VOILA_PORT')
};

function server(kind: keyof typeof ports, readyPath: string) {
  return {
    command: `${PYTHON} tests/browser/serve.py ${kind} ${ports[kind]}`,
    url: `http://127.0.0.1:${ports[kind]}${readyPath}`,
    timeout: 180_000,
    reuseExistingServer: false,
    stdout: 'ignore' as const,
    stderr: 'pipe' as const,
    gracefulShutdown: { signal: 'SIGTERM' as const, timeout: 10_000 }
  };
}

export default defineConfig({
  ...baseConfig,
  testDir: 'tests/browser',
  outputDir: 'test-results',
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 180_000,
  expect: { timeout: 30_000 },
  reporter: [['list']],
  use: {
    ...baseConfig.use,
    headless: true,
    viewport: { width: 1280, height: 900 },
    video: 'off',
    trace: 'off',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run'
      ]
    }
  },
  webServer: [
    server('lab', '/lab'),
    server('notebook', '/tree'),
    server('voila', '/')
  ],
  projects: [
    {
      name: 'lab',
      testMatch: /lab\..*\.spec\.ts$/,
      use: { baseURL: `http://127.0.0.1:${ports.lab}` }
    },
    {
      name: 'notebook',
      testMatch: /notebook7(\.[a-z]+)?\.spec\.ts$/,
      use: { baseURL: `http://127.0.0.1:${ports.notebook}` }
    },
    {
      name: 'voila',
      testMatch: /voila(\.[a-z]+)?\.spec\.ts$/,
      use: { baseURL: `http://127.0.0.1:${ports.voila}` }
    },
    // the built documentation site (make docs), opened from disk offline
    {
      name: 'docs',
      testMatch: /docs\.spec\.ts$/
    },
    // benchmarks (make bench-browser), never part of the tests
    ...(process.env.LOSSPLOT_BENCH
      ? [{
          name: 'bench',
          testDir: 'benchmarks/browser',
          testMatch: /\.bench\.ts$/,
          use: { baseURL: `http://127.0.0.1:${ports.lab}` }
        }]
      : [])
  ]
});
