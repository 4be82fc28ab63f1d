import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '@sbsf/testkit';
import { learningFetch, tokensInAnswer } from '../src/clients.js';
import { DEFAULT_LEARNED_TTL_MS, SecretScrubber } from '../src/secrets.js';
import { openStore } from '../src/open-store.js';

const token = () => `00D000000000001!AQ${randomBytes(30).toString('base64url')}`;

test('learned tokens are scrubbed wherever they appear, in every form, and nothing else is touched', () => {
  const s = new SecretScrubber();
  const a = token();
  const b = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJqbyJ9.c2lnbmF0dXJlLXZhbHVl';
  const quoted = 'with "quotes" and \\ a backslash, long enough';
  s.learn(a, { pool: 'upstream' });
  s.learn(b, { pool: 'presented' });
  s.learn(quoted);
  s.learn('short-value');
  assert.equal(s.scrub(`Bearer ${a}`), 'Bearer [REDACTED]');
  assert.equal(s.scrub(`${a}${a}x${b}`), '[REDACTED][REDACTED]x[REDACTED]', 'adjacent occurrences, at the start and the end');
  assert.equal(s.scrub(`?token=${encodeURIComponent(a)}&x=1`), '?token=[REDACTED]&x=1', 'URL-encoded');
  assert.equal(s.scrub(JSON.stringify({ msg: `oops ${quoted}` })), '{"msg":"oops [REDACTED]"}', 'JSON-escaped');
  assert.equal(s.scrub('short-value and ordinary text'), 'short-value and ordinary text', 'values under 16 characters are not learned');
  assert.equal(s.scrub(a.slice(0, -1)), a.slice(0, -1), 'a prefix of a token is not the token');
  assert.equal(s.scrub(''), '');
});

test('scrubbing learned values agrees with a plain search for every one of them (random texts)', () => {
  const s = new SecretScrubber();
  const secrets = Array.from({ length: 300 }, token);
  for (const v of secrets) s.learn(v);
  for (let n = 0; n < 200; n++) {
    const picks = Array.from({ length: 3 }, () => secrets[Math.floor(Math.random() * secrets.length)]!);
    const text = `${randomBytes(20).toString('hex')} ${picks[0]}"${picks[1]}${randomBytes(5).toString('base64')}${picks[2]}`;
    const expected = secrets.reduce((t, v) => t.split(v).join('[REDACTED]'), text);
    assert.equal(s.scrub(text), expected);
    for (const p of picks) assert.ok(!s.scrub(text).includes(p));
  }
});

test('pools are bounded, the oldest forgotten first; a flood of presented values cannot push out an access token', () => {
  const s = new SecretScrubber([], { limits: { presented: 5, upstream: 2 } });
  const access = token();
  s.learn(access, { pool: 'upstream' });
  const flood = Array.from({ length: 50 }, token);
  for (const v of flood) s.learn(v, { pool: 'presented' });
  assert.deepEqual(s.sizes(), { upstream: 1, issued: 0, presented: 5 });
  assert.equal(s.scrub(access), '[REDACTED]', 'the access token is still known');
  assert.equal(s.scrub(flood[0]!), flood[0], 'the oldest presented values are forgotten');
  assert.equal(s.scrub(flood[49]!), '[REDACTED]');
  const [second, third] = [token(), token()];
  s.learn(second, { pool: 'upstream' });
  s.learn(access, { pool: 'upstream' }); // seen again: the young end
  s.learn(third, { pool: 'upstream' });
  assert.ok(s.has(access) && s.has(third) && !s.has(second), 'learning a value again keeps it');
});

test('expired values are forgotten; unknown expiry lasts a day from the last sighting', () => {
  let now = 1_000_000;
  const s = new SecretScrubber([], { clock: () => now });
  const session = token();
  const forever = token();
  s.learn(session, { expiresAt: now + 60_000 });
  s.learn(forever);
  s.learn(token(), { expiresAt: now - 1 });
  assert.equal(s.sizes().issued, 2, 'an already expired value is not kept');
  now += 61_000;
  s.learn(token());
  assert.ok(!s.has(session), 'expired: forgotten');
  assert.ok(s.has(forever));
  now += DEFAULT_LEARNED_TTL_MS;
  s.learn(token());
  assert.ok(!s.has(forever), 'a day after it was last seen');
});

test('configured secrets (any shape) and learned tokens together', () => {
  const s = new SecretScrubber(['pass word with spaces', 'x']);
  const t = token();
  s.learn(t);
  assert.equal(s.scrub(`pass word with spaces:${t}:x`), '[REDACTED]:[REDACTED]:x');
});

