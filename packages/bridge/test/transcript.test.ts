/**
 * The transcript end to end: the Sendbird emulator delivers signed webhooks to the bridge (as
 * Sendbird does: 5 s timeout, up to 3 tries), the bridge writes the messages to the Case in the
 * Salesforce emulator. Object mode (Sendbird_Message__c, upsert on its External Id) and CaseComment
 * mode.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { test, type TestContext } from 'node:test';
import { waitFor } from '@sbsf/testkit';
import { makeCase, sbClient } from './membership-helpers.js';
import { messageRecords, sfCalls, transcriptIdle } from './transcript-helpers.js';
import { startWorld, type World } from './world.js';

/** A Case with its channel, the customer and an agent (Ava, a Salesforce User) as members. */
async function supportChat(w: World) {
  const ava = w.sf.seed.agents.ava;
  const { caseId, customer } = await makeCase(w, ava);
  const sb = sbClient(w);
  await sb.createUser({ user_id: ava, nickname: 'Ava Agent', profile_url: '' });
  await sb.inviteMembers(caseId, [ava]);
  return { caseId, customer, ava, sb };
}

test("messages become Sendbird_Message__c records on the Case: who sent them, text and files; the bridge's notices as system entries; other admin and bridge messages skipped; edits and deletes mark the record", async (t) => {
  const w = await startWorld(t, { TRANSCRIPT_FLUSH_MS: '100' }, { webhooks: { timeoutMs: 2_000, retryDelayMs: 20 } });
  const { caseId, customer, ava, sb } = await supportChat(w);

  const hello = await sb.sendMessage(caseId, { message_type: 'MESG', user_id: customer, message: 'Hello, my order is late' });
  const reply = await sb.sendMessage(caseId, { message_type: 'MESG', user_id: ava, message: 'Sorry about that, let me check.' });
  const file = await sb.sendMessage(caseId, {
    message_type: 'FILE',
    user_id: customer,
    url: 'https://files.example.com/receipt.pdf',
    file_name: 'receipt.pdf',
    file_type: 'application/pdf',
    file_size: 1234,
  });
  await sb.sendMessage(caseId, { message_type: 'ADMM', message: 'An agent joined' });
  await sb.sendMessage(caseId, { message_type: 'MESG', user_id: ava, message: 'sent by the bridge', custom_type: 'sbsf_bridge' });
  const form = JSON.stringify({ sbsf: 'ticket.form', subject: 'Late order' });
  await sb.sendMessage(caseId, { message_type: 'ADMM', message: 'Late order', custom_type: 'sbsf_bridge', data: form });
  const handover = { sbsf: 'agent.handover', agent: { id: ava, name: 'Ava Agent' }, previous: [{ id: '005EM0000000009YAA', name: 'Ben' }] };
  const notice = await sb.sendMessage(caseId, {
    message_type: 'ADMM',
    message: 'Ava Agent joined',
    custom_type: 'sbsf_bridge',
    data: JSON.stringify(handover),
  });

  const records = await waitFor('four records', () => {
    const r = messageRecords(w, caseId);
    return r.length === 4 ? r : undefined;
  });
  await w.sb.webhooks.idle();
  await waitFor('the transcript to be idle', () => transcriptIdle(w));
  assert.equal(
    messageRecords(w, caseId).length,
    4,
    "another admin message, the bridge's own user message and the ticket form are not mirrored",
  );
  const byId = new Map(records.map((r) => [r.Sendbird_Message_Id__c, r]));
  const h = byId.get(String(hello.message_id));
  assert.deepEqual(
    [
      h?.Case__c,
      h?.Channel_Url__c,
      h?.Sender_Role__c,
      h?.Sender_Id__c,
      h?.Sender_Name__c,
      h?.Body__c,
      h?.Message_Type__c,
      h?.Is_Deleted_In_Chat__c,
    ],
    [caseId, caseId, 'Customer', customer, 'Customer', 'Hello, my order is late', 'MESG', false],
  );
  assert.equal(Date.parse(String(h?.Sent_At__c).replace('+0000', 'Z')), hello.created_at, 'Sent_At__c is the message time');
  const r = byId.get(String(reply.message_id));
  assert.deepEqual(
    [r?.Sender_Role__c, r?.Sender_Id__c, r?.Sender_Name__c],
    ['Agent', ava, 'Ava Agent'],
    'an agent is identified by the User Id',
  );
  const n = byId.get(String(notice.message_id));
  assert.deepEqual(
    [n?.Message_Type__c, n?.Sender_Role__c, n?.Sender_Name__c, n?.Sender_Id__c ?? null, n?.Body__c],
    ['ADMM', 'System', 'System', null, 'Ava Agent joined'],
    "the bridge's notice is a system entry, never a customer's or an agent's message",
  );
  const f = byId.get(String(file.message_id));
  assert.deepEqual(
    [f?.Message_Type__c, f?.File_Url__c, f?.File_Name__c, f?.File_Type__c],
    ['FILE', 'https://files.example.com/receipt.pdf', 'receipt.pdf', 'application/pdf'],
  );

  await sb.updateMessage(caseId, hello.message_id, { message: 'Hello, my order #42 is late' });
  await sb.deleteMessage(caseId, reply.message_id);
  await waitFor('the edit and the delete', () => {
    const now = new Map(messageRecords(w, caseId).map((x) => [x.Sendbird_Message_Id__c, x]));
    return (
      now.get(String(hello.message_id))?.Body__c === 'Hello, my order #42 is late' &&
      now.get(String(reply.message_id))?.Is_Deleted_In_Chat__c === true
    );
  });
  const edited = messageRecords(w, caseId).find((x) => x.Sendbird_Message_Id__c === String(hello.message_id));
  assert.ok(edited?.Edited_At__c, 'Edited_At__c is set');
  const deleted = messageRecords(w, caseId).find((x) => x.Sendbird_Message_Id__c === String(reply.message_id));
  assert.equal(deleted?.Body__c, 'Sorry about that, let me check.', 'a message deleted in the chat keeps its text on the Case');
  assert.equal(messageRecords(w, caseId).length, 4, 'no record was added by the edit or the delete');
  assert.ok((sfCalls(w).byRoute['PATCH /composite/sobjects/{type}/{field}'] ?? 0) >= 1, 'written with sObject Collections upserts');
});

