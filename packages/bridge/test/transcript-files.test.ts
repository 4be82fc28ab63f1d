/**
 * Files of FILE messages end as Salesforce Files on the Case, exactly once, over real HTTP: the
 * Sendbird emulator takes the upload and delivers signed webhooks, the bridge downloads the file
 * and stores it as a ContentVersion in the Salesforce emulator (FirstPublishLocationId = the
 * Case), and the transcript record points at it. Also: a webhook delivered twice, an edit, a flush
 * that fails midway and is retried, a file host that is down for a while, and the files the
 * bridge refuses (too large, a host that is not Sendbird's), which keep their link only.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { waitFor } from '@sbsf/testkit';
import { makeCase, sbClient } from './membership-helpers.js';
import { messageRecords, postWebhook, transcriptIdle } from './transcript-helpers.js';
import { startWorld, type World } from './world.js';

const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n');

async function chat(w: World) {
  const ava = w.sf.seed.agents.ava;
  const { caseId, customer } = await makeCase(w, ava);
  return { caseId, customer, ava, sb: sbClient(w) };
}

/** A FILE message sent with its bytes through the Platform API (multipart), as an app's server would. */
async function sendFile(
  w: World,
  caseId: string,
  userId: string,
  file: { name: string; type: string; data: Buffer },
  extra: Record<string, string> = {},
): Promise<{ message_id: number; file: { url: string } }> {
  const form = new FormData();
  form.append('message_type', 'FILE');
  form.append('user_id', userId);
  for (const [k, v] of Object.entries(extra)) form.append(k, v);
  form.append('file', new Blob([file.data], { type: file.type }), file.name);
  const res = await fetch(`${w.sb.url}/v3/group_channels/${caseId}/messages`, {
    method: 'POST',
    headers: { 'Api-Token': w.sb.apiToken },
    body: form,
  });
  const body = (await res.json()) as { message_id: number; file: { url: string } };
  assert.equal(res.status, 200, JSON.stringify(body));
  return body;
}

function versions(w: World) {
  return w.sf.records('ContentVersion');
}

function linksTo(w: World, entityId: string) {
  return w.sf.records('ContentDocumentLink').filter((l) => l.LinkedEntityId === entityId);
}

async function idle(w: World) {
  await w.sb.webhooks.idle();
  await waitFor('the transcript to be idle', () => transcriptIdle(w));
}

async function fileLedger(w: World, caseId: string) {
  return (await w.bridge.store.ledgerForCase(caseId)).filter((e) => e.action === 'transcript.file');
}

test('a FILE message becomes one File linked to the Case, and its record points at it', async (t) => {
  const w = await startWorld(t, { TRANSCRIPT_FLUSH_MS: '50' }, { webhooks: { timeoutMs: 2_000, retryDelayMs: 20 } });
  const { caseId, customer, sb } = await chat(w);
  await sb.sendMessage(caseId, { message_type: 'MESG', user_id: customer, message: 'Here is the invoice' });
  const sent = await sendFile(w, caseId, customer, { name: 'invoice.pdf', type: 'application/pdf', data: PDF });

  const record = await waitFor('the FILE record with its File', () =>
    messageRecords(w, caseId).find((r) => r.Sendbird_Message_Id__c === String(sent.message_id) && r.File_Id__c),
  );
  await idle(w);
  const [cv] = versions(w);
  assert.equal(versions(w).length, 1);
  assert.deepEqual(
    [cv!.Title, cv!.PathOnClient, cv!.FirstPublishLocationId, cv!.Sendbird_Message_Id__c, cv!.ContentSize],
    ['invoice.pdf', 'invoice.pdf', caseId, String(sent.message_id), PDF.length],
  );
  assert.deepEqual(Buffer.from(String(cv!.VersionData), 'base64'), PDF, 'the bytes in Salesforce are the bytes sent');
  assert.equal(record.File_Id__c, cv!.ContentDocumentId, 'the record names the File (its ContentDocumentId)');
  assert.equal(record.File_Url__c, sent.file.url, 'and keeps the chat link');
  const links = linksTo(w, caseId);
  assert.equal(links.length, 1, 'the File is on the Case once');
  assert.equal(links[0]!.ContentDocumentId, cv!.ContentDocumentId);
  assert.equal(messageRecords(w, caseId).length, 2, 'the text message is written as usual');
  const ledger = await fileLedger(w, caseId);
  assert.deepEqual(
    ledger.map((e) => [e.outcome, e.target, e.detail?.contentDocumentId]),
    [['ok', String(sent.message_id), cv!.ContentDocumentId]],
  );
});