test('tokens in upstream answers: Salesforce and Sendbird token endpoints, users; page cursors are not credentials', () => {
  const sf = tokensInAnswer(
    '/services/oauth2/token',
    JSON.stringify({ access_token: '00Dx!AQabc/def', instance_url: 'https://x', token_type: 'Bearer' }),
  );
  assert.deepEqual(sf, { tokens: ['00Dx!AQabc/def'], expiresAt: undefined });
  assert.deepEqual(tokensInAnswer('/v3/users/u1/token', '{"token":"abc123","expires_at":1767225600000}'), {
    tokens: ['abc123'],
    expiresAt: 1767225600000,
  });
  assert.deepEqual(
    tokensInAnswer('/v3/users/u1', '{"user_id":"u1","access_token":"at-1","session_tokens":[{"session_token":"st-1","expires_at":1}]}')
      .tokens,
    ['at-1', 'st-1'],
  );
  assert.deepEqual(tokensInAnswer('/v3/group_channels', '{"channels":[],"next":"x","token":"cursor"}').tokens, []);
  assert.deepEqual(
    tokensInAnswer('/v3/group_channels', '{"channels":[{"data":"{\\"token\\":\\"in-a-string\\"}"}]}').tokens,
    [],
    'a field inside a JSON string is text',
  );
});

test('the upstream fetch learns the bearer token it sends, the assertion of a token request and the tokens it receives; guest mode reaches loopback only', async () => {
  const s = new SecretScrubber();
  const requested: string[] = [];
  const answer = (text: string) => ({ status: 200, ok: true, headers: new Headers(), text: async () => text }) as unknown as Response;
  const inner = (async (input: string | URL | Request) => {
    requested.push(String(input));
    return answer(String(input).endsWith('/token') ? '{"token":"sendbird-session-token-0001","expires_at":4102444800000}' : '{"ok":true}');
  }) as typeof fetch;
  const f = learningFetch(inner, s);
  const bearer = token();
  const assertion = 'eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJhcHAifQ.c2lnbmVkLWFzc2VydGlvbg';
  await f('https://acme.my.salesforce.com/services/data/v62.0/query', { headers: { Authorization: `Bearer ${bearer}` } });
  await f('https://acme.my.salesforce.com/services/oauth2/token', {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'jwt', assertion }).toString(),
  });
  const res = await f('https://api-app.sendbird.com/v3/users/u1/token', { method: 'POST' });
  assert.equal(await res.text(), '{"token":"sendbird-session-token-0001","expires_at":4102444800000}', 'the answer is passed on whole');
  assert.equal(s.scrub(`${bearer} ${assertion} sendbird-session-token-0001`), '[REDACTED] [REDACTED] [REDACTED]');

  const guest = learningFetch(inner, s, { loopbackOnly: true });
  await guest('http://127.0.0.1:8081/services/data/v62.0/query');
  await guest('http://localhost:8082/v3/users');
  await assert.rejects(
    guest('https://acme.my.salesforce.com/services/data/v62.0/query'),
    /guest customers are allowed only against upstreams on this machine, and https:\/\/acme\.my\.salesforce\.com is not/,
  );
  assert.equal(requested.filter((u) => u.includes('acme')).length, 2, 'nothing is sent to a real org in guest mode');
});

test('ledger details are scrubbed of every known secret value before they are written', async (t) => {
  const s = new SecretScrubber(['configured-secret-value']);
  const learned = token();
  s.learn(learned, { pool: 'upstream' });
  const store = await openStore(
    {
      kind: 'sqlite',
      dataDir: tempDir(t, 'ledger-scrub-'),
      file: join(tempDir(t, 'ledger-scrub-db-'), 'bridge.sqlite'),
      synchronous: 'NORMAL',
      groupCommit: true,
    },
    { scrubText: (text) => s.scrub(text) },
  );
  t.after(() => store.close());
  await store.appendLedger({
    caseId: '500000000000001AAA',
    system: 'salesforce',
    action: 'case.upsert',
    outcome: 'error',
    detail: { error: `refused: Bearer ${learned} with configured-secret-value`, code: 'X' },
  });
  const [entry] = await store.ledgerForCase('500000000000001AAA');
  assert.deepEqual(entry?.detail, { error: 'refused: Bearer [REDACTED] with [REDACTED]', code: 'X' });
});
