import assert from 'node:assert/strict';
import { generateKeyPairSync, verify } from 'node:crypto';
import { describe, it } from 'node:test';
import { JWT_BEARER_GRANT, JWT_LIFETIME_SECONDS, signJwtAssertion, tokenRequestBody } from '../src/index.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

describe('JWT bearer assertion', () => {
  it('is an RS256 JWT with iss, sub, aud and exp that the public key verifies', () => {
    const now = Date.UTC(2025, 0, 1);
    const jwt = signJwtAssertion({
      clientId: 'cid',
      username: 'u@example.com',
      audience: 'https://login.salesforce.com',
      privateKey: pem,
      nowMs: now,
    });
    const [h, c, s] = jwt.split('.') as [string, string, string];
    assert.deepEqual(JSON.parse(Buffer.from(h, 'base64url').toString()), { alg: 'RS256' });
    assert.deepEqual(JSON.parse(Buffer.from(c, 'base64url').toString()), {
      iss: 'cid',
      sub: 'u@example.com',
      aud: 'https://login.salesforce.com',
      exp: now / 1000 + JWT_LIFETIME_SECONDS,
    });
    assert.equal(verify('sha256', Buffer.from(`${h}.${c}`), publicKey, Buffer.from(s, 'base64url')), true);
  });

  it('goes into the jwt-bearer grant with the default audience', () => {
    const form = tokenRequestBody({ kind: 'jwt_bearer', clientId: 'cid', username: 'u', privateKey: pem }, 0);
    assert.equal(form.get('grant_type'), JWT_BEARER_GRANT);
    const claims = JSON.parse(Buffer.from(form.get('assertion')!.split('.')[1]!, 'base64url').toString()) as { aud: string };
    assert.equal(claims.aud, 'https://login.salesforce.com');
    assert.equal(form.get('client_secret'), null);
  });
});
