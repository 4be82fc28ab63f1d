/**
 * The sandbox's made-up credentials: created on first start and kept in `data/sandbox.json`, so
 * restarts keep working with the same client id, tokens and secrets. They only unlock the local
 * emulators; they are written to a file on purpose, so scripts and tests can drive the sandbox.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';

export interface SandboxCredentials {
  salesforce: { clientId: string; clientSecret: string };
  sendbird: { appId: string; apiToken: string };
  /** BRIDGE_SHARED_SECRET: what the emulated Named Credential sends to the bridge. */
  bridgeSharedSecret: string;
}

export function makeCredentials(): SandboxCredentials {
  const hex = (n: number) => randomBytes(n).toString('hex');
  return {
    salesforce: { clientId: `3MVG9sandbox${hex(8)}`, clientSecret: hex(24) },
    sendbird: { appId: randomUUID().toUpperCase(), apiToken: hex(20) },
    bridgeSharedSecret: hex(32),
  };
}

/** Reads the credentials from an earlier sandbox.json, or makes new ones. */
export function loadOrMakeCredentials(file: string): SandboxCredentials {
  if (existsSync(file)) {
    try {
      const saved = JSON.parse(readFileSync(file, 'utf8')) as { credentials?: SandboxCredentials };
      const c = saved.credentials;
      if (c?.salesforce?.clientId && c.salesforce.clientSecret && c.sendbird?.appId && c.sendbird.apiToken && c.bridgeSharedSecret)
        return c;
    } catch {
      /* unreadable: start over with new credentials */
    }
  }
  return makeCredentials();
}