test('a webhook delivered twice, and an edit of the message, upload nothing more', async (t) => {
  const w = await startWorld(t, { TRANSCRIPT_FLUSH_MS: '50' }, { webhooks: { timeoutMs: 2_000, retryDelayMs: 20 } });
  const { caseId, customer, sb } = await chat(w);
  const sent = await sendFile(w, caseId, customer, { name: 'photo.png', type: 'image/png', data: Buffer.from('not really a png') });
  await waitFor('the File', () => messageRecords(w, caseId).find((r) => r.File_Id__c));
  await idle(w);

  const createsBefore = w.sf.stats().byRoute['POST /sobjects/{type}'];
  // Sendbird retries a webhook it got no 200 for: the same signed body again.
  const delivery = w.sb.webhooks.deliveries().find((d) => d.category === 'group_channel:message_send');
  assert.ok(delivery);
  const again = await postWebhook(w.url, delivery.payload, { token: w.sb.apiToken });
  assert.deepEqual([again.status, again.body.outcome], [200, 'duplicate']);
  // An edit makes the message pending again: its record is rewritten, its file is found, not re-sent.
  await sb.updateMessage(caseId, sent.message_id, { data: 'edited' } as never);
  await sb.updateMessage(caseId, sent.message_id, { message: 'caption' } as never);
  await waitFor('the edit written', () => messageRecords(w, caseId).find((r) => r.Edited_At__c));
  await idle(w);

  assert.equal(versions(w).length, 1, 'one ContentVersion');
  assert.equal(linksTo(w, caseId).length, 1, 'one link to the Case');
  assert.equal(w.sf.stats().byRoute['POST /sobjects/{type}'], createsBefore, 'no upload after the first');
  const rec = messageRecords(w, caseId)[0]!;
  assert.equal(rec.File_Id__c, versions(w)[0]!.ContentDocumentId, 'the rewritten record still points at the File');
  assert.equal((await fileLedger(w, caseId)).length, 1);
});

test('a flush that fails midway (the upload landed, its answer or the record write did not) is retried without a second upload', async (t) => {
  const w = await startWorld(t, { TRANSCRIPT_FLUSH_MS: '50' }, { webhooks: { timeoutMs: 2_000, retryDelayMs: 20 } });
  const { caseId, customer } = await chat(w);
  // After the create, reading the new version's document fails, and so does the records' upsert.
  w.sf.faults.set({
    rules: [
      { action: 'error', method: 'GET', path: '/sobjects/ContentVersion/068', status: 500 },
      { action: 'error', method: 'PATCH', path: '/composite/sobjects/', status: 500 },
    ],
  });
  const sent = await sendFile(w, caseId, customer, { name: 'log.txt', type: 'text/plain', data: Buffer.from('line 1\nline 2\n') });
  await waitFor('the upload to land', () => (versions(w).length === 1 ? true : undefined));
  await waitFor('the message to back off', async () => {
    const row = await w.bridge.store.getTranscriptMessage(String(sent.message_id));
    return row && row.attempts >= 1 && row.state === 'pending' ? row : undefined;
  });
  const row = await w.bridge.store.getTranscriptMessage(String(sent.message_id));
  assert.match(String(row?.lastError), /file: .*500/, 'the failure is recorded on the message');
  assert.equal(messageRecords(w, caseId).length, 0, 'nothing was written yet');

  w.sf.faults.reset();
  const rec = await waitFor('the record with its File', () => messageRecords(w, caseId).find((r) => r.File_Id__c));
  await idle(w);
  assert.equal(versions(w).length, 1, 'the retry found the upload instead of making another');
  assert.equal(rec.File_Id__c, versions(w)[0]!.ContentDocumentId);
  assert.equal(linksTo(w, caseId).length, 1);
});

test('a file host that is down holds the message back and is retried; other messages are written meanwhile', async (t) => {
  const w = await startWorld(t, { TRANSCRIPT_FLUSH_MS: '50' }, { webhooks: { timeoutMs: 2_000, retryDelayMs: 20 } });
  const { caseId, customer, sb } = await chat(w);
  w.sb.faults.set({ rules: [{ action: 'error', method: 'GET', path: '^/files/', status: 503 }] });
  const sent = await sendFile(w, caseId, customer, { name: 'scan.pdf', type: 'application/pdf', data: PDF });
  await sb.sendMessage(caseId, { message_type: 'MESG', user_id: customer, message: 'did you get it?' });
  await waitFor('the text message', () => messageRecords(w, caseId).find((r) => r.Body__c === 'did you get it?'));
  const waiting = await waitFor('the file message to back off', async () => {
    const row = await w.bridge.store.getTranscriptMessage(String(sent.message_id));
    return row && row.attempts >= 1 ? row : undefined;
  });
  assert.match(String(waiting.lastError), /HTTP 503/);
  w.sb.faults.reset();
  await waitFor('the File', () => messageRecords(w, caseId).find((r) => r.File_Id__c));
  assert.equal(versions(w).length, 1);
});

