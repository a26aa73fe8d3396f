// The monitoring view on the real local host: a test connector (busybox on scratch, built and
// synced to its dev site by the real pipeline) that logs at several levels through the run API,
// writes nested output rows, prints to stdout and stderr, echoes its password and exits with a
// chosen code (the connector of tests/tests/runs.rs, plus 250 debug entries so the log pages).
// The vault page; the Test run form (end-user form, auth, test input) starting a user run and
// following it on the run's page; the runs table with its filters in the URL, Back/Forward,
// pagination and the durations chart; the run's logs, stdout / stderr, output rows, downloads,
// live refresh and Cancel.
//
// Runs really run: the local host executes the test connector's image with buildah.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startPortal, launch, newPage, signIn, settledValue } from './harness.mjs';
import { connectorRepo } from './fixtures.mjs';

const PASSWORD = 'hunter2-Sup3r-secret';
const VAULT_VALUE = 'vault-value-9f8e7d';
const RUN_SCRIPT = `#!/bin/sh
case "$1" in --health-check) echo healthy; exit 0 ;; esac
PW="$PASSWORD"; CODE="\${EXIT_CODE:-0}"; SLEEP="\${SLEEP_SECS:-0}"
api() { wget -q -O - --header "Authorization: Bearer $CDE_RUN_TOKEN" --header "Content-Type: application/json" --post-data "$2" "$CDE_RUN_API/$1"; }
echo "stdout line one"
echo "the password is $PW"
echo "vault says $CDE_SECRET_SHOP_API_KEY"
echo "stderr line" >&2
api logs '{"entries":[{"level":6,"message":"fetched 3 products"},{"level":4,"message":"slow shop answer"},{"level":3,"message":"product 7 failed","context":{"sku":"7"}},{"level":"success","message":"all done"},{"level":7,"message":"debug detail"}]}'
api logs "{\\"entries\\":[{\\"level\\":6,\\"message\\":\\"logging my password $PW\\"}]}"
api output '{"rows":[{"sku":"1","price":{"amount":10,"currency":"EUR"}},{"sku":"2","price":{"amount":20,"currency":"EUR"}}]}'
api progress '{"percent":50,"message":"half way"}'
E=""; i=1; while [ $i -le 250 ]; do E="$E{\\"level\\":7,\\"message\\":\\"bulk entry $i\\"},"; i=$((i+1)); done
api logs "{\\"entries\\":[\${E%,}]}"
wget -q -O - --header "Authorization: Bearer $CDE_RUN_TOKEN" "$CDE_RUN_API/input" && echo
sleep "$SLEEP"
exit "$CODE"
`;

let portal, browser, repo, id, site, uiRun;

