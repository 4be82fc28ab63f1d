/**
 * The pure part of `npm run salesforce:deploy` (scripts/salesforce-deploy.ts): reading and
 * checking the settings, filling them into a staging copy of the SFDX project, and the exact `sf`
 * commands that deploy it. Nothing here runs `sf`; the source tree is only read.
 *
 * Settings reuse the bridge's names where the bridge has one (docs/bridge.md):
 * - PUBLIC_URL: the bridge's public HTTPS origin -> the Named Credential Sendbird_Bridge's URL;
 * - SENDBIRD_APP_ID: the Sendbird application -> the trusted URLs of its API and WebSocket hosts;
 * - SALESFORCE_INTEGRATION_USERNAME (or the bridge's SALESFORCE_USERNAME): the integration user
 *   the SendbirdCaseEvents platform-event trigger runs as (PlatformEventSubscriberConfig).
 */
import { cpSync, existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

export const PREFIX = '[salesforce:deploy]';

/** One placeholder of the committed project and the setting that replaces it. */
export interface Placeholder {
  /** File, relative to the SFDX project. */
  file: string;
  /** The exact text in the committed file. */
  text: string;
  setting: keyof DeploySettings;
  /** The replacement, from the checked settings. */
  fill: (s: DeploySettings) => string;
}

export interface DeploySettings {
  /** `https://host[:port]`: no path, no trailing slash. */
  bridgeOrigin: string;
  /** Lower case, as Sendbird's host names use it. */
  sendbirdAppId: string;
  integrationUsername: string;
}

/** Sendbird's hosts of one application; the same in every region (the app id selects it). */
export function sendbirdHosts(appId: string): { api: string; ws: string } {
  return { api: `https://api-${appId}.sendbird.com`, ws: `wss://ws-${appId}.sendbird.com` };
}

export const PLACEHOLDERS: readonly Placeholder[] = [
  {
    file: 'force-app/main/default/namedCredentials/Sendbird_Bridge.namedCredential-meta.xml',
    text: '<parameterValue>https://sendbird-bridge.example.com</parameterValue>',
    setting: 'bridgeOrigin',
    fill: (s) => `<parameterValue>${s.bridgeOrigin}</parameterValue>`,
  },
  {
    file: 'force-app/main/default/cspTrustedSites/Sendbird_API.cspTrustedSite-meta.xml',
    text: '<endpointUrl>https://api-your-app-id.sendbird.com</endpointUrl>',
    setting: 'sendbirdAppId',
    fill: (s) => `<endpointUrl>${sendbirdHosts(s.sendbirdAppId).api}</endpointUrl>`,
  },
  {
    file: 'force-app/main/default/cspTrustedSites/Sendbird_WebSocket.cspTrustedSite-meta.xml',
    text: '<endpointUrl>wss://ws-your-app-id.sendbird.com</endpointUrl>',
    setting: 'sendbirdAppId',
    fill: (s) => `<endpointUrl>${sendbirdHosts(s.sendbirdAppId).ws}</endpointUrl>`,
  },
  {
    file: 'force-app/main/default/PlatformEventSubscriberConfigs/SendbirdCaseEventsConfig.platformEventSubscriberConfig-meta.xml',
    text: '<user>sendbird-integration@example.com</user>',
    setting: 'integrationUsername',
    fill: (s) => `<user>${s.integrationUsername}</user>`,
  },
];

/** Text that must not survive staging anywhere in the project (the placeholders' values). */
export const PLACEHOLDER_MARKERS = ['sendbird-bridge.example.com', 'your-app-id', 'sendbird-integration@example.com'];

export class DeployError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.map((p) => `${PREFIX} ${p}`).join('\n'));
    this.name = 'DeployError';
  }
}

// ---------------------------------------------------------------------------------------------
// Settings

