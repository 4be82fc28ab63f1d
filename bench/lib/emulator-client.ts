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
