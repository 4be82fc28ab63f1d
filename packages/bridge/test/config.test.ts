import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { inspect } from 'node:util';
import { tempDir } from '@sbsf/testkit';
import { ConfigError, configSecrets, loadConfig, redactedConfig } from '../src/config.js';
import { baseEnv, SECRETS } from './fixtures.js';

function problems(env: Record<string, string | undefined>): readonly string[] {
  try {
    loadConfig(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems;
  }
  assert.fail('expected a ConfigError');
}

test('a complete environment gives a frozen config with the documented defaults', () => {
  const c = loadConfig(baseEnv({ LOG_LEVEL: undefined }));
  assert.equal(c.http.port, 8080);
  assert.equal(c.http.host, '127.0.0.1');
  assert.equal(c.http.publicUrl, 'http://127.0.0.1:8080');
  assert.deepEqual(c.http.corsOrigins, []);
  assert.equal(c.http.rateLimitPerMinute, 60);
  assert.equal(c.http.bodyLimitBytes, 65536);
  assert.equal(c.http.trustProxy, false);
  assert.equal(c.logLevel, 'info');
  assert.equal(c.store.kind, 'sqlite');
  assert.match(c.store.file, /data[\\/]bridge\.sqlite$/);
  assert.equal(c.salesforce.authFlow, 'client_credentials');
  assert.equal(c.salesforce.apiVersion, '62.0');
  assert.equal(c.salesforce.caseOrigin, 'Chat');
  assert.equal(c.sendbird.apiUrl, 'https://api-APP-1234.sendbird.com');
  assert.deepEqual(c.sendbird.previousApiTokens, [SECRETS.PREVIOUS_TOKEN]);
  assert.equal(c.sendbird.sessionTtlSeconds, 86400);
  assert.equal(c.customerAuth.mode, 'jwt');
  assert.equal(c.sandbox, false);
  assert.deepEqual(c.jobs, { pollMs: 1000, maxAttempts: 10, leaseMs: 300000, concurrency: 4 });
  assert.ok(Object.isFrozen(c) && Object.isFrozen(c.sendbird) && Object.isFrozen(c.http.corsOrigins));
  assert.throws(() => {
    (c.http as { port: number }).port = 1;
  }, TypeError);
});

test('an empty environment lists every missing setting in one error, each with its variable and what to set', () => {
  let message = '';
  try {
    loadConfig({});
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    message = err.message;
  }
  for (const name of [
    'SALESFORCE_LOGIN_URL',
    'SALESFORCE_CLIENT_ID',
    'SALESFORCE_CLIENT_SECRET',
    'SENDBIRD_APP_ID',
    'SENDBIRD_API_TOKEN',
    'BRIDGE_SHARED_SECRET',
    'CUSTOMER_JWT_SECRET',
  ]) {
    assert.match(message, new RegExp(`\\[bridge\\] ${name}[^\\n]* is required`), `${name} should be listed as required`);
  }
  assert.match(message, /\[bridge\] SENDBIRD_API_TOKEN is required: the master API token/);
  assert.match(message, /invalid configuration \(7 problems\)/);
});

test('invalid values are listed together with the variable and the value', () => {
  const p = problems(
    baseEnv({
      PORT: 'eighty',
      RATE_LIMIT_PER_MINUTE: '0',
      LOG_LEVEL: 'loud',
      SALESFORCE_AUTH_FLOW: 'magic',
      SALESFORCE_API_VERSION: 'v62',
      CORS_ORIGINS: 'https://ok.example.com,*,https://x.example.com/path',
      BRIDGE_SHARED_SECRET: 'short',
      TRUST_PROXY: 'sometimes',
      SALESFORCE_LOGIN_URL: 'http://acme.my.salesforce.com',
    }),
  );
  const text = p.join('\n');
  assert.match(text, /PORT must be a whole number from 0 to 65535 \(got "eighty"\)/);
  assert.match(text, /RATE_LIMIT_PER_MINUTE must be a whole number from 1/);
  assert.match(text, /LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent \(got "loud"\)/);
  assert.match(text, /SALESFORCE_AUTH_FLOW must be one of client_credentials, jwt_bearer, password/);
  assert.match(text, /SALESFORCE_API_VERSION must look like 62.0/);
  assert.match(text, /CORS_ORIGINS entries must be origins .* \(got "\*"\)/);
  assert.match(text, /CORS_ORIGINS entries must be origins .* \(got "https:\/\/x.example.com\/path"\)/);
  assert.match(text, /BRIDGE_SHARED_SECRET must be at least 32 characters/);
  assert.match(text, /TRUST_PROXY must be true, false, a hop count/);
  assert.match(text, /SALESFORCE_LOGIN_URL must use https outside the sandbox/);
  assert.equal(p.length, 10);
  assert.ok(p.every((line) => line.startsWith('[bridge] ')));
  assert.ok(!text.includes('short'), 'a secret value is never echoed');
});

test('guest customers: only with SANDBOX=true, HOST and every upstream URL on loopback, or by the ALLOW_GUEST_CUSTOMERS override', () => {
  const sandbox = {
    CUSTOMER_AUTH_MODE: 'guest',
    SANDBOX: 'true',
    SALESFORCE_LOGIN_URL: 'http://127.0.0.1:7001',
    SENDBIRD_API_URL: 'http://localhost:7002',
  };
  const c = loadConfig(baseEnv(sandbox));
  assert.deepEqual({ ...c.customerAuth }, { mode: 'guest', allowedBy: 'loopback' });
  assert.equal(c.salesforce.loginUrl, 'http://127.0.0.1:7001', 'plain http is fine in the sandbox');
  assert.deepEqual(c.warnings, [], 'the sandbox starts without a warning');
  assert.equal(loadConfig(baseEnv({ ...sandbox, HOST: '::1' })).customerAuth.mode, 'guest');

  // SANDBOX alone is not enough: real upstreams, no SANDBOX, or a HOST others can reach are refused.
  const realSalesforce = problems(baseEnv({ ...sandbox, SALESFORCE_LOGIN_URL: 'https://acme.my.salesforce.com' }));
  assert.equal(realSalesforce.length, 1);
  assert.match(
    realSalesforce[0] ?? '',
    /CUSTOMER_AUTH_MODE guest is only allowed with SANDBOX=true against the emulators on this machine .* SALESFORCE_LOGIN_URL is https:\/\/acme\.my\.salesforce\.com/,
  );
  assert.match(
    realSalesforce[0] ?? '',
    /Set CUSTOMER_AUTH_MODE=jwt .* ALLOW_GUEST_CUSTOMERS=i-understand-anyone-can-open-tickets/,
    'says what to set',
  );
  assert.match(
    problems(baseEnv({ ...sandbox, SENDBIRD_API_URL: undefined })).join(),
    /SENDBIRD_API_URL is https:\/\/api-APP-1234\.sendbird\.com/,
    'the default Sendbird URL is real',
  );
  assert.match(problems(baseEnv({ ...sandbox, SANDBOX: undefined })).join(), /but SANDBOX is not true/);
  const open = problems(baseEnv({ ...sandbox, HOST: '0.0.0.0' }));
  assert.equal(open.length, 1);
  assert.match(
    open[0] ?? '',
    /HOST must be a loopback address .* guest customers, even with ALLOW_GUEST_CUSTOMERS \(got "0\.0\.0\.0"\).*CUSTOMER_AUTH_MODE=jwt/,
  );

  // The override: real upstreams allowed, a warning at every start, HOST still loopback only.
  const risky = { CUSTOMER_AUTH_MODE: 'guest', ALLOW_GUEST_CUSTOMERS: 'i-understand-anyone-can-open-tickets' };
  const overridden = loadConfig(baseEnv(risky));
  assert.deepEqual({ ...overridden.customerAuth }, { mode: 'guest', allowedBy: 'override' });
  assert.equal(overridden.warnings.length, 1);
  assert.match(
    overridden.warnings[0] ?? '',
    /ALLOW_GUEST_CUSTOMERS=i-understand-anyone-can-open-tickets: CUSTOMER_AUTH_MODE=guest lets anyone open tickets/,
  );
  assert.match(problems(baseEnv({ ...risky, HOST: '0.0.0.0' })).join(), /HOST must be a loopback address/);
  assert.match(problems(baseEnv({ ...risky, HOST: '192.168.1.10' })).join(), /got "192\.168\.1\.10"/);
  assert.match(
    problems(baseEnv({ ...risky, ALLOW_GUEST_CUSTOMERS: 'yes' })).join(),
    /ALLOW_GUEST_CUSTOMERS must be exactly i-understand-anyone-can-open-tickets .* \(got "yes"\)/,
  );
  assert.match(
    loadConfig(baseEnv({ ALLOW_GUEST_CUSTOMERS: 'i-understand-anyone-can-open-tickets' })).warnings.join(),
    /has no effect: CUSTOMER_AUTH_MODE is jwt/,
  );
});

test('customer JWT settings: exactly one of secret or public key; the public key must parse', () => {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  assert.match(problems(baseEnv({ CUSTOMER_JWT_PUBLIC_KEY: pem })).join(), /set only one/);
  assert.match(
    problems(baseEnv({ CUSTOMER_JWT_SECRET: undefined, CUSTOMER_JWT_PUBLIC_KEY: 'not a key' })).join(),
    /CUSTOMER_JWT_PUBLIC_KEY is not a valid PEM public key/,
  );
  const c = loadConfig(
    baseEnv({ CUSTOMER_JWT_SECRET: undefined, CUSTOMER_JWT_PUBLIC_KEY: pem, CUSTOMER_JWT_ISSUER: 'https://id.example.com' }),
  );
  assert.equal(c.customerAuth.mode, 'jwt');
  assert.ok(c.customerAuth.mode === 'jwt' && c.customerAuth.jwtPublicKey?.includes('BEGIN PUBLIC KEY'));
  assert.ok(c.customerAuth.mode === 'jwt' && c.customerAuth.issuer === 'https://id.example.com');
  const sb = loadConfig(baseEnv({ CUSTOMER_JWT_SECRET: undefined, CUSTOMER_AUTH_MODE: 'sendbird_token' }));
  assert.equal(sb.customerAuth.mode, 'sendbird_token');
});

test('Salesforce flows: each requires its own settings; the JWT key may come from a file', (t) => {
  const jwtMissing = problems(baseEnv({ SALESFORCE_AUTH_FLOW: 'jwt_bearer', SALESFORCE_CLIENT_SECRET: undefined })).join('\n');
  assert.match(jwtMissing, /SALESFORCE_USERNAME is required/);
  assert.match(jwtMissing, /SALESFORCE_JWT_PRIVATE_KEY or SALESFORCE_JWT_PRIVATE_KEY_FILE is required by the jwt_bearer flow/);
  assert.doesNotMatch(jwtMissing, /SALESFORCE_CLIENT_SECRET/);

  const pwMissing = problems(baseEnv({ SALESFORCE_AUTH_FLOW: 'password' })).join('\n');
  assert.match(pwMissing, /SALESFORCE_USERNAME is required/);
  assert.match(pwMissing, /SALESFORCE_PASSWORD is required/);

  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const file = join(tempDir(t), 'server.key');
  writeFileSync(file, pem);
  const c = loadConfig(
    baseEnv({ SALESFORCE_AUTH_FLOW: 'jwt_bearer', SALESFORCE_USERNAME: 'integration@acme.com', SALESFORCE_JWT_PRIVATE_KEY_FILE: file }),
  );
  assert.equal(c.salesforce.jwtPrivateKey, pem);
  const inline = loadConfig(
    baseEnv({
      SALESFORCE_AUTH_FLOW: 'jwt_bearer',
      SALESFORCE_USERNAME: 'integration@acme.com',
      SALESFORCE_JWT_PRIVATE_KEY: pem.replace(/\n/g, '\\n'),
    }),
  );
  assert.equal(inline.salesforce.jwtPrivateKey, pem, 'literal \\n in an env var become newlines');

  const bad = problems(
    baseEnv({
      SALESFORCE_AUTH_FLOW: 'jwt_bearer',
      SALESFORCE_USERNAME: 'u@acme.com',
      SALESFORCE_JWT_PRIVATE_KEY_FILE: join(tempDir(t), 'missing.key'),
    }),
  );
  assert.match(bad.join(), /SALESFORCE_JWT_PRIVATE_KEY_FILE names a file that cannot be read \(ENOENT\)/);
});

test('DATABASE_URL: sqlite URLs and PostgreSQL URLs; pool size, schema; the password is a secret', () => {
  const c = loadConfig(baseEnv({ DATABASE_URL: 'sqlite:./somewhere/bridge.db' }));
  assert.equal(c.store.kind, 'sqlite');
  assert.match(c.store.file, /somewhere[\\/]bridge\.db$/);

  const pg = loadConfig(
    baseEnv({ DATABASE_URL: 'postgres://bridge:s3cr%40t-pw@127.0.0.1:5432/bridge', DATABASE_SCHEMA: 'bridge_a', DATABASE_POOL_SIZE: '4' }),
  );
  assert.equal(pg.store.kind, 'postgres');
  assert.deepEqual({ schema: pg.store.schema, poolSize: pg.store.poolSize }, { schema: 'bridge_a', poolSize: 4 });
  assert.equal(pg.store.url, 'postgres://bridge:s3cr%40t-pw@127.0.0.1:5432/bridge', 'the code that connects reads the real URL');
  assert.ok(configSecrets(pg).includes('s3cr@t-pw'), 'the decoded password is scrubbed from logs');
  for (const shown of [JSON.stringify(pg), JSON.stringify(redactedConfig(pg)), String(pg.store), inspect(pg)]) {
    assert.ok(!shown.includes('s3cr'), shown);
  }
  assert.match(JSON.stringify(redactedConfig(pg).store), /postgres:\/\/bridge:%5BREDACTED%5D@127\.0\.0\.1:5432\/bridge|\[REDACTED\]/);
  assert.equal(loadConfig(baseEnv({ DATABASE_URL: 'postgresql://h.example.com/db?sslmode=require' })).store.kind, 'postgres');
  assert.equal(
    (loadConfig(baseEnv({ DATABASE_URL: 'postgres://127.0.0.1/db' })).store as { poolSize: number }).poolSize,
    10,
    'default pool size',
  );
  assert.match(loadConfig(baseEnv({ DATABASE_URL: 'postgres://u:pw@db.example.com/bridge' })).warnings.join(), /without sslmode=require/);

  const p = problems(
    baseEnv({
      DATABASE_URL: 'postgres://bridge:pw@db.example.com:99999/bridge',
      DATABASE_POOL_SIZE: '0',
      DATABASE_SCHEMA: 'Robert"; DROP',
    }),
  );
  assert.match(p.join(), /DATABASE_POOL_SIZE must be a whole number from 1 to 1000/);
  assert.match(p.join(), /DATABASE_SCHEMA must be a lower-case identifier/);
  assert.match(p.join(), /DATABASE_URL is not a valid URL/);
  assert.ok(!p.join().includes('pw@'), 'the URL (and its password) is not echoed');
  assert.match(problems(baseEnv({ DATABASE_URL: 'postgres:///nohost' })).join(), /must name a host and a database/);
  assert.match(
    problems(baseEnv({ DATABASE_URL: 'mysql://x' })).join(),
    /DATABASE_URL must be postgres:\/\/user:password@host:5432\/database, sqlite:<file>/,
  );
});

test('SENDBIRD_SHARED_PACING: auto shares with PostgreSQL, not with SQLite; true and false force it', () => {
  const pg = 'postgres://127.0.0.1/db';
  assert.equal(loadConfig(baseEnv({})).sendbird.sharedPacing, false, 'SQLite is one process');
  assert.equal(loadConfig(baseEnv({ DATABASE_URL: pg })).sendbird.sharedPacing, true);
  assert.equal(loadConfig(baseEnv({ DATABASE_URL: pg, SENDBIRD_SHARED_PACING: 'false' })).sendbird.sharedPacing, false);
  assert.equal(loadConfig(baseEnv({ SENDBIRD_SHARED_PACING: 'true' })).sendbird.sharedPacing, true, 'two processes on one SQLite file');
  assert.equal(loadConfig(baseEnv({ DATABASE_URL: pg, SENDBIRD_SHARED_PACING: 'auto' })).sendbird.sharedPacing, true);
  assert.match(
    problems(baseEnv({ SENDBIRD_SHARED_PACING: 'yes' })).join(),
    /SENDBIRD_SHARED_PACING must be one of auto, true, false \(got "yes"\)/,
  );
});

test('warnings: client credentials against login.salesforce.com, and the deprecated password flow', () => {
  const c = loadConfig(baseEnv({ SALESFORCE_LOGIN_URL: 'https://login.salesforce.com' }));
  assert.match(c.warnings.join(), /My Domain/);
  const pw = loadConfig(
    baseEnv({ SALESFORCE_AUTH_FLOW: 'password', SALESFORCE_USERNAME: 'u@acme.com', SALESFORCE_PASSWORD: 'hunter2-and-token' }),
  );
  assert.match(pw.warnings.join(), /deprecated/);
});

test('secrets stay out of JSON, String() and inspect() of the config, and redactedConfig() masks them', () => {
  const c = loadConfig(
    baseEnv({ SALESFORCE_AUTH_FLOW: 'password', SALESFORCE_USERNAME: 'u@acme.com', SALESFORCE_PASSWORD: 'hunter2-and-token' }),
  );
  const secrets = [...Object.values(SECRETS), 'hunter2-and-token'];
  assert.deepEqual(new Set(configSecrets(c)), new Set(secrets));
  for (const text of [
    JSON.stringify(c),
    String(c),
    inspect(c, { depth: 10 }),
    JSON.stringify(c.sendbird),
    String(c.salesforce),
    inspect(c.customerAuth),
    JSON.stringify(redactedConfig(c)),
  ]) {
    for (const s of secrets) assert.ok(!text.includes(s), `a secret leaked into: ${text.slice(0, 80)}...`);
    assert.match(text, /\[REDACTED\]/);
  }
  // ...while the code that needs them can still read them.
  assert.equal(c.sendbird.apiToken, SECRETS.SENDBIRD_API_TOKEN);
  assert.equal(JSON.parse(JSON.stringify(c)).sendbird.appId, 'APP-1234', 'non-secret settings are still shown');
});

test('transcript and Case lifecycle settings: defaults, and each invalid value named', () => {
  const c = loadConfig(baseEnv());
  assert.deepEqual(
    { ...c.transcript },
    {
      mode: 'object',
      flushMs: 2000,
      minBatchWaitMs: 0,
      writesInFlight: 2,
      slowFlushMs: 60000,
      retentionDays: 7,
      webhookBodyLimitBytes: 262144,
      catchupIntervalMs: 300000,
      catchupGapMs: 15000,
      catchupRecheck: 20,
      catchupReadsPerSecond: 2,
      budgetReserve: 0.1,
      caseClosedAction: 'freeze',
      caseClosedMessage: c.transcript.caseClosedMessage,
      caseReopenedMessage: c.transcript.caseReopenedMessage,
      files: { enabled: true, maxBytes: 25 * 1024 * 1024, timeoutMs: 30_000, hosts: [] },
    },
  );
  assert.deepEqual(
    loadConfig(
      baseEnv({
        TRANSCRIPT_FILES: 'false',
        TRANSCRIPT_FILE_MAX_BYTES: '1000',
        TRANSCRIPT_FILE_HOSTS: 'Files.Example.com, .cdn.example.net',
      }),
    ).transcript.files,
    { enabled: false, maxBytes: 1000, timeoutMs: 30_000, hosts: ['files.example.com', '.cdn.example.net'] },
  );
  assert.equal(
    loadConfig(baseEnv({ TRANSCRIPT_FLUSH_MS: '120000' })).transcript.slowFlushMs,
    120000,
    'unset, the slow interval is never shorter',
  );
  const set = loadConfig(
    baseEnv({
      TRANSCRIPT_MODE: 'case_comment',
      SALESFORCE_BUDGET_RESERVE: '0.25',
      CASE_CLOSED_ACTION: 'message',
      CASE_CLOSED_MESSAGE: 'Bye',
    }),
  );
  assert.deepEqual(
    [set.transcript.mode, set.transcript.budgetReserve, set.transcript.caseClosedAction, set.transcript.caseClosedMessage],
    ['case_comment', 0.25, 'message', 'Bye'],
  );
  const found = problems(
    baseEnv({
      TRANSCRIPT_MODE: 'chatter',
      SALESFORCE_BUDGET_RESERVE: '1.5',
      TRANSCRIPT_FLUSH_MS: '5000',
      TRANSCRIPT_SLOW_FLUSH_MS: '1000',
      TRANSCRIPT_MIN_BATCH_WAIT_MS: '6000',
      TRANSCRIPT_WRITES_IN_FLIGHT: '0',
      CASE_CLOSED_ACTION: 'delete',
      TRANSCRIPT_CATCHUP_INTERVAL_MS: '10',
      TRANSCRIPT_CATCHUP_RECHECK: '201',
      TRANSCRIPT_CATCHUP_READS_PER_SECOND: '0',
      TRANSCRIPT_CATCHUP_GAP_MS: 'soon',
      TRANSCRIPT_FILE_MAX_BYTES: String(38 * 1024 * 1024),
      TRANSCRIPT_FILE_HOSTS: 'https://files.example.com/path',
      TRANSCRIPT_FILES: 'maybe',
    }),
  );
  for (const name of [
    'TRANSCRIPT_MODE',
    'SALESFORCE_BUDGET_RESERVE',
    'TRANSCRIPT_SLOW_FLUSH_MS',
    'TRANSCRIPT_MIN_BATCH_WAIT_MS',
    'TRANSCRIPT_WRITES_IN_FLIGHT',
    'CASE_CLOSED_ACTION',
    'TRANSCRIPT_CATCHUP_INTERVAL_MS',
    'TRANSCRIPT_CATCHUP_RECHECK',
    'TRANSCRIPT_CATCHUP_READS_PER_SECOND',
    'TRANSCRIPT_CATCHUP_GAP_MS',
    'TRANSCRIPT_FILE_MAX_BYTES',
    'TRANSCRIPT_FILE_HOSTS',
    'TRANSCRIPT_FILES',
  ]) {
    assert.ok(
      found.some((p) => p.startsWith(`[bridge] ${name} `)),
      `${name} is named: ${found.join(' | ')}`,
    );
  }
});

test('Case events: the Apex path by default; CDC with its endpoint, channel, trusted certificates, fetch size and lease', (t) => {
  const off = loadConfig(baseEnv()).membership.caseEvents;
  assert.deepEqual(off, {
    mode: 'apex',
    pubsubEndpoint: 'api.pubsub.salesforce.com:7443',
    pubsubCaPem: undefined,
    topic: '/data/CaseChangeEvent',
    fetchSize: 100,
    leaseMs: 30_000,
  });
  const ca = join(tempDir(t), 'ca.pem');
  writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
  const on = loadConfig(
    baseEnv({
      CASE_EVENTS: 'cdc',
      SALESFORCE_PUBSUB_ENDPOINT: '127.0.0.1:7443',
      SALESFORCE_PUBSUB_CA_FILE: ca,
      SALESFORCE_CDC_TOPIC: '/data/Sendbird_Cases__chn',
      CDC_FETCH_SIZE: '20',
      CDC_LEASE_MS: '10000',
    }),
  ).membership.caseEvents;
  assert.equal(on.mode, 'cdc');
  assert.equal(on.pubsubEndpoint, '127.0.0.1:7443');
  assert.match(on.pubsubCaPem ?? '', /BEGIN CERTIFICATE/);
  assert.deepEqual([on.topic, on.fetchSize, on.leaseMs], ['/data/Sendbird_Cases__chn', 20, 10_000]);
  const notPem = join(tempDir(t), 'key.txt');
  writeFileSync(notPem, 'hello');
  const found = problems(
    baseEnv({
      CASE_EVENTS: 'pubsub',
      SALESFORCE_PUBSUB_ENDPOINT: 'https://api.pubsub.salesforce.com',
      SALESFORCE_PUBSUB_CA_FILE: notPem,
      SALESFORCE_CDC_TOPIC: '/event/Sendbird_Case_Event__e',
      CDC_FETCH_SIZE: '101',
      CDC_LEASE_MS: '100',
    }),
  );
  for (const name of [
    'CASE_EVENTS',
    'SALESFORCE_PUBSUB_ENDPOINT',
    'SALESFORCE_PUBSUB_CA_FILE',
    'SALESFORCE_CDC_TOPIC',
    'CDC_FETCH_SIZE',
    'CDC_LEASE_MS',
  ]) {
    assert.ok(
      found.some((p) => p.includes(name)),
      `${name} in ${found.join('\n')}`,
    );
  }
  assert.ok(problems(baseEnv({ SALESFORCE_PUBSUB_CA_FILE: join(tempDir(t), 'missing.pem') })).some((p) => /could not be read/.test(p)));
});

test('contact matching: off by default; each setting checked, naming the variable and what to set', () => {
  assert.deepEqual(loadConfig(baseEnv()).tickets.contacts, {
    match: 'off',
    field: 'Sendbird_User_Id__c',
    create: 'none',
    personAccountRecordTypeId: undefined,
    duplicates: 'skip',
    refreshMs: 30 * 86_400_000,
  });
  const on = loadConfig(
    baseEnv({
      CONTACT_MATCH: 'external_id',
      CONTACT_MATCH_FIELD: 'Customer_Key__c',
      CONTACT_CREATE: 'person_account',
      PERSON_ACCOUNT_RECORD_TYPE_ID: '012000000000001',
      CONTACT_DUPLICATES: 'link_match',
      CONTACT_MATCH_REFRESH_DAYS: '7',
    }),
  ).tickets.contacts;
  assert.equal(on.personAccountRecordTypeId, '012000000000001AAA', 'an Id is kept in its 18-character form');
  assert.deepEqual(
    [on.match, on.field, on.create, on.duplicates, on.refreshMs],
    ['external_id', 'Customer_Key__c', 'person_account', 'link_match', 7 * 86_400_000],
  );

  const found = problems(
    baseEnv({
      CONTACT_MATCH: 'phone',
      CONTACT_MATCH_FIELD: "Email' OR Name != '",
      CONTACT_CREATE: 'lead',
      PERSON_ACCOUNT_RECORD_TYPE_ID: '001000000000001AAA',
      CONTACT_DUPLICATES: 'merge',
      CONTACT_MATCH_REFRESH_DAYS: '0',
    }),
  );
  for (const name of [
    'CONTACT_MATCH',
    'CONTACT_MATCH_FIELD',
    'CONTACT_CREATE',
    'PERSON_ACCOUNT_RECORD_TYPE_ID',
    'CONTACT_DUPLICATES',
    'CONTACT_MATCH_REFRESH_DAYS',
  ]) {
    assert.ok(
      found.some((p) => p.includes(name)),
      `${name} is named: ${found.join(' | ')}`,
    );
  }
  assert.ok(
    problems(baseEnv({ CONTACT_CREATE: 'contact' })).some(
      (p) => p.includes('CONTACT_CREATE') && p.includes('CONTACT_MATCH=email or external_id'),
    ),
    'creating needs matching',
  );
  assert.ok(
    problems(baseEnv({ CONTACT_MATCH: 'email', CONTACT_CREATE: 'contact', PERSON_ACCOUNT_RECORD_TYPE_ID: '012000000000001AAA' })).some(
      (p) => p.includes('only used with CONTACT_CREATE=person_account'),
    ),
  );
});
