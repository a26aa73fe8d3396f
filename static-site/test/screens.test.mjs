// One test per screen: the connectors list (search, filters, pagination, empty state, URL),
// the Add connector dialog's errors, the connector page (versions, Add version, delete,
// Duplicate, Move to bin), the bin (Restore, Delete permanently after typing the name),
// tokens (shown once, revoke) and organizations, and the wizard's unsaved-changes guard.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPortal, launch, newPage, signIn } from './harness.mjs';

let portal, browser;
before(async () => { portal = await startPortal(); browser = await launch(); });
after(async () => { await browser?.close(); await portal?.stop(); });

/** Creates a connector owned by the default organization (tests add organizations). */
async function create(body) {
  const me = await portal.api('GET', '/me');
  const org = me.organizations.find((o) => o.name === 'Default organization') ?? me.organizations[0];
  return portal.api('POST', '/connectors', { owner: org.id, ...body });
}

async function open(t, opts) {
  const s = await newPage(browser, opts);
  t.after(() => s.context.close());
  await signIn(s.page, portal.base);
  return s;
}

test('connectors list: empty state, search, filters and pages in the URL, no sideways scroll at 375 px', async (t) => {
  const { page, problems } = await open(t);
  await page.getByText('No connectors yet').waitFor();
  const types = ['datasource', 'export', 'upload'];
  for (let i = 1; i <= 25; i++) {
    await create({ name: `Conn ${String(i).padStart(2, '0')}`, type: types[i % 3] });
  }
  await create({ name: 'Special shop', type: 'export' });
  await page.reload();
  await page.getByRole('link', { name: 'Conn 01' }).waitFor();
  assert.equal(await page.locator('tbody tr').count(), 20, 'a page holds 20');
  await page.getByRole('button', { name: 'Next page' }).click();
  await page.waitForFunction(() => document.querySelectorAll('tbody tr').length === 6);
  assert.match(page.url(), /cursor=/);
  await page.getByRole('button', { name: 'First page' }).click();
  await page.waitForFunction(() => document.querySelectorAll('tbody tr').length === 20);

  await page.getByLabel('Search by name').fill('special');
  await page.waitForURL(/name=special/);
  await page.waitForFunction(() => document.querySelectorAll('tbody tr').length === 1);
  await page.getByRole('link', { name: 'Special shop' }).waitFor();
  await page.getByLabel('Search by name').fill('');
  await page.waitForURL((u) => !u.search.includes('name='));
  await page.getByLabel('Type filter').selectOption('upload');
  await page.waitForURL(/type=upload/);
  await page.waitForFunction(() => document.querySelectorAll('tbody tr').length === 8);
  // Reload keeps the filter; the filter matches nothing released.
  await page.reload();
  assert.equal(await page.getByLabel('Type filter').inputValue(), 'upload');
  await page.getByLabel('Released filter').selectOption('true');
  await page.getByText('No connector matches these filters').waitFor();
  await page.getByRole('button', { name: 'Clear the filters' }).click();
  await page.waitForFunction(() => document.querySelectorAll('tbody tr').length === 20);
  const org = (await portal.api('GET', '/me')).organizations[0];
  await page.getByLabel('Owner filter').selectOption(org.id);
  await page.waitForURL(new RegExp(`owner=${org.id}`));

  // 375 px wide: no sideways scrolling.
  await page.setViewportSize({ width: 375, height: 800 });
  await page.waitForTimeout(100);
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 375), 'no sideways scroll at 375 px');
  assert.deepEqual(problems, []);
});

test('Add connector dialog: server errors at their fields, Escape closes and returns focus', async (t) => {
  const { page, problems } = await open(t);
  const add = page.getByRole('button', { name: 'Add connector' });
  await add.click();
  const dialog = page.getByRole('dialog', { name: 'Add connector' });
  await dialog.getByRole('button', { name: 'Create' }).click();
  await dialog.getByRole('alert').waitFor();
  const name = dialog.getByLabel('Name');
  assert.equal(await name.getAttribute('aria-invalid'), 'true');
  // The summary's link moves focus to the field.
  await dialog.getByRole('alert').getByRole('link', { name: 'Name' }).click();
  assert.equal(await name.evaluate((el) => el === document.activeElement), true);
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden' });
  assert.equal(await add.evaluate((el) => el === document.activeElement), true, 'focus returns to the opener');
  assert.deepEqual(problems, []);
});

