/**
 * Case input checked before any side effect, over real HTTP against both emulators: a refused
 * ticket makes no Sendbird call, no Salesforce write, no ticket, ledger or idempotency row, and
 * the same Idempotency-Key with the corrected body then opens the ticket.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { SendbirdClient } from '@sbsf/sendbird';
import { startWorld, ticketCases, type World } from './world.js';

const CASE = { Subject: 'Printer on fire', Description: 'Smoke from tray 2', SuppliedName: 'Jo Customer', SuppliedEmail: 'jo@example.com' };
const GRIN = '\u{1F600}';

function open(w: World, key: string, body: unknown, sub = 'cust-1') {
  return w.call('POST', '/tickets', {
    headers: { authorization: `Bearer ${w.customerToken(sub, { name: 'Jo' })}`, 'idempotency-key': key },
    body,
  });
}

/** Everything a ticket could have written, upstream and in the bridge's own database. */
function footprint(w: World) {
  const writes = Object.entries(w.sf.stats().byRoute)
    // Reads and the OAuth token request change nothing in the org.
    .filter(([route]) => !route.startsWith('GET ') && !route.includes('/oauth2/token'))
    .reduce((n, [, count]) => n + count, 0);
  const db = new Database(join(w.env.DATA_DIR as string, 'bridge.sqlite'), { readonly: true });
  try {
    const count = (table: string) => (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
    return {
      sendbirdCalls: w.sb.stats.get().total,
      salesforceWrites: writes,
      tickets: count('tickets'),
      ledger: count('ledger'),
      idempotencyKeys: count('idempotency_keys'),
    };
  } finally {
    db.close();
  }
}

const NOTHING = { sendbirdCalls: 0, salesforceWrites: 0, tickets: 0, ledger: 0, idempotencyKeys: 0 };

test('POST /tickets: SuppliedEmail "not-an-email" is a 400 before anything happens; the same key then works', async (t) => {
  const w = await startWorld(t);
  const before = footprint(w);
  const key = randomUUID();
  const bad = await open(w, key, { case: { ...CASE, SuppliedEmail: 'not-an-email' } });
  assert.equal(bad.status, 400, JSON.stringify(bad.body));
  assert.equal(bad.body.error.code, 'invalid_field');
  assert.equal(bad.body.error.field, 'case.SuppliedEmail');
  assert.match(bad.body.error.message, /case\.SuppliedEmail is not an email address Salesforce accepts/);
  assert.deepEqual(
    bad.body.error.fields.map((f: { code: string }) => f.code),
    ['invalid_email'],
  );
  assert.deepEqual(
    footprint(w),
    { ...before, ...NOTHING, salesforceWrites: before.salesforceWrites },
    'no Sendbird call, no Salesforce write, no row',
  );
  assert.equal(before.salesforceWrites, 0);

  const fixed = await open(w, key, { case: CASE });
  assert.equal(fixed.status, 201, `the corrected body with the same key: ${JSON.stringify(fixed.body)}`);
  assert.equal(ticketCases(w).length, 1);
  assert.equal(ticketCases(w)[0]!.SuppliedEmail, 'jo@example.com');
});

test('POST /tickets: a Subject of 128 emoji (256 UTF-16 units) is refused; 127 emoji and a letter fit', async (t) => {
  const w = await startWorld(t);
  const key = randomUUID();
  const long = await open(w, key, { case: { ...CASE, Subject: GRIN.repeat(128) } });
  assert.equal(long.status, 400, JSON.stringify(long.body));
  assert.equal(long.body.error.code, 'invalid_field');
  assert.equal(long.body.error.field, 'case.Subject');
  assert.match(long.body.error.message, /256 characters long as Salesforce counts them .* at most 255/);
  assert.deepEqual(footprint(w), NOTHING);
  const fits = `${GRIN.repeat(127)}a`;
  const ok = await open(w, key, { case: { ...CASE, Subject: fits } });
  assert.equal(ok.status, 201, JSON.stringify(ok.body));
  assert.equal(ticketCases(w)[0]!.Subject, fits, 'stored whole in Salesforce');
});

test('POST /tickets: every bad field is named at once', async (t) => {
  const w = await startWorld(t);
  const res = await open(w, randomUUID(), {
    case: { ...CASE, Subject: '  ', SuppliedEmail: 'jo@@example.com', SuppliedName: GRIN.repeat(41), ContactId: '0032X000004FM8DAAU' },
  });
  assert.equal(res.status, 400);
  assert.deepEqual(
    res.body.error.fields.map((f: { field: string; code: string }) => `${f.field} ${f.code}`),
    ['case.ContactId invalid_id', 'case.SuppliedName too_long', 'case.SuppliedEmail invalid_email', 'case.Subject required'],
  );
  assert.deepEqual(footprint(w), NOTHING);
});

test('POST /tickets: null required fields are refused with the field named', async (t) => {
  const w = await startWorld(t);
  const res = await open(w, randomUUID(), { case: { ...CASE, SuppliedEmail: null } });
  assert.equal(res.status, 400);
  assert.equal(res.body.error.field, 'case.SuppliedEmail');
  assert.deepEqual(footprint(w), NOTHING);
});

test("POST /tickets: picklist values are the org's, read once from the describe", async (t) => {
  const w = await startWorld(t);
  const key = randomUUID();
  const bad = await open(w, key, { case: { ...CASE, Priority: 'Urgent', Origin: 'Web' } });
  assert.equal(bad.status, 400, JSON.stringify(bad.body));
  assert.equal(bad.body.error.field, 'case.Priority');
  assert.equal(bad.body.error.fields[0].code, 'invalid_picklist');
  assert.match(bad.body.error.message, /High, Medium, Low/);
  assert.deepEqual(footprint(w), NOTHING, 'the describe is a read: nothing written');
  const ok = await open(w, key, { case: { ...CASE, Priority: 'high', Origin: 'Web' } });
  assert.equal(ok.status, 201, JSON.stringify(ok.body));
  assert.equal(ticketCases(w)[0]!.Priority, 'High', "sent in the org's spelling");
  const other = await open(w, randomUUID(), { case: { ...CASE, Type: 'Mechanical' } });
  assert.equal(other.status, 201);
  assert.equal(
    w.sf.stats().byRoute['GET /sobjects/{type}/describe'],
    1,
    `one describe for three tickets: ${JSON.stringify(w.sf.stats().byRoute)}`,
  );
});

test('POST /tickets: with the describe unavailable, valid picklist values are not refused (Salesforce decides)', async (t) => {
  const w = await startWorld(t);
  w.sf.faults.set({ rules: [{ action: 'error', method: 'GET', path: '/describe$', status: 503 }] });
  const ok = await open(w, randomUUID(), { case: { ...CASE, Priority: 'Low' } });
  assert.equal(ok.status, 201, JSON.stringify(ok.body));
  assert.equal(ticketCases(w)[0]!.Priority, 'Low');
  const unchecked = await open(w, randomUUID(), { case: { ...CASE, Priority: 'Whenever' } });
  assert.equal(unchecked.status, 201, "the emulator's Priority picklist is not restricted: Salesforce keeps the value");
});

test('POST /createticket: Subject, Description, SuppliedName and SuppliedEmail all null create nothing', async (t) => {
  const w = await startWorld(t, { CUSTOMER_AUTH_MODE: 'sendbird_token' });
  const sb = new SendbirdClient({ appId: w.sb.appId, apiToken: w.sb.apiToken, baseUrl: w.sb.url });
  const user = await sb.createUser({ user_id: 'lee-9', nickname: 'Lee', issue_access_token: true });
  const before = footprint(w);
  const headers = { user: 'lee-9', token: user.access_token as string, 'idempotency-key': 'ct-null' };
  const res = await w.call('POST', '/createticket', {
    headers,
    body: { token_type: 0, case: { Subject: null, Description: null, SuppliedName: null, SuppliedEmail: null } },
  });
  assert.equal(res.status, 400, JSON.stringify(res.body));
  assert.equal(res.body.error, true, "the tutorial's shape");
  assert.equal(res.body.code, 400);
  assert.equal(res.body.reason, 'invalid_field');
  assert.deepEqual(res.body.fields.map((f: { field: string }) => f.field).sort(), [
    'case.Description',
    'case.Subject',
    'case.SuppliedEmail',
    'case.SuppliedName',
  ]);
  assert.match(res.body.message, /must not be null/);
  assert.deepEqual(footprint(w), before, 'not even the Sendbird token check: the body is checked first');

  const email = await w.call('POST', '/createticket', {
    headers,
    body: { token_type: 0, case: { ...CASE, SuppliedEmail: 'not-an-email' } },
  });
  assert.equal(email.status, 400);
  assert.equal(email.body.field, 'case.SuppliedEmail');
  assert.deepEqual(footprint(w), before);

  const fixed = await w.call('POST', '/createticket', { headers, body: { token_type: 0, case: CASE } });
  assert.equal(fixed.status, 200, `the corrected body with the same key: ${JSON.stringify(fixed.body)}`);
  assert.equal(ticketCases(w).length, 1);
  assert.equal(fixed.body.channel_url, ticketCases(w)[0]!.Id);
});

test('POST /createticket: a bad picklist value is a 400 in the tutorial shape', async (t) => {
  const w = await startWorld(t, { SANDBOX: 'true', CUSTOMER_AUTH_MODE: 'guest' });
  const res = await w.call('POST', '/createticket', {
    headers: { user: 'walk-in-1' },
    body: { token_type: 0, case: { ...CASE, Type: 'Nonsense' } },
  });
  assert.equal(res.status, 400, JSON.stringify(res.body));
  assert.equal(res.body.error, true);
  assert.equal(res.body.reason, 'invalid_field');
  assert.equal(res.body.field, 'case.Type');
  assert.equal(ticketCases(w).length, 0);
  assert.equal(w.sb.store.users.size, 0, 'no Sendbird user');
});

test('POST /tickets: all four required fields null are named at once', async (t) => {
  const w = await startWorld(t);
  const res = await open(w, randomUUID(), { case: { Subject: null, Description: null, SuppliedName: null, SuppliedEmail: null } });
  assert.equal(res.status, 400, JSON.stringify(res.body));
  assert.equal(res.body.error.code, 'invalid_field');
  assert.deepEqual(res.body.error.fields.map((f: { field: string }) => f.field).sort(), [
    'case.Description',
    'case.Subject',
    'case.SuppliedEmail',
    'case.SuppliedName',
  ]);
  assert.deepEqual(footprint(w), NOTHING);
  const docs = await w.call('GET', '/docs/json');
  assert.equal(docs.status, 200);
  assert.ok(docs.body.paths['/tickets'].post.requestBody, 'the OpenAPI document still describes the body');
});