/** The bridge's public origin for the Named Credential: https, a host, no path/query/fragment. */
export function checkBridgeOrigin(value: string): string {
  const how = "set PUBLIC_URL to the bridge's public HTTPS origin, e.g. https://sendbird-bridge.acme.com";
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new DeployError([`PUBLIC_URL is not a URL (got "${value}"): ${how}`]);
  }
  if (url.protocol !== 'https:')
    throw new DeployError([`PUBLIC_URL must use https: Salesforce calls the bridge over HTTPS only (got "${value}"): ${how}`]);
  if (url.username || url.password)
    throw new DeployError([
      `PUBLIC_URL must not carry a user name or password (the credential is the External Credential's SharedSecret): ${how}`,
    ]);
  if (url.search || url.hash || value.includes('?') || value.includes('#'))
    throw new DeployError([`PUBLIC_URL must not have a query or fragment (got "${value}"): ${how}`]);
  if (url.pathname !== '/' || value.trim().endsWith('/')) {
    throw new DeployError([
      `PUBLIC_URL must be an origin without a path or trailing slash (got "${value}"): the Apex callouts add /salesforce/events and /agents/session themselves; ${how}`,
    ]);
  }
  return url.origin;
}

/** A Sendbird Application ID as its host names use it: lower case letters, digits and hyphens. */
export function checkSendbirdAppId(value: string): string {
  const id = value.trim().toLowerCase();
  // `api-` + id must be one DNS label (63 characters at most).
  if (!/^[a-z0-9](?:[a-z0-9-]{0,57}[a-z0-9])?$/.test(id)) {
    throw new DeployError([
      `SENDBIRD_APP_ID must be the Application ID from the Sendbird dashboard (letters, digits and hyphens, e.g. 9DA1B1F4-0BE6-4DA8-82C5-2E81DAB56F23), got "${value}"`,
    ]);
  }
  return id;
}

/** A Salesforce username: email-shaped, at most 80 characters. */
export function checkUsername(value: string, name: string): string {
  const v = value.trim();
  if (v.length > 80 || !/^[^\s@<>&"']+@[^\s@<>&"']+\.[^\s@<>&"']+$/.test(v)) {
    throw new DeployError([
      `${name} must be the integration user's Salesforce username, an email-shaped name such as sendbird-integration@acme.com (got "${value}")`,
    ]);
  }
  return v;
}

export type Env = Record<string, string | undefined>;

/** Reads every setting, reporting all missing or wrong ones at once. */
export function readSettings(env: Env): DeploySettings {
  const problems: string[] = [];
  const take = <T>(check: () => T): T | undefined => {
    try {
      return check();
    } catch (error) {
      if (error instanceof DeployError) problems.push(...error.problems);
      else throw error;
      return undefined;
    }
  };
  const present = (name: string): string | undefined => (env[name]?.trim() ? env[name] : undefined);
  const publicUrl = present('PUBLIC_URL');
  const appId = present('SENDBIRD_APP_ID');
  const usernameName = present('SALESFORCE_INTEGRATION_USERNAME') ? 'SALESFORCE_INTEGRATION_USERNAME' : 'SALESFORCE_USERNAME';
  const username = present(usernameName);
  if (!publicUrl)
    problems.push(
      "PUBLIC_URL is not set: the bridge's public HTTPS origin, e.g. https://sendbird-bridge.acme.com (the Named Credential Sendbird_Bridge calls it)",
    );
  if (!appId)
    problems.push(
      'SENDBIRD_APP_ID is not set: the Application ID from the Sendbird dashboard (the trusted URLs of its API and WebSocket hosts)',
    );
  if (!username) {
    problems.push(
      "SALESFORCE_INTEGRATION_USERNAME is not set: the username of the integration user the SendbirdCaseEvents trigger runs as (the bridge's Run-As user; SALESFORCE_USERNAME is used when set)",
    );
  }
  const bridgeOrigin = publicUrl ? take(() => checkBridgeOrigin(publicUrl)) : undefined;
  const sendbirdAppId = appId ? take(() => checkSendbirdAppId(appId)) : undefined;
  const integrationUsername = username ? take(() => checkUsername(username, usernameName)) : undefined;
  if (problems.length > 0 || !bridgeOrigin || !sendbirdAppId || !integrationUsername) throw new DeployError(problems);
  return { bridgeOrigin, sendbirdAppId, integrationUsername };
}

