import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { SalesforceClient } from '../src/index.js';
import type { SalesforceClientOptions } from '../src/index.js';

const ok: SalesforceClientOptions = {
  loginUrl: 'https://example.my.salesforce.com',
  auth: { kind: 'client_credentials', clientId: 'id', clientSecret: 'very-secret-value' },
};

function rejects(opts: unknown, pattern: RegExp): void {
  assert.throws(
    () => new SalesforceClient(opts as SalesforceClientOptions),
    (err: Error) => {
      assert.ok(err instanceof TypeError);
      assert.match(err.message, /^\[salesforce\] /);
      assert.match(err.message, pattern);
      assert.doesNotMatch(err.message, /very-secret-value/);
      return true;
    },
  );
}

describe('SalesforceClient options', () => {
  it('accepts a minimal client-credentials configuration with defaults', () => {
    const c = new SalesforceClient(ok);
    assert.equal(c.apiVersion, '62.0');
    assert.equal(c.limitInfo, undefined);
  });

  it('names the missing or invalid option', () => {
    rejects(undefined, /options are required/);
    rejects({ ...ok, loginUrl: undefined }, /loginUrl is required/);
    rejects({ ...ok, loginUrl: 'example.com' }, /loginUrl must be an absolute URL/);
    rejects({ ...ok, loginUrl: 'ftp://example.com' }, /loginUrl must use https/);
    rejects({ ...ok, apiVersion: 'v62' }, /apiVersion must look like '62.0'/);
    rejects({ ...ok, apiVersion: '30.0' }, /apiVersion/);
    rejects({ ...ok, timeoutMs: 0 }, /timeoutMs must be a positive number/);
    rejects({ ...ok, retry: { maxAttempts: -1 } }, /retry.maxAttempts/);
    rejects({ ...ok, auth: undefined }, /auth is required/);
    rejects({ ...ok, auth: { kind: 'oauth' } }, /auth.kind must be/);
    rejects({ ...ok, auth: { kind: 'client_credentials', clientId: 'id', clientSecret: '' } }, /auth.clientSecret is required/);
    rejects({ ...ok, auth: { kind: 'password', clientId: 'id', clientSecret: 's', username: 'u' } }, /auth.password is required/);
    rejects({ ...ok, auth: { kind: 'jwt_bearer', clientId: 'id', username: 'u' } }, /auth.privateKey is required/);
    rejects(
      { ...ok, auth: { kind: 'jwt_bearer', clientId: 'id', username: 'u', privateKey: 'very-secret-value' } },
      /not a readable PEM private key/,
    );
  });

  it('accepts a JWT bearer configuration with a real key', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    assert.ok(new SalesforceClient({ ...ok, auth: { kind: 'jwt_bearer', clientId: 'id', username: 'u@x.com', privateKey: pem } }));
  });

  it('warns once that the password flow is deprecated', () => {
    const warnings: string[] = [];
    new SalesforceClient({
      ...ok,
      auth: { kind: 'password', clientId: 'id', clientSecret: 'very-secret-value', username: 'u', password: 'pw' },
      logger: { warn: (m) => warnings.push(m) },
    });
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /deprecated and blocked by default/);
    assert.doesNotMatch(warnings[0]!, /very-secret-value|pw/);
  });
});
