/** @sbsf/salesforce against the emulator: OAuth flows, token cache, single flight, re-login. */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { SalesforceAuthError, SalesforceClient } from '@sbsf/salesforce';
import { SALESFORCE_EMULATOR_DEFAULTS } from '../src/salesforce/index.js';
import { clientFor, startSf } from './salesforce-helpers.js';

const TOKEN_ROUTE = 'POST /services/oauth2/token';

function keyPair() {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

describe('OAuth flows', () => {
  it('client credentials: runs as the integration user', async (t) => {
    const emu = await startSf(t);
    const c = clientFor(emu);
    const { id } = await c.create('Case', { Subject: 'cc flow' });
    const rec = await c.get<{ CreatedById: string; OwnerId: string }>('Case', id);
    assert.equal(rec.CreatedById, emu.seed.integrationUserId);
    assert.equal(rec.OwnerId, emu.seed.integrationUserId);
  });

  it('client credentials: a wrong secret is an invalid_client SalesforceAuthError without the secret in it', async (t) => {
    const emu = await startSf(t);
    const c = clientFor(emu, { auth: { kind: 'client_credentials', clientId: emu.options.clientId, clientSecret: 'wrong-secret-123' } });
    await assert.rejects(c.query('SELECT Id FROM Case'), (err: SalesforceAuthError) => {
      assert.ok(err instanceof SalesforceAuthError);
      assert.equal(err.status, 400);
      assert.equal(err.errorCode, 'invalid_client');
      assert.doesNotMatch(err.message, /wrong-secret-123/);
      return true;
    });
    // 4xx from the token endpoint is not retried.
    assert.equal(emu.stats().byRoute[TOKEN_ROUTE], 1);
  });

  it('JWT bearer: a key pair made here, verified by the emulator; runs as the `sub` user', async (t) => {
    const keys = keyPair();
    const emu = await startSf(t, { jwtPublicKey: keys.publicKey });
    const c = new SalesforceClient({
      loginUrl: emu.url,
      auth: { kind: 'jwt_bearer', clientId: emu.options.clientId, username: 'ava.agent@sbsf.example', privateKey: keys.privateKey },
    });
    const { id } = await c.create('Case', { Subject: 'jwt flow' });
    assert.equal((await c.get<{ CreatedById: string }>('Case', id)).CreatedById, emu.seed.agents.ava);
  });

  it('JWT bearer: wrong key, unknown user, wrong audience and wrong issuer are refused', async (t) => {
    const keys = keyPair();
    const other = keyPair();
    const emu = await startSf(t, { jwtPublicKey: keys.publicKey });
    const cases = [
      { privateKey: other.privateKey, username: 'ava.agent@sbsf.example', code: 'invalid_grant', desc: /invalid assertion/ },
      { privateKey: keys.privateKey, username: 'nobody@sbsf.example', code: 'invalid_grant', desc: /hasn't approved/ },
      {
        privateKey: keys.privateKey,
        username: 'ava.agent@sbsf.example',
        audience: 'https://example.com',
        code: 'invalid_grant',
        desc: /audience/,
      },
      {
        privateKey: keys.privateKey,
        username: 'ava.agent@sbsf.example',
        clientId: 'someone-else',
        code: 'invalid_client_id',
        desc: /client identifier/,
      },
    ];
    for (const k of cases) {
      const c = new SalesforceClient({
        loginUrl: emu.url,
        auth: {
          kind: 'jwt_bearer',
          clientId: k.clientId ?? emu.options.clientId,
          username: k.username,
          privateKey: k.privateKey,
          ...(k.audience ? { audience: k.audience } : {}),
        },
      });
      await assert.rejects(c.query('SELECT Id FROM User'), (err: SalesforceAuthError) => {
        assert.ok(err instanceof SalesforceAuthError);
        assert.equal(err.errorCode, k.code);
        assert.match(err.message, k.desc);
        return true;
      });
    }
  });

  it('JWT bearer: an expired assertion is refused (the emulator clock is ahead)', async (t) => {
    const keys = keyPair();
    const emu = await startSf(t, { jwtPublicKey: keys.publicKey, now: () => Date.now() + 10 * 60_000 });
    const c = new SalesforceClient({
      loginUrl: emu.url,
      auth: { kind: 'jwt_bearer', clientId: emu.options.clientId, username: 'ava.agent@sbsf.example', privateKey: keys.privateKey },
    });
    await assert.rejects(c.query('SELECT Id FROM User'), { name: 'SalesforceAuthError', errorCode: 'invalid_grant' });
  });

  it('password: works, and warns once; blocked orgs answer invalid_grant "authentication failure"', async (t) => {
    const emu = await startSf(t);
    const warnings: string[] = [];
    const auth = {
      kind: 'password' as const,
      clientId: emu.options.clientId,
      clientSecret: emu.options.clientSecret,
      username: SALESFORCE_EMULATOR_DEFAULTS.integrationUsername,
      password: SALESFORCE_EMULATOR_DEFAULTS.integrationPassword,
    };
    const c = new SalesforceClient({ loginUrl: emu.url, auth, logger: { warn: (m) => warnings.push(m) } });
    await c.query('SELECT Id FROM Case');
    await c.query('SELECT Id FROM Case');
    assert.equal(warnings.length, 1);

    const bad = new SalesforceClient({ loginUrl: emu.url, auth: { ...auth, password: 'nope' }, logger: { warn: () => {} } });
    await assert.rejects(bad.query('SELECT Id FROM Case'), { errorCode: 'invalid_grant', message: /authentication failure/ });

    const blocked = await startSf(t, { passwordFlowEnabled: false });
    const b = new SalesforceClient({ loginUrl: blocked.url, auth, logger: { warn: () => {} } });
    await assert.rejects(b.query('SELECT Id FROM Case'), { errorCode: 'invalid_grant', message: /authentication failure/ });
  });
});

describe('token handling', () => {
  it('caches the token across calls', async (t) => {
    const emu = await startSf(t);
    const c = clientFor(emu);
    for (let i = 0; i < 5; i++) await c.query('SELECT Id FROM Case');
    assert.equal(emu.stats().byRoute[TOKEN_ROUTE], 1);
    assert.equal(emu.stats().byRoute['GET /query'], 5);
  });

  it('single flight: 20 concurrent first calls make exactly one token request', async (t) => {
    const emu = await startSf(t);
    const c = clientFor(emu);
    const results = await Promise.all(Array.from({ length: 20 }, () => c.query<{ Id: string }>('SELECT Id FROM Case')));
    assert.equal(results.length, 20);
    assert.ok(results.every((r) => r.totalSize === emu.records('Case').length));
    assert.equal(emu.stats().byRoute[TOKEN_ROUTE], 1);
  });

  it('expired token: one re-login and one retry of the request, shared by concurrent callers', async (t) => {
    const emu = await startSf(t);
    const c = clientFor(emu);
    await c.query('SELECT Id FROM Case');
    assert.equal(emu.expireTokens(), 1);
    emu.resetStats();
    const results = await Promise.all(Array.from({ length: 10 }, () => c.query('SELECT Id FROM Case')));
    assert.equal(results.length, 10);
    const s = emu.stats().byRoute;
    assert.equal(s[TOKEN_ROUTE], 1);
    assert.equal(s['GET (rejected: INVALID_SESSION_ID)'], 10);
    assert.equal(s['GET /query'], 10);
  });

  it('tokens expire after tokenTtlMs on the emulator clock', async (t) => {
    let now = Date.now();
    const emu = await startSf(t, { tokenTtlMs: 60_000, now: () => now });
    const c = clientFor(emu);
    await c.query('SELECT Id FROM Case');
    now += 61_000;
    await c.query('SELECT Id FROM Case');
    assert.equal(emu.stats().byRoute[TOKEN_ROUTE], 2);
  });

  it('a 401 that survives the re-login is a SalesforceAuthError, after exactly one retry', async (t) => {
    // Each reading of this clock is 10 s later, so every token is already expired when used.
    let now = Date.now();
    const emu = await startSf(t, { tokenTtlMs: 1000, now: () => (now += 10_000) });
    const c = clientFor(emu);
    await assert.rejects(c.query('SELECT Id FROM Case'), (err: SalesforceAuthError) => {
      assert.ok(err instanceof SalesforceAuthError);
      assert.equal(err.status, 401);
      assert.equal(err.errorCode, 'INVALID_SESSION_ID');
      return true;
    });
    assert.equal(emu.stats().byRoute[TOKEN_ROUTE], 2);
    assert.equal(emu.stats().byRoute['GET (rejected: INVALID_SESSION_ID)'], 2);
  });
});
