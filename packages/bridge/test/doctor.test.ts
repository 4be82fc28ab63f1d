/**
 * `npm run doctor` against the emulators over real HTTP: a healthy configuration passes every
 * check that can be made here, then each fault planted on purpose is found and its fix named
 * (wrong client secret, a field hidden from the integration user, the webhook off / elsewhere /
 * missing a category, the wrong region, a refused Sendbird token, a store not migrated, Case not
 * selected for Change Data Capture), the start-up short form, and the CLI's exit codes and JSON.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SALESFORCE_EMULATOR_DEFAULTS } from '@sbsf/emulators';
import { requireAvailable, tempDir } from '@sbsf/testkit';
import { loadConfig } from '../src/config.js';
import { runDoctor, startupChecks, type CheckResult } from '../src/doctor/index.js';
import { createLogger } from '../src/logger.js';
import { openPostgresStore } from '../src/open-store.js';
import { MIGRATIONS } from '../src/store/migrations/index.js';
import { SECRETS } from './fixtures.js';
import { pgEnv, pgTestSchema, pgUnavailable, TEST_DATABASE_URL } from './pg.js';
import { CDC_EMULATOR, cdcEnv, startEmulators, startWorld, worldEnv, type World } from './world.js';

const CLI = fileURLToPath(new URL('../src/cli/doctor.ts', import.meta.url));

/** The world's bridge as the doctor sees it: its real URL as PUBLIC_URL, sandbox-like settings. */
function doctorEnv(w: World, overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return { ...w.env, SANDBOX: 'true', PUBLIC_URL: w.url, ...overrides };
}

