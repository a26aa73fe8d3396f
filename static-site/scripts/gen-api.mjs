// Generates src/api/schema.d.ts from the API's OpenAPI document (`devportal openapi`).
// `--check` fails when the committed file differs from what the document gives (stale types).
// The binary is target/debug/devportal unless DEVPORTAL_BIN names another.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const bin = process.env.DEVPORTAL_BIN ?? resolve(root, 'target/debug/devportal');
const out = resolve(here, '../src/api/schema.d.ts');

const doc = JSON.parse(execFileSync(bin, ['openapi'], { encoding: 'utf8', maxBuffer: 64 << 20 }));
const header = '// Generated from `devportal openapi` by scripts/gen-api.mjs (npm run gen:api). Do not edit.\n';
const text = header + astToString(await openapiTS(doc, { alphabetize: true }));

if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(out, 'utf8');
  } catch {
    // missing counts as stale
  }
  if (current !== text) {
    console.error(`${out} is stale versus \`devportal openapi\`: run \`npm --prefix static-site run gen:api\` and commit it`);
    process.exit(1);
  }
  console.log('API types are up to date');
} else {
  writeFileSync(out, text);
  console.log(`wrote ${out}`);
}