async function runStage(stage) {
  const job = await portal.api('POST', `/connectors/${id}/versions/1/${stage}`, {});
  for (let i = 0; i < 900; i++) {
    const j = await portal.api('GET', `/jobs/${job.id}`);
    if (['done', 'failed', 'cancelled'].includes(j.status)) return j;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${stage} did not finish`);
}

async function waitRun(runId, secs = 120) {
  const end = Date.now() + secs * 1000;
  for (;;) {
    const r = await portal.api('GET', `/runs/${runId}`);
    if (!['queued', 'running'].includes(r.status)) return r;
    if (Date.now() > end) throw new Error(`run ${runId} did not end: ${JSON.stringify(r)}`);
    await new Promise((ok) => setTimeout(ok, 200));
  }
}

const startRun = (values) => portal.api('POST', `/sites/${site}/runs`, { connector_id: id, version: 1, values: { password: PASSWORD, ...values } });

before(async () => {
  repo = connectorRepo('', { 'main.sh': RUN_SCRIPT });
  portal = await startPortal();
  browser = await launch();
  const c = await portal.api('POST', '/connectors', { name: 'Runner', type: 'upload', execution_mode: 'env' });
  id = c.id;
  const v = `/connectors/${id}/versions/1`;
  await portal.api('PUT', `${v}/steps/vcs`, { authorization: 'public', url: repo.url });
  await portal.api('PUT', `${v}/steps/application`, { command: 'sh', arguments: '/app/main.sh', health_check: '--health-check' });
  await portal.api('PUT', `${v}/steps/individual`, {
    fields: [
      { key: 'password', type: 'password', label: 'Password', required: true },
      { key: 'exit-code', type: 'number', label: 'Exit code', default: '0' },
      { key: 'sleep-secs', type: 'number', label: 'Sleep', default: '0' },
    ],
  });
  await portal.api('PUT', `${v}/steps/auth`, { secrets: [{ path: 'shops/shop', fields: ['api-key'] }] });
  for (const stage of ['build', 'sync-runtime', 'sync-dev']) assert.equal((await runStage(stage)).status, 'done', stage);
  site = (await portal.api('GET', v)).deployment.dev.site_id;
});
after(async () => { await browser?.close(); await portal?.stop(); repo?.cleanup(); });

async function open(t) {
  const s = await newPage(browser);
  t.after(() => s.context.close());
  s.page.setDefaultTimeout(30_000);
  await signIn(s.page, portal.base);
  return s;
}

async function noSecretsIn(page) {
  const html = await page.content();
  const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
  for (const s of [PASSWORD, VAULT_VALUE]) {
    assert.ok(!html.includes(s), `${s} is not in the page`);
    assert.ok(!page.url().includes(s), `${s} is not in the URL`);
    assert.ok(!stored.includes(s), `${s} is not in web storage`);
  }
}

test('the vault page: add an entry, only path and field names listed, replace, delete; values never shown', async (t) => {
  const { page, problems } = await open(t);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Vault' }).click();
  await page.getByRole('heading', { level: 1, name: 'Vault' }).waitFor();
  await page.getByText('The vault is empty.').waitFor();
  const form = page.getByRole('form', { name: 'Add or replace an entry' });
  // A path the vault's rule refuses: the server's message, nothing stored.
  await form.getByLabel('Path', { exact: true }).fill('../escape');
  await form.getByLabel('Field 1 name').fill('api-key');
  await form.getByLabel('Field 1 value').fill(VAULT_VALUE);
  await form.getByRole('button', { name: 'Save entry' }).click();
  await page.getByRole('alert').waitFor();
  assert.equal((await portal.api('GET', '/vault')).items.length, 0);
  // The real entry, then a second one to delete.
  await form.getByLabel('Path', { exact: true }).fill('shops/shop');
  await form.getByRole('button', { name: 'Save entry' }).click();
  await page.getByText('Saved shops/shop (api-key).').waitFor();
  assert.equal(await form.getByLabel('Field 1 value').inputValue(), '', 'the form forgets the value once stored');
  await form.getByLabel('Path', { exact: true }).fill('tmp/extra');
  await form.getByLabel('Field 1 name').fill('one');
  await form.getByLabel('Field 1 value').fill('x1');
  await form.getByRole('button', { name: 'Add field' }).click();
  await form.getByLabel('Field 2 name').fill('two');
  await form.getByLabel('Field 2 value').fill('x2');
  await form.getByRole('button', { name: 'Save entry' }).click();
  await page.getByText('Saved tmp/extra (one, two).').waitFor();
  const table = page.getByRole('table');
  await table.getByRole('row').filter({ hasText: 'tmp/extra' }).filter({ hasText: 'one, two' }).waitFor();
  await table.getByRole('row').filter({ hasText: 'shops/shop' }).filter({ hasText: 'api-key' }).waitFor();
  // Replace keeps the path and field names and asks for new values.
  await page.getByRole('button', { name: 'Replace tmp/extra' }).click();
  assert.equal(await form.getByLabel('Path', { exact: true }).inputValue(), 'tmp/extra');
  assert.equal(await form.getByLabel('Field 2 name').inputValue(), 'two');
  assert.equal(await form.getByLabel('Field 2 value').inputValue(), '');
  // Delete asks first (keyboard: Escape cancels and gives focus back), then deletes.
  await page.getByRole('button', { name: 'Delete tmp/extra' }).click();
  const dialog = page.getByRole('dialog', { name: 'Delete tmp/extra?' });
  await dialog.waitFor();
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden' });
  await page.waitForFunction(() => document.activeElement?.getAttribute('aria-label') === 'Delete tmp/extra', null, { timeout: 5000 });
  await page.getByRole('button', { name: 'Delete tmp/extra' }).click();
  await dialog.getByRole('button', { name: 'Delete entry' }).click();
  await page.getByText('Deleted tmp/extra.').waitFor();
  assert.deepEqual((await portal.api('GET', '/vault')).items.map((e) => e.path), ['shops/shop']);
  await noSecretsIn(page);
  assert.ok(!(await page.content()).includes('x2'));
  assert.deepEqual(problems, []);
});

test('Test run: the end-user form, auth and test input are checked, the run starts as a user run and its page follows it', async (t) => {
  const { page, problems } = await open(t);
  // A version that is not on its dev site says so and points at the release page.
  const fresh = await portal.api('POST', '/connectors', { name: 'Not synced', type: 'upload' });
  await page.goto(`${portal.base}/connectors/${fresh.id}/versions/1/test-run`);
  await page.getByText('Version 1 is not on its dev site yet.').waitFor();
  assert.equal(await page.getByRole('link', { name: 'Sync it with dev' }).getAttribute('href'), `/connectors/${fresh.id}/versions/1/release`);
  // The release page of a synced version links to Test run and to the version's runs.
  await page.goto(`${portal.base}/connectors/${id}/versions/1/release`);
  assert.equal(await page.locator('main').getByRole('link', { name: 'Test run' }).getAttribute('href'), `/connectors/${id}/versions/1/test-run`);
  assert.equal(await page.locator('main').getByRole('link', { name: 'Runs', exact: true }).getAttribute('href'), `/connectors/${id}/runs?version=1`);
  await page.goto(`${portal.base}/connectors/${id}`);
  await page.getByRole('link', { name: 'Test run of version 1' }).click();
  await page.getByRole('heading', { level: 1, name: 'Test run — Runner v1' }).waitFor();
  const form = page.getByRole('form', { name: 'Test run' });
  await form.getByText(site).waitFor();
  // Test input that is not rows: said in words at the field, nothing is started.
  const input = form.getByLabel('Test input (JSON rows)');
  await input.fill('{"sku": "in-1"}');
  await form.getByRole('button', { name: 'Start test run' }).click();
  await form.getByText('Test input is a JSON array of rows').waitFor();
  assert.equal(await input.getAttribute('aria-invalid'), 'true');
  assert.equal((await portal.api('GET', `/runs?connector_id=${id}`)).items.length, 0);
  // A required field left empty: the server's rule, shown at the field.
  await input.fill('[{"sku": "in-1"}]');
  await form.getByRole('button', { name: 'Start test run' }).click();
  await page.getByRole('alert').filter({ hasText: 'Please fix the highlighted fields.' }).waitFor();
  const pw = form.getByLabel('Password *');
  assert.equal(await pw.getAttribute('aria-invalid'), 'true');
  assert.equal((await portal.api('GET', `/runs?connector_id=${id}`)).items.length, 0);
  // Now a good start: it lands on the run's page.
  await pw.fill(PASSWORD);
  await form.getByLabel('Exit code').fill('3');
  await form.getByRole('button', { name: 'Start test run' }).click();
  await page.waitForURL(/\/runs\/[0-9a-f-]{36}$/);
  const runId = page.url().split('/').pop();
  await page.getByRole('heading', { level: 1, name: `Run ${runId.slice(0, 8)}` }).waitFor();
  const started = await portal.api('GET', `/runs/${runId}`);
  assert.equal(started.trigger.kind, 'user', 'started from the UI counts as started by a user');
  assert.equal(started.site_id, site);
  assert.equal(started.has_test_input, true);
  // The page follows the run to its end without a reload.
  uiRun = await waitRun(runId);
  const status = page.getByRole('status').filter({ hasText: 'Status:' });
  await status.filter({ hasText: uiRun.status }).waitFor({ timeout: 30_000 });
  const fields = page.locator('dl.run-fields');
  await fields.getByText(uiRun.reason ?? '—', { exact: true }).first().waitFor();
  assert.match(await fields.innerText(), /Trigger\s+started by a user in the portal/);
  assert.ok((await fields.innerText()).includes(site));
  assert.equal(uiRun.status, 'failed', `the connector exits with code 3: ${JSON.stringify(uiRun)}`);
  assert.equal(uiRun.exit_code, 3);
  assert.match(await fields.innerText(), /Exit code\s+3/);
  assert.match(await fields.innerText(), /PASSWORD=\*{8}/);
  assert.match(await fields.innerText(), /CDE_RUN_TOKEN=\*{8}/);
  assert.match(await fields.innerText(), /50% · half way/);
  await noSecretsIn(page);
  assert.deepEqual(problems, []);
});

test('runs table: every column, filters in the URL, Back/Forward, deep links, pagination, durations chart', async (t) => {
  assert.ok(uiRun, 'the Test run test ran first');
  // Ten more runs through the API (exit codes 0 and 1 alternate).
  const more = [];
  for (let i = 0; i < 10; i++) more.push((await startRun({ 'exit-code': String(i % 2) })).id);
  const ended = [];
  for (const r of more) ended.push(await waitRun(r));
  const all = [uiRun, ...ended];
  const { page, problems } = await open(t);
  await page.goto(`${portal.base}/connectors/${id}`);
  await page.locator('main').getByRole('link', { name: 'Runs', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: 'Runs of Runner' }).waitFor();
  const table = page.locator('table.runs-table');
  await table.waitFor();
  const headers = await table.locator('thead th').allInnerTexts();
  assert.deepEqual(headers, ['Status', 'Process id', 'Version', 'Site', 'Trigger', 'Started', 'Duration', 'Exit code']);
  const rows = table.locator('tbody tr');
  assert.equal(await rows.count(), 11);
  // Newest first: the last API run heads the table; the UI's run is last and says "user".
  assert.equal(await rows.first().getAttribute('data-run'), ended[ended.length - 1].id);
  assert.equal(await rows.last().getAttribute('data-run'), uiRun.id);
  assert.match(await rows.last().innerText(), /\buser\b/);
  assert.match(await rows.first().innerText(), /\bAPI\b/);
  assert.ok((await rows.first().innerText()).includes(site));

  // Pagination: 10 per page, the cursor in the URL; Back returns to the first page.
  await page.getByLabel('Runs per page').selectOption('10');
  await page.waitForURL(/per=10/);
  await page.waitForFunction(() => document.querySelectorAll('table.runs-table tbody tr').length === 10);
  await page.getByRole('button', { name: 'Next page' }).click();
  await page.waitForURL(/cursor=/);
  await page.waitForFunction(() => document.querySelectorAll('table.runs-table tbody tr').length === 1);
  assert.equal(await rows.first().getAttribute('data-run'), uiRun.id);
  await page.goBack();
  await page.waitForFunction(() => document.querySelectorAll('table.runs-table tbody tr').length === 10);

  // Status filter → URL; every row has that status; Back / Forward move between filters.
  const failed = all.filter((r) => r.status === 'failed').length;
  await page.getByLabel('Status').selectOption('failed');
  await page.waitForURL(/status=failed/);
  await page.waitForFunction((n) => document.querySelectorAll('table.runs-table tbody tr').length === Math.min(n, 10), failed);
  for (const text of await rows.allInnerTexts()) assert.match(text, /failed/);
  await page.getByLabel('Version').fill('2');
  await page.getByLabel('Version').press('Enter');
  await page.waitForURL(/version=2/);
  await page.getByText('No run matches these filters.').waitFor();
  await page.goBack();
  await page.waitForURL((u) => !u.search.includes('version=2') && u.search.includes('status=failed'));
  assert.equal(await settledValue(page.getByLabel('Version'), ''), '');
  assert.equal(await settledValue(page.getByLabel('Status'), 'failed'), 'failed');
  await table.waitFor();
  await page.goForward();
  await page.getByText('No run matches these filters.').waitFor();
  // A deep link opens with its filters applied, in a fresh tab.
  const { page: tab, problems: tabProblems } = await open(t);
  await tab.goto(`${portal.base}/connectors/${id}/runs?status=failed&site=${site}&version=1`);
  assert.equal(await tab.getByLabel('Status').inputValue(), 'failed');
  assert.equal(await tab.getByLabel('Site').inputValue(), site);
  await tab.locator('table.runs-table tbody tr').first().waitFor();
  assert.equal(await tab.locator('table.runs-table tbody tr').count(), Math.min(failed, 25));
  // The time window, in the user's time zone (Europe/Berlin) and kept in the URL in UTC:
  // runs created before 2020 — none.
  await tab.getByLabel('To').fill('2020-01-01T00:00');
  await tab.waitForURL(/to=2019-12-31T23%3A00%3A00/);
  assert.equal(await tab.getByLabel('To').inputValue(), '2020-01-01T00:00');
  await tab.getByText('No run matches these filters.').waitFor();
  await tab.getByRole('button', { name: 'Clear filters' }).click();
  await tab.locator('table.runs-table tbody tr').first().waitFor();
  assert.equal(new URL(tab.url()).search, '');

  // The global runs page lists them too, with the connector column.
  await tab.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Runs' }).click();
  await tab.getByRole('heading', { level: 1, name: 'Runs', exact: true }).waitFor();
  assert.ok((await tab.locator('table.runs-table thead').innerText()).includes('Connector'));
  assert.equal(await tab.locator('table.runs-table tbody tr').count(), 11);

  // The durations chart: one mark per run that has a duration, and a table alternative.
  const timed = all.filter((r) => r.duration_ms !== null && r.duration_ms !== undefined);
  const chart = tab.getByRole('img', { name: /^Durations of \d+ runs/ });
  if (timed.length === 0) {
    assert.equal(await chart.count(), 0, 'no chart without durations');
  } else {
    await chart.waitFor();
    assert.equal(await chart.locator('.pt').count(), timed.length);
    assert.equal(await chart.locator('.pt.ok').count(), timed.filter((r) => r.status === 'succeeded').length);
    await tab.getByRole('button', { name: 'Show as table' }).click();
    assert.equal(await tab.locator('table.chart-table tbody tr').count(), timed.length);
  }
  // Process id filter (a process id exists once a run really started).
  const withPid = all.find((r) => r.process_id);
  if (withPid) {
    await tab.goto(`${portal.base}/runs?process=${withPid.process_id}`);
    await tab.locator('table.runs-table tbody tr').first().waitFor();
    assert.equal(await tab.locator('table.runs-table tbody tr').count(), 1);
    assert.equal(await tab.locator('table.runs-table tbody tr').getAttribute('data-run'), withPid.id);
  }
  assert.deepEqual(problems, []);
  assert.deepEqual(tabProblems, []);
});

test("a run's logs: level threshold, search with the whole log's match count, time window, load more, downloads; stdout / stderr; output rows", async (t) => {
  assert.ok(uiRun, 'the Test run test ran first');
  const { page, problems } = await open(t);
  const all = await portal.api('GET', `/runs/${uiRun.id}/logs?limit=200`);
  const total = all.total_matches;
  assert.ok(total > 250);
  await page.goto(`${portal.base}/runs/${uiRun.id}`);
  const status = page.locator('section[aria-label=Logs] [role=status]');
  await status.filter({ hasText: `${total} matching entries in the whole log · 200 shown` }).waitFor();
  const rows = page.locator('table.log-table tbody tr');
  assert.equal(await rows.count(), 200);
  await page.getByRole('button', { name: 'Load more' }).click();
  await page.waitForFunction((n) => document.querySelectorAll('table.log-table tbody tr').length === n, total);
  assert.equal(await page.getByRole('button', { name: 'Load more' }).count(), 0);
  // Error and worse: level in words, whole-row tint; stderr counts as error.
  await page.getByLabel('Level').selectOption('3');
  await page.waitForURL(/level=3/);
  const errors = await portal.api('GET', `/runs/${uiRun.id}/logs?min_level=3`);
  await status.filter({ hasText: `${errors.total_matches} matching` }).waitFor();
  const errRows = await rows.allInnerTexts();
  assert.ok(errRows.some((r) => r.includes('product 7 failed') && r.includes('{"sku":"7"}')));
  assert.ok(errRows.some((r) => r.includes('stderr line')));
  for (const r of errRows) assert.match(r, /emergency|alert|critical|error/i);
  assert.equal(await rows.filter({ hasText: 'product 7 failed' }).getAttribute('class'), 'lvl-err');
  // Downloads of the whole (filtered) log: NDJSON and text.
  const [nd] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download NDJSON' }).click()]);
  const ndText = readFileSync(await nd.path(), 'utf8');
  assert.equal(nd.suggestedFilename(), `run-${uiRun.id}.ndjson`);
  assert.equal(ndText.trim().split('\n').length, errors.total_matches);
  ndText.trim().split('\n').forEach((l) => JSON.parse(l));
  const [tx] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download text' }).click()]);
  const txText = readFileSync(await tx.path(), 'utf8');
  assert.ok(txText.includes('[error] product 7 failed'), txText);
  assert.ok(!ndText.includes(PASSWORD) && !txText.includes(PASSWORD));
  // Search across the whole log, counted by the server.
  await page.getByLabel('Level').selectOption('');
  await page.getByLabel('Search text').fill('PRODUCT');
  await page.getByLabel('Search text').press('Enter');
  await page.waitForURL(/q=PRODUCT/);
  await status.filter({ hasText: '2 matching entries in the whole log · 2 shown' }).waitFor();
  assert.deepEqual((await rows.locator('.msg').allInnerTexts()), ['fetched 3 products', 'product 7 failed']);
  assert.deepEqual(await rows.locator('.msg mark').allInnerTexts(), ['product', 'product'], 'the match is marked in each line');
  // Back restores the previous filter.
  await page.goBack();
  await page.waitForURL((u) => !u.search.includes('q='));
  assert.equal(await settledValue(page.getByLabel('Search text'), ''), '');
  // A time window in the future: nothing.
  await page.getByLabel('From').fill('2099-01-01T00:00');
  await page.getByText('No log entry matches these filters.').waitFor();
  assert.ok(!(await page.content()).includes('logging my password ' + PASSWORD));

  // stdout / stderr: stream tags, stderr styled, secrets masked; keyboard reaches the tab.
  await page.getByRole('link', { name: 'stdout / stderr' }).focus();
  await page.keyboard.press('Enter');
  await page.waitForURL(/tab=stdio/);
  const out = page.getByRole('log', { name: 'stdout and stderr' });
  await out.getByText('stdout line one').waitFor();
  await out.getByText('the password is ****').waitFor();
  await out.getByText('vault says ****').waitFor();
  const errLine = out.locator('.stdio-line.stderr', { hasText: 'stderr line' });
  assert.equal(await errLine.locator('.tag').innerText(), 'stderr');
  assert.notEqual(await errLine.evaluate((el) => getComputedStyle(el).backgroundColor), await out.locator('.stdio-line.stdout').first().evaluate((el) => getComputedStyle(el).backgroundColor));
  await page.getByLabel('Stream').selectOption('stderr');
  await page.waitForURL(/stream=stderr/);
  await page.waitForFunction(() => [...document.querySelectorAll('.stdio-line')].every((l) => l.classList.contains('stderr')) && document.querySelectorAll('.stdio-line').length > 0);

  // Output rows, flattened into columns.
  await page.getByRole('link', { name: 'Output rows' }).click();
  const table = page.locator('table.output-table');
  await table.waitFor();
  const api = (await portal.api('GET', `/runs/${uiRun.id}/output`)).items.map((r) => r.row);
  assert.deepEqual(api, [{ sku: '1', 'price-amount': 10, 'price-currency': 'EUR' }, { sku: '2', 'price-amount': 20, 'price-currency': 'EUR' }]);
  const cols = Object.keys(api[0]);
  assert.deepEqual((await table.locator('thead th').allInnerTexts()).sort(), ['#', 'price-amount', 'price-currency', 'sku']);
  assert.deepEqual(await table.locator('thead th').allInnerTexts(), ['#', ...cols]);
  assert.deepEqual(await table.locator('tbody tr').allInnerTexts(), api.map((r, i) => [i + 1, ...cols.map((c) => r[c])].join('\t')));
  await noSecretsIn(page);
  assert.deepEqual(problems, []);
});

test('live: a running run updates the table and its page, its log follows, and Cancel stops it', async (t) => {
  assert.ok(uiRun, 'the Test run test ran first');
  const { page, problems } = await open(t);
  await page.goto(`${portal.base}/connectors/${id}/runs`);
  await page.locator('table.runs-table').waitFor();
  const run = await startRun({ 'sleep-secs': '60' });
  // A run started elsewhere shows up once the user refreshes; from then on the table is live.
  await page.reload();
  const row = page.locator(`tr[data-run="${run.id}"]`);
  await row.filter({ hasText: 'running' }).waitFor({ timeout: 60_000 });
  await page.goto(`${portal.base}/runs/${run.id}`);
  // The log follows while the run is running.
  await page.locator('table.log-table').getByText('product 7 failed').waitFor({ timeout: 60_000 });
  await page.getByRole('button', { name: 'Cancel run' }).click();
  await page.getByText('Cancel requested').waitFor();
  await page.getByRole('status').filter({ hasText: 'cancelled' }).first().waitFor({ timeout: 60_000 });
  assert.equal(await page.getByRole('button', { name: 'Cancel run' }).count(), 0);
  assert.equal((await portal.api('GET', `/runs/${run.id}`)).status, 'cancelled');
  await page.goBack();
  await row.filter({ hasText: 'cancelled' }).waitFor({ timeout: 30_000 });
  assert.deepEqual(problems, []);
});
