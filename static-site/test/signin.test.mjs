import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPortal, launch, newPage, TOKEN } from './harness.mjs';

let portal, browser;
before(async () => { portal = await startPortal(); browser = await launch(); });
after(async () => { await browser?.close(); await portal?.stop(); });

test('sign in with the keyboard; a wrong token shows an error; no script errors or CSP violations', async () => {
  const { page, problems } = await newPage(browser);
  await page.goto(`${portal.base}/connectors?type=export`);
  // Not signed in: the deep link waits behind the sign-in screen.
  await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
  assert.match(page.url(), /\/signin\?next=/);
  await page.getByLabel('API token').focus();
  await page.keyboard.type('not-a-valid-token-000000000000');
  await page.keyboard.press('Enter');
  const field = page.getByLabel('API token');
  await page.getByText('This token is not valid').waitFor();
  assert.equal(await field.getAttribute('aria-invalid'), 'true');
  const described = await field.getAttribute('aria-describedby');
  assert.ok(described && (await page.locator(`[id="${described.split(' ')[0]}"]`).innerText()).includes('not valid'));
  await field.fill('');
  await page.keyboard.type(TOKEN);
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { level: 1, name: 'Connectors' }).waitFor();
  // Back at the deep link with its filter, and the token never in the URL.
  assert.match(page.url(), /\/connectors\?type=export$/);
  assert.ok(!page.url().includes(TOKEN));
  assert.equal(await page.getByLabel('Type filter').inputValue(), 'export');
  // Focus moved to the new h1.
  assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'H1');
  // Reload keeps the session (sessionStorage) and the place.
  await page.reload();
  await page.getByRole('heading', { level: 1, name: 'Connectors' }).waitFor();
  // Sign out returns to the sign-in screen.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
  assert.deepEqual(problems, []);
});

test('a revoked token signs the user out with a clear message', async () => {
  const { page, problems } = await newPage(browser);
  const { id, token } = await portal.api('POST', '/tokens', { name: 'short-lived' });
  await page.goto(`${portal.base}/signin`);
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Connectors' }).waitFor();
  // The page's own first requests finish before the revocation (one answered 401 would sign
  // out before the click below, and the Bin link would be gone).
  await page.waitForLoadState('networkidle');
  await portal.api('DELETE', `/tokens/${id}`);
  await page.getByRole('link', { name: 'Bin' }).click();
  await page.getByText('Your token has expired or was revoked').waitFor();
  await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
  assert.deepEqual(problems, []);
});

test('the page is served under the strict CSP, and the harness would see a violation', async () => {
  const res = await fetch(`${portal.base}/connectors/some/deep/link`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-security-policy'), /script-src 'self';/);
  const { page, problems } = await newPage(browser);
  await page.goto(`${portal.base}/signin`);
  await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
  assert.deepEqual(problems, []);
  // An inline script is refused by the CSP; the harness must notice (so the other tests' "no
  // violation" assertions can fail).
  await page.evaluate(() => { const s = document.createElement('script'); s.textContent = 'window.x = 1'; document.body.append(s); });
  await page.waitForTimeout(200);
  assert.equal(await page.evaluate(() => window.x), undefined);
  assert.ok(problems.some((p) => p.startsWith('csp:') || p.includes('Content Security Policy')), problems.join('\n'));
});
