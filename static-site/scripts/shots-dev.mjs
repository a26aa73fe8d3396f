// Dev helper: screenshots of a URL list against a running portal (used while designing).
import { chromium } from 'playwright-core';
const [base, token, out, ...paths] = process.argv.slice(2);
const b = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
for (const w of [1280, 375]) {
  const p = await b.newPage({ viewport: { width: w, height: 900 } });
  p.on('console', (m) => m.type() === 'error' && console.log('console:', m.text()));
  p.on('pageerror', (e) => console.log('pageerror:', e.message));
  await p.goto(`${base}/signin`);
  await p.getByLabel('API token').fill(token);
  await p.getByRole('button', { name: 'Sign in' }).click();
  await p.waitForTimeout(500);
  for (const [i, path] of paths.entries()) {
    await p.goto(base + path);
    await p.waitForTimeout(800);
    const sw = await p.evaluate(() => document.documentElement.scrollWidth);
    if (sw > w) console.log(`sideways scroll at ${w}: ${path} (${sw})`);
    await p.screenshot({ path: `${out}/s${i}-${w}.png`, fullPage: true });
  }
}
await b.close();
