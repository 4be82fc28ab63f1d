/**
 * The `sendbird_bar` static resource: a zip of the panel's `dist/` with `index.html` at its root
 * (the Aura component loads `$Resource.sendbird_bar + '/index.html'`), and its metadata with
 * Cache Control Public, as the tutorial sets it up.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { zipSync, type Zippable } from 'fflate';

export const STATIC_RESOURCE_NAME = 'sendbird_bar';
/** Salesforce refuses static resources over 5 MB. */
export const SALESFORCE_MAX_BYTES = 5 * 1024 * 1024;
/** Our own budget, well under Salesforce's limit (docs/performance.md). */
export const TARGET_MAX_BYTES = 2 * 1024 * 1024;
/** A fixed date for every entry, so the same build gives the same bytes. */
const ZIP_MTIME = new Date('2025-01-01T00:00:00Z');

export const STATIC_RESOURCE_META = `<?xml version="1.0" encoding="UTF-8"?>
<StaticResource xmlns="http://soap.sforce.com/2006/04/metadata">
    <cacheControl>Public</cacheControl>
    <contentType>application/zip</contentType>
    <description>The Sendbird agent panel (apps/agent-panel), loaded by the sendbird_utilities_bar Lightning Container. Built by npm run build:panel; the zip is not in source control.</description>
</StaticResource>
`;

function listFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) listFiles(path, out);
    else out.push(path);
  }
  return out;
}

/** Zips a directory with paths relative to it (forward slashes), deterministically. */
export function zipDirectory(dir: string): { bytes: Uint8Array; entries: string[] } {
  if (!existsSync(join(dir, 'index.html'))) {
    throw new Error(`[build:panel] ${dir} has no index.html at its root; build the panel first`);
  }
  const files: Zippable = {};
  const entries: string[] = [];
  for (const file of listFiles(dir)) {
    const name = relative(dir, file).split(sep).join('/');
    entries.push(name);
    files[name] = [readFileSync(file), { mtime: ZIP_MTIME }];
  }
  return { bytes: zipSync(files, { level: 9 }), entries };
}