/** `KEY=value` lines (`#` comments, optional `export`, single or double quotes), as .env files write them. */
export function parseEnvFile(text: string): Env {
  const out: Env = {};
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    const [, key, rawValue] = m ?? [];
    if (key === undefined || rawValue === undefined)
      throw new DeployError([`line ${index + 1} of the env file is not KEY=value: ${JSON.stringify(raw.slice(0, 40))}`]);
    let value = rawValue;
    const quote = value[0];
    if ((quote === '"' || quote === "'") && value.endsWith(quote) && value.length >= 2) value = value.slice(1, -1);
    else value = value.replace(/\s+#.*$/, '');
    out[key] = value;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Options

export type TestLevel = 'NoTestRun' | 'RunLocalTests' | 'RunAllTestsInOrg';
const TEST_LEVELS: readonly TestLevel[] = ['NoTestRun', 'RunLocalTests', 'RunAllTestsInOrg'];

export interface DeployOptions {
  targetOrg?: string;
  /** `sf project deploy validate`: every check and test, nothing saved. */
  checkOnly: boolean;
  withOmniChannel: boolean;
  testLevel: TestLevel;
  printOnly: boolean;
  envFile?: string;
  help: boolean;
}

export const USAGE = `npm run salesforce:deploy -- [options]

Builds the agent panel's static resource, copies salesforce/ to a staging directory, fills in
PUBLIC_URL, SENDBIRD_APP_ID and SALESFORCE_INTEGRATION_USERNAME, and deploys it with the
Salesforce CLI (sf). Settings come from the environment or --env-file.

  --target-org ALIAS       org to deploy to (default: sf's default org)
  --check-only, --dry-run  validate only (sf project deploy validate): tests run, nothing is saved
  --with-omni-channel      also deploy the omni-channel package directory (orgs with Omni-Channel)
  --test-level LEVEL       RunLocalTests (default), RunAllTestsInOrg or NoTestRun (not in production)
  --env-file FILE          read settings from a KEY=value file; the environment wins
  --print-only             stage, then print the staging directory and the sf commands; run nothing
  --help`;

export function parseArgs(argv: readonly string[]): DeployOptions {
  const options: DeployOptions = { checkOnly: false, withOmniChannel: false, testLevel: 'RunLocalTests', printOnly: false, help: false };
  const value = (i: number, flag: string): string => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new DeployError([`${flag} needs a value (npm run salesforce:deploy -- --help)`]);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const current = argv[i] ?? '';
    const eq = current.startsWith('--') ? current.indexOf('=') : -1;
    const flag = eq >= 0 ? current.slice(0, eq) : current;
    const inline = eq >= 0 ? current.slice(eq + 1) : undefined;
    const arg = (): string => (inline !== undefined ? inline : value(i++, flag));
    switch (flag) {
      case '--target-org':
      case '-o':
        options.targetOrg = arg();
        break;
      case '--check-only':
      case '--dry-run':
        options.checkOnly = true;
        break;
      case '--with-omni-channel':
        options.withOmniChannel = true;
        break;
      case '--test-level': {
        const level = arg();
        if (!TEST_LEVELS.includes(level as TestLevel))
          throw new DeployError([`--test-level must be one of ${TEST_LEVELS.join(', ')} (got "${level}")`]);
        options.testLevel = level as TestLevel;
        break;
      }
      case '--env-file':
        options.envFile = arg();
        break;
      case '--print-only':
        options.printOnly = true;
        break;
      case '--help':
      case '-h':
        options.help = true;
        break;
      default:
        throw new DeployError([`unknown option ${current} (npm run salesforce:deploy -- --help)`]);
    }
  }
  if (options.checkOnly && options.testLevel === 'NoTestRun') {
    throw new DeployError(['--check-only runs the tests: sf project deploy validate does not take --test-level NoTestRun']);
  }
  return options;
}

// ---------------------------------------------------------------------------------------------
// Staging

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

/** Local CLI state and installs are not part of the project. */
const SKIPPED = new Set(['.sfdx', '.sf', 'node_modules']);

/**
 * Copies the SFDX project `projectDir` into `stagingDir` (an empty directory) and fills in every
 * placeholder. Fails when a placeholder is not where it is expected (the template changed) or
 * any placeholder text is left. Returns the files it changed, relative to the staging directory.
 */
export function stageProject(projectDir: string, stagingDir: string, settings: DeploySettings): string[] {
  cpSync(projectDir, stagingDir, {
    recursive: true,
    filter: (src) =>
      !relative(projectDir, src)
        .split(sep)
        .some((part) => SKIPPED.has(part)),
  });
  const changed = new Set<string>();
  for (const p of PLACEHOLDERS) {
    const file = join(stagingDir, p.file);
    const text = existsSync(file) ? readFileSync(file, 'utf8') : null;
    if (text === null || !text.includes(p.text)) {
      throw new DeployError([`${p.file} has no placeholder ${p.text}: the project and scripts/salesforce/deploy-plan.ts disagree`]);
    }
    writeFileSync(file, text.split(p.text).join(p.fill(settings)));
    changed.add(p.file);
  }
  const left: string[] = [];
  for (const file of walk(stagingDir)) {
    if (!/\.(xml|json)$/.test(file)) continue;
    const text = readFileSync(file, 'utf8');
    for (const marker of PLACEHOLDER_MARKERS)
      if (text.includes(marker)) left.push(`${relative(stagingDir, file).split(sep).join('/')} (${marker})`);
  }
  if (left.length > 0) throw new DeployError([`placeholders left after filling in: ${left.join(', ')}`]);
  return [...changed];
}

// ---------------------------------------------------------------------------------------------
// Commands

/** The omni-channel package directory, deployed only with --with-omni-channel. */
export const OMNI_CHANNEL_DIR = 'omni-channel';

/** Test classes of a package directory: `<Name>_Tests.cls` under it. */
export function testClassesIn(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return walk(dir)
    .map((f) => /([A-Za-z0-9_]+_Tests)\.cls$/.exec(f)?.[1])
    .filter((n): n is string => n !== undefined)
    .sort();
}

/**
 * The `sf` commands, each run in the staging directory: the core package (`force-app`), then
 * with --with-omni-channel the omni-channel directory with only its own tests.
 */
export function deployCommands(stagingDir: string, options: DeployOptions): string[][] {
  const verb = options.checkOnly ? ['project', 'deploy', 'validate'] : ['project', 'deploy', 'start'];
  const org = options.targetOrg ? ['--target-org', options.targetOrg] : [];
  const commands = [['sf', ...verb, '--source-dir', 'force-app', ...org, '--test-level', options.testLevel, '--wait', '60']];
  if (options.withOmniChannel) {
    const omniDir = join(stagingDir, OMNI_CHANNEL_DIR);
    if (!existsSync(omniDir)) throw new DeployError([`--with-omni-channel: the project has no ${OMNI_CHANNEL_DIR}/ package directory`]);
    const tests = testClassesIn(omniDir);
    const level =
      options.testLevel === 'NoTestRun'
        ? ['--test-level', 'NoTestRun']
        : tests.length > 0
          ? ['--test-level', 'RunSpecifiedTests', ...tests.flatMap((t) => ['--tests', t])]
          : ['--test-level', options.testLevel];
    commands.push(['sf', ...verb, '--source-dir', OMNI_CHANNEL_DIR, ...org, ...level, '--wait', '60']);
  }
  return commands;
}

/** A command as a POSIX shell line (for --print-only and error messages). */
export function shellLine(args: readonly string[]): string {
  return args.map((a) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`)).join(' ');
}

/** What to do after a successful deploy. */
export function nextSteps(settings: DeploySettings, options: DeployOptions): string {
  const org = options.targetOrg ? ` --target-org ${options.targetOrg}` : '';
  return [
    options.checkOnly ? 'Validated (nothing was saved). To deploy, run the same command without --check-only.' : 'Deployed. Next:',
    "1. Set the bridge's secret on the External Credential: Setup > Named Credentials > External Credentials > Sendbird Bridge Auth >",
    "   principal Bridge > Authentication Parameters > add SharedSecret = the bridge's BRIDGE_SHARED_SECRET.",
    `2. Assign the permission sets: sf org assign permset --name Sendbird_Bridge_Integration --on-behalf-of ${settings.integrationUsername}${org}`,
    `   and for each agent: sf org assign permset --name Sendbird_Agent --on-behalf-of <agent username>${org}`,
    '3. Work through "Checks to make on a real org" in docs/salesforce-setup.md.',
  ].join('\n');
}