/** Sendbird's webhook settings through its Platform API, as an admin sets them. */
async function putWebhook(w: World, body: Record<string, unknown>): Promise<any> {
  const res = await fetch(`${w.sb.url}/v3/applications/settings/webhook`, {
    method: 'PUT',
    headers: { 'Api-Token': w.sb.apiToken, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.equal(res.status, 200);
  return res.json();
}

async function healthyWorld(t: TestContext): Promise<World> {
  const w = await startWorld(t);
  await putWebhook(w, { enabled: true, url: `${w.url}/sendbird/webhooks`, enabled_events: ['*'] });
  return w;
}

async function doctor(w: World, overrides: Record<string, string | undefined> = {}): Promise<Map<string, CheckResult>> {
  const results = await runDoctor(loadConfig(doctorEnv(w, overrides)), { timeoutMs: 10_000 });
  return new Map(results.map((r) => [r.id, r]));
}

function expectFail(results: Map<string, CheckResult>, id: string, detail: RegExp, fix: RegExp): void {
  const r = results.get(id);
  assert.ok(r, `no result for ${id}`);
  assert.equal(r.status, 'fail', `${id}: ${JSON.stringify(r)}`);
  assert.match(r.detail, detail);
  assert.match(r.fix ?? '', fix);
}

test('a healthy configuration passes every check that can be made against the emulators', async (t) => {
  const w = await healthyWorld(t);
  const results = await doctor(w);
  const notPassed = [...results.values()].filter((r) => r.status !== 'pass');
  // CASE_EVENTS=apex: Change Data Capture is not in use, so not checked.
  assert.deepEqual(
    notPassed.map((r) => `${r.id} ${r.status}`),
    ['salesforce.cdc skip'],
    JSON.stringify(notPassed, null, 2),
  );
  assert.match(results.get('salesforce.login')!.detail, /client_credentials flow to org 00D/);
  assert.match(results.get('salesforce.api_budget')!.detail, /left today/);
  assert.match(results.get('sendbird.signature')!.detail, /verified a sample/);
  assert.match(results.get('bridge.trusted_urls')!.detail, new RegExp(`wss://ws-${w.sb.appId.toLowerCase()}\\.sendbird\\.com`));
  assert.match(results.get('bridge.public_url')!.detail, /cannot be checked from inside/);
});

test('a wrong client secret: the login fails naming SALESFORCE_CLIENT_SECRET, the rest of Salesforce is skipped, the secret is never shown', async (t) => {
  const w = await healthyWorld(t);
  const wrong = 'wrong-client-secret-7b1e2f9a4c';
  const results = await doctor(w, { SALESFORCE_CLIENT_SECRET: wrong });
  expectFail(results, 'salesforce.login', /invalid_client/, /SALESFORCE_CLIENT_SECRET does not match SALESFORCE_CLIENT_ID/);
  for (const id of ['salesforce.api_version', 'salesforce.package', 'salesforce.case_fields', 'salesforce.api_budget']) {
    assert.equal(results.get(id)!.status, 'skip', id);
  }
  assert.equal(results.get('sendbird.token')!.status, 'pass', 'Sendbird is checked on its own');
  assert.ok(!JSON.stringify([...results.values()]).includes(wrong));
});

test('a field hidden from the integration user: the package check names it and the deploy', async (t) => {
  const w = await healthyWorld(t);
  w.sf.hideFields(['Case.Sendbird_User_Id__c', 'Sendbird_Message__c.Body__c']);
  const results = await doctor(w);
  expectFail(
    results,
    'salesforce.package',
    /Case\.Sendbird_User_Id__c, Sendbird_Message__c\.Body__c/,
    /salesforce:deploy.*Sendbird_Bridge_Integration/,
  );
  // Hidden from a ticket's Case field: the allow-list check says so too.
  w.sf.hideFields(['Case.Subject']);
  expectFail(await doctor(w, {}), 'salesforce.case_fields', /Subject/, /field-level security/);
});

test('contact matching: the External Id it matches on and the fields a created Contact gets are checked; one hidden is named', async (t) => {
  const w = await healthyWorld(t);
  const settings = {
    CUSTOMER_AUTH_MODE: 'jwt',
    CUSTOMER_JWT_SECRET: SECRETS.CUSTOMER_JWT_SECRET,
    CONTACT_MATCH: 'external_id',
    CONTACT_CREATE: 'contact',
  };
  const healthy = await doctor(w, settings);
  assert.equal(healthy.get('salesforce.package')!.status, 'pass', JSON.stringify(healthy.get('salesforce.package')));
  assert.match(healthy.get('salesforce.package')!.detail, /on Case, Sendbird_Message__c, .*Contact/);
  // Off, Contact is not asked about.
  assert.doesNotMatch((await doctor(w)).get('salesforce.package')!.detail, /Contact/);
  w.sf.hideFields(['Contact.Sendbird_User_Id__c']);
  expectFail(await doctor(w, settings), 'salesforce.package', /Contact\.Sendbird_User_Id__c/, /Sendbird_Bridge_Integration/);
});

test('the webhook off, pointed elsewhere, or without a category the transcript needs', async (t) => {
  const w = await healthyWorld(t);
  await putWebhook(w, { url: '' });
  expectFail(await doctor(w), 'sendbird.webhook', /off or has no URL/, new RegExp(`URL ${w.url}/sendbird/webhooks`));

  await putWebhook(w, { enabled: true, url: 'https://old-bridge.example.com/sendbird/webhooks' });
  expectFail(await doctor(w), 'sendbird.webhook', /goes to https:\/\/old-bridge\.example\.com/, /PUBLIC_URL/);

  const set = await putWebhook(w, { url: `${w.url}/sendbird/webhooks`, enabled_events: ['group_channel:message_send'] });
  assert.deepEqual(set.webhook.enabled_events, ['group_channel:message_send']);
  expectFail(
    await doctor(w),
    'sendbird.webhook',
    /group_channel:message_update, group_channel:message_delete are not subscribed/,
    /subscribe to group_channel:message_update, group_channel:message_delete/,
  );
});

test('the wrong region: an API URL of another app is refused before any call', async (t) => {
  const w = await healthyWorld(t);
  const results = await doctor(w, { SENDBIRD_API_URL: 'https://api-another-app.sendbird.com' });
  expectFail(results, 'sendbird.region', /app .* is served at https:\/\/api-/, /unset SENDBIRD_API_URL/);
  assert.equal(results.get('sendbird.token')!.status, 'skip');
  assert.equal(results.get('sendbird.webhook')!.status, 'skip');
});

test('a refused Sendbird token: the read call fails with 400401, and the running bridge refuses its signature', async (t) => {
  const w = await healthyWorld(t);
  const wrong = 'revoked-token-0f1e2d3c4b5a69788796a5b4';
  const results = await doctor(w, { SENDBIRD_API_TOKEN: wrong });
  expectFail(results, 'sendbird.token', /400401/, /master API token/);
  expectFail(results, 'sendbird.signature', /refused a sample signed/, /running bridge has another SENDBIRD_API_TOKEN/);
  assert.ok(!JSON.stringify([...results.values()]).includes(wrong));
});

test('a store not migrated: an empty SQLite file, and a missing one', async (t) => {
  const w = await healthyWorld(t);
  const dir = tempDir(t, 'doctor-store-');
  const empty = join(dir, 'empty.sqlite');
  writeFileSync(empty, '');
  const latest = MIGRATIONS.length;
  expectFail(
    await doctor(w, { DATABASE_URL: `sqlite:${empty}` }),
    'bridge.store',
    new RegExp(`schema version 0; this bridge needs ${latest}`),
    /npm run bridge.*migrates/,
  );
  expectFail(
    await doctor(w, { DATABASE_URL: `sqlite:${join(dir, 'none.sqlite')}` }),
    'bridge.store',
    /no database at/,
    /migrates the store/,
  );
});

test('a PostgreSQL schema at an older version', async (t) => {
  if (!requireAvailable(t, (await pgUnavailable()) === null, String(await pgUnavailable()))) return;
  const w = await healthyWorld(t);
  const schema = await pgTestSchema(t);
  const old = await openPostgresStore({ url: TEST_DATABASE_URL, schema, poolSize: 1, migrations: MIGRATIONS.slice(0, 3) });
  await old.close();
  const results = await doctor(w, pgEnv(schema));
  expectFail(
    results,
    'bridge.store',
    new RegExp(`postgres store .*schema ${schema}\\) is at schema version 3; this bridge needs ${MIGRATIONS.length}`),
    /migrates the store/,
  );
});

test('the start-up short form logs one line per failing check, with its fix, then the counts', async (t) => {
  const w = await healthyWorld(t);
  const lines: string[] = [];
  const logger = createLogger({ level: 'info', destination: { write: (s: string) => lines.push(s) } });
  const entries = () => lines.map((l) => JSON.parse(l) as { level: number; msg: string; check?: string; fix?: string; failed?: number });
  const ok = await startupChecks(loadConfig(doctorEnv(w)), logger);
  assert.deepEqual(
    ok.map((r) => `${r.id} ${r.status}`),
    ['bridge.store pass', 'salesforce.login pass', 'sendbird.region pass', 'sendbird.token pass'],
  );
  logger.flush();
  assert.deepEqual(
    entries().map((e) => [e.msg, e.failed]),
    [['doctor: the start-up checks finished (`npm run doctor` runs them all)', 0]],
  );
  lines.length = 0;
  await startupChecks(loadConfig(doctorEnv(w, { SALESFORCE_CLIENT_SECRET: 'wrong-client-secret-7b1e2f9a4c' })), logger);
  logger.flush();
  const [problem, counts, ...rest] = entries();
  assert.deepEqual(rest, []);
  assert.equal(problem!.level, 50);
  assert.equal(problem!.check, 'salesforce.login');
  assert.match(problem!.msg, /^doctor: Salesforce login: /);
  assert.match(problem!.fix!, /SALESFORCE_CLIENT_SECRET/);
  assert.equal(counts!.failed, 1);
});

function runCli(args: string[], env: Record<string, string | undefined>): Promise<{ code: number | null; out: string; err: string }> {
  const clean = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as Record<string, string>;
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { env: { PATH: process.env.PATH ?? '', ...clean } });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, out, err })));
}

