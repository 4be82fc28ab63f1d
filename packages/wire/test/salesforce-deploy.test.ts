// npm run salesforce:deploy (scripts/salesforce-deploy.ts) and its pure part
// (scripts/salesforce/deploy-plan.ts): settings are checked with messages that say what to fix,
// every placeholder is filled in a staging copy while the source tree stays as it is, and the sf
// commands are the documented ones. No test runs sf: there is no org to deploy to.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { tempDir } from '@sbsf/testkit';
import {
  DeployError,
  PLACEHOLDERS,
  PLACEHOLDER_MARKERS,
  checkBridgeOrigin,
  checkSendbirdAppId,
  deployCommands,
  nextSteps,
  parseArgs,
  parseEnvFile,
  readSettings,
  stageProject,
} from '../../../scripts/salesforce/deploy-plan.js';

const repoRoot = resolve(import.meta.dirname, '../../..');
const projectDir = join(repoRoot, 'salesforce');
const script = join(repoRoot, 'scripts/salesforce-deploy.ts');
const ENV = {
  PUBLIC_URL: 'https://sendbird-bridge.acme.com',
  SENDBIRD_APP_ID: '9DA1B1F4-0BE6-4DA8-82C5-2E81DAB56F23',
  SALESFORCE_INTEGRATION_USERNAME: 'sendbird-integration@acme.com',
};

/** A digest of every file under `dir` (path and content). */
function treeDigest(dir: string): string {
  const hash = createHash('sha256');
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else hash.update(relative(dir, p)).update('\0').update(readFileSync(p)).update('\0');
    }
  };
  walk(dir);
  return hash.digest('hex');
}

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof DeployError, `a DeployError, not ${String(error)}`);
    return error.problems;
  }
  assert.fail('expected a DeployError');
}

function firstProblem(fn: () => unknown): string {
  return problemsOf(fn)[0] ?? assert.fail('a DeployError with at least one problem');
}

