/**
 * No secret in any output. A bridge process (main.ts, LOG_LEVEL=debug) runs the whole journey with
 * a canary value for every configured secret: a ticket, its session renewed, the owner changed in
 * Salesforce (the org's event reaches the bridge), an agent session, messages both ways mirrored
 * by signed webhooks, the Salesforce token expired mid-way (the bridge logs in again), and refused
 * requests (a forged JWT, a bad signature, a token pasted into a URL). Then every configured
 * secret and every token the bridge learned or issued (read from the emulators) is searched for in
 * ALL output: stdout, stderr, every HTTP answer's body and headers, the ledger and the job table.
 * The only place a session token may appear is the answer that hands it to its owner.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { test } from 'node:test';
import { SendbirdClient, signWebhook } from '@sbsf/sendbird';
import { tempDir, waitFor } from '@sbsf/testkit';
import { configSecrets, loadConfig } from '../src/config.js';
import { signCustomerJwt } from '../src/identity/jwt.js';
import { dbQuery } from './cluster.js';
import { runMain } from './spawn-bridge.js';
import { startEmulators, worldEnv } from './world.js';

const canary = (name: string) => `canary-${name}-${randomBytes(16).toString('hex')}`;

interface Seen {
  what: string;
  status: number;
  headers: string;
  body: string;
}

test(
  'the whole journey at debug level: no configured secret and no learned or issued token in any output',
  { timeout: 120_000 },
  async (t) => {
    const CANARY = {
      SALESFORCE_CLIENT_SECRET: canary('sf-client-secret'),
      SALESFORCE_PASSWORD: canary('sf-password'),
      SENDBIRD_API_TOKEN: canary('sb-master-token'),
      SENDBIRD_PREVIOUS_API_TOKENS: canary('sb-previous-token'),
      BRIDGE_SHARED_SECRET: canary('bridge-shared-secret'),
      CUSTOMER_JWT_SECRET: canary('customer-jwt-secret'),
      METRICS_TOKEN: canary('metrics-token'),
      ADMIN_TOKEN: canary('admin-token'),
    };
    const { sf, sb } = await startEmulators(t, {
      sf: { clientSecret: CANARY.SALESFORCE_CLIENT_SECRET, bridgeDelivery: { retryDelaysMs: [0, 20, 50] } },
      sb: { apiToken: CANARY.SENDBIRD_API_TOKEN },
    });
    const dataDir = tempDir(t, 'secrets-journey-');
    const env = worldEnv(sf, sb, dataDir, {
      ...CANARY,
      PORT: '0',
      LOG_LEVEL: 'debug',
      TRANSCRIPT_FLUSH_MS: '100',
      NON_AGENT_USER_IDS: sf.seed.integrationUserId,
    });
    const bridge = runMain(env);
    t.after(() => bridge.child.kill('SIGKILL'));
    const url = await bridge.listening;
    sf.org.setBridge({ url, secret: CANARY.BRIDGE_SHARED_SECRET });
    sb.webhooks.configure({ url: `${url}/sendbird/webhooks`, timeoutMs: 2_000, retryDelayMs: 20 });

    const seen: Seen[] = [];
    const call = async (what: string, method: string, path: string, opts: { body?: unknown; headers?: Record<string, string> } = {}) => {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: { ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}), ...opts.headers },
        ...(opts.body !== undefined ? { body: typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body) } : {}),
      });
      const body = await res.text();
      seen.push({ what, status: res.status, headers: JSON.stringify([...res.headers]), body });
      return { status: res.status, body: body.startsWith('{') ? (JSON.parse(body) as any) : body };
    };

    // The customer opens a ticket and renews its session; reads it back.
    const jwt = signCustomerJwt({ sub: 'journey-customer', exp: Math.floor(Date.now() / 1000) + 600 }, CANARY.CUSTOMER_JWT_SECRET);
    const customer = { authorization: `Bearer ${jwt}` };
    const ticket = await call('ticket', 'POST', '/tickets', {
      headers: { ...customer, 'idempotency-key': randomUUID() },
      body: { case: { Subject: 'Printer on fire', Description: 'Smoke', SuppliedName: 'Jo', SuppliedEmail: 'jo@example.com' } },
    });
    assert.equal(ticket.status, 201, JSON.stringify(ticket.body));
    const caseId: string = ticket.body.case.id;
    const customerId: string = ticket.body.sendbird.userId;
    assert.equal((await call('session', 'POST', '/session', { headers: customer, body: {} })).status, 200);
    assert.equal(
      (await call('read ticket', 'GET', `/tickets/${ticket.body.ticketId ?? ticket.body.id}`, { headers: customer })).status < 500,
      true,
    );

    // Salesforce: the Case goes to Ava; the org's event reaches the bridge, which invites her.
    const sfApi = sfRest(sf.url, CANARY.SALESFORCE_CLIENT_SECRET, sf.options.clientId);
    const ava = sf.seed.agents.ava;
    await sfApi.patch(caseId, ava);
    await waitFor('Ava in the channel', () => sb.store.channels.get(caseId)?.members.has(ava));
    const agent = await call('agent session', 'POST', '/agents/session', {
      headers: { authorization: `Bearer ${CANARY.BRIDGE_SHARED_SECRET}` },
      body: { userId: ava, nickname: 'Ava Agent' },
    });
    assert.equal(agent.status, 200, JSON.stringify(agent.body));

    // Messages both ways, mirrored through signed webhooks.
    const chat = new SendbirdClient({ appId: sb.appId, apiToken: CANARY.SENDBIRD_API_TOKEN, baseUrl: sb.url, limiter: { enabled: false } });
    await chat.sendMessage(caseId, { message_type: 'MESG', user_id: customerId, message: 'Hello, anyone there?' });
    await chat.sendMessage(caseId, { message_type: 'MESG', user_id: ava, message: 'Yes, Ava here.' });
    // Both messages, and the bridge's "Ava Agent joined" as a system entry.
    await waitFor(
      'both messages on the Case',
      () => sf.records('Sendbird_Message__c').filter((r) => r.Case__c === caseId && r.Sender_Role__c !== 'System').length === 2,
    );

    // The Salesforce token expires: the bridge logs in again on its next call (the Case goes to Ben).
    const tokensBefore = sf.issuedTokens();
    assert.ok(tokensBefore.length >= 1, 'the bridge logged in to Salesforce');
    sf.expireTokens();
    const ben = sf.seed.agents.ben;
    await sfApi.patch(caseId, ben);
    await waitFor('Ben in the channel', () => sb.store.channels.get(caseId)?.members.has(ben));
    const salesforceTokens = [...new Set([...tokensBefore, ...sf.issuedTokens()])];
    assert.ok(salesforceTokens.length >= 2, 'a second access token was issued after the expiry');

    // Refusals that carry secrets: a forged JWT, a bad webhook signature, tokens pasted into URLs.
    const forged = signCustomerJwt({ sub: 'intruder', exp: Math.floor(Date.now() / 1000) + 600 }, canary('wrong-key'));
    assert.equal((await call('forged jwt', 'POST', '/session', { headers: { authorization: `Bearer ${forged}` }, body: {} })).status, 401);
    const hook = JSON.stringify({ category: 'group_channel:create', app_id: sb.appId, channel: { channel_url: caseId } });
    const badSig = await call('bad signature', 'POST', '/sendbird/webhooks', {
      headers: { 'content-type': 'application/json', 'x-sendbird-signature': signWebhook(hook, canary('not-the-token')) },
      body: hook,
    });
    assert.equal(badSig.status, 401);
    const pasted = await call('token in the URL', 'GET', `/no-such-route/${jwt}/${salesforceTokens.at(-1)!}`, { headers: customer });
    assert.equal(pasted.status, 404);
    assert.match(
      pasted.body.error.message,
      /no route for GET \/no-such-route\/\[REDACTED\]\/\[REDACTED\]/,
      'a presented JWT and a learned access token are scrubbed from an error answer',
    );
    assert.equal((await call('metrics', 'GET', '/metrics', { headers: { authorization: `Bearer ${CANARY.METRICS_TOKEN}` } })).status, 200);
    const erasureDryRun = await call('erasure dry run', 'POST', '/admin/erasures', {
      headers: { authorization: `Bearer ${CANARY.ADMIN_TOKEN}` },
      body: { customer: { sendbirdUserId: 'nobody-at-all' }, dryRun: true },
    });
    assert.equal(erasureDryRun.status, 200, JSON.stringify(erasureDryRun.body));

    await sb.webhooks.idle();
    bridge.child.kill('SIGTERM');
    assert.equal(await bridge.exited, 0, 'the bridge stopped cleanly');

    // Every secret: the configured ones, and every token learned or issued (from the emulators).
    const sendbirdTokens = [...sb.store.tokens.keys()];
    const sendbirdAccess = [...sb.store.users.values()].map((u) => u.access_token).filter((v) => typeof v === 'string' && v.length > 0);
    assert.ok(sendbirdTokens.length >= 3, `session tokens were issued (customer twice, Ava): ${sendbirdTokens.length}`);
    const secrets: [string, string][] = [
      ...configSecrets(loadConfig(env)).map((s): [string, string] => ['configured secret', s]),
      ...salesforceTokens.map((s): [string, string] => ['Salesforce access token', s]),
      ...[...sendbirdTokens, ...sendbirdAccess].map((s): [string, string] => ['Sendbird token', s]),
      ['customer JWT', jwt],
      ['forged JWT', forged],
    ];
    assert.ok(
      Object.values(CANARY).every((c) => secrets.some(([, s]) => s === c)),
      'every canary is a configured secret',
    );

    const db = { kind: 'sqlite', file: join(dataDir, 'bridge.sqlite') } as const;
    const ledger = JSON.stringify(await dbQuery(db, 'SELECT * FROM ledger'));
    const jobs = JSON.stringify(await dbQuery(db, 'SELECT * FROM jobs'));
    assert.ok(ledger.includes(caseId), 'the ledger recorded the journey');
    const outputs: [string, string][] = [
      ['stdout', bridge.out()],
      ['stderr', bridge.err()],
      ['ledger', ledger],
      ['jobs', jobs],
      ...seen.flatMap((s): [string, string][] => [
        [`${s.what} answer headers`, s.headers],
        // The answer that hands a session token to its owner is where that token belongs.
        [`${s.what} answer body`, s.status < 300 ? s.body.replace(/"accessToken":"[^"]*"/g, '"accessToken":"(delivered)"') : s.body],
      ]),
    ];
    const found: string[] = [];
    for (const [kind, secret] of secrets) {
      for (const [where, text] of outputs) {
        if (text.includes(secret) || text.includes(JSON.stringify(secret).slice(1, -1)) || text.includes(encodeURIComponent(secret)))
          found.push(`${kind} ${secret.slice(0, 12)}... in ${where}`);
      }
    }
    assert.deepEqual(found, []);
    const lines = bridge.out().split('\n').length;
    assert.ok(bridge.out().includes('"level":20'), 'debug lines were written');
    t.diagnostic(
      `${secrets.length} secrets and tokens searched for in ${lines} log lines, ${seen.length} answers, the ledger and the job table: none found`,
    );
  },
);

/** The few Salesforce REST calls the test makes itself, as a user saving the Case would. */
function sfRest(base: string, clientSecret: string, clientId: string) {
  let token: string | undefined;
  const login = async () => {
    const res = await fetch(`${base}/services/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }).toString(),
    });
    token = ((await res.json()) as { access_token: string }).access_token;
  };
  return {
    async patch(caseId: string, ownerId: string) {
      if (!token) await login();
      let res = await fetch(`${base}/services/data/v62.0/sobjects/Case/${caseId}`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ OwnerId: ownerId }),
      });
      if (res.status === 401) {
        await login();
        res = await fetch(`${base}/services/data/v62.0/sobjects/Case/${caseId}`, {
          method: 'PATCH',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ OwnerId: ownerId }),
        });
      }
      assert.ok(res.status < 300, `PATCH Case: ${res.status}`);
    },
  };
}