test('the CLI: a checklist and exit 0; --json and exit 1 on a failure; exit 2 on a usage or configuration error', async (t) => {
  const w = await healthyWorld(t);
  const healthy = await runCli([], doctorEnv(w));
  assert.equal(healthy.code, 0, healthy.err + healthy.out);
  assert.match(healthy.out, /^✓ Salesforce login: /m);
  assert.match(healthy.out, /^- Change Data Capture for Case: CASE_EVENTS=apex/m);
  assert.match(healthy.out, /^\d+ passed, 0 failed, 0 warnings, 1 skipped$/m);

  const broken = await runCli(['--json'], doctorEnv(w, { SALESFORCE_CLIENT_SECRET: 'wrong-client-secret-7b1e2f9a4c' }));
  assert.equal(broken.code, 1, broken.err);
  const results = JSON.parse(broken.out) as CheckResult[];
  const login = results.find((r) => r.id === 'salesforce.login')!;
  assert.equal(login.status, 'fail');
  assert.match(login.fix!, /SALESFORCE_CLIENT_SECRET/);

  const usage = await runCli(['--bogus'], doctorEnv(w));
  assert.equal(usage.code, 2);
  assert.match(usage.err, /unknown argument --bogus/);
  const config = await runCli([], { ...doctorEnv(w), SALESFORCE_CLIENT_ID: undefined });
  assert.equal(config.code, 2);
  assert.match(config.err, /SALESFORCE_CLIENT_ID is required/);
});

