/**
 * Contact matching on ticket creation, over real HTTP with both emulators: which identities may
 * match, each rule for a customer nobody matches, ambiguity, duplicate rules, a stale remembered
 * Contact, the one Salesforce call of a returning customer, and a crash between the create and
 * the bridge remembering it.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import type { SalesforceClient } from '@sbsf/salesforce';
import pino from 'pino';
import { tempDir, waitFor } from '@sbsf/testkit';
import { ContactLinker } from '../src/tickets/contact-link.js';
import { signCustomerJwt } from '../src/identity/jwt.js';
import type { ContactsConfig } from '../src/config.js';
import { contactKey } from '../src/tickets/contacts.js';
import type { Ticket } from '../src/store/types.js';
import { SECRETS } from './fixtures.js';
import { sfClient } from './membership-helpers.js';
import { runMain } from './spawn-bridge.js';
import { call, startEmulators, startWorld, worldEnv, type World } from './world.js';

const CASE = { Subject: 'Login fails', Description: 'Since this morning', SuppliedName: 'Kim Lee', SuppliedEmail: 'kim@example.com' };
/** No Case events to the bridge and no sweep: every Salesforce call counted is the ticket's. */
const QUIET = { SWEEP_INTERVAL_MS: '0', TICKET_SAFETY_DELAY_MS: '600000' };

async function world(t: Parameters<typeof startWorld>[0], env: Record<string, string>): Promise<World & { sfc: SalesforceClient }> {
  const w = await startWorld(t, { ...QUIET, ...env });
  w.sf.org.setApexCaseEvents(false);
  return Object.assign(w, { sfc: sfClient(w) });
}