test('connector page: versions, Add version, delete a version, Duplicate, Move to bin; the bin restores and deletes permanently', async (t) => {
  const { page, problems } = await open(t);
  const c = await create({ name: 'Binnable', type: 'upload', description: 'to be binned' });
  await page.goto(`${portal.base}/connectors/${c.id}`);
  await page.getByRole('heading', { level: 1, name: 'Binnable' }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Delete version 1' }).isDisabled(), true, 'the last version cannot be deleted');
  await page.getByRole('button', { name: 'Add version' }).click();
  await page.getByText('Version 2 added').waitFor();
  await page.getByRole('link', { name: 'Setup of version 2' }).waitFor();
  await page.getByRole('button', { name: 'Delete version 2' }).click();
  await page.getByRole('dialog', { name: 'Delete version 2?' }).getByRole('button', { name: 'Delete version' }).click();
  await page.getByText('Version 2 deleted.').waitFor();
  await page.getByRole('link', { name: 'Setup of version 2' }).waitFor({ state: 'detached' });
  // The release link of a version.
  await page.getByRole('link', { name: 'Release of version 1' }).click();
  await page.getByRole('heading', { level: 1, name: 'Release Binnable v1' }).waitFor();
  await page.goBack();
  await page.getByRole('button', { name: 'Duplicate' }).click();
  await page.getByRole('heading', { level: 1, name: 'Binnable - Copy' }).waitFor();
  await page.getByRole('button', { name: 'Move to bin' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Move to bin' }).click();
  await page.getByRole('heading', { level: 1, name: 'Bin' }).waitFor();
  await page.getByRole('button', { name: 'Restore Binnable - Copy' }).click();
  await page.getByText('Binnable - Copy restored.').waitFor();
  await page.getByText('The bin is empty.').waitFor();
  await portal.api('DELETE', `/connectors/${c.id}`);
  await page.reload();
  await page.getByRole('button', { name: 'Delete Binnable permanently' }).click();
  const dialog = page.getByRole('dialog', { name: 'Delete Binnable permanently?' });
  const confirm = dialog.getByRole('button', { name: 'Delete permanently' });
  assert.equal(await confirm.isDisabled(), true);
  await dialog.getByRole('textbox').fill('Binnabl');
  assert.equal(await confirm.isDisabled(), true, 'only the exact name enables it');
  await dialog.getByRole('textbox').fill('Binnable');
  await confirm.click();
  await page.getByText('Binnable deleted permanently.').waitFor();
  const bin = await portal.api('GET', '/bin');
  assert.deepEqual(bin.items.map((x) => x.name), []);
  assert.deepEqual(problems, []);
});

test('tokens: a new token is shown once with Copy, listed, and revoked; organizations', async (t) => {
  const { page, context, problems } = await open(t);
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.getByRole('link', { name: 'Tokens' }).click();
  await page.getByRole('heading', { level: 1, name: 'Tokens' }).waitFor();
  await page.getByLabel('Token name').fill('ci pipeline');
  await page.getByRole('button', { name: 'Create token' }).click();
  const shown = page.getByLabel('New token');
  await shown.waitFor();
  const secret = await shown.innerText();
  assert.ok(secret.length >= 24);
  await page.getByRole('button', { name: 'Copy', exact: true }).click();
  await page.getByText('Copied.').waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), secret);
  // The new token works, and it is listed by name only.
  const res = await fetch(`${portal.base}/api/v1/me`, { headers: { Authorization: `Bearer ${secret}` } });
  assert.equal(res.status, 200);
  await page.getByRole('button', { name: 'Done' }).click();
  assert.equal(await page.getByText(secret).count(), 0, 'shown once');
  await page.reload();
  await page.getByRole('cell', { name: 'ci pipeline', exact: true }).waitFor();
  assert.equal(await page.content().then((h) => h.includes(secret)), false);
  await page.getByRole('button', { name: 'Revoke ci pipeline' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
  await page.waitForFunction(() => !document.body.innerText.includes('ci pipeline'));
  assert.equal((await fetch(`${portal.base}/api/v1/me`, { headers: { Authorization: `Bearer ${secret}` } })).status, 401);
  // Organizations: listed, and a new one joins the owner choices.
  await page.getByRole('cell', { name: 'Default organization' }).waitFor();
  await page.getByLabel('New organization name').fill('Data team');
  await page.getByRole('button', { name: 'Create organization' }).click();
  await page.getByRole('cell', { name: 'Data team' }).waitFor();
  await page.getByRole('link', { name: 'Connectors' }).first().click();
  await page.getByLabel('Owner filter').locator('option', { hasText: 'Data team' }).waitFor({ state: 'attached' });
  assert.deepEqual(problems, []);
});

test('wizard: the unsaved-changes guard, step statuses, and the end-user preview', async (t) => {
  const { page, problems } = await open(t);
  const c = await create({ name: 'Guarded', type: 'export' });
  await page.goto(`${portal.base}/connectors/${c.id}/versions/1/setup/application`);
  await page.getByRole('heading', { level: 1, name: 'Application' }).waitFor();
  const rail = page.getByRole('navigation', { name: 'Setup steps' });
  assert.match(await rail.getByRole('link', { name: /Application/ }).innerText(), /Required/);
  assert.match(await rail.getByRole('link', { name: /Individual configuration/ }).innerText(), /Optional/);
  await page.getByLabel('Command').fill('python');
  // Leaving with unsaved changes asks; dismissing keeps the user and the value.
  let asked = 0;
  page.once('dialog', (d) => { asked++; void d.dismiss(); });
  await rail.getByRole('link', { name: /Version control/ }).click();
  await page.waitForTimeout(300);
  assert.equal(asked, 1);
  assert.equal(await page.getByLabel('Command').inputValue(), 'python');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByText('Saved.').waitFor();
  await rail.getByRole('link', { name: /Version control/ }).click();
  await page.getByRole('heading', { level: 1, name: 'Version control' }).waitFor();
  assert.equal(asked, 1, 'no question once saved');
  assert.match(await rail.getByRole('link', { name: /Application/ }).innerText(), /✓/);
  assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'H1', 'focus on the step heading');
  // Individual configuration: a select field with options shows in the live preview.
  await rail.getByRole('link', { name: /Individual configuration/ }).click();
  await page.getByRole('button', { name: 'Add field' }).click();
  await page.getByLabel('Key').fill('region');
  await page.getByLabel('Field type').selectOption('select');
  await page.getByLabel('Label', { exact: true }).fill('Region');
  await page.getByLabel('Options').fill('eu, us');
  const preview = page.getByRole('group', { name: 'End-user form preview' });
  assert.deepEqual(await preview.getByLabel('Region').locator('option').allInnerTexts(), ['eu', 'us']);
  // A bad key is refused at its field.
  await page.getByLabel('Key').fill('1region');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('alert').waitFor();
  assert.equal(await page.getByLabel('Key').getAttribute('aria-invalid'), 'true');
  page.once('dialog', (d) => void d.accept());
  await rail.getByRole('link', { name: /Type-specific/ }).click();
  await page.getByRole('heading', { level: 1, name: 'Type-specific' }).waitFor();
  await page.getByLabel('Channels').waitFor();

  // Values typed and left unsaved survive leaving the step and a reload, as a draft that can be
  // discarded; a secret (the Git token) is never kept in it.
  await rail.getByRole('link', { name: /Application/ }).click();
  await page.getByLabel('Arguments').fill('main.py run --draft');
  page.once('dialog', (d) => void d.accept());
  await rail.getByRole('link', { name: /Version control/ }).click();
  await page.getByRole('heading', { level: 1, name: 'Version control' }).waitFor();
  await page.getByLabel('Authorization').selectOption('basic');
  await page.getByLabel('Token').fill('secret-git-token-123');
  page.once('dialog', (d) => void d.accept());
  await rail.getByRole('link', { name: /Application/ }).click();
  await page.getByText('Your unsaved changes to this step were restored.').waitFor();
  assert.equal(await page.getByLabel('Arguments').inputValue(), 'main.py run --draft');
  await page.reload();
  await page.getByText('Your unsaved changes to this step were restored.').waitFor();
  assert.equal(await page.getByLabel('Arguments').inputValue(), 'main.py run --draft');
  const stored = await page.evaluate(() => JSON.stringify({ ...sessionStorage }) + JSON.stringify({ ...localStorage }) + location.href);
  assert.ok(!stored.includes('secret-git-token-123'), 'the token is in no storage and no URL');
  await page.getByRole('button', { name: 'Discard changes' }).click();
  assert.equal(await page.getByLabel('Arguments').inputValue(), '');
  assert.deepEqual(problems, []);
});

test('connector details: logo upload with preview (sanitised), and the version selector', async (t) => {
  const { page, problems } = await open(t);
  const c = await create({ name: 'Logo owner', type: 'upload' });
  await portal.api('POST', `/connectors/${c.id}/versions`);
  await page.goto(`${portal.base}/connectors/${c.id}/versions/1/setup/details`);
  await page.getByRole('heading', { level: 1, name: 'Connector details' }).waitFor();
  const svg = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><script>alert(1)</script><rect width="10" height="10" fill="#1d4ed8" onload="alert(2)"/></svg>';
  await page.getByLabel('Logo (SVG)').setInputFiles({ name: 'logo.svg', mimeType: 'image/svg+xml', buffer: Buffer.from(svg) });
  await page.getByText('Logo uploaded').waitFor();
  const img = page.locator('img.logo-preview');
  await img.waitFor();
  assert.match(await img.getAttribute('src'), /^blob:/);
  await page.waitForFunction(() => { const i = document.querySelector('img.logo-preview'); return i && i.complete && i.naturalWidth > 0; });
  const stored = await (await fetch(`${portal.base}/api/v1/connectors/${c.id}/logo`, { headers: { Authorization: 'Bearer ui-test-token-0123456789abcdef' } })).text();
  assert.ok(!stored.includes('<script') && !stored.includes('onload'), stored);
  // The version selector switches to the same step of another version.
  await page.getByLabel('Version', { exact: true }).selectOption('2');
  await page.waitForURL(/\/versions\/2\/setup\/details$/);
  await page.getByText('version 2 ·').waitFor();
  assert.deepEqual(problems, []);
});