test('Change Data Capture: the topic is checked over the Pub/Sub API; Case not selected is found and its fix named', async (t) => {
  const w = await startWorld(t, {}, { cdc: true });
  await putWebhook(w, { enabled: true, url: `${w.url}/sendbird/webhooks` });
  const healthy = await doctor(w);
  assert.equal(healthy.get('salesforce.cdc')!.status, 'pass', JSON.stringify(healthy.get('salesforce.cdc')));
  assert.match(healthy.get('salesforce.cdc')!.detail, /\/data\/CaseChangeEvent is served by .* may subscribe/);
  expectFail(
    await doctor(w, { SALESFORCE_CDC_TOPIC: '/data/Other_Channel__chn' }),
    'salesforce.cdc',
    /not a change-event channel/,
    /SALESFORCE_CDC_TOPIC/,
  );

  // An org where Case is not selected for Change Data Capture.
  const { sf, sb } = await startEmulators(t, { sf: { ...CDC_EMULATOR, changeDataCapture: [] } });
  const dir = tempDir(t, 'doctor-cdc-');
  const config = loadConfig({ ...worldEnv(sf, sb, dir, cdcEnv(sf, dir)), SANDBOX: 'true', PUBLIC_URL: w.url });
  const [login, cdc] = await runDoctor(config, { only: ['salesforce.login', 'salesforce.cdc'] });
  assert.equal(login!.status, 'pass');
  assert.equal(cdc!.status, 'fail', JSON.stringify(cdc));
  assert.match(cdc!.detail, /NOT_FOUND/);
  assert.match(cdc!.fix!, /select Case in Setup > Change Data Capture/);
});

