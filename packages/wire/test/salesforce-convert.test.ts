// scripts/salesforce/convert.mjs: Salesforce's own source-deploy-retrieve library converts every
// package directory of the SFDX project offline, as the CLI would before a deploy. The project
// converts with every file claimed by a component and every expected type present; a file the
// library refuses fails with the library's own error; a stray file is reported.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { tempDir } from '@sbsf/testkit';
import { EXPECTED_TYPES, PANEL_RESOURCE, convertProject } from '../../../scripts/salesforce/convert.mjs';

const repoRoot = resolve(import.meta.dirname, '../../..');

/** A copy of the project without the built static resource (as on a clean checkout). */
function copyProject(t: TestContext): string {
  const dir = join(tempDir(t, 'sbsf-sdr-test-'), 'salesforce');
  cpSync(join(repoRoot, 'salesforce'), dir, {
    recursive: true,
    filter: (src) => !src.split(sep).some((part) => part === '.sfdx' || part === '.sf') && !src.endsWith(`${sep}sendbird_bar.resource`),
  });
  return dir;
}

function files(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) files(p, out);
    else out.push(p);
  }
  return out;
}

describe('scripts/salesforce/convert.mjs', () => {
  test('converts every package directory, every file claimed, every expected type present', async (t) => {
    const dir = copyProject(t);
    const out = tempDir(t, 'sbsf-sdr-out-');
    const { packages, resourcePlaceholder } = await convertProject(dir, { outputDir: out });
    const sfdx = JSON.parse(readFileSync(join(dir, 'sfdx-project.json'), 'utf8')) as {
      packageDirectories: { path: string }[];
      sourceApiVersion: string;
    };
    assert.deepEqual(
      packages.map((p) => p.path),
      sfdx.packageDirectories.map((d) => d.path),
    );
    assert.equal(resourcePlaceholder, true, 'the static resource was not built, so a stand-in was used');
    assert.ok(!existsSync(join(dir, PANEL_RESOURCE)), 'the stand-in never lands in the project');
    for (const p of packages) {
      assert.deepEqual(p.unclaimed, [], `${p.path}: every file belongs to a component`);
      assert.deepEqual(p.missingTypes, [], `${p.path}: every expected type is there`);
      assert.ok(p.path in EXPECTED_TYPES, `${p.path} has a list of expected types`);
      assert.match(
        p.manifest,
        new RegExp(`<version>${sfdx.sourceApiVersion.replace('.', '\\.')}</version>`),
        `${p.path}: the manifest has the project's API version`,
      );
      assert.ok(
        files(join(out, p.path)).some((f) => f.endsWith('package.xml')),
        `${p.path}: package.xml written`,
      );
    }
    const core = packages.find((p) => p.path === 'force-app');
    assert.ok(core, 'force-app converted');
    for (const [type, fullName] of [
      ['FlexiPage', 'Sendbird_Service_Console_UtilityBar'],
      ['CustomApplication', 'Sendbird_Service_Console'],
      ['CustomObject', 'Sendbird_Message__c'],
      ['PermissionSet', 'Sendbird_Bridge_Integration'],
    ]) {
      assert.ok(
        core.components.some((c) => c.type === type && c.fullName === fullName),
        `${type} ${fullName} resolved`,
      );
    }
    // The metadata-format output: an object with its fields folded in.
    const object = readFileSync(join(out, 'force-app/objects/Sendbird_Message__c.object'), 'utf8');
    assert.match(object, /<fullName>Case__c<\/fullName>[\s\S]*<type>MasterDetail<\/type>/);
  });

  test("fails with the library's own error on a component it cannot resolve", async (t) => {
    const dir = copyProject(t);
    const classes = join(dir, 'force-app/main/default/classes');
    writeFileSync(join(classes, 'Orphan.cls-meta.xml'), readFileSync(join(classes, 'TriggerHandler.cls-meta.xml')));
    await assert.rejects(convertProject(dir), (error: Error) => {
      assert.equal(error.name, 'ExpectedSourceFilesError');
      assert.match(error.message, /Orphan\.cls-meta\.xml: Expected source files for type 'ApexClass'/);
      return true;
    });
  });

  test('reports files no component claims', async (t) => {
    const dir = copyProject(t);
    writeFileSync(join(dir, 'force-app/main/default/classes/notes.txt'), 'a stray file\n');
    writeFileSync(join(dir, 'force-app/main/default/stray.txt'), 'another\n');
    const { packages } = await convertProject(dir);
    assert.deepEqual(packages.find((p) => p.path === 'force-app')?.unclaimed, [
      'force-app/main/default/classes/notes.txt',
      'force-app/main/default/stray.txt',
    ]);
  });

  test('is step 6 of scripts/check-salesforce.mjs, whose findings name the file', (t) => {
    const dir = copyProject(t);
    writeFileSync(join(dir, 'force-app/main/default/classes/notes.txt'), 'a stray file\n');
    // Without Java on the PATH the apex-ls/PMD step is skipped (CI unset), which keeps this quick.
    const env: Record<string, string> = { PATH: dirname(process.execPath), HOME: process.env.HOME ?? dir };
    const res = spawnSync(process.execPath, [join(repoRoot, 'scripts/check-salesforce.mjs'), '--project', dir], {
      cwd: repoRoot,
      encoding: 'utf8',
      env,
    });
    assert.equal(res.status, 1, res.stdout + res.stderr);
    assert.match(res.stdout, /== 6\/6 @salesforce\/source-deploy-retrieve@12\.\d+\.\d+/);
    assert.match(res.stderr, /\[sdr\] force-app\/main\/default\/classes\/notes\.txt unclaimed: no metadata component claims this file/);
  });
});
