// The end-to-end journey: a new user signs in with the keyboard, creates a connector
// through the dialog, fills every wizard step (one wrong value corrected after its inline
// error), builds and releases it to an account from the buttons, watches the live log, and
// sees it in the catalog. No script error or CSP violation on the way.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPortal, launch, newPage, TOKEN } from './harness.mjs';
import { connectorRepo } from './fixtures.mjs';

let portal, browser, repo;
before(async () => {
  repo = connectorRepo('RUN echo build-step-one; sleep 2; echo build-step-two\n');
  portal = await startPortal();
  browser = await launch();
});
after(async () => { await browser?.close(); await portal?.stop(); repo?.cleanup(); });

test('a new user takes a connector from nothing to the catalog in the browser', { timeout: 300_000 }, async () => {
  const { page, context, problems } = await newPage(browser);
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  page.setDefaultTimeout(20_000);
  // Sign in with the keyboard only.
  await page.goto(portal.base);
  await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
  await page.keyboard.press('Tab'); // the token field comes first in the form
  for (let i = 0; i < 5 && !(await page.getByLabel('API token').evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press('Tab');
  await page.keyboard.type(TOKEN);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { level: 1, name: 'Connectors' }).waitFor();
  await page.getByText('No connectors yet').waitFor();

  // Create through the dialog, which says which fields lock.
  await page.getByRole('button', { name: 'Add connector' }).click();
  const dialog = page.getByRole('dialog', { name: 'Add connector' });
  await dialog.getByText('Type, flow, execution mode and owner lock').waitFor();
  await dialog.getByLabel('Name').fill('Orders feed');
  await dialog.getByLabel('Type').selectOption('datasource');
  await dialog.getByLabel('Description').fill('Imports orders every night');
  await dialog.getByLabel('Flow').selectOption('default');
  await dialog.getByLabel('Execution mode').selectOption('env');
  assert.equal(await dialog.getByLabel('Owner').inputValue() !== '', true);
  await dialog.getByRole('button', { name: 'Create' }).click();
  await page.getByRole('heading', { level: 1, name: 'Connector details' }).waitFor();
  const rail = page.getByRole('navigation', { name: 'Setup steps' });
  assert.equal(await rail.locator('[aria-current="step"]').innerText().then((t) => t.includes('Connector details')), true);
  for (const step of ['Connector details', 'Version control', 'Application', 'Authentication and secrets', 'Individual configuration', 'Execution', 'Type-specific']) {
    await rail.getByRole('link', { name: step }).waitFor();
  }
  assert.match(await page.title(), /^Step 1 of 7 — Connector details — Orders feed$/);

  // 1. Connector details.
  await page.getByLabel('Readme').fill('# Orders feed\nNightly import.');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByText('Saved.').waitFor();

  // 2. Version control: a wrong URL first, corrected after its inline error.
  await rail.getByRole('link', { name: 'Version control' }).click();
  await page.getByRole('heading', { level: 1, name: 'Version control' }).waitFor();
  await page.getByLabel('Authorization').selectOption('public');
  await page.getByLabel('Repository URL').fill('not a repository url');
  await page.getByLabel('Branch').fill('main');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('alert').waitFor();
  const url = page.getByLabel('Repository URL');
  assert.equal(await url.getAttribute('aria-invalid'), 'true');
  const errId = (await url.getAttribute('aria-describedby')).split(' ')[0];
  assert.ok((await page.locator(`[id="${errId}"]`).innerText()).length > 0, 'the message is wired to the field');
  await url.fill(repo.url);
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByText('Saved.').waitFor();
  assert.equal(await url.getAttribute('aria-invalid'), null);
  await page.getByRole('button', { name: 'Test connection' }).click();
  await page.getByRole('status').filter({ hasText: 'Connection works' }).waitFor();

  // 3. Application.
  await rail.getByRole('link', { name: 'Application' }).click();
  await page.getByLabel('Command').fill('sh');
  await page.getByLabel('Arguments').fill('/app/main.sh');
  await page.getByLabel('Health check').fill('--health-check');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByText('Saved.').waitFor();

  // 4. Authentication and secrets: a credential schema.
  await rail.getByRole('link', { name: 'Authentication and secrets' }).click();
  await page.getByRole('button', { name: 'Add authentication' }).click();
  await page.getByLabel('Name').fill('shop');
  await page.getByLabel('Label').fill('Shop login');
  await page.getByLabel('Fields').fill('api_key');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByText('Saved.').waitFor();

  // 5. Individual configuration, with its live preview.
  await rail.getByRole('link', { name: 'Individual configuration' }).click();
  await page.getByRole('button', { name: 'Add field' }).click();
  await page.getByLabel('Key').fill('shop_url');
  await page.getByLabel('Field type').selectOption('url');
  await page.getByLabel('Label', { exact: true }).fill('Shop URL');
  const preview = page.getByRole('group', { name: 'End-user form preview' });
  await preview.getByLabel('Shop URL').waitFor();
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByText('Saved.').waitFor();

  // 6. Execution: the exact command line and environment.
  await rail.getByRole('link', { name: 'Execution' }).click();
  await page.getByLabel('Command line').filter({ hasText: 'sh /app/main.sh' }).waitFor();
  await page.getByText('SHOP_URL').waitFor();

  // 7. Type-specific: a category.
  await rail.getByRole('link', { name: 'Type-specific' }).click();
  await page.getByLabel('Orders').check();
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByText('Saved.').waitFor();
  await page.getByText('Every required step is complete').waitFor();

  // Release view: Build, watching the live log.
  await page.getByRole('link', { name: 'Release', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: 'Release Orders feed v1' }).waitFor();
  const syncRuntime = page.getByRole('button', { name: 'Sync with runtime' });
  assert.equal(await syncRuntime.isDisabled(), true, 'not before a build');
  await page.getByText('Build the version first.').waitFor();
  await page.getByRole('button', { name: 'Build', exact: true }).click();
  const log = page.getByRole('log');
  await log.filter({ hasText: 'build-step-one' }).waitFor({ timeout: 60_000 });
  await page.getByRole('button', { name: 'Cancel' }).waitFor();
  await log.filter({ hasText: 'build-step-two' }).waitFor({ timeout: 60_000 });
  await page.waitForFunction(() => !document.querySelector('button.danger')?.textContent?.includes('Cancel'), null, { timeout: 120_000 });
  await page.locator('.badge', { hasText: 'built' }).first().waitFor({ timeout: 60_000 });
  // The finished build's log (read to its end): Copy puts the plain text on the clipboard,
  // Download saves the same.
  await page.getByRole('status').filter({ hasText: /lines · done/ }).first().waitFor();
  await page.getByRole('button', { name: 'Copy' }).first().click();
  await page.getByText('Copied the log.').waitFor();
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  assert.match(copied, /build-step-one\nbuild-step-two/);
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download' }).first().click()]);
  assert.match(download.suggestedFilename(), /^job-.*\.log$/);
  const { readFile } = await import('node:fs/promises');
  assert.equal(await readFile(await download.path(), 'utf8'), copied);

  // Sync with runtime and dev from their buttons.
  await syncRuntime.click();
  await page.locator('.badge', { hasText: 'synchronized-to-runtime' }).first().waitFor({ timeout: 60_000 });
  await page.getByRole('button', { name: 'Sync with dev' }).click();
  await page.locator('.badge', { hasText: 'synchronized-to-dev' }).first().waitFor({ timeout: 60_000 });

  // Sync with prod: the dialog names the version and chooses targets from the directory.
  await page.getByRole('button', { name: 'Sync with prod' }).click();
  const prod = page.getByRole('dialog', { name: 'Sync Orders feed v1 with production' });
  await prod.getByRole('group', { name: 'Accounts' }).getByRole('checkbox').first().check();
  await prod.getByRole('button', { name: 'Sync with prod' }).click();
  await page.locator('.badge', { hasText: 'synchronized-to-prod' }).first().waitFor({ timeout: 60_000 });

  // Release, with confirmation.
  await page.getByRole('button', { name: 'Release', exact: true }).click();
  const confirm = page.getByRole('dialog', { name: 'Release Orders feed v1?' });
  await confirm.getByRole('button', { name: 'Release' }).click();
  await page.locator('.badge.ok', { hasText: 'released' }).first().waitFor({ timeout: 60_000 });
  await page.getByRole('button', { name: 'Unrelease' }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Unrelease' }).isDisabled(), false);

  // The history lists each transition; the releases list shows the current one.
  await page.getByText('Current').waitFor();
  await page.locator('td code', { hasText: 'synchronized-to-prod' }).first().waitFor();

  // In the catalog of the account it was released to.
  await page.getByRole('link', { name: 'Catalog' }).click();
  await page.getByRole('heading', { level: 1, name: 'Catalog' }).waitFor();
  await page.getByLabel('Account').selectOption({ index: 1 });
  await page.getByRole('heading', { name: 'Orders feed v1' }).waitFor();

  // And the connectors list says it is released.
  await page.getByRole('link', { name: 'Connectors' }).first().click();
  await page.getByLabel('Released filter').selectOption('true');
  await page.getByRole('link', { name: 'Orders feed' }).waitFor();
  assert.match(page.url(), /released=true/);
  assert.deepEqual(problems, []);
});
