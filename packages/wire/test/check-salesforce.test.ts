// scripts/check-salesforce.mjs against copies of the SFDX project: the untouched copy passes, and
// each planted mistake (a syntax error, a reference to a missing field, a PMD violation, a
// misspelled AgentWork field, a trigger that no test fires by DML) fails the script with a
// message that names the file and the problem. The copies run in parallel because
// each run starts Java twice.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { requireComponent, tempDir } from '@sbsf/testkit';

const repoRoot = resolve(import.meta.dirname, '../../..');
const script = join(repoRoot, 'scripts/check-salesforce.mjs');
const classes = 'force-app/main/default/classes';
const triggers = 'force-app/main/default/triggers';
const omniClasses = 'omni-channel/main/default/classes';
/** A trigger on Account, its handler with a constructor seam, and two versions of its test. */
const triggerFixtures = join(import.meta.dirname, 'fixtures/trigger-coverage');

function copyProject(t: TestContext): string {
  const dir = join(tempDir(t, 'sbsf-sfcheck-'), 'salesforce');
  cpSync(join(repoRoot, 'salesforce'), dir, {
    recursive: true,
    // Local CLI state is not part of the project.
    filter: (src) => !src.split(sep).some((part) => part === '.sfdx' || part === '.sf'),
  });
  return dir;
}

/** Adds the trigger-coverage fixture to a copy, with the given version of its test class. */
function addTriggerFixture(dir: string, testVersion: 'seam' | 'dml'): void {
  copyFileSync(join(triggerFixtures, 'AccountRenamed.trigger'), join(dir, triggers, 'AccountRenamed.trigger'));
  copyFileSync(join(dir, triggers, 'AssignAgent.trigger-meta.xml'), join(dir, triggers, 'AccountRenamed.trigger-meta.xml'));
  copyFileSync(join(triggerFixtures, 'AccountRenamedHandler.cls'), join(dir, classes, 'AccountRenamedHandler.cls'));
  copyFileSync(
    join(triggerFixtures, `AccountRenamedHandler_Tests.${testVersion}.cls`),
    join(dir, classes, 'AccountRenamedHandler_Tests.cls'),
  );
  for (const name of ['AccountRenamedHandler', 'AccountRenamedHandler_Tests']) {
    copyFileSync(join(dir, classes, 'TriggerHandler.cls-meta.xml'), join(dir, classes, `${name}.cls-meta.xml`));
  }
}

/** Replaces one exact piece of an Apex class in the copy (and fails loudly if it is not there). */
function plant(dir: string, file: string, from: string, to: string, classDir = classes): void {
  const path = join(dir, classDir, file);
  const source = readFileSync(path, 'utf8');
  assert.ok(source.includes(from), `fixture: ${file} contains ${JSON.stringify(from)}`);
  writeFileSync(path, source.replace(from, to));
}

function runCheck(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [script, ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, output }));
  });
}