describe('settings', () => {
  test('reads and normalises the three settings', () => {
    assert.deepEqual(readSettings(ENV), {
      bridgeOrigin: 'https://sendbird-bridge.acme.com',
      sendbirdAppId: '9da1b1f4-0be6-4da8-82c5-2e81dab56f23',
      integrationUsername: 'sendbird-integration@acme.com',
    });
    assert.equal(readSettings({ ...ENV, PUBLIC_URL: 'https://bridge.acme.com:8443' }).bridgeOrigin, 'https://bridge.acme.com:8443');
  });

  test("falls back to the bridge's SALESFORCE_USERNAME for the integration user", () => {
    const { SALESFORCE_INTEGRATION_USERNAME: _unused, ...rest } = ENV;
    assert.equal(readSettings({ ...rest, SALESFORCE_USERNAME: 'bridge@acme.com' }).integrationUsername, 'bridge@acme.com');
  });

  test('names every missing setting at once', () => {
    const problems = problemsOf(() => readSettings({}));
    assert.equal(problems.length, 3);
    assert.match(problems[0] ?? '', /^PUBLIC_URL is not set: the bridge's public HTTPS origin/);
    assert.match(problems[1] ?? '', /^SENDBIRD_APP_ID is not set: the Application ID from the Sendbird dashboard/);
    assert.match(problems[2] ?? '', /^SALESFORCE_INTEGRATION_USERNAME is not set: .*SALESFORCE_USERNAME is used when set/);
  });

  test('refuses a bridge URL that is not a bare https origin, saying why', () => {
    const cases: [string, RegExp][] = [
      ['http://bridge.acme.com', /must use https/],
      ['https://bridge.acme.com/', /without a path or trailing slash/],
      ['https://bridge.acme.com/api', /without a path or trailing slash/],
      ['https://bridge.acme.com?x=1', /must not have a query or fragment/],
      ['https://user:pw@bridge.acme.com', /must not carry a user name or password/],
      ['bridge.acme.com', /is not a URL/],
    ];
    for (const [value, message] of cases) {
      const [problem] = [firstProblem(() => checkBridgeOrigin(value))];
      assert.match(problem, message, value);
      assert.match(problem, /set PUBLIC_URL to the bridge's public HTTPS origin/, `${value}: the message says what to set`);
    }
  });

  test('refuses an app id that cannot be a host name label', () => {
    for (const value of ['app id', 'api.evil.com', '-abc', 'x'.repeat(60), 'app_id']) {
      assert.match(
        firstProblem(() => checkSendbirdAppId(value)),
        /SENDBIRD_APP_ID must be the Application ID from the Sendbird dashboard/,
        value,
      );
    }
    assert.equal(checkSendbirdAppId('  ABC-123 '), 'abc-123');
  });

  test('refuses a username that is not one', () => {
    const problem = firstProblem(() => readSettings({ ...ENV, SALESFORCE_INTEGRATION_USERNAME: 'integration user' }));
    assert.match(problem, /SALESFORCE_INTEGRATION_USERNAME must be the integration user's Salesforce username/);
  });

  test('reads a .env-style file', () => {
    assert.deepEqual(parseEnvFile('# bridge\nPUBLIC_URL="https://b.acme.com"\nexport SENDBIRD_APP_ID=abc # the app\n\nX=\'a b\'\n'), {
      PUBLIC_URL: 'https://b.acme.com',
      SENDBIRD_APP_ID: 'abc',
      X: 'a b',
    });
    assert.match(
      firstProblem(() => parseEnvFile('PUBLIC_URL https://b')),
      /line 1 of the env file is not KEY=value/,
    );
  });
});

describe('options and commands', () => {
  test('deploys force-app with RunLocalTests by default', () => {
    const options = parseArgs(['--target-org', 'acme']);
    assert.deepEqual(deployCommands(projectDir, options), [
      [
        'sf',
        'project',
        'deploy',
        'start',
        '--source-dir',
        'force-app',
        '--target-org',
        'acme',
        '--test-level',
        'RunLocalTests',
        '--wait',
        '60',
      ],
    ]);
  });

  test('--check-only validates; --with-omni-channel adds the omni-channel directory with its own tests', () => {
    const commands = deployCommands(projectDir, parseArgs(['--dry-run', '--with-omni-channel', '--target-org=acme']));
    assert.deepEqual(commands[0]?.slice(0, 6), ['sf', 'project', 'deploy', 'validate', '--source-dir', 'force-app']);
    assert.deepEqual(commands[1], [
      'sf',
      'project',
      'deploy',
      'validate',
      '--source-dir',
      'omni-channel',
      '--target-org',
      'acme',
      '--test-level',
      'RunSpecifiedTests',
      '--tests',
      'AgentWorkTriggerHandler_Tests',
      '--wait',
      '60',
    ]);
  });

  test('--test-level overrides; bad options are refused', () => {
    assert.ok(deployCommands(projectDir, parseArgs(['--test-level', 'RunAllTestsInOrg']))[0]?.includes('RunAllTestsInOrg'));
    assert.match(
      firstProblem(() => parseArgs(['--test-level', 'Everything'])),
      /--test-level must be one of NoTestRun, RunLocalTests, RunAllTestsInOrg/,
    );
    assert.match(
      firstProblem(() => parseArgs(['--check-only', '--test-level', 'NoTestRun'])),
      /does not take --test-level NoTestRun/,
    );
    assert.match(
      firstProblem(() => parseArgs(['--target-org'])),
      /--target-org needs a value/,
    );
    assert.match(
      firstProblem(() => parseArgs(['--force'])),
      /unknown option --force/,
    );
  });

  test('after a deploy it says what is left: the secret, the permission sets, the checklist', () => {
    const text = nextSteps(readSettings(ENV), parseArgs(['--target-org', 'acme']));
    assert.match(text, /^Deployed\. Next:/);
    assert.match(text, /add SharedSecret = the bridge's BRIDGE_SHARED_SECRET/);
    assert.match(
      text,
      /sf org assign permset --name Sendbird_Bridge_Integration --on-behalf-of sendbird-integration@acme\.com --target-org acme/,
    );
    assert.match(text, /sf org assign permset --name Sendbird_Agent --on-behalf-of <agent username> --target-org acme/);
    assert.match(text, /"Checks to make on a real org" in docs\/salesforce-setup\.md/);
    assert.match(nextSteps(readSettings(ENV), parseArgs(['--check-only'])), /^Validated \(nothing was saved\)/);
  });
});

describe('staging', () => {
  test('fills every placeholder in the copy and leaves the source tree as it is', (t) => {
    const before = treeDigest(projectDir);
    const staging = tempDir(t, 'sbsf-stage-');
    const settings = readSettings(ENV);
    const changed = stageProject(projectDir, staging, settings);
    assert.deepEqual(changed.sort(), PLACEHOLDERS.map((p) => p.file).sort());
    const text = (i: number) => readFileSync(join(staging, PLACEHOLDERS[i]?.file ?? assert.fail(`placeholder ${i}`)), 'utf8');
    assert.match(text(0), /<parameterValue>https:\/\/sendbird-bridge\.acme\.com<\/parameterValue>/);
    assert.match(text(1), /<endpointUrl>https:\/\/api-9da1b1f4-0be6-4da8-82c5-2e81dab56f23\.sendbird\.com<\/endpointUrl>/);
    assert.match(text(2), /<endpointUrl>wss:\/\/ws-9da1b1f4-0be6-4da8-82c5-2e81dab56f23\.sendbird\.com<\/endpointUrl>/);
    assert.match(text(3), /<user>sendbird-integration@acme\.com<\/user>/);
    for (const p of PLACEHOLDERS)
      assert.ok(readFileSync(join(projectDir, p.file), 'utf8').includes(p.text), `the source keeps its placeholder in ${p.file}`);
    assert.equal(treeDigest(projectDir), before, 'the source tree is unchanged');
    for (const marker of PLACEHOLDER_MARKERS) {
      const left = spawnSync('grep', ['-rl', marker, staging], { encoding: 'utf8' }).stdout.trim();
      assert.equal(left, '', `no ${marker} left in the staging copy`);
    }
  });

  test('fails when a placeholder is not where the plan expects it', (t) => {
    const copy = join(tempDir(t, 'sbsf-stage-src-'), 'salesforce');
    const staging = tempDir(t, 'sbsf-stage-');
    stageProject(projectDir, copy, readSettings(ENV)); // a project whose placeholders are already filled
    const problem = firstProblem(() => stageProject(copy, staging, readSettings(ENV)));
    assert.match(
      problem,
      /namedCredential-meta\.xml has no placeholder <parameterValue>https:\/\/sendbird-bridge\.example\.com<\/parameterValue>/,
    );
  });
});

describe('npm run salesforce:deploy', () => {
  const runScript = (args: string[], env: Record<string, string>) =>
    spawnSync(process.execPath, ['--import', 'tsx', script, ...args], {
      cwd: repoRoot,
      encoding: 'utf8',
      // No sf on this PATH: nothing here may reach an org.
      env: { PATH: dirname(process.execPath), HOME: process.env.HOME ?? tmpdir(), ...env },
    });

  test('--print-only stages the project and prints the exact sf commands', () => {
    const res = runScript(['--print-only', '--target-org', 'acme', '--with-omni-channel'], ENV);
    assert.equal(res.status, 0, res.stderr);
    const staging = /staging copy: (.+)/.exec(res.stdout)?.[1];
    assert.ok(staging, res.stdout);
    try {
      assert.match(readFileSync(join(staging, PLACEHOLDERS[0]?.file ?? ''), 'utf8'), /https:\/\/sendbird-bridge\.acme\.com/);
      assert.ok(res.stdout.includes(`cd ${staging}\n`), res.stdout);
      assert.ok(
        res.stdout.includes('sf project deploy start --source-dir force-app --target-org acme --test-level RunLocalTests --wait 60\n'),
        res.stdout,
      );
      assert.ok(
        res.stdout.includes(
          'sf project deploy start --source-dir omni-channel --target-org acme --test-level RunSpecifiedTests --tests AgentWorkTriggerHandler_Tests --wait 60\n',
        ),
        res.stdout,
      );
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
  });

  test('settings may come from --env-file; the environment wins', (t) => {
    const file = join(tempDir(t, 'sbsf-env-'), 'bridge.env');
    writeFileSync(
      file,
      `PUBLIC_URL=https://from-file.acme.com\nSENDBIRD_APP_ID=${ENV.SENDBIRD_APP_ID}\nSALESFORCE_INTEGRATION_USERNAME=file@acme.com\n`,
    );
    const res = runScript(['--print-only', '--env-file', file], { SALESFORCE_INTEGRATION_USERNAME: 'env@acme.com' });
    assert.equal(res.status, 0, res.stderr);
    const staging = /staging copy: (.+)/.exec(res.stdout)?.[1] ?? assert.fail(res.stdout);
    try {
      assert.match(readFileSync(join(staging, PLACEHOLDERS[0]?.file ?? ''), 'utf8'), /https:\/\/from-file\.acme\.com/);
      assert.match(readFileSync(join(staging, PLACEHOLDERS[3]?.file ?? ''), 'utf8'), /<user>env@acme\.com<\/user>/);
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
  });

  test('missing settings fail before anything runs, naming each', () => {
    const res = runScript(['--target-org', 'acme'], {});
    assert.equal(res.status, 1);
    assert.match(res.stderr, /\[salesforce:deploy\] PUBLIC_URL is not set/);
    assert.match(res.stderr, /\[salesforce:deploy\] SENDBIRD_APP_ID is not set/);
    assert.doesNotMatch(res.stdout, /staging copy/);
  });

  test('without the Salesforce CLI it says how to install it', () => {
    const res = runScript(['--target-org', 'acme'], ENV);
    assert.equal(res.status, 1);
    assert.match(
      res.stderr,
      /\[salesforce:deploy\] the Salesforce CLI \(sf\) is not installed: npm install --global @salesforce\/cli \(it needs Node 22 or later\)/,
    );
    assert.doesNotMatch(res.stdout, /staging copy/, 'nothing was staged or built');
  });

  test('--help prints the usage', () => {
    const res = runScript(['--help'], {});
    assert.equal(res.status, 0);
    assert.match(res.stdout, /--check-only, --dry-run/);
  });
});
