// The release view: buttons enabled only when the API would accept them (with the reason), a
// failed step's reason, log and Retry, Cancel on a running step, access grants, and the
// releases list with Rollback (names the release, asks for a reason).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPortal, launch, newPage, signIn } from './harness.mjs';
import { connectorRepo } from './fixtures.mjs';

let portal, browser;
const repos = [];
before(async () => { portal = await startPortal(); browser = await launch(); });
after(async () => { await browser?.close(); await portal?.stop(); repos.forEach((r) => r.cleanup()); });

async function open(t) {
  const s = await newPage(browser);
  t.after(() => s.context.close());
  s.page.setDefaultTimeout(30_000);
  await signIn(s.page, portal.base);
  return s;
}

async function ready(name, buildSteps, files) {
  const repo = connectorRepo(buildSteps, files);
  repos.push(repo);
  const c = await portal.api('POST', '/connectors', { name, type: 'upload' });
  await portal.api('PUT', `/connectors/${c.id}/versions/1/steps/vcs`, { authorization: 'public', url: repo.url });
  await portal.api('PUT', `/connectors/${c.id}/versions/1/steps/application`, { command: 'sh', arguments: '/app/main.sh', health_check: '--health-check' });
  return c.id;
}

async function runStage(id, stage, body = {}) {
  const job = await portal.api('POST', `/connectors/${id}/versions/1/${stage}`, body);
  for (let i = 0; i < 600; i++) {
    const j = await portal.api('GET', `/jobs/${job.id}`);
    if (['done', 'failed', 'cancelled'].includes(j.status)) return j;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${stage} did not finish`);
}

test('a failed build shows its reason and log, and Retry runs it again', async (t) => {
  const id = await ready('Unhealthy', '', { 'main.sh': '#!/bin/sh\ncase "$1" in\n  --health-check) echo unhealthy >&2; exit 3 ;;\nesac\n' });
  const { page, problems } = await open(t);
  await page.goto(`${portal.base}/connectors/${id}/versions/1/release`);
  await page.getByRole('button', { name: 'Build', exact: true }).click();
  const failure = page.getByRole('alert').filter({ hasText: 'Failed:' });
  await failure.waitFor({ timeout: 120_000 });
  assert.match(await failure.innerText(), /health check/i);
  assert.match(await failure.innerText(), /3/);
  // The failed step's log is open, at its end (the failure).
  const log = page.getByRole('log');
  await log.filter({ hasText: 'unhealthy' }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Sync with runtime' }).isDisabled(), true);
  const jobsBefore = (await portal.api('GET', `/connectors/${id}/versions/1/jobs`)).items.length;
  await page.getByRole('button', { name: 'Retry' }).click();
  await page.getByText('Build retried.').waitFor();
  await failure.waitFor({ timeout: 120_000 });
  const jobs = (await portal.api('GET', `/connectors/${id}/versions/1/jobs`)).items;
  assert.equal(jobs.length, jobsBefore + 1);
  assert.ok(jobs.some((j) => j.retry_of), 'the new job retries the failed one');
  assert.deepEqual(problems, []);
});

test('Cancel stops a running build', async (t) => {
  const id = await ready('Slow', 'RUN echo started-slow; sleep 60\n');
  const { page, problems } = await open(t);
  await page.goto(`${portal.base}/connectors/${id}/versions/1/release`);
  await page.getByRole('button', { name: 'Build', exact: true }).click();
  await page.getByRole('log').filter({ hasText: 'started-slow' }).waitFor({ timeout: 120_000 });
  // While it runs, every other step says why it cannot start.
  assert.equal(await page.getByRole('button', { name: 'Build', exact: true }).isDisabled(), true);
  await page.getByText('A step is running').first().waitFor();
  await page.getByRole('button', { name: 'Cancel' }).click();
  await page.getByText('Build cancelled.').waitFor();
  await page.getByText('Last job cancelled').waitFor({ timeout: 60_000 });
  await page.waitForFunction(() => !document.body.innerText.includes('A step is running'), null, { timeout: 60_000 });
  assert.equal(await page.getByRole('button', { name: 'Build', exact: true }).isDisabled(), false);
  assert.deepEqual(problems, []);
});

test('access grants, and Rollback names the release it goes back to and asks why', async (t) => {
  const id = await ready('Rolling', '');
  for (const stage of ['build', 'sync-runtime', 'sync-dev']) assert.equal((await runStage(id, stage)).status, 'done');
  const first = await runStage(id, 'sync-prod', { targets: { accounts: ['acme'] } });
  assert.equal(first.status, 'done');
  const second = await runStage(id, 'sync-prod', { targets: { accounts: ['acme'] } });
  assert.equal(second.status, 'done');
  const { page, problems } = await open(t);
  await page.goto(`${portal.base}/connectors/${id}/versions/1/release`);
  await page.getByRole('heading', { name: 'Production releases' }).waitFor();
  // Grants: choose a site inside the targets.
  await page.getByRole('button', { name: 'Access grants…' }).click();
  const grants = page.getByRole('dialog', { name: 'Access grants' });
  await grants.getByRole('group', { name: 'Sites' }).getByRole('checkbox').first().check();
  await grants.getByRole('button', { name: 'Save grants' }).click();
  await page.waitForFunction(() => /Grants\s*sites \S+/.test(document.body.innerText), null, { timeout: 60_000 });

  const rows = page.locator('tbody tr', { has: page.getByRole('button', { name: 'Rollback' }) });
  assert.equal(await rows.count(), 1, 'every release but the current one can be rolled back to');
  await rows.getByRole('button', { name: 'Rollback' }).click();
  const releaseId = first.result.release_id;
  const dialog = page.getByRole('dialog', { name: `Roll back to release ${releaseId.slice(0, 8)}?` });
  await dialog.getByText(releaseId).waitFor();
  await dialog.getByText('Nothing is rebuilt').waitFor();
  await dialog.getByRole('button', { name: 'Rollback' }).click();
  await dialog.getByText('Say why you roll back').waitFor();
  await dialog.getByLabel('Reason').fill('the new release breaks imports');
  await dialog.getByRole('button', { name: 'Rollback' }).click();
  await page.getByText(`Rolling back to release ${releaseId.slice(0, 8)}`).waitFor();
  for (let i = 0; i < 100; i++) {
    const v = await portal.api('GET', `/connectors/${id}/versions/1`);
    if (v.deployment.production.release_id === releaseId) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  await page.locator('tr', { hasText: releaseId.slice(0, 8) }).getByText('Current').waitFor({ timeout: 30_000 });
  await page.getByText('the new release breaks imports').first().waitFor({ timeout: 30_000 });
  assert.deepEqual(problems, []);
});