/** A proxy that forwards each webhook to the bridge but holds the answer to the first tries past the emulator's timeout. */
async function slowFirstTries(t: TestContext, target: string, slowTries: number, holdMs: number) {
  const seen = new Map<string, number>();
  const answers: number[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const key = String(req.headers['x-sendbird-signature']);
        const n = (seen.get(key) ?? 0) + 1;
        seen.set(key, n);
        const forwarded = await fetch(`${target}${req.url}`, {
          method: 'POST',
          headers: { 'content-type': String(req.headers['content-type']), 'x-sendbird-signature': key },
          body: Buffer.concat(chunks),
        });
        const text = await forwarded.text();
        answers.push(forwarded.status);
        if (n <= slowTries) await new Promise((r) => setTimeout(r, holdMs));
        if (!res.destroyed) res.writeHead(forwarded.status, { 'content-type': 'application/json' }).end(text);
      })();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, answers };
}

test("Sendbird's three deliveries of one message (a bridge too slow to answer twice) make one record and one write", async (t) => {
  const w = await startWorld(t, { TRANSCRIPT_FLUSH_MS: '200' });
  const { caseId, customer, sb } = await supportChat(w);
  const timeoutMs = 300;
  const proxy = await slowFirstTries(t, w.url, 2, timeoutMs + 200);
  w.sb.webhooks.configure({
    url: `${proxy.url}/sendbird/webhooks`,
    timeoutMs,
    retryDelayMs: 10,
    enabledEvents: ['group_channel:message_send'],
  });
  w.sf.resetStats();

  const m = await sb.sendMessage(caseId, { message_type: 'MESG', user_id: customer, message: 'Is anyone there?' });
  await w.sb.webhooks.idle();
  const [delivery] = w.sb.webhooks
    .deliveries()
    .filter((d) => (d.payload as { payload: { message_id: number } }).payload.message_id === m.message_id);
  assert.equal(delivery?.attempts.length, 3, 'Sendbird tried three times');
  assert.deepEqual(
    delivery?.attempts.slice(0, 2).map((a) => a.error),
    [`no answer within ${timeoutMs} ms`, `no answer within ${timeoutMs} ms`],
  );
  assert.equal(delivery?.status, 'delivered');
  assert.deepEqual(proxy.answers, [200, 200, 200], 'the bridge received and acknowledged all three');

  await waitFor('the record', () => messageRecords(w, caseId).length === 1);
  await waitFor('the transcript to be idle', () => transcriptIdle(w));
  assert.equal(messageRecords(w, caseId).length, 1, 'one record');
  assert.equal(sfCalls(w).byRoute['PATCH /composite/sobjects/{type}/{field}'], 1, 'one Salesforce write');
  const metrics = await (await fetch(`${w.url}/metrics`)).text();
  assert.match(metrics, /bridge_sendbird_webhooks_total\{outcome="stored",detail=""\} 1/);
  assert.match(metrics, /bridge_sendbird_webhooks_total\{outcome="duplicate",detail=""\} 2/);
});

