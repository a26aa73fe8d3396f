// Regenerates docs/screenshots/*.png of the main screens: a fresh local host (real build and
// release of a small connector), headless Chromium at 1280×800 (and the list at 375 px).
// Run through scripts/screenshots.sh (needs target/debug/devportal and a built site).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startPortal, launch, newPage, signIn, ROOT } from '../test/harness.mjs';
import { connectorRepo } from '../test/fixtures.mjs';

const out = join(ROOT, 'docs/screenshots');
mkdirSync(out, { recursive: true });
const portal = await startPortal();
const browser = await launch();
const repo = connectorRepo("RUN printf '\\033[32mcompiling\\033[0m connector\\n'; echo build-step-one; echo build-step-two\n");
try {
  const api = portal.api;
  const samples = [
    ['Shopify orders', 'datasource', 'Imports orders and refunds from Shopify every night'],
    ['Magento catalog export', 'export', 'Exports the product catalog to Magento 2'],
    ['Weather enrichment', 'transform', 'Adds the local weather to every order'],
    ['Google Sheets writer', 'write', 'Writes reports into a Google Sheet'],
    ['Invoice PDF download', 'download', 'Downloads invoices as PDF'],
  ];
  for (const [name, type, description] of samples) await api('POST', '/connectors', { name, type, description });
  const c = await api('POST', '/connectors', { name: 'Orders feed', type: 'upload', description: 'Uploads order files to the warehouse' });
  await api('PUT', `/connectors/${c.id}/versions/1/steps/vcs`, { authorization: 'public', url: repo.url });
  await api('PUT', `/connectors/${c.id}/versions/1/steps/application`, { command: 'sh', arguments: '/app/main.sh', health_check: '--health-check' });
  await api('PUT', `/connectors/${c.id}/versions/1/steps/individual`, {
    fields: [
      { key: 'shop_url', type: 'url', label: 'Shop URL', required: true, placeholder: 'https://shop.example.com', description: 'Where your shop lives' },
      { key: 'api_key', type: 'password', label: 'API key', required: true },
      { key: 'region', type: 'select', label: 'Region', options: ['eu', 'us'], default: 'eu' },
      { key: 'dry_run', type: 'checkbox', label: 'Dry run', default: '0' },
    ],
  });
  const wait = async (job) => {
    for (;;) {
      const j = await api('GET', `/jobs/${job.id}`);
      if (['done', 'failed', 'cancelled'].includes(j.status)) return j;
      await new Promise((r) => setTimeout(r, 300));
    }
  };
  for (const stage of ['build', 'sync-runtime', 'sync-dev']) await wait(await api('POST', `/connectors/${c.id}/versions/1/${stage}`, {}));
  await wait(await api('POST', `/connectors/${c.id}/versions/1/sync-prod`, { targets: { accounts: ['acme'] } }));
  await wait(await api('POST', `/connectors/${c.id}/versions/1/release`, {}));

  const { page } = await newPage(browser, { viewport: { width: 1280, height: 800 } });
  const shot = async (name, full = false) => {
    await page.waitForTimeout(400);
    await page.screenshot({ path: join(out, `${name}.png`), fullPage: full });
    console.log(`docs/screenshots/${name}.png`);
  };
  await page.goto(`${portal.base}/signin`);
  await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
  await shot('sign-in');
  await signIn(page, portal.base);
  await shot('connectors');
  await page.getByRole('button', { name: 'Add connector' }).click();
  await page.getByRole('dialog').getByLabel('Name').fill('Returns feed');
  await shot('add-connector');
  await page.keyboard.press('Escape');
  await page.goto(`${portal.base}/connectors/${c.id}/versions/1/setup/vcs`);
  await page.getByRole('heading', { level: 1, name: 'Version control' }).waitFor();
  await shot('wizard-version-control');
  await page.goto(`${portal.base}/connectors/${c.id}/versions/1/setup/individual`);
  await page.getByRole('heading', { level: 1, name: 'Individual configuration' }).waitFor();
  await shot('wizard-individual-configuration', true);
  await page.goto(`${portal.base}/connectors/${c.id}/versions/1/setup/execution`);
  await page.getByLabel('Command line').waitFor();
  await shot('wizard-execution');
  await page.goto(`${portal.base}/connectors/${c.id}/versions/1/release`);
  await page.getByRole('heading', { name: 'Production releases' }).waitFor();
  await page.getByRole('button', { name: 'Show log' }).first().click();
  await page.getByRole('log').waitFor();
  await shot('release', true);
  await page.goto(`${portal.base}/tokens`);
  await page.getByRole('heading', { level: 1, name: 'Tokens' }).waitFor();
  await shot('tokens');
  await page.setViewportSize({ width: 375, height: 800 });
  await page.goto(`${portal.base}/connectors`);
  await page.getByRole('link', { name: 'Orders feed' }).waitFor();
  await shot('connectors-375');
} finally {
  await browser.close();
  await portal.stop();
  repo.cleanup();
}
