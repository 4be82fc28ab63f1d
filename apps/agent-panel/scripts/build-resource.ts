/**
 * `npm run build:panel`: builds the agent panel (Vite) and writes the `sendbird_bar` static
 * resource into the SFDX project: `staticresources/sendbird_bar.resource` (the zip, ignored by
 * git) and `sendbird_bar.resource-meta.xml`. Prints the size; fails over Salesforce's 5 MB limit
 * and warns over our 2 MB budget.
 *
 *   npm run build:panel                 build, then zip
 *   npm run build:panel -- --no-build   zip the existing dist/
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { build } from 'vite';
import { SALESFORCE_MAX_BYTES, STATIC_RESOURCE_META, STATIC_RESOURCE_NAME, TARGET_MAX_BYTES, zipDirectory } from './static-resource.js';

const appDir = resolve(import.meta.dirname, '..');
const repoRoot = resolve(appDir, '../..');
const resourcesDir = join(repoRoot, 'salesforce/force-app/main/default/staticresources');

const kb = (n: number): string => `${(n / 1024).toFixed(1)} KiB`;

async function main(): Promise<void> {
  if (!process.argv.includes('--no-build')) {
    await build({ root: appDir, configFile: join(appDir, 'vite.config.ts'), logLevel: 'warn' });
  }
  const { bytes, entries } = zipDirectory(join(appDir, 'dist'));
  mkdirSync(resourcesDir, { recursive: true });
  const zipPath = join(resourcesDir, `${STATIC_RESOURCE_NAME}.resource`);
  writeFileSync(zipPath, bytes);
  writeFileSync(join(resourcesDir, `${STATIC_RESOURCE_NAME}.resource-meta.xml`), STATIC_RESOURCE_META);
  console.log(
    `${relative(repoRoot, zipPath)}: ${bytes.length} bytes (${kb(bytes.length)}), ${entries.length} files, budget ${kb(TARGET_MAX_BYTES)}`,
  );
  if (bytes.length > SALESFORCE_MAX_BYTES) {
    console.error(`[build:panel] the zip is over Salesforce's 5 MB static resource limit: it cannot be deployed`);
    process.exit(1);
  }
  if (bytes.length > TARGET_MAX_BYTES) console.warn(`[build:panel] warning: the zip is over the 2 MB budget (docs/performance.md)`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
