/**
 * A whole world for integration tests: both emulators and a bridge wired to them, all on port 0,
 * with a fresh data directory. Closed when the test ends.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import {
  SALESFORCE_EMULATOR_DEFAULTS,
  startSalesforceEmulator,
  type RunningSalesforceEmulator,
  type SalesforceEmulatorOptions,
} from '@sbsf/emulators';
import {
  startSendbirdEmulator,
  type RunningSendbirdEmulator,
  type SendbirdEmulatorOptions,
  type WebhookConfig,
} from '@sbsf/emulators/sendbird';
import { tempDir } from '@sbsf/testkit';
import { startBridge, type BridgeHandle } from '../src/app.js';
import type { Clients } from '../src/clients.js';
import { loadConfig, type BridgeConfig } from '../src/config.js';
import { signCustomerJwt } from '../src/identity/jwt.js';
import { baseEnv, SECRETS } from './fixtures.js';

export interface World {
  sf: RunningSalesforceEmulator;
  sb: RunningSendbirdEmulator;
  bridge: BridgeHandle;
  config: BridgeConfig;
  url: string;
  /** Environment that points a bridge at these emulators (for child processes). */
  env: Record<string, string | undefined>;
  /** A customer JWT as the customer's backend would sign it. */
  customerToken(sub: string, extra?: Record<string, unknown>): string;
  /** fetch against the bridge with JSON in and out. */
  call(
    method: string,
    path: string,
    opts?: { body?: unknown; headers?: Record<string, string> },
  ): Promise<{ status: number; headers: Headers; body: any }>;
}

export function worldEnv(
  sf: { url: string },
  sb: { url: string; appId: string; apiToken: string },
  dataDir: string,
  overrides: Record<string, string | undefined> = {},
) {
  return baseEnv({
    DATA_DIR: dataDir,
    SALESFORCE_LOGIN_URL: sf.url,
    SALESFORCE_CLIENT_ID: SALESFORCE_EMULATOR_DEFAULTS.clientId,
    SALESFORCE_CLIENT_SECRET: SALESFORCE_EMULATOR_DEFAULTS.clientSecret,
    SENDBIRD_APP_ID: sb.appId,
    SENDBIRD_API_TOKEN: sb.apiToken,
    SENDBIRD_API_URL: sb.url,
    SENDBIRD_PREVIOUS_API_TOKENS: undefined,
    JOB_POLL_MS: '50',
    RATE_LIMIT_PER_MINUTE: '100000',
    ...overrides,
  });
}

export interface WorldOptions {
  sf?: SalesforceEmulatorOptions;
  sb?: SendbirdEmulatorOptions;
  /**
   * Point the Sendbird emulator's webhooks at the bridge's `/sendbird/webhooks` (signed with the
   * master token, Sendbird's 5 s timeout and 3 tries unless overridden). Off by default, so the
   * other features' tests see no transcript traffic.
   */
  webhooks?: boolean | Omit<WebhookConfig, 'url'>;
  /**
   * Case changes through Change Data Capture: the Salesforce emulator serves the Pub/Sub API, its
   * Apex path is switched off (no platform event, no callout), and the bridge runs CASE_EVENTS=cdc.
   */
  cdc?: boolean;
  /** The bridge's upstream clients, built from its config (default: as the bridge builds them). */
  clients?: (config: BridgeConfig) => Clients;
}

/** The bridge settings that follow an emulator's Pub/Sub API (its certificate written to `dir`). */
export function cdcEnv(sf: RunningSalesforceEmulator, dir: string): Record<string, string> {
  if (!sf.pubsub?.endpoint) throw new Error('the Salesforce emulator was started without its `pubsub` option');
  const ca = join(dir, 'pubsub-ca.pem');
  writeFileSync(ca, sf.pubsub.caPem);
  return { CASE_EVENTS: 'cdc', SALESFORCE_PUBSUB_ENDPOINT: sf.pubsub.endpoint, SALESFORCE_PUBSUB_CA_FILE: ca, CDC_LEASE_MS: '3000' };
}

/** Salesforce emulator options for a CDC world. */
export const CDC_EMULATOR: SalesforceEmulatorOptions = { pubsub: { port: 0 }, apexCaseEvents: false, pubsubKeepaliveMs: 500 };

/** Both emulators on port 0, closed when the test ends: for tests that run bridges as processes. */
export async function startEmulators(
  t: TestContext,
  opts: { sf?: SalesforceEmulatorOptions; sb?: SendbirdEmulatorOptions } = {},
): Promise<{ sf: RunningSalesforceEmulator; sb: RunningSendbirdEmulator }> {
  const sf = await startSalesforceEmulator(opts.sf ?? {});
  const sb = await startSendbirdEmulator(opts.sb ?? {});
  t.after(async () => {
    await sb.close();
    await sf.close();
  });
  return { sf, sb };
}

export async function startWorld(
  t: TestContext,
  overrides: Record<string, string | undefined> = {},
  opts: WorldOptions = {},
): Promise<World> {
  // Fast retries of the org's event callouts (the Apex waits minutes).
  const sf = await startSalesforceEmulator({
    bridgeDelivery: { retryDelaysMs: [0, 20, 50] },
    ...(opts.cdc ? CDC_EMULATOR : {}),
    ...opts.sf,
  });
  const sb = await startSendbirdEmulator({ ...opts.sb });
  const dir = tempDir(t, 'world-');
  const env = worldEnv(sf, sb, dir, { ...(opts.cdc ? cdcEnv(sf, dir) : {}), ...overrides });
  const config = loadConfig(env);
  const bridge = await startBridge(config, { port: 0, ...(opts.clients ? { clients: opts.clients(config) } : {}) });
  // The org's triggers post to this bridge, as the Named Credential would.
  sf.org.setBridge({ url: bridge.url, secret: config.sharedSecret });
  if (opts.webhooks) sb.webhooks.configure({ ...(opts.webhooks === true ? {} : opts.webhooks), url: `${bridge.url}/sendbird/webhooks` });
  t.after(async () => {
    await bridge.close();
    await sb.close();
    await sf.close();
  });
  const url = bridge.url;
  return {
    sf,
    sb,
    bridge,
    config,
    url,
    env,
    customerToken: (sub, extra = {}) =>
      signCustomerJwt({ sub, exp: Math.floor(Date.now() / 1000) + 600, ...extra }, SECRETS.CUSTOMER_JWT_SECRET),
    call: (method, path, opts = {}) => call(url, method, path, opts),
  };
}

export async function call(base: string, method: string, path: string, opts: { body?: unknown; headers?: Record<string, string> } = {}) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}), ...opts.headers },
    ...(opts.body !== undefined ? { body: typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body) } : {}),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON: keep the text */
  }
  return { status: res.status, headers: res.headers, body: body as any };
}

/** Cases the ticket flow made (the seed has some Cases without a ticket id). */
export function ticketCases(w: { sf: RunningSalesforceEmulator }) {
  const seeded = new Set(w.sf.seed.caseIds);
  return w.sf.records('Case').filter((c) => c.Sendbird_Ticket_Id__c && !seeded.has(c.Id as string));
}
