/**
 * The Salesforce emulator's Pub/Sub API against a client we did not write:
 * salesforce-pubsub-api-client (its own copy of the proto, Avro decoding with avro-js, the
 * changedFields bitmaps expanded to field names). It connects with user-supplied auth (token,
 * instance URL, org id), subscribes to /data/CaseChangeEvent, and receives the change event of a
 * Case owner change made over REST; then it replays from a replay id, and gets the documented
 * error for one that expired.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import PubSubApiClient from 'salesforce-pubsub-api-client';
import { waitFor } from '@sbsf/testkit';
import { CASE_CHANGE_TOPIC, PUBSUB_ERROR } from '@sbsf/salesforce/pubsub';
import { startSalesforceEmulator, type RunningSalesforceEmulator } from '../src/salesforce/index.js';
import { api, tokenFor } from './salesforce-helpers.js';

interface Received {
  event: { replayId: number; payload: { ChangeEventHeader: Record<string, unknown>; [field: string]: unknown } }[];
  errors: { code?: number; details?: string; metadata?: { get(k: string): unknown[] } }[];
}

const INSTANCE_URL = 'https://sbsf-emulator.my.salesforce.com';

/** Clean-ups run last-in first-out: the clients close before the emulator does. */
function cleanups(t: TestContext): (fn: () => unknown) => void {
  const fns: (() => unknown)[] = [];
  t.after(async () => {
    for (const fn of fns.reverse()) await fn();
  });
  return (fn) => void fns.push(fn);
}

async function start(t: TestContext): Promise<{ sf: RunningSalesforceEmulator; cleanup: (fn: () => unknown) => void }> {
  const cleanup = cleanups(t);
  const sf = await startSalesforceEmulator({ pubsub: {}, instanceUrl: INSTANCE_URL });
  cleanup(() => sf.close());
  return { sf, cleanup };
}

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * A connected client. Its close() drops its streams' listeners without cancelling the streams, so
 * the clean-up first has the emulator end them (the fault that resets open streams) and waits
 * until the library saw that, then closes it.
 */
async function connected(
  cleanup: (fn: () => unknown) => void,
  sf: RunningSalesforceEmulator,
  rec: ReturnType<typeof recorder>,
): Promise<PubSubApiClient> {
  const client = new PubSubApiClient(
    {
      authType: 'user-supplied',
      accessToken: await tokenFor(sf),
      // The library accepts only https instance URLs, as every Salesforce instance has; the
      // emulator serves plain HTTP, so its org names an https My Domain (the instanceUrl option).
      instanceUrl: INSTANCE_URL,
      organizationId: sf.state.orgId,
      pubSubEndpoint: sf.pubsub!.endpoint,
      // The emulator's certificate is self-signed (its PEM is sf.pubsub.caPem); the library trusts
      // only its bundled roots unless told not to check.
      rejectUnauthorizedSsl: false,
    },
    quiet,
  );
  await client.connect();
  cleanup(async () => {
    if (!rec.finished()) {
      sf.pubsub!.resetStreams();
      await waitFor('the stream to end', rec.finished);
    }
    client.close();
  });
  return client;
}

function recorder(): { received: Received; finished: () => boolean; callback: (info: unknown, type: string, data: unknown) => void } {
  const received: Received = { event: [], errors: [] };
  let finished = false;
  return {
    received,
    finished: () => finished,
    callback: (_info, type, data) => {
      if (type === 'event') received.event.push(data as Received['event'][number]);
      if (type === 'error') received.errors.push(data as Received['errors'][number]);
      if (type === 'error' || type === 'end') finished = true;
    },
  };
}

test('salesforce-pubsub-api-client receives the change event of a REST owner change, decoded, with changedFields naming OwnerId', async (t) => {
  const { sf, cleanup } = await start(t);
  const token = await tokenFor(sf);
  const caseId = sf.seed.caseIds[0]!;
  const rec = recorder();
  const { received, callback } = rec;
  const client = await connected(cleanup, sf, rec);
  client.subscribe(CASE_CHANGE_TOPIC, callback, 5);
  await waitFor('the subscription', () => sf.pubsub!.stats().subscriptions[0]?.topic === CASE_CHANGE_TOPIC);

  const res = await api(sf, token, 'PATCH', `/sobjects/Case/${caseId}`, { OwnerId: sf.seed.agents.ava });
  assert.equal(res.status, 204);
  const [event] = await waitFor('the change event', () => (received.event.length ? received.event : undefined));
  const header = event!.payload.ChangeEventHeader;
  assert.equal(header.entityName, 'Case');
  assert.equal(header.changeType, 'UPDATE');
  assert.deepEqual(header.recordIds, [caseId]);
  assert.equal(header.commitUser, sf.seed.integrationUserId);
  assert.ok((header.changedFields as string[]).includes('OwnerId'), JSON.stringify(header.changedFields));
  assert.ok((header.changedFields as string[]).includes('LastModifiedDate'));
  assert.deepEqual(header.nulledFields, []);
  assert.equal(event!.payload.OwnerId, sf.seed.agents.ava);
  assert.equal(event!.payload.Subject, null, 'unchanged fields are null');
  assert.equal(typeof event!.replayId, 'number');
  assert.deepEqual(received.errors, []);
});

test('salesforce-pubsub-api-client replays after a stored replay id, and gets replayid.corrupted once it expired', async (t) => {
  const { sf, cleanup } = await start(t);
  const token = await tokenFor(sf);
  const [first, second] = sf.seed.caseIds;
  await api(sf, token, 'PATCH', `/sobjects/Case/${first}`, { OwnerId: sf.seed.agents.ben });
  await api(sf, token, 'PATCH', `/sobjects/Case/${second}`, { OwnerId: sf.seed.agents.ben });
  const stored = Number(BigInt(`0x${sf.pubsub!.events()[0]!.replayId}`));

  const replaying = recorder();
  (await connected(cleanup, sf, replaying)).subscribeFromReplayId(CASE_CHANGE_TOPIC, replaying.callback, 5, stored);
  const [after] = await waitFor('the replayed event', () => (replaying.received.event.length ? replaying.received.event : undefined));
  assert.deepEqual(after!.payload.ChangeEventHeader.recordIds, [second], 'the event after the stored one');
  assert.ok(after!.replayId > stored);

  sf.pubsub!.purge();
  const expired = recorder();
  (await connected(cleanup, sf, expired)).subscribeFromReplayId(CASE_CHANGE_TOPIC, expired.callback, 5, stored);
  const [err] = await waitFor('the error', () => (expired.received.errors.length ? expired.received.errors : undefined));
  assert.equal(err!.code, 3, 'INVALID_ARGUMENT');
  assert.equal(String(err!.metadata!.get('error-code')[0]), PUBSUB_ERROR.replayIdCorrupted);
  assert.deepEqual(expired.received.event, []);
});
