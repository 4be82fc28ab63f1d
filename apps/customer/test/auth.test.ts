/** Customer identity in the browser: a stable guest id, or a JWT from the customer's backend. */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { GUEST_ID_KEY, GuestAuth, JwtAuth, guestId, readJwtClaims } from '../src/auth.js';
import { MemoryStore } from '../src/storage.js';

const jwt = (claims: object) => `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;

test('the guest id is made once and kept; the body names the guest, GET carries the user header', async () => {
  const store = new MemoryStore();
  const id = guestId(store, () => '0f8fad5b-d9cb-469f-a165-70867728950e');
  assert.equal(id, 'guest-0f8fad5b-d9cb-469f-a165-70867728950e');
  assert.equal(store.getItem(GUEST_ID_KEY), id);
  assert.equal(
    guestId(store, () => 'other-uuid-value'),
    id,
    'stable across visits',
  );
  store.setItem(GUEST_ID_KEY, 'guest-<script>');
  assert.notEqual(guestId(store), 'guest-<script>', 'a tampered value is replaced');
  const auth = new GuestAuth(new MemoryStore(), () => 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee');
  assert.deepEqual(await auth.credentials({ nickname: 'Jane', email: 'j@example.com' }), {
    headers: { user: 'guest-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee' },
    customer: { userId: 'guest-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee', nickname: 'Jane', email: 'j@example.com' },
  });
});

test('JWT claims are read (not checked) for the customer key, UTF-8 included', () => {
  assert.deepEqual(readJwtClaims(jwt({ sub: 'cust-1', exp: 10, name: 'Zoë' })), { sub: 'cust-1', exp: 10, name: 'Zoë' });
  assert.throws(() => readJwtClaims('not-a-jwt'), /not a JWT/);
  assert.throws(() => readJwtClaims('a.%%%.c'), /not a readable JWT/);
});

test('JwtAuth fetches the token with cookies, reuses it until near expiry, and explains failures', async (t) => {
  let now = 1_000_000;
  let answer: { status: number; body: unknown } = { status: 200, body: { token: jwt({ sub: 'cust-9', exp: (now + 120_000) / 1000 }) } };
  let calls = 0;
  const server = createServer((_req, res) => {
    calls++;
    res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
  const auth = new JwtAuth(url, fetch, () => now);
  assert.equal(await auth.customerKey(), 'cust-9');
  const cred = await auth.credentials({ nickname: 'Kim' });
  assert.match(cred.headers.authorization ?? '', /^Bearer e30\./);
  assert.deepEqual(cred.customer, { nickname: 'Kim' }, 'no userId: the token names the customer');
  assert.equal(calls, 1);
  now += 100_000; // within the refresh margin of the 120 s token
  await auth.credentials();
  assert.equal(calls, 2);
  answer = { status: 401, body: {} };
  now += 1_000_000;
  await assert.rejects(auth.customerKey(), /sign in to your account first/);
  answer = { status: 200, body: { nope: 1 } };
  await assert.rejects(auth.customerKey(), /must answer \{"token":"<JWT>"\}/);
  await assert.rejects(new JwtAuth('http://127.0.0.1:9/token').customerKey(), /could not reach your account service/);
});
