import assert from 'node:assert/strict';
import { createHmac, generateKeyPairSync, sign } from 'node:crypto';
import { test } from 'node:test';
import { jwtVerify, SignJWT } from 'jose';
import { createJwtVerifier, JwtError, signCustomerJwt } from '../src/identity/jwt.js';

const secret = 'customer-backend-shared-secret-0123456789';
const now = Date.UTC(2026, 10, 25, 12, 0, 0);
const nowSec = now / 1000;
const verifyHs = createJwtVerifier({ secret, now: () => now });
const code = async (fn: () => Promise<unknown>) => {
  try {
    await fn();
  } catch (e) {
    assert.ok(e instanceof JwtError, String(e));
    return e.code;
  }
  return 'no error';
};

test('HS256: a valid token gives the claims', async () => {
  const t = signCustomerJwt({ sub: 'cust-1', name: 'Jo', email: 'jo@example.com', exp: nowSec + 60 }, secret);
  assert.deepEqual(await verifyHs(t), { sub: 'cust-1', name: 'Jo', email: 'jo@example.com', exp: nowSec + 60 });
});

test('HS256: wrong secret, tampering, expiry, missing claims and alg none are refused', async () => {
  const good = signCustomerJwt({ sub: 'cust-1', exp: nowSec + 60 }, secret);
  assert.equal(await code(() => verifyHs(signCustomerJwt({ sub: 'cust-1', exp: nowSec + 60 }, 'other-secret'))), 'token_signature');
  const [h, , s] = good.split('.');
  const forged = `${h}.${Buffer.from(JSON.stringify({ sub: 'admin', exp: nowSec + 60 })).toString('base64url')}.${s}`;
  assert.equal(await code(() => verifyHs(forged)), 'token_signature');
  assert.equal(await code(() => verifyHs(signCustomerJwt({ sub: 'cust-1', exp: nowSec - 31 }, secret))), 'token_expired');
  assert.equal(await code(() => verifyHs(signCustomerJwt({ exp: nowSec + 60 }, secret))), 'token_claims');
  assert.equal(await code(() => verifyHs(signCustomerJwt({ sub: 'cust-1' }, secret))), 'token_claims');
  const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'x', exp: nowSec + 60 })).toString('base64url')}.`;
  assert.equal(await code(() => verifyHs(none)), 'token_algorithm');
  assert.equal(await code(() => verifyHs('not-a-jwt')), 'token_malformed');
});

test('RS256: verifies with the public key; an HS256 token made with the public key as secret is refused', async () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pub = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const verifyRs = createJwtVerifier({ publicKey: pub, issuer: 'https://shop.example', audience: 'support', now: () => now });
  const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const claims = { sub: 'cust-2', exp: nowSec + 60, iss: 'https://shop.example', aud: 'support' };
  const body = `${enc({ alg: 'RS256' })}.${enc(claims)}`;
  const token = `${body}.${sign('RSA-SHA256', Buffer.from(body), privateKey).toString('base64url')}`;
  assert.equal((await verifyRs(token)).sub, 'cust-2');
  const confused = `${enc({ alg: 'HS256' })}.${enc(claims)}`;
  const confusedToken = `${confused}.${createHmac('sha256', pub).update(confused).digest('base64url')}`;
  assert.equal(await code(() => verifyRs(confusedToken)), 'token_algorithm');
  const wrongAud = `${enc({ alg: 'RS256' })}.${enc({ ...claims, aud: 'other' })}`;
  assert.equal(await code(() => verifyRs(`${wrongAud}.${sign('RSA-SHA256', Buffer.from(wrongAud), privateKey).toString('base64url')}`)), 'token_audience');
});

test('configuration must name exactly one key', () => {
  assert.throws(() => createJwtVerifier({}), /exactly one/);
  assert.throws(() => createJwtVerifier({ secret: 'a', publicKey: 'b' }), /exactly one/);
});

test('a token verified before is remembered, but its expiry and nbf are checked on every use', async () => {
  let clock = now;
  const verify = createJwtVerifier({ secret, now: () => clock, cacheSize: 2 });
  const t = signCustomerJwt({ sub: 'cust-1', name: 'Jo', exp: nowSec + 60, nbf: nowSec + 100 }, secret);
  // Not valid yet (nbf beyond the 30 s tolerance): refused, and refused again once remembered or not.
  assert.equal(await code(() => verify(t)), 'token_not_yet_valid');
  clock = now + 80_000;
  assert.deepEqual(await verify(t), { sub: 'cust-1', name: 'Jo', email: undefined, exp: nowSec + 60 });
  assert.deepEqual(await verify(t), { sub: 'cust-1', name: 'Jo', email: undefined, exp: nowSec + 60 });
  // The remembered token expires like any other.
  clock = now + 91_000;
  assert.equal(await code(() => verify(t)), 'token_expired');
  clock = now + 80_000;
  // The same claims with another signature are not the remembered token.
  const [h, p] = t.split('.');
  assert.equal(await code(() => verify(`${h}.${p}.${createHmac('sha256', 'other-secret').update(`${h}.${p}`).digest('base64url')}`)), 'token_signature');
  // A full cache forgets its oldest token; every token still verifies on its own merits.
  const others = ['cust-2', 'cust-3', 'cust-4'].map((sub) => signCustomerJwt({ sub, exp: nowSec + 600 }, secret));
  for (let round = 0; round < 2; round++) for (const [i, o] of others.entries()) assert.equal((await verify(o)).sub, `cust-${i + 2}`);
  assert.deepEqual(await verify(t), { sub: 'cust-1', name: 'Jo', email: undefined, exp: nowSec + 60 });
});

test('a returned claims object cannot change what is remembered', async () => {
  const verify = createJwtVerifier({ secret, now: () => now });
  const t = signCustomerJwt({ sub: 'cust-1', exp: nowSec + 60 }, secret);
  const first = await verify(t);
  first.sub = 'admin';
  assert.equal((await verify(t)).sub, 'cust-1');
});

test('signCustomerJwt and jose agree: jose verifies its tokens, the verifier accepts tokens jose signs', async () => {
  const key = new TextEncoder().encode(secret);
  const t = signCustomerJwt({ sub: 'cust-1', exp: nowSec + 60 }, secret);
  const { payload, protectedHeader } = await jwtVerify(t, key, { algorithms: ['HS256'], currentDate: new Date(now) });
  assert.deepEqual([protectedHeader.alg, payload.sub], ['HS256', 'cust-1']);
  const fromJose = await new SignJWT({ name: 'Jo' }).setProtectedHeader({ alg: 'HS256' }).setSubject('cust-9').setExpirationTime(nowSec + 60).sign(key);
  assert.deepEqual(await verifyHs(fromJose), { sub: 'cust-9', name: 'Jo', email: undefined, exp: nowSec + 60 });
});

test('claims of the wrong type, issuer and nbf, and no secret in any error', async () => {
  const verify = createJwtVerifier({ secret, issuer: 'https://shop.example', now: () => now });
  const iss = 'https://shop.example';
  const refused: [Record<string, unknown>, string][] = [
    [{ sub: 7, exp: nowSec + 60, iss }, 'token_claims'],
    [{ sub: 'x'.repeat(81), exp: nowSec + 60, iss }, 'token_claims'],
    [{ sub: 'cust-1', exp: 'tomorrow', iss }, 'token_claims'],
    [{ sub: 'cust-1', exp: nowSec + 60, iss, name: 5 }, 'token_claims'],
    [{ sub: 'cust-1', exp: nowSec + 60, iss, email: ['a@b'] }, 'token_claims'],
    [{ sub: 'cust-1', exp: nowSec + 60, iss: 'https://other.example' }, 'token_issuer'],
    [{ sub: 'cust-1', exp: nowSec + 60 }, 'token_issuer'],
    [{ sub: 'cust-1', exp: nowSec + 60, iss, nbf: nowSec + 31 }, 'token_not_yet_valid'],
    [{ sub: 'cust-1', exp: nowSec - 30, iss }, 'token_expired'],
  ];
  for (const [claims, expected] of refused) {
    let err: unknown;
    await verify(signCustomerJwt(claims, secret)).catch((e: unknown) => (err = e));
    assert.ok(err instanceof JwtError, JSON.stringify(claims));
    assert.equal(err.code, expected, JSON.stringify(claims));
    assert.ok(!`${err.message} ${err.stack}`.includes(secret), 'the secret is in no error');
  }
  // Within the 30 s tolerance, both ways.
  assert.equal((await verify(signCustomerJwt({ sub: 'cust-1', exp: nowSec - 29, nbf: nowSec + 30, iss }, secret))).sub, 'cust-1');
  const notJson = `${Buffer.from('{"alg":"HS256"}').toString('base64url')}.${Buffer.from('not json').toString('base64url')}`;
  const signed = `${notJson}.${createHmac('sha256', secret).update(notJson).digest('base64url')}`;
  assert.equal(await code(() => verify(signed)), 'token_claims');
  assert.equal(await code(() => verify('a.b')), 'token_malformed');
  assert.equal(await code(() => verify('%%%.%%%.%%%')), 'token_malformed');
});
