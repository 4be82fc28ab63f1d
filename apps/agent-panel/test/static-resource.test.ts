/** The sendbird_bar zip: index.html at the root, relative paths, same bytes for the same input. */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '@sbsf/testkit';
import { XMLParser } from 'fast-xml-parser';
import { unzipSync } from 'fflate';
import { STATIC_RESOURCE_META, zipDirectory } from '../scripts/static-resource.js';

test('the zip has index.html at its root and the assets under their relative paths', (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<script type="module" src="./assets/a.js"></script>');
  writeFileSync(join(dir, 'assets/a.js'), 'console.log(1)');
  const { bytes, entries } = zipDirectory(dir);
  assert.deepEqual(entries, ['assets/a.js', 'index.html']);
  const unzipped = unzipSync(bytes);
  assert.deepEqual(Object.keys(unzipped).sort(), ['assets/a.js', 'index.html']);
  assert.equal(new TextDecoder().decode(unzipped['assets/a.js']), 'console.log(1)');
  assert.deepEqual(zipDirectory(dir).bytes, bytes, 'deterministic');
});

test('a directory without index.html is refused', (t) => {
  assert.throws(() => zipDirectory(tempDir(t)), /no index.html at its root/);
});

test('the metadata says Public cache control and a zip', () => {
  const meta = new XMLParser().parse(STATIC_RESOURCE_META).StaticResource;
  assert.equal(meta.cacheControl, 'Public');
  assert.equal(meta.contentType, 'application/zip');
});
