import { randomUUID } from 'node:crypto';
/** A Salesforce client logged in to a benchmark's Salesforce emulator with its default client credentials. */
import { SALESFORCE_EMULATOR_DEFAULTS } from '../../packages/emulators/src/index.js';
import { SalesforceClient, type SalesforceClientOptions } from '../../packages/salesforce/src/index.js';

export function emulatorClient(sf: { url: string }, extra: Partial<SalesforceClientOptions> = {}): SalesforceClient {
  return new SalesforceClient({
    loginUrl: sf.url,
    auth: {
      kind: 'client_credentials',
      clientId: SALESFORCE_EMULATOR_DEFAULTS.clientId,
      clientSecret: SALESFORCE_EMULATOR_DEFAULTS.clientSecret,
    },
    ...extra,
  });
}

/**
 * Open chat Cases owned by `ownerId`, one per customer (Sendbird_User_Id__c), made 200 per
 * sObject Collections call as a bulk load would; their Ids in the customers' order.
 */
export async function createChatCases(sfc: SalesforceClient, customers: readonly string[], ownerId: string): Promise<string[]> {
  const caseIds: string[] = [];
  for (let i = 0; i < customers.length; i += 200) {
    const res = await sfc.collections.create(
      customers.slice(i, i + 200).map((c) => ({
        attributes: { type: 'Case' },
        Subject: 'Bench',
        OwnerId: ownerId,
        Sendbird_Ticket_Id__c: randomUUID(),
        Sendbird_User_Id__c: c,
      })),
    );
    caseIds.push(...res.map((r) => r.id as string));
  }
  return caseIds;
}
