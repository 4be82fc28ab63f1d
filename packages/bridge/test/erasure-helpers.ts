/**
 * Helpers for the erasure tests: two customers with tickets, chat messages (mirrored to the Case
 * through signed webhooks) and a file, and a look for any trace of a customer in both emulators
 * and in every table of the bridge's store.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { waitFor } from '@sbsf/testkit';
import type { OpenedStore } from '../src/open-store.js';
import { sbClient } from './membership-helpers.js';
import { messageRecords, transcriptIdle } from './transcript-helpers.js';
import type { World } from './world.js';

export interface Customer {
  sub: string;
  userId: string;
  name: string;
  email: string;
  phone: string;
  caseId: string;
  ticketId: string;
  fileDocId: string;
}

/** Opens a ticket as `sub`, chats two messages and sends a file, and waits until all of it is on the Case. */
export async function customerWithChat(w: World, sub: string, name: string): Promise<Customer> {
  const email = `${sub}@example.com`;
  const phone = `+1 555 ${String(parseInt(randomUUID().slice(0, 6), 16)).padStart(8, '0')}`;
  const res = await w.call('POST', '/tickets', {
    headers: { authorization: `Bearer ${w.customerToken(sub, { name })}`, 'idempotency-key': randomUUID() },
    body: {
      case: {
        Subject: `${name} printer`,
        Description: `${name} writes: smoke`,
        SuppliedName: name,
        SuppliedEmail: email,
        SuppliedPhone: phone,
      },
    },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  const caseId = res.body.case.id as string;
  const userId = res.body.sendbird.userId as string;
  const sb = sbClient(w);
  await sb.sendMessage(caseId, { message_type: 'MESG', user_id: userId, message: `hello from ${name}` });
  await sb.sendMessage(caseId, { message_type: 'MESG', user_id: userId, message: `my address is ${email}` });
  const form = new FormData();
  form.append('message_type', 'FILE');
  form.append('user_id', userId);
  form.append('file', new Blob([Buffer.from(`receipt of ${name}`)], { type: 'text/plain' }), `${sub}-receipt.txt`);
  const up = await fetch(`${w.sb.url}/v3/group_channels/${caseId}/messages`, {
    method: 'POST',
    headers: { 'Api-Token': w.sb.apiToken },
    body: form,
  });
  assert.equal(up.status, 200, await up.clone().text());
  const rec = await waitFor(`${sub}'s file on the Case`, () => messageRecords(w, caseId).find((r) => r.File_Id__c));
  await waitFor(`${sub}'s three messages on the Case`, () => (messageRecords(w, caseId).length === 3 ? true : undefined));
  await w.sb.webhooks.idle();
  await waitFor('the transcript to be idle', () => transcriptIdle(w));
  return { sub, userId, name, email, phone, caseId, ticketId: res.body.ticket.id as string, fileDocId: String(rec.File_Id__c) };
}

/** The tables that hold what customers sent or gave. */
export const CUSTOMER_TABLES = ['tickets', 'idempotency_keys', 'ledger', 'transcript_messages', 'erasures', 'customer_contacts'];

/** Every row of every table of the bridge's store (or of `only` these), as text. */
export async function storeText(store: OpenedStore, only?: readonly string[]): Promise<string> {
  const tables = only
    ? only.map((name) => ({ name }))
    : store.kind === 'sqlite'
      ? await store.unsafeQuery<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
      : await store.unsafeQuery<{ name: string }>(
          'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()',
        );
  const parts: string[] = [];
  for (const { name } of tables) parts.push(JSON.stringify(await store.unsafeQuery(`SELECT * FROM ${name}`)));
  return parts.join('\n');
}

/** Everything Salesforce and Sendbird hold that the bridge's customers could be in, as text. */
export function upstreamText(w: World): string {
  const sf = ['Case', 'Sendbird_Message__c', 'ContentVersion', 'ContentDocument', 'ContentDocumentLink', 'CaseComment'].map((o) =>
    JSON.stringify(w.sf.records(o)),
  );
  const sb = w.sb.store;
  const channels = [...sb.channels.values()].map((c) => ({ url: c.channel_url, members: [...c.members.keys()], messages: c.messages }));
  return [...sf, JSON.stringify([...sb.users.values()]), JSON.stringify(channels)].join('\n');
}

/** Calls that change something (not reads: catch-up reads channels in the background), by route. */
export function writeCalls(stats: { byRoute: Record<string, number> }): Record<string, number> {
  return Object.fromEntries(Object.entries(stats.byRoute).filter(([route]) => !/^(GET|HEAD)\b/.test(route)));
}

/** The traces of a customer: their user id, name, email, phone. */
export const traces = (c: Customer) => [c.userId, c.name, c.email, c.phone, `${c.sub}-receipt`];

export function assertNoTrace(text: string, c: Customer, where: string): void {
  for (const t of traces(c)) assert.ok(!text.includes(t), `${where} still holds ${JSON.stringify(t)}`);
}

export function assertTrace(text: string, c: Customer, where: string): void {
  for (const t of [c.userId, c.name, c.email]) assert.ok(text.includes(t), `${where} lost ${JSON.stringify(t)} (another customer's data)`);
}