test('CaseComment mode: each message is one private CaseComment; an edit or a delete updates that comment', async (t) => {
  const w = await startWorld(
    t,
    { TRANSCRIPT_MODE: 'case_comment', TRANSCRIPT_FLUSH_MS: '100' },
    { webhooks: { timeoutMs: 2_000, retryDelayMs: 20 } },
  );
  const { caseId, customer, ava, sb } = await supportChat(w);
  const comments = () => w.sf.records('CaseComment').filter((c) => c.ParentId === caseId);

  const hello = await sb.sendMessage(caseId, { message_type: 'MESG', user_id: customer, message: 'My invoice is wrong' });
  await sb.sendMessage(caseId, { message_type: 'MESG', user_id: ava, message: 'I will fix it' });
  await sb.sendMessage(caseId, {
    message_type: 'FILE',
    user_id: customer,
    url: 'https://files.example.com/invoice.png',
    file_name: 'invoice.png',
    file_type: 'image/png',
  });
  await waitFor('three comments', () => comments().length === 3);
  const bodies = comments().map((c) => String(c.CommentBody));
  assert.ok(
    bodies.some((b) => /\] Customer \(customer\): My invoice is wrong\n/.test(b)),
    bodies.join('\n---\n'),
  );
  assert.ok(
    bodies.some((b) => /\] Ava Agent \(agent\): I will fix it\n/.test(b)),
    bodies.join('\n---\n'),
  );
  assert.ok(
    bodies.some((b) => b.includes('File: invoice.png (image/png) https://files.example.com/invoice.png')),
    bodies.join('\n---\n'),
  );
  assert.ok(
    comments().every((c) => c.IsPublished === false),
    'private comments: the customer does not see them in a portal',
  );

  await sb.updateMessage(caseId, hello.message_id, { message: 'My invoice #7 is wrong' });
  await waitFor('the edit', () =>
    comments().some((c) => String(c.CommentBody).includes('(edited ') && String(c.CommentBody).includes('My invoice #7 is wrong')),
  );
  await sb.deleteMessage(caseId, hello.message_id);
  await waitFor('the delete', () => comments().some((c) => String(c.CommentBody).startsWith('[deleted in chat] ')));
  await waitFor('the transcript to be idle', () => transcriptIdle(w));
  assert.equal(comments().length, 3, 'edits and deletes update the comment instead of adding one');
  assert.equal(w.sf.records('Sendbird_Message__c').length, 0);
});
