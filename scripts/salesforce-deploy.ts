/**
 * `npm run salesforce:deploy`: deploys the SFDX project in salesforce/ with one command.
 *
 * 1. builds the agent panel's static resource (npm run build:panel);
 * 2. copies salesforce/ to a staging directory and fills in the settings (the source tree keeps
 *    its placeholders: see scripts/salesforce/deploy-plan.ts);
 * 3. runs `sf project deploy start` (or `validate` with --check-only) on the staging copy.
 *
 *   npm run salesforce:deploy -- --target-org my-org
 *   npm run salesforce:deploy -- --target-org my-org --check-only --with-omni-channel
 *   npm run salesforce:deploy -- --print-only          stage and print the sf commands
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PANEL_RESOURCE } from './salesforce/convert.mjs';
import {
  DeployError,
  PREFIX,
  USAGE,
  deployCommands,
  nextSteps,
  parseArgs,
  parseEnvFile,
  readSettings,
  shellLine,
  stageProject,
} from './salesforce/deploy-plan.js';

const repoRoot = resolve(import.meta.dirname, '..');
const projectDir = join(repoRoot, 'salesforce');

const SF_INSTALL =
  'the Salesforce CLI (sf) is not installed: npm install --global @salesforce/cli (it needs Node 22 or later), then log in with sf org login web --alias <alias>';

function run(cmd: string, args: string[], cwd: string): void {
  const res = spawnSync(cmd, args, { cwd, stdio: 'inherit' });
  if (res.error) throw new DeployError([`${shellLine([cmd, ...args])} could not start: ${res.error.message}`]);
  if (res.status !== 0)
    throw new DeployError([`${shellLine([cmd, ...args])} failed (exit ${res.status ?? res.signal}); the staging copy is kept in ${cwd}`]);
}

function main(): void {
  const options = parseArgs(process.argv.slice(2));
  if (options.help) {
    console.log(USAGE);
    return;
  }
  let fileEnv = {};
  if (options.envFile) {
    const file = resolve(options.envFile);
    if (!existsSync(file)) throw new DeployError([`--env-file ${options.envFile}: no such file`]);
    fileEnv = parseEnvFile(readFileSync(file, 'utf8'));
  }
  // The environment wins over the file, as with node --env-file.
  const settings = readSettings({ ...fileEnv, ...process.env });

  if (!options.printOnly) {
    const sf = spawnSync('sf', ['--version'], { encoding: 'utf8' });
    if (sf.error || sf.status !== 0) throw new DeployError([SF_INSTALL]);
    console.log(`${PREFIX} ${sf.stdout.trim().split('\n')[0]}`);
    console.log(`${PREFIX} building the agent panel's static resource (npm run build:panel)`);
    run('npm', ['run', 'build:panel'], repoRoot);
  }

  const staging = mkdtempSync(join(tmpdir(), 'sbsf-deploy-'));
  const changed = stageProject(projectDir, staging, settings);
  const commands = deployCommands(staging, options);
  console.log(`${PREFIX} staging copy: ${staging}`);
  console.log(`${PREFIX} filled in: ${changed.join(', ')}`);
  if (options.printOnly) {
    if (!existsSync(join(staging, PANEL_RESOURCE))) {
      console.log(
        `${PREFIX} note: the static resource is not built, so the copy lacks ${PANEL_RESOURCE}; the deploy runs npm run build:panel first`,
      );
    }
    console.log('\nThe commands, run in the staging copy:\n');
    console.log(`cd ${shellLine([staging])}`);
    for (const c of commands) console.log(shellLine(c));
    return;
  }
  for (const [cmd = 'sf', ...args] of commands) {
    console.log(`\n${PREFIX} ${shellLine([cmd, ...args])}`);
    run(cmd, args, staging);
  }
  console.log(`\n${nextSteps(settings, options)}`);
}

try {
  main();
} catch (error) {
  if (error instanceof DeployError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
