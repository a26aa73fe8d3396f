// Test harness: the real local host (target/debug/devportal) on 127.0.0.1 with a fresh data
// directory, and real headless Chromium (/usr/bin/chromium) through playwright-core. Every
// page records console errors, uncaught exceptions and CSP violations; tests assert none.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(here, '../..');
export const TOKEN = 'ui-test-token-0123456789abcdef';

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Starts `devportal serve` on a free loopback port; resolves once it prints its address. */
export async function startPortal({ env = {} } = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'devportal-ui-'));
  const bin = process.env.DEVPORTAL_BIN ?? join(ROOT, 'target/debug/devportal');
  const child = spawn(bin, ['serve', '--addr', '127.0.0.1:0', '--data-dir', dataDir, '--static-dir', join(ROOT, 'static-site/dist')], {
    cwd: ROOT,
    // Repositories on this machine; a fixed secret key (no key file beside the temporary data
    // directory); job logs long enough for the 100 000-line log tests.
    env: {
      ...process.env,
      DEVPORTAL_TOKEN: TOKEN,
      DEVPORTAL_ALLOW_LOCAL_REPOS: '1',
      DEVPORTAL_SECRET_KEY: '7e'.repeat(32),
      DEVPORTAL_JOB_LOG_MAX_LINES: '200000',
      DEVPORTAL_JOB_LOG_MAX_MIB: '64',
      DEVPORTAL_LOG: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; if (stderr.length > 200_000) stderr = stderr.slice(-100_000); });
  const base = await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`devportal did not start in 30 s: ${stderr}`)), 30_000);
    child.on('exit', (code) => fail(new Error(`devportal exited with ${code}: ${stderr}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const m = /^Dev Portal listening on (http:\/\/\S+)/.exec(line);
      if (m) { clearTimeout(timer); ok(m[1]); }
    });
  });
  return {
    base,
    dataDir,
    stderr: () => stderr,
    async api(method, path, body, headers = {}) {
      let res;
      // The test's own calls share the browser's user and its rate limit: honour Retry-After.
      for (let waited = 0; ; waited++) {
        res = await fetch(`${base}/api/v1${path}`, {
          method,
          headers: { Authorization: `Bearer ${TOKEN}`, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...headers },
          body: body !== undefined ? JSON.stringify(body) : undefined,
        });
        if (res.status !== 429 || waited >= 10) break;
        await new Promise((r) => setTimeout(r, (Number(res.headers.get('Retry-After')) || 1) * 1000));
      }
      const text = await res.text();
      if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
      return text ? JSON.parse(text) : undefined;
    },
    async stop() {
      child.removeAllListeners('exit');
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => { const t = setTimeout(() => { child.kill('SIGKILL'); r(); }, 10_000); child.on('exit', () => { clearTimeout(t); r(); }); });
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function launch() {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

/** A page that records every script error, console error and CSP violation. */
export async function newPage(browser, { viewport = { width: 1280, height: 900 } } = {}) {
  const context = await browser.newContext({ viewport, timezoneId: 'Europe/Berlin' });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => {
    if (m.type() === 'error') {
      const t = m.text();
      // A refused request (e.g. 401 of a wrong token) is the test's own doing, not a script error.
      if (/Failed to load resource: the server responded with a status of (401|404|409|422)/.test(t)) return;
      problems.push(`console: ${t}`);
    }
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  await page.exposeFunction('__cspViolation', (v) => problems.push(`csp: ${v}`));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => window.__cspViolation(`${e.violatedDirective} ${e.blockedURI}`));
    window.alert = (m) => window.__cspViolation(`alert called: ${m}`);
  });
  return { page, context, problems };
}

export async function signIn(page, base) {
  await page.goto(`${base}/signin`);
  await page.getByLabel('API token').fill(TOKEN);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Connectors' }).waitFor();
}

/** The input's value once it is `expected`, or what it still is after `timeout` ms: after Back
 * or Forward the URL changes first and the form re-renders a moment later. */
export async function settledValue(locator, expected, timeout = 5000) {
  const until = Date.now() + timeout;
  let value = await locator.inputValue();
  while (value !== expected && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    value = await locator.inputValue();
  }
  return value;
}

export function cleanup(dir) {
  rmSync(dir, { recursive: true, force: true });
}
