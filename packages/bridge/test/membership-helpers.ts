/**
 * Helpers for the membership tests: Cases with channels made directly in the emulators (as the
 * ticket flow would leave them), membership read back from the Sendbird emulator, raw event posts.
 */
import { randomUUID } from 'node:crypto';
import { SalesforceClient } from '@sbsf/salesforce';
import { SendbirdClient } from '@sbsf/sendbird';
import type { SalesforceEvent } from '@sbsf/wire';
import type { LedgerEntry } from '../src/store/types.js';
import { SECRETS } from './fixtures.js';
import type { World } from './world.js';

export function sfClient(w: World): SalesforceClient {
  return new SalesforceClient({
    loginUrl: w.sf.url,
    auth: { kind: 'client_credentials', clientId: w.sf.options.clientId, clientSecret: w.sf.options.clientSecret },
    retry: { initialDelayMs: 1, maxDelayMs: 5 },
  });
}

export function sbClient(w: World): SendbirdClient {
  return new SendbirdClient({
    appId: w.sb.appId,
    apiToken: w.sb.apiToken,
    baseUrl: w.sb.url,
    limiter: { enabled: false },
    retry: { maxAttempts: 1 },
  });
}

/** A Case owned by `ownerId` and its channel with the customer as the only member. */
export async function makeCase(
  w: World,
  ownerId: string,
  opts: { customer?: string; withChannel?: boolean } = {},
): Promise<{ caseId: string; customer: string }> {
  const sf = sfClient(w);
  const customer = opts.customer ?? `customer-${randomUUID().slice(0, 8)}`;
  const { id } = await sf.create('Case', {
    Subject: 'Help',
    OwnerId: ownerId,
    Sendbird_Ticket_Id__c: randomUUID(),
    Sendbird_User_Id__c: customer,
    SuppliedName: 'Cust',
    SuppliedEmail: 'c@example.com',
  });
  if (opts.withChannel !== false) {
    const sb = sbClient(w);
    await sb.createUser({ user_id: customer, nickname: 'Customer', profile_url: '' }).catch(() => undefined);
    await sb.createGroupChannel({ channel_url: id, user_ids: [customer], custom_type: 'sf_case', is_distinct: false });
  }
  return { caseId: id, customer };
}

/** Member user ids of a channel, sorted ([] when there is no such channel). */
export function members(w: World, channelUrl: string): string[] {
  const c = w.sb.store.channels.get(channelUrl);
  return c ? [...c.members.keys()].sort() : [];
}

export function nicknameOf(w: World, userId: string): string | undefined {
  return w.sb.store.users.get(userId)?.nickname;
}

/** PATCH the Case's owner over the REST API, as a save in Salesforce would. */
export async function setOwner(w: World, caseId: string, ownerId: string): Promise<void> {
  await sfClient(w).update('Case', caseId, { OwnerId: ownerId });
}

export const ownerChanged = (
  caseId: string,
  previousOwnerId: string | null,
  ownerId: string,
  at = new Date().toISOString(),
): SalesforceEvent => ({
  type: 'case.owner_changed',
  caseId,
  previousOwnerId,
  ownerId,
  occurredAt: at,
});

export function postEvents(w: World, body: unknown, secret: string | null = SECRETS.BRIDGE_SHARED_SECRET) {
  return w.call('POST', '/salesforce/events', { body, headers: secret === null ? {} : { authorization: `Bearer ${secret}` } });
}

/** Ledger entries of a Case, as `action target outcome` lines (easy to assert on). */
export async function ledgerLines(w: World, caseId: string, filter: (e: LedgerEntry) => boolean = () => true): Promise<string[]> {
  return (await w.bridge.store.ledgerForCase(caseId)).filter(filter).map((e) => `${e.action} ${e.target ?? ''} ${e.outcome}`);
}

/** True when no membership job is queued or running. */
export async function membershipIdle(w: World): Promise<boolean> {
  const counts = await w.bridge.store.countJobsByState();
  return counts.queued === 0 && counts.running === 0;
}
