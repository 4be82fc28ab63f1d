import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import { configSecrets, loadConfig } from '../src/config.js';
import { createLogger, SecretScrubber } from '../src/logger.js';
import { baseEnv, SECRETS } from './fixtures.js';

/** A pino destination that keeps every line. */
function capture() {
  const lines: string[] = [];
  return {
    lines,
    destination: { write: (s: string) => void lines.push(s) },
    parsed: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

test('every configured secret value is replaced wherever it appears in a line', () => {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const config = loadConfig(
    baseEnv({
      SALESFORCE_AUTH_FLOW: 'jwt_bearer',
      SALESFORCE_USERNAME: 'u@acme.com',
      SALESFORCE_JWT_PRIVATE_KEY: pem,
      SALESFORCE_CLIENT_SECRET: SECRETS.SALESFORCE_CLIENT_SECRET,
    }),
  );
  const secrets = configSecrets(config);
  assert.equal(secrets.length, 6, 'client secret, private key, API token, previous token, shared secret, customer JWT secret');
  const out = capture();
  const logger = createLogger({ level: 'info', secrets, destination: out.destination });
  for (const s of secrets) {
    logger.info(`message text with ${s} inside`);
    logger.info({ innocentField: `prefix ${s} suffix`, nested: { deeper: [s] } }, 'in fields');
    logger.error({ err: new Error(`upstream said: bad credential ${s}`) }, 'in an error');
  }
  // A single line of the PEM body, as it might appear in an error message, is caught too.
  const pemLine = pem.split('\n')[1] ?? '';
  logger.warn(`partial key line ${pemLine}`);

  assert.equal(out.lines.length, secrets.length * 3 + 1);
  for (const line of out.lines) {
    for (const s of secrets) assert.ok(!line.includes(s), `secret leaked: ${line.slice(0, 120)}`);
    assert.ok(!line.includes(JSON.stringify(pem).slice(1, 40)), 'the JSON-escaped PEM is caught');
    assert.ok(!line.includes(pemLine), 'a PEM line is caught');
    assert.match(line, /\[REDACTED\]/);
  }
});

test('secret headers and body fields are redacted by name, at any of the first levels', () => {
  const out = capture();
  const logger = createLogger({ destination: out.destination });
  logger.info(
    {
      req: {
        method: 'POST',
        url: '/x',
        headers: {
          authorization: 'Bearer abc',
          'api-token': 'tok-1',
          token: 'tok-2',
          'x-sendbird-signature': 'sig',
          cookie: 'c=1',
          'user-agent': 'ua/1',
        },
      },
      body: { accessToken: 'a1', access_token: 'a2', token: 't3', client_secret: 'cs', password: 'pw', assertion: 'jwt', nickname: 'Jo' },
      accessToken: 'top-level',
      response: { user: { session_tokens: [], access_token: 'deep' } },
    },
    'request',
  );
  const [entry] = out.parsed();
  assert.ok(entry);
  const req = entry.req as { headers: Record<string, string> };
  for (const h of ['authorization', 'api-token', 'token', 'x-sendbird-signature', 'cookie']) assert.equal(req.headers[h], '[REDACTED]', h);
  assert.equal(req.headers['user-agent'], 'ua/1', 'other headers are kept');
  const body = entry.body as Record<string, string>;
  for (const f of ['accessToken', 'access_token', 'token', 'client_secret', 'password', 'assertion'])
    assert.equal(body[f], '[REDACTED]', f);
  assert.equal(body.nickname, 'Jo');
  assert.equal(entry.accessToken, '[REDACTED]');
  assert.equal((entry.response as { user: { access_token: string } }).user.access_token, '[REDACTED]');
});

test('secrets learned at run time can be added to the scrubber; short values are ignored', () => {
  const scrubber = new SecretScrubber();
  const out = capture();
  const logger = createLogger({ scrubber, destination: out.destination });
  const accessToken = '00Dxx0000001gPL!AQ4AQFakeAccessTokenValue';
  logger.info(`before ${accessToken}`);
  scrubber.add(accessToken);
  scrubber.add('abc');
  logger.info(`after ${accessToken} abc`);
  assert.match(out.lines[0] ?? '', /FakeAccessTokenValue/, 'not known yet');
  assert.doesNotMatch(out.lines[1] ?? '', /FakeAccessTokenValue/);
  assert.match(out.lines[1] ?? '', /\[REDACTED\] abc/, 'a value too short to be a secret is left alone');
});

test('secret-named keys are censored at any depth, in errors, and whatever their value; text is left alone', () => {
  const out = capture();
  const logger = createLogger({ destination: out.destination });
  const err = Object.assign(new Error('upstream refused'), { config: { headers: { Authorization: 'Bearer deep-in-error' } }, status: 401 });
  logger.info(
    {
      a: { b: { c: { d: { e: { password: 'six-levels-down', nickname: 'kept' } } } } },
      numeric: { password: 123456, pin: 42 },
      cookie: { session: 'an object under a secret name' },
      list: [{ token: 'in-an-array' }, 'plain'],
      err,
    },
    'the text "token":"not-a-field" stays as written',
  );
  const line = out.lines[0] ?? '';
  for (const leaked of ['six-levels-down', 'deep-in-error', 'an object under a secret name', 'in-an-array', '123456'])
    assert.ok(!line.includes(leaked), `${leaked} leaked: ${line}`);
  const [entry] = out.parsed() as any[];
  assert.equal(entry.a.b.c.d.e.nickname, 'kept');
  assert.equal(entry.a.b.c.d.e.password, '[REDACTED]');
  assert.equal(entry.numeric.pin, 42);
  assert.equal(entry.cookie, '[REDACTED]');
  assert.deepEqual(entry.list, [{ token: '[REDACTED]' }, 'plain']);
  assert.equal(entry.err.config.headers.Authorization, '[REDACTED]', 'names match whatever their case');
  assert.equal(entry.err.status, 401);
  assert.equal(entry.msg, 'the text "token":"not-a-field" stays as written');
});