/** Opens a ticket as `sub` with a customer JWT (`claims` added to it); answers the 201's body. */
async function open(w: World, sub: string, claims: Record<string, unknown> = {}, body: Record<string, unknown> = CASE) {
  const res = await w.call('POST', '/tickets', {
    headers: { authorization: `Bearer ${w.customerToken(sub, { name: 'Kim Lee', ...claims })}`, 'idempotency-key': randomUUID() },
    body: { case: body },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body as { ticket: { id: string }; case: { id: string } };
}

/** The Salesforce API calls since the last reset, by route (the bridge's own login left out). */
const apiCalls = (w: World) => Object.fromEntries(Object.entries(w.sf.stats().byRoute).filter(([route]) => !route.includes('/oauth2/')));
const caseOf = (w: World, id: string) => w.sf.records('Case').find((c) => c.Id === id)!;
const actions = async (w: World, ticketId: string) =>
  (await w.bridge.store.ledgerForTicket(ticketId)).filter((e) => e.action.startsWith('contact.')).map((e) => `${e.action} ${e.outcome}`);
/** Whether the ticket's contact job has run to the end (done or nothing queued). */
async function contactJobDone(w: World, ticketId: string): Promise<boolean> {
  const rows = await (w.bridge.store as unknown as { unsafeQuery<R>(sql: string, ...p: unknown[]): Promise<R[]> }).unsafeQuery<{
    state: string;
  }>('SELECT state FROM jobs WHERE dedupe_key = ?', `contact:${ticketId}`);
  return rows.length === 1 && rows[0]!.state === 'done';
}

test('which identities may match: a JWT email unless email_verified is false, a proven user id, never a guest or a request that linked the Case', () => {
  const cfg = (match: ContactsConfig['match']): ContactsConfig => ({
    match,
    field: 'Sendbird_User_Id__c',
    create: 'contact',
    personAccountRecordTypeId: undefined,
    duplicates: 'skip',
    refreshMs: 1,
  });
  const ticket = (customerVerified: Ticket['customerVerified'], caseFields: Record<string, unknown> = {}) =>
    ({ customerUserId: 'cust-1', customerVerified, caseFields }) as Ticket;
  assert.deepEqual(contactKey(cfg('email'), ticket({ via: 'jwt', email: 'jo@example.com' })), { by: 'email', value: 'jo@example.com' });
  assert.equal(contactKey(cfg('email'), ticket({ via: 'jwt' })), null, 'no verified email');
  assert.equal(contactKey(cfg('email'), ticket({ via: 'sendbird_token' })), null, "the Sendbird token proves no email (the form's is not)");
  assert.equal(contactKey(cfg('email'), ticket({ via: 'jwt', email: 'not an address' })), null, 'an address Salesforce would refuse');
  assert.deepEqual(contactKey(cfg('external_id'), ticket({ via: 'sendbird_token' })), { by: 'external_id', value: 'cust-1' });
  assert.equal(contactKey(cfg('external_id'), ticket({ via: 'guest' })), null, 'a guest proves nothing');
  assert.equal(contactKey(cfg('external_id'), ticket(null)), null, 'a ticket recorded without what was proven');
  assert.equal(contactKey(cfg('off'), ticket({ via: 'jwt', email: 'jo@example.com' })), null);
  assert.equal(
    contactKey(cfg('email'), ticket({ via: 'jwt', email: 'jo@example.com' }, { ContactId: '003000000000001AAA' })),
    null,
    'the request linked the Case itself',
  );
});

test('a JWT with a verified email links the Case to the one Contact and its Account; the returning customer costs one Salesforce call', async (t) => {
  const w = await world(t, { CONTACT_MATCH: 'email' });
  const account = await w.sfc.create('Account', { Name: 'Lee Family' });
  const contact = await w.sfc.create('Contact', { LastName: 'Lee', FirstName: 'Kim', Email: 'Kim@Example.com', AccountId: account.id });
  await w.sfc.create('Contact', { LastName: 'Other', Email: 'someone@example.com' });

  const first = await open(w, 'cust-kim', { email: 'kim@example.com' });
  await waitFor('the Case to be linked', () => caseOf(w, first.case.id).ContactId === contact.id);
  assert.equal(caseOf(w, first.case.id).AccountId, account.id, "the Contact's Account too");
  await waitFor('the job to finish', () => contactJobDone(w, first.ticket.id));
  assert.deepEqual(await actions(w, first.ticket.id), ['contact.match ok', 'contact.link ok']);
  const remembered = await w.bridge.store.getCustomerContact('cust-kim');
  assert.deepEqual([remembered?.contactId, remembered?.accountId, remembered?.matchedBy], [contact.id, account.id, 'email']);

  w.sf.resetStats();
  const second = await open(w, 'cust-kim', { email: 'kim@example.com' });
  assert.deepEqual(apiCalls(w), { 'POST /composite': 1 }, 'one Salesforce call: the upsert carries the Contact');
  assert.equal(caseOf(w, second.case.id).ContactId, contact.id, 'linked by that one call');
  assert.equal(caseOf(w, second.case.id).AccountId, account.id);
  assert.deepEqual(await actions(w, second.ticket.id), ['contact.link ok']);
  assert.equal(await contactJobDone(w, second.ticket.id), false, 'no job for a remembered Contact');
});

test('an email the token says is unverified matches nothing and queues nothing', async (t) => {
  const w = await world(t, { CONTACT_MATCH: 'email', CONTACT_CREATE: 'contact' });
  await w.sfc.create('Contact', { LastName: 'Lee', Email: 'kim@example.com' });
  w.sf.resetStats();
  const res = await open(w, 'cust-unverified', { email: 'kim@example.com', email_verified: false });
  assert.deepEqual(apiCalls(w), { 'POST /composite': 1 }, 'no query ran');
  assert.equal(caseOf(w, res.case.id).ContactId, null);
  assert.deepEqual(await actions(w, res.ticket.id), []);
  assert.equal((await w.bridge.store.getTicket(res.ticket.id))?.customerVerified?.email, undefined, 'recorded as not verified');
  assert.equal(w.sf.records('Contact').length, 1, 'and nothing was created');
});

test('external id: the Contact holding the customer id is linked; its email does not matter', async (t) => {
  const w = await world(t, { CONTACT_MATCH: 'external_id' });
  const contact = await w.sfc.create('Contact', { LastName: 'Lee', Email: 'elsewhere@example.com', Sendbird_User_Id__c: 'cust-ext' });
  await w.sfc.create('Contact', { LastName: 'Lee', Email: 'kim@example.com' });
  const res = await open(w, 'cust-ext');
  await waitFor('the job to finish', () => contactJobDone(w, res.ticket.id));
  assert.equal(caseOf(w, res.case.id).ContactId, contact.id);
  assert.equal(caseOf(w, res.case.id).AccountId, null, 'a Contact without an Account leaves AccountId empty');
  assert.equal((await w.bridge.store.getCustomerContact('cust-ext'))?.matchedBy, 'external_id');
});

test('a guest never matches and never creates, whatever the body says', async (t) => {
  const w = await world(t, { SANDBOX: 'true', CUSTOMER_AUTH_MODE: 'guest', CONTACT_MATCH: 'email', CONTACT_CREATE: 'contact' });
  await w.sfc.create('Contact', { LastName: 'Lee', Email: 'kim@example.com' });
  w.sf.resetStats();
  const res = await w.call('POST', '/tickets', {
    headers: { 'idempotency-key': randomUUID() },
    body: { customer: { userId: 'guest-kim', nickname: 'Kim', email: 'kim@example.com' }, case: CASE },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  assert.deepEqual(apiCalls(w), { 'POST /composite': 1 });
  assert.equal(caseOf(w, res.body.case.id).ContactId, null);
  assert.equal(w.sf.records('Contact').length, 1, 'no Contact created');
  assert.deepEqual(await actions(w, res.body.ticket.id), []);
});

test('nobody matches, CONTACT_CREATE=none: left unlinked, the query in the ledger, no job', async (t) => {
  const w = await world(t, { CONTACT_MATCH: 'email' });
  const res = await open(w, 'cust-new', { email: 'new@example.com' });
  assert.equal(caseOf(w, res.case.id).ContactId, null);
  assert.deepEqual(await actions(w, res.ticket.id), ['contact.match ok']);
  const [entry] = (await w.bridge.store.ledgerForTicket(res.ticket.id)).filter((e) => e.action === 'contact.match');
  assert.deepEqual(entry?.detail, { by: 'email', found: 0 });
  assert.equal(await contactJobDone(w, res.ticket.id), false);
  assert.equal(await w.bridge.store.getCustomerContact('cust-new'), null);
});

test('nobody matches, CONTACT_CREATE=contact: a Contact from the name and verified email, linked in one more call and remembered', async (t) => {
  const w = await world(t, { CONTACT_MATCH: 'email', CONTACT_CREATE: 'contact' });
  w.sf.resetStats();
  const res = await open(w, 'cust-create', { email: 'create@example.com' });
  await waitFor('the job to finish', () => contactJobDone(w, res.ticket.id));
  const [made] = w.sf.records('Contact');
  assert.ok(made);
  assert.deepEqual(
    [made.FirstName, made.LastName, made.Email, made.Sendbird_User_Id__c],
    ['Kim', 'Lee', 'create@example.com', null],
    'SuppliedName split into first and last name; the verified email; no external id in email mode',
  );
  assert.equal(caseOf(w, res.case.id).ContactId, made.Id);
  assert.equal(w.sf.stats().byRoute['POST /composite'], 2, 'the ticket call, then create + link in one call');
  assert.deepEqual(await actions(w, res.ticket.id), ['contact.match ok', 'contact.create ok', 'contact.link ok']);
  assert.equal((await w.bridge.store.getCustomerContact('cust-create'))?.matchedBy, 'created_contact');
});

test('nobody matches by external id: the Contact is upserted on it; an unverified email is not written', async (t) => {
  const w = await world(t, { CONTACT_MATCH: 'external_id', CONTACT_CREATE: 'contact' });
  const res = await open(w, 'cust-up', { email: 'up@example.com', email_verified: 'false' });
  await waitFor('the job to finish', () => contactJobDone(w, res.ticket.id));
  const [made] = w.sf.records('Contact');
  assert.deepEqual(
    [made?.LastName, made?.Email, made?.Sendbird_User_Id__c],
    ['Lee', null, 'cust-up'],
    'an unverified email is not written',
  );
  assert.equal(caseOf(w, res.case.id).ContactId, made?.Id);
});

test('nobody matches, CONTACT_CREATE=person_account: a Person Account with its record type; the Case gets the Account and its person contact', async (t) => {
  const recordType = '012000000000001AAA';
  const w = await world(t, { CONTACT_MATCH: 'external_id', CONTACT_CREATE: 'person_account', PERSON_ACCOUNT_RECORD_TYPE_ID: recordType });
  w.sf.setPersonAccounts(true);
  const res = await open(w, 'cust-person', { email: 'person@example.com' });
  await waitFor('the job to finish', () => contactJobDone(w, res.ticket.id));
  const [account] = w.sf.records('Account').filter((a) => a.IsPersonAccount === true);
  assert.ok(account, 'a Person Account');
  assert.deepEqual(
    [account.FirstName, account.LastName, account.PersonEmail, account.RecordTypeId, account.Sendbird_User_Id__pc],
    ['Kim', 'Lee', 'person@example.com', recordType, 'cust-person'],
  );
  const c = caseOf(w, res.case.id);
  assert.deepEqual([c.AccountId, c.ContactId], [account.Id, account.PersonContactId]);
  const remembered = await w.bridge.store.getCustomerContact('cust-person');
  assert.deepEqual(
    [remembered?.accountId, remembered?.contactId, remembered?.matchedBy],
    [account.Id, account.PersonContactId, 'created_person_account'],
  );

  // The next ticket finds the person contact by its external id and links both in its one call.
  w.sf.resetStats();
  const again = await open(w, 'cust-person', { email: 'person@example.com' });
  assert.deepEqual(apiCalls(w), { 'POST /composite': 1 });
  assert.deepEqual([caseOf(w, again.case.id).AccountId, caseOf(w, again.case.id).ContactId], [account.Id, account.PersonContactId]);
});

test('two Contacts with the email: left unlinked (as Email-to-Case does), in the ledger with both, not remembered', async (t) => {
  const w = await world(t, { CONTACT_MATCH: 'email', CONTACT_CREATE: 'contact' });
  const a = await w.sfc.create('Contact', { LastName: 'Lee', Email: 'twin@example.com' });
  const b = await w.sfc.create('Contact', { LastName: 'Lee', Email: 'TWIN@example.com' });
  const res = await open(w, 'cust-twin', { email: 'twin@example.com' });
  await waitFor('the job to finish', () => contactJobDone(w, res.ticket.id));
  assert.equal(caseOf(w, res.case.id).ContactId, null);
  assert.deepEqual(await actions(w, res.ticket.id), ['contact.match ok', 'contact.ambiguous ok']);
  const [amb] = (await w.bridge.store.ledgerForTicket(res.ticket.id)).filter((e) => e.action === 'contact.ambiguous');
  assert.deepEqual(amb?.detail, { by: 'email', contactIds: [a.id, b.id] });
  assert.equal(await w.bridge.store.getCustomerContact('cust-twin'), null);
  assert.equal(w.sf.records('Contact').length, 2, 'nothing created');
});

test('a blocking duplicate rule: nothing created (even with allow_save), the ticket fine, the matched record in the ledger', async (t) => {
  const w = await world(t, { CONTACT_MATCH: 'email', CONTACT_CREATE: 'contact', CONTACT_DUPLICATES: 'allow_save' });
  const existing = await w.sfc.create('Contact', { FirstName: 'Kim', LastName: 'Lee', Email: 'old@example.com' });
  w.sf.setDuplicateRules([{ name: 'Contact_Name_Rule', object: 'Contact', matchOn: 'name', action: 'block' }]);
  const res = await open(w, 'cust-dup', { email: 'new-address@example.com' });
  await waitFor('the job to finish', () => contactJobDone(w, res.ticket.id));
  assert.equal(w.sf.records('Contact').length, 1, 'no duplicate created');
  assert.equal(caseOf(w, res.case.id).ContactId, null);
  assert.equal((await w.bridge.store.getTicket(res.ticket.id))?.state, 'completed');
  const [dup] = (await w.bridge.store.ledgerForTicket(res.ticket.id)).filter((e) => e.action === 'contact.duplicate');
  assert.deepEqual(dup?.detail, { rule: 'Contact_Name_Rule', allowSave: false, matchedIds: [existing.id], setting: 'allow_save' });
  assert.equal(await w.bridge.store.getCustomerContact('cust-dup'), null);
});

test('an alerting duplicate rule: skip leaves it unlinked; allow_save creates the Contact with Sforce-Duplicate-Rule-Header', async (t) => {
  for (const setting of ['skip', 'allow_save'] as const) {
    const w = await world(t, { CONTACT_MATCH: 'email', CONTACT_CREATE: 'contact', CONTACT_DUPLICATES: setting });
    await w.sfc.create('Contact', { FirstName: 'Kim', LastName: 'Lee', Email: 'old@example.com' });
    w.sf.setDuplicateRules([{ name: 'Contact_Name_Alert', object: 'Contact', matchOn: 'name', action: 'alert' }]);
    const res = await open(w, `cust-alert-${setting}`, { email: 'alert@example.com' });
    await waitFor('the job to finish', () => contactJobDone(w, res.ticket.id));
    if (setting === 'skip') {
      assert.equal(w.sf.records('Contact').length, 1, 'skip: nothing created');
      assert.equal(caseOf(w, res.case.id).ContactId, null);
      assert.deepEqual(await actions(w, res.ticket.id), ['contact.match ok', 'contact.duplicate exists']);
    } else {
      const made = w.sf.records('Contact').find((c) => c.Email === 'alert@example.com');
      assert.ok(made, 'allow_save: saved past the alert');
      assert.equal(caseOf(w, res.case.id).ContactId, made.Id);
      assert.deepEqual(await actions(w, res.ticket.id), [
        'contact.match ok',
        'contact.duplicate exists',
        'contact.create ok',
        'contact.link ok',
      ]);
    }
  }
});

test("link_match: a duplicate rule's match is linked only when its email is the customer's verified one", async (t) => {
  const w = await world(t, { CONTACT_MATCH: 'external_id', CONTACT_CREATE: 'contact', CONTACT_DUPLICATES: 'link_match' });
  const same = await w.sfc.create('Contact', { LastName: 'Park', Email: 'same@example.com' });
  const other = await w.sfc.create('Contact', { FirstName: 'Kim', LastName: 'Lee', Email: 'other@example.com' });
  w.sf.setDuplicateRules([
    { name: 'Contact_Email_Rule', object: 'Contact', matchOn: 'email', action: 'block' },
    { name: 'Contact_Name_Rule', object: 'Contact', matchOn: 'name', action: 'block' },
  ]);
  const linked = await open(w, 'cust-same', { email: 'same@example.com', name: 'Jo Park' }, { ...CASE, SuppliedName: 'Jo Park' });
  await waitFor('the job to finish', () => contactJobDone(w, linked.ticket.id));
  assert.equal(caseOf(w, linked.case.id).ContactId, same.id, 'the same verified email: linked');
  assert.equal((await w.bridge.store.getCustomerContact('cust-same'))?.matchedBy, 'duplicate_rule');

  const unsafe = await open(w, 'cust-other', { email: 'mine@example.com' });
  await waitFor('the job to finish', () => contactJobDone(w, unsafe.ticket.id));
  assert.equal(caseOf(w, unsafe.case.id).ContactId, null, `a name match with another email (${other.id}) is not linked`);
  assert.equal(w.sf.records('Contact').length, 2, 'nothing created');
});

test('a remembered Contact deleted in Salesforce is forgotten and the ticket made without it, never failing', async (t) => {
  const w = await world(t, { CONTACT_MATCH: 'email' });
  const contact = await w.sfc.create('Contact', { LastName: 'Lee', Email: 'gone@example.com' });
  const first = await open(w, 'cust-gone', { email: 'gone@example.com' });
  await waitFor('the job to finish', () => contactJobDone(w, first.ticket.id));
  assert.equal((await w.bridge.store.getCustomerContact('cust-gone'))?.contactId, contact.id);
  await w.sfc.delete('Contact', contact.id);

  w.sf.resetStats();
  const second = await open(w, 'cust-gone', { email: 'gone@example.com' });
  assert.equal(caseOf(w, second.case.id).ContactId, null);
  assert.equal(await w.bridge.store.getCustomerContact('cust-gone'), null, 'forgotten');
  assert.equal(w.sf.stats().byRoute['POST /composite'], 2, 'the refused upsert, then the upsert with the Contact query');
  assert.deepEqual(await actions(w, second.ticket.id), ['contact.stale error', 'contact.match ok']);
  const [stale] = (await w.bridge.store.ledgerForTicket(second.ticket.id)).filter((e) => e.action === 'contact.stale');
  assert.deepEqual([stale?.target, stale?.detail.code], [contact.id, 'INVALID_CROSS_REFERENCE_KEY']);
});

test('a creation cut short (Contact made, bridge gone before it remembered) is resumed by asking again, never by creating twice', async (t) => {
  const w = await world(t, { CONTACT_MATCH: 'email', CONTACT_CREATE: 'contact' });
  // A ticket whose job made the Contact; the test then puts the store back as a run killed after
  // Salesforce's answer and before its store write would have left it.
  const res = await open(w, 'cust-cut', { email: 'cut@example.com' });
  await waitFor('the job to finish', () => contactJobDone(w, res.ticket.id));
  const [made] = w.sf.records('Contact');
  assert.ok(made);
  // What a run killed after Salesforce's answer and before the store write leaves: the Contact,
  // the linked Case, the claim, and nothing remembered.
  await w.bridge.store.forgetCustomerContact('cust-cut', made.Id as string);
  assert.deepEqual(await w.bridge.store.claimContactCreation('cust-cut', res.ticket.id, 60_000), { claimed: true, fresh: true });
  const linker = new ContactLinker({
    store: w.bridge.store,
    salesforce: w.sfc,
    config: w.config.tickets.contacts,
    apiVersion: w.config.salesforce.apiVersion,
    logger: pino({ level: 'silent' }),
  });
  // Its retry (attempt 2) carries the stale "nobody found" of the first attempt: it asks again.
  await linker.run({ ticketId: res.ticket.id, caseId: res.case.id, found: [] }, 2);
  assert.equal(w.sf.records('Contact').length, 1, 'no second Contact');
  assert.equal((await w.bridge.store.getCustomerContact('cust-cut'))?.contactId, made.Id, 'found again and remembered');

  // A first attempt told "nobody" (by the Case upsert's query) that takes over a claim another
  // ticket's run left to run out: it asks again too.
  await w.bridge.store.forgetCustomerContact('cust-cut', made.Id as string);
  await w.bridge.store.claimContactCreation('cust-cut', 'a-dead-ticket', 1);
  await new Promise((r) => setTimeout(r, 5));
  await linker.run({ ticketId: res.ticket.id, caseId: res.case.id, found: [] }, 1);
  assert.equal(w.sf.records('Contact').length, 1, 'still one Contact');
  assert.equal((await w.bridge.store.getCustomerContact('cust-cut'))?.contactId, made.Id);
  const steps = await actions(w, res.ticket.id);
  assert.deepEqual(
    steps.slice(-4),
    ['contact.match ok', 'contact.link ok', 'contact.match ok', 'contact.link ok'],
    'each time: asked, linked',
  );
});

test('killed between the Case upsert and the ticket write: the restarted bridge links the Case, with one Contact', async (t) => {
  const { sf, sb } = await startEmulators(t);
  sf.org.setApexCaseEvents(false);
  const env = worldEnv(sf, sb, tempDir(t, 'contact-crash-'), {
    PORT: '0',
    LOG_LEVEL: 'info',
    ...QUIET,
    TICKET_SAFETY_DELAY_MS: '500',
    CONTACT_MATCH: 'email',
    CONTACT_CREATE: 'contact',
  });
  // Channel creation hangs: the bridge dies after the Case upsert and its Contact query, before
  // it records either (so before the contact job exists).
  sb.faults.set({ rules: [{ action: 'timeout', method: 'POST', path: '^/v3/group_channels$', timeoutMs: 60_000 }] });
  const first = runMain(env);
  t.after(() => first.child.kill('SIGKILL'));
  const url = await first.listening;
  const token = signCustomerJwt(
    { sub: 'cust-crash', name: 'Kim Lee', email: 'crash@example.com', exp: Math.floor(Date.now() / 1000) + 600 },
    SECRETS.CUSTOMER_JWT_SECRET,
  );
  const pending = call(url, 'POST', '/tickets', {
    headers: { authorization: `Bearer ${token}`, 'idempotency-key': 'crash-key' },
    body: { case: CASE },
  }).catch((e: unknown) => e);
  await waitFor('channel creation to be attempted', () => sb.faults.get().fired.timeout >= 1);
  first.child.kill('SIGKILL');
  await first.exited;
  assert.ok((await pending) instanceof Error);
  const [theCase] = sf.records('Case').filter((c) => c.Sendbird_User_Id__c === 'cust-crash');
  assert.equal(theCase?.ContactId, null, 'unlinked when the bridge died');

  sb.faults.reset();
  const second = runMain(env);
  t.after(() => second.child.kill('SIGKILL'));
  await second.listening;
  // Nobody retries: the sweep resumes the ticket, which queues the contact job with its write.
  await waitFor('the Case to be linked', () => !!sf.records('Case').find((c) => c.Id === theCase!.Id)?.ContactId, { timeoutMs: 20_000 });
  second.child.kill('SIGTERM');
  assert.equal(await second.exited, 0);
  const contacts = sf.records('Contact');
  assert.equal(contacts.length, 1, 'exactly one Contact');
  assert.equal(sf.records('Case').find((c) => c.Id === theCase!.Id)?.ContactId, contacts[0]!.Id);
  assert.equal(sf.records('Case').filter((c) => c.Sendbird_User_Id__c === 'cust-crash').length, 1, 'and one Case');
});