describe('scripts/check-salesforce.mjs', { concurrency: true }, () => {
  test('passes on the project as it is', async (t) => {
    const dir = copyProject(t);
    const { code, output } = await runCheck(['--project', dir]);
    assert.equal(code, 0, output);
    assert.match(output, /salesforce checks passed/);
    for (const step of ['prettier', 'apex-parser', 'apex-ls', 'metadata', 'eslint']) assert.match(output, new RegExp(step));
  });

  test('fails on a syntax error, naming the file and position', async (t) => {
    const dir = copyProject(t);
    plant(dir, 'SendbirdEvents.cls', "return String.join(parts, '|');", "return String.join(parts, '|')");
    const { code, output } = await runCheck(['--project', dir]);
    assert.equal(code, 1, output);
    assert.match(
      output,
      /\[apex-parser\] force-app\/main\/default\/classes\/SendbirdEvents\.cls:\d+ syntax: syntax error at \d+:\d+: missing ';'/,
    );
    assert.match(output, /\[prettier\] force-app\/main\/default\/classes\/SendbirdEvents\.cls/);
  });

  test('fails on a reference to a field that is not in the project', async (t) => {
    const dir = copyProject(t);
    plant(dir, 'SendbirdErrorLog.cls', 'Job_Id__c = jobId', 'Job_Ref__c = jobId');
    const { code, output } = await runCheck(['--project', dir]);
    assert.equal(code, 1, output);
    assert.match(
      output,
      /\[metadata\] force-app\/main\/default\/classes\/SendbirdErrorLog\.cls:\d+ reference: Job_Ref__c is neither an object nor a field of any object in objects\//,
    );
  });

  test('fails on a PMD violation, naming the rule', async (t) => {
    if (!requireComponent(t, 'java', 'install a Java 17 JDK (apt-get install openjdk-17-jdk-headless) to run PMD')) return;
    const dir = copyProject(t);
    plant(
      dir,
      'SendbirdConfig.cls',
      '    return current().Case_Owner_Sync_Enabled__c == true;',
      "    System.debug('owner sync');\n    return current().Case_Owner_Sync_Enabled__c == true;",
    );
    const { code, output } = await runCheck(['--project', dir]);
    assert.equal(code, 1, output);
    assert.match(output, /\[pmd\] force-app\/main\/default\/classes\/SendbirdConfig\.cls:\d+ AvoidDebugStatements: /);
    assert.doesNotMatch(output, /\[(prettier|apex-parser|metadata)\]/, 'only PMD objects to this change');
  });

  test('fails on an Aura lint finding in the utility bar bundle', async (t) => {
    const dir = copyProject(t);
    const helper = join(dir, 'force-app/main/default/aura/sendbird_utilities_bar/sendbird_utilities_barHelper.js');
    const source = readFileSync(helper, 'utf8');
    assert.ok(source.includes('var count = parseInt'), 'fixture');
    writeFileSync(helper, source.replace('var count = parseInt', 'var unused = 1;\n    var count = parseInt'));
    const { code, output } = await runCheck(['--project', dir]);
    assert.equal(code, 1, output);
    assert.match(output, /\[eslint\] .*sendbird_utilities_barHelper\.js:\d+ no-unused-vars: 'unused' is assigned a value but never used/);
  });

  test("fails when the container's static resource is not a zip, or has no metadata", async (t) => {
    const dir = copyProject(t);
    const meta = join(dir, 'force-app/main/default/staticresources/sendbird_bar.resource-meta.xml');
    writeFileSync(meta, readFileSync(meta, 'utf8').replace('application/zip', 'text/plain'));
    const notZip = await runCheck(['--project', dir]);
    assert.equal(notZip.code, 1, notZip.output);
    assert.match(notZip.output, /sendbird_utilities_bar\.cmp:\d+ reference: \$Resource\.sendbird_bar \+ '\.\.\.' needs a zip/);
    rmSync(meta);
    const missing = await runCheck(['--project', dir]);
    assert.equal(missing.code, 1, missing.output);
    assert.match(missing.output, /\$Resource\.sendbird_bar: staticresources\/sendbird_bar\.resource-meta\.xml is missing/);
  });

  test('fails on a trigger that tests reach only through a constructor seam, naming it', async (t) => {
    const dir = copyProject(t);
    addTriggerFixture(dir, 'seam');
    const { code, output } = await runCheck(['--project', dir]);
    assert.equal(code, 1, output);
    assert.match(
      output,
      /\[trigger-coverage\] force-app\/main\/default\/triggers\/AccountRenamed\.trigger:1 not-fired: trigger AccountRenamed is not fired by any @IsTest class: add a test that does update DML on Account records/,
    );
    assert.doesNotMatch(
      output,
      /trigger (AssignAgent|SendbirdCaseEvents|AgentOmniChannel) is not fired/,
      "the project's own triggers are fired",
    );
  });

  test('passes the same trigger once its test fires it with DML', async (t) => {
    const dir = copyProject(t);
    addTriggerFixture(dir, 'dml');
    const { code, output } = await runCheck(['--project', dir]);
    assert.equal(code, 0, output);
    assert.match(output, /4 trigger\(s\), each fired by DML in a test/);
  });

  test('fails on a misspelled AgentWork field: apex-ls type-checks the omni-channel package', async (t) => {
    if (!requireComponent(t, 'javac', 'install a Java 17 JDK (apt-get install openjdk-17-jdk-headless) to type-check AgentWork')) return;
    const dir = copyProject(t);
    plant(dir, 'AgentWorkTriggerHandler.cls', 'current.AcceptDateTime != null', 'current.AcceptDateTme != null', omniClasses);
    const { code, output } = await runCheck(['--project', dir]);
    assert.equal(code, 1, output);
    assert.match(
      output,
      /\[apex-ls\] omni-channel\/main\/default\/classes\/AgentWorkTriggerHandler\.cls:\d+ Missing: Unknown field 'AcceptDateTme' on SObject 'Schema\.AgentWork'/,
    );
    assert.doesNotMatch(output, /No type declaration found for '(List<)?AgentWork/, 'AgentWork itself is a known type');
  });

  test('refuses a --project that is not an SFDX project', async (t) => {
    const dir = tempDir(t, 'sbsf-sfcheck-');
    const { code, output } = await runCheck(['--project', dir]);
    assert.equal(code, 1);
    assert.match(output, /no sfdx-project\.json in/);
  });
});