test('the legacy password flow logs in with a warning to move off it; a wrong password names the fix', async (t) => {
  const w = await healthyWorld(t);
  const password = {
    SALESFORCE_AUTH_FLOW: 'password',
    SALESFORCE_USERNAME: SALESFORCE_EMULATOR_DEFAULTS.integrationUsername,
    SALESFORCE_PASSWORD: SALESFORCE_EMULATOR_DEFAULTS.integrationPassword,
  };
  const ok = (await doctor(w, password)).get('salesforce.login')!;
  assert.equal(ok.status, 'warn', JSON.stringify(ok));
  assert.match(ok.detail, /deprecated by Salesforce and blocked by default in orgs created since Summer '23/);
  assert.match(ok.fix!, /SALESFORCE_AUTH_FLOW=client_credentials/);
  expectFail(
    await doctor(w, { ...password, SALESFORCE_PASSWORD: 'not-the-password' }),
    'salesforce.login',
    /invalid_grant/,
    /SALESFORCE_PASSWORD/,
  );
});

test('the API budget: below the reserve is a warning, none left a failure; an API version the org does not serve fails', async (t) => {
  const w = await healthyWorld(t);
  w.sf.setLimits({ dailyLimit: 1_000, used: 950 });
  const low = (await doctor(w)).get('salesforce.api_budget')!;
  assert.equal(low.status, 'warn', JSON.stringify(low));
  assert.match(low.detail, /of 1000 left today .* below the reserve of 10%/);
  // Every call now refused: the login still works (token requests do not count), the rest cannot.
  w.sf.setLimits({ used: 1_000 });
  const results = await doctor(w);
  assert.equal(results.get('salesforce.login')!.status, 'pass');
  expectFail(results, 'salesforce.api_budget', /0 of 1000 left today/, /Setup > System Overview/);
  w.sf.setLimits({ used: 0 });
  expectFail(
    await doctor(w, { SALESFORCE_API_VERSION: '99.0' }),
    'salesforce.api_version',
    /99\.0 is not served .* up to 67\.0/,
    /SALESFORCE_API_VERSION to 67\.0/,
  );
});

test("a clock minutes off both services' clocks fails, naming NTP", async (t) => {
  const w = await healthyWorld(t);
  const results = await runDoctor(loadConfig(doctorEnv(w)), { now: () => Date.now() + 5 * 60_000 });
  const clock = results.find((r) => r.id === 'bridge.clock')!;
  assert.equal(clock.status, 'fail', JSON.stringify(clock));
  assert.match(clock.detail, /salesforce behind by 30\d s; sendbird behind by 30\d s/);
  assert.match(clock.fix!, /NTP/);
});

test('--sandbox reads a running sandbox’s sandbox.json, its bridge URL included', async (t) => {
  const w = await healthyWorld(t);
  const file = join(tempDir(t, 'sandbox-'), 'sandbox.json');
  writeFileSync(
    file,
    JSON.stringify({
      urls: { salesforce: w.sf.url, sendbird: w.sb.url, bridge: w.url },
      credentials: {
        salesforce: { clientId: w.sf.options.clientId, clientSecret: w.sf.options.clientSecret },
        sendbird: { appId: w.sb.appId, apiToken: w.sb.apiToken },
        bridgeSharedSecret: SECRETS.BRIDGE_SHARED_SECRET,
      },
      bridgeSettings: { NON_AGENT_USER_IDS: w.sf.seed.integrationUserId },
    }),
  );
  // The sandbox's own database is created by its bridge: here it is not there yet.
  const res = await runCli(['--sandbox', file, '--json'], {});
  assert.equal(res.code, 1, res.err);
  const byId = new Map((JSON.parse(res.out) as CheckResult[]).map((r) => [r.id, r]));
  assert.equal(byId.get('bridge.store')!.status, 'fail');
  assert.match(byId.get('bridge.store')!.detail, /no database at .*bridge\.sqlite/);
  const passed = [...byId.values()].filter((r) => r.status === 'pass').map((r) => r.id);
  for (const id of [
    'salesforce.login',
    'salesforce.package',
    'sendbird.token',
    'sendbird.webhook',
    'sendbird.signature',
    'bridge.public_url',
  ]) {
    assert.ok(passed.includes(id), `${id} passed: ${JSON.stringify(byId.get(id))}`);
  }
});

test('a check without an answer fails at its time limit and the next ones still run; a 429 is a warning about headroom', async (t) => {
  const w = await healthyWorld(t);
  w.sb.faults.set({ rules: [{ action: 'hold', path: '^/v3/applications/settings/webhook$' }] });
  const config = loadConfig(doctorEnv(w));
  const held = new Map((await runDoctor(config, { timeoutMs: 300 })).map((r) => [r.id, r]));
  expectFail(held, 'sendbird.webhook', /^no answer within 300 ms$/, /reaches the service/);
  assert.equal(held.get('sendbird.signature')!.status, 'pass', 'the checks after it ran');
  w.sb.faults.reset();

  w.sb.faults.set({ rules: [{ action: 'rateLimit', path: '^/v3/group_channels$', retryAfterMs: 2_000 }] });
  const limited = new Map((await runDoctor(config)).map((r) => [r.id, r]));
  assert.equal(limited.get('sendbird.token')!.status, 'warn');
  const headroom = limited.get('sendbird.rate_limit')!;
  assert.equal(headroom.status, 'warn', JSON.stringify(headroom));
  assert.match(headroom.detail, /429 .*retry after 2 s/);
  assert.match(headroom.fix!, /SENDBIRD_CAPPED_PER_SECOND/);
});

test('the JWT bearer flow logs in with the key of the connected app; another key names the certificate', async (t) => {
  const pem = (k: KeyObject) => k.export({ type: 'pkcs8', format: 'pem' }).toString();
  const app = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const w = await startWorld(t, {}, { sf: { jwtPublicKey: app.publicKey.export({ type: 'spki', format: 'pem' }).toString() } });
  await putWebhook(w, { enabled: true, url: `${w.url}/sendbird/webhooks` });
  const jwt = {
    SALESFORCE_AUTH_FLOW: 'jwt_bearer',
    SALESFORCE_USERNAME: SALESFORCE_EMULATOR_DEFAULTS.integrationUsername,
    SALESFORCE_CLIENT_SECRET: undefined,
  };
  const ok = (await doctor(w, { ...jwt, SALESFORCE_JWT_PRIVATE_KEY: pem(app.privateKey) })).get('salesforce.login')!;
  assert.equal(ok.status, 'pass', JSON.stringify(ok));
  assert.match(ok.detail, /jwt_bearer flow/);
  expectFail(
    await doctor(w, { ...jwt, SALESFORCE_JWT_PRIVATE_KEY: pem(other.privateKey) }),
    'salesforce.login',
    /invalid_grant/,
    /certificate .* SALESFORCE_JWT_PRIVATE_KEY/,
  );
});