test('a file sent with require_auth is downloaded with the API token', async (t) => {
  const w = await startWorld(t, { TRANSCRIPT_FLUSH_MS: '50' }, { webhooks: { timeoutMs: 2_000, retryDelayMs: 20 } });
  const { caseId, customer } = await chat(w);
  const sent = await sendFile(
    w,
    caseId,
    customer,
    { name: 'private.txt', type: 'text/plain', data: Buffer.from('for agents') },
    { require_auth: 'true' },
  );
  assert.equal((await fetch(sent.file.url)).status, 401, 'the emulator serves it only with a token');
  await waitFor('the File', () => messageRecords(w, caseId).find((r) => r.File_Id__c));
  assert.equal(Buffer.from(String(versions(w)[0]!.VersionData), 'base64').toString(), 'for agents');
});

test('refused files keep the link only, with a ledger entry that says why; the transcript goes on', async (t) => {
  const w = await startWorld(
    t,
    { TRANSCRIPT_FLUSH_MS: '50', TRANSCRIPT_FILE_MAX_BYTES: '1000' },
    { webhooks: { timeoutMs: 2_000, retryDelayMs: 20 } },
  );
  const { caseId, customer, sb } = await chat(w);
  const big = await sendFile(w, caseId, customer, { name: 'big.pdf', type: 'application/pdf', data: Buffer.alloc(5000, 1) });
  const elsewhere = await sb.sendMessage(caseId, {
    message_type: 'FILE',
    user_id: customer,
    url: 'https://files.example.com/receipt.pdf',
    file_name: 'receipt.pdf',
    file_type: 'application/pdf',
    file_size: 10,
  });
  const internal = await sb.sendMessage(caseId, {
    message_type: 'FILE',
    user_id: customer,
    url: 'http://169.254.169.254/latest/meta-data',
    file_name: 'x',
  });
  await sb.sendMessage(caseId, { message_type: 'MESG', user_id: customer, message: 'after the files' });
  await waitFor('four records', () => (messageRecords(w, caseId).length === 4 ? true : undefined));
  await idle(w);
  assert.equal(versions(w).length, 0, 'no File was made');
  const byId = new Map(messageRecords(w, caseId).map((r) => [r.Sendbird_Message_Id__c, r]));
  assert.equal(byId.get(String(big.message_id))?.File_Url__c, big.file.url, 'the record keeps the link');
  assert.equal(byId.get(String(big.message_id))?.File_Id__c, null);
  const ledger = await fileLedger(w, caseId);
  const codes = new Map(ledger.map((e) => [e.target, [e.outcome, e.detail?.code]]));
  assert.deepEqual(codes.get(String(big.message_id)), ['error', 'too_large']);
  assert.deepEqual(codes.get(String(elsewhere.message_id)), ['error', 'host_not_allowed']);
  assert.deepEqual(codes.get(String(internal.message_id)), ['error', 'host_not_allowed']);
  assert.ok(!JSON.stringify(ledger).includes(w.sb.apiToken), 'no secret in the ledger');
});

test('case_comment mode: the comment names the File', async (t) => {
  const w = await startWorld(
    t,
    { TRANSCRIPT_FLUSH_MS: '50', TRANSCRIPT_MODE: 'case_comment' },
    { webhooks: { timeoutMs: 2_000, retryDelayMs: 20 } },
  );
  const { caseId, customer } = await chat(w);
  await sendFile(w, caseId, customer, { name: 'diagram.png', type: 'image/png', data: Buffer.from('png bytes') });
  const comment = await waitFor('the comment', () =>
    w.sf.records('CaseComment').find((c) => c.ParentId === caseId && /Salesforce File/.test(String(c.CommentBody))),
  );
  await idle(w);
  const docId = String(versions(w)[0]!.ContentDocumentId);
  assert.match(String(comment.CommentBody), new RegExp(`Salesforce File: diagram\\.png \\(ContentDocument ${docId}\\)`));
  assert.equal(linksTo(w, caseId).length, 1);
  assert.equal(w.sf.records('CaseComment').filter((c) => c.ParentId === caseId).length, 1);
});
