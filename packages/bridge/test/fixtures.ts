/** Shared test fixtures: a complete valid environment and a config built from it. */
import type { TestContext } from 'node:test';
import { tempDir } from '@sbsf/testkit';
import { loadConfig, type BridgeConfig } from '../src/config.js';

export const SECRETS = {
  SALESFORCE_CLIENT_SECRET: 'sf-client-secret-3f9a1c7e5b2d',
  SENDBIRD_API_TOKEN: 'sb-master-token-9e8d7c6b5a4f3e2d1c0b',
  BRIDGE_SHARED_SECRET: 'bridge-shared-secret-0123456789abcdef-XYZ',
  CUSTOMER_JWT_SECRET: 'customer-jwt-secret-abcdefghijklmnopqrstuvwxyz',
  PREVIOUS_TOKEN: 'sb-previous-token-1a2b3c4d5e6f7a8b',
};

/** Every required setting, valid, for the default flows (client credentials, customer JWT). */
export function baseEnv(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    SALESFORCE_LOGIN_URL: 'https://acme.my.salesforce.com',
    SALESFORCE_CLIENT_ID: '3MVG9-consumer-key',
    SALESFORCE_CLIENT_SECRET: SECRETS.SALESFORCE_CLIENT_SECRET,
    SENDBIRD_APP_ID: 'APP-1234',
    SENDBIRD_API_TOKEN: SECRETS.SENDBIRD_API_TOKEN,
    SENDBIRD_PREVIOUS_API_TOKENS: SECRETS.PREVIOUS_TOKEN,
    BRIDGE_SHARED_SECRET: SECRETS.BRIDGE_SHARED_SECRET,
    CUSTOMER_JWT_SECRET: SECRETS.CUSTOMER_JWT_SECRET,
    LOG_LEVEL: 'silent',
    ...overrides,
  };
}

/** A config whose data directory is a fresh temp dir (removed after the test). */
export function testConfig(t: TestContext, overrides: Record<string, string | undefined> = {}): BridgeConfig {
  return loadConfig(baseEnv({ DATA_DIR: tempDir(t, 'bridge-'), ...overrides }));
}
