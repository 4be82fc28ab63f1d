/**
 * The sandbox: both emulators, the bridge wired to them, and the web apps, on fixed default ports
 * (each can be changed by an environment variable), with the bridge's data kept under `data/`.
 * Writes every URL and the made-up credentials to `data/sandbox.json` so scripts, tests and other
 * tools can find and drive a running sandbox.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfig, startBridge, type BridgeHandle } from '@sbsf/bridge';
import {
  startSalesforceEmulator,
  startSendbirdEmulator,
  type RunningSalesforceEmulator,
  type RunningSendbirdEmulator,
} from '@sbsf/emulators';
import type { FastifyInstance } from 'fastify';
import { ensureBuilt } from './build.js';
import { loadOrMakeCredentials, type SandboxCredentials } from './credentials.js';
import { createStaticServer } from './static-server.js';
import { persist } from './persist.js';

export const DEFAULT_PORTS = { bridge: 8080, salesforce: 8081, sendbird: 8082, customer: 8083, pubsub: 8084 } as const;

export interface SandboxOptions {
  /** Where sandbox.json and the bridge's database live. Default `./data`. */
  dataDir?: string;
  host?: string;
  /** 0 picks a free port (tests). */
  ports?: Partial<Record<keyof typeof DEFAULT_PORTS, number>>;
  /** Repository root, to find the web apps. */
  repoRoot?: string;
  /** Build web apps whose dist/ is missing or stale (default true). */
  build?: boolean;
  logLevel?: string;
  log?: (msg: string) => void;
  /**
   * How Case changes reach the bridge: `cdc` (default: the Salesforce emulator serves the Pub/Sub
   * API and the org's Apex path is off) or `apex` (the org's triggers post to the bridge, the
   * tutorial's way).
   */
  caseEvents?: 'cdc' | 'apex';
}

export interface SandboxUrls {
  bridge: string;
  bridgeDocs: string;
  salesforce: string;
  /** The Salesforce emulator's Pub/Sub API (gRPC over TLS, `host:port`). */
  salesforcePubSub: string;
  sendbird: string;
  sendbirdFeed: string;
  customer: string | null;
  /** The console simulator: the Service Console with the agent panel in its utility bar. */
  console: string;
}

export interface SandboxHandle {
  urls: SandboxUrls;
  credentials: SandboxCredentials;
  file: string;
  salesforce: RunningSalesforceEmulator;
  sendbird: RunningSendbirdEmulator;
  bridge: BridgeHandle;
  close(): Promise<void>;
}

async function listenStatic(app: FastifyInstance, host: string, port: number): Promise<string> {
  await app.listen({ host, port });
  const addr = app.server.address();
  return `http://${host}:${typeof addr === 'object' && addr ? addr.port : port}`;
}

export async function startSandbox(opts: SandboxOptions = {}): Promise<SandboxHandle> {
  const log = opts.log ?? ((m: string) => console.log(m));
  const repoRoot = resolve(opts.repoRoot ?? join(import.meta.dirname, '../../..'));
  const dataDir = resolve(opts.dataDir ?? 'data');
  const host = opts.host ?? '127.0.0.1';
  const ports = { ...DEFAULT_PORTS, ...opts.ports };
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, 'sandbox.json');
  const credentials = loadOrMakeCredentials(file);

  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
  };
  try {
    // The console simulator (/console on the Salesforce emulator) hosts the agent panel's build
    // and runs the real Aura bundle; the panel is rebuilt when its sources (or the packages it
    // bundles) changed.
    const panelDir = join(repoRoot, 'apps/agent-panel');
    if (opts.build !== false)
      ensureBuilt(
        repoRoot,
        panelDir,
        log,
        ['packages/sandbox-chat/src', 'packages/wire/src'].map((d) => join(repoRoot, d)),
      );
    let sendbirdUrl: string | undefined = undefined;
    const caseEvents = opts.caseEvents ?? 'cdc';
    const salesforce = await startSalesforceEmulator({
      host,
      port: ports.salesforce,
      pubsub: { host, port: ports.pubsub },
      // CDC mode: the org's admin turned the Apex sync switches off (docs/salesforce-setup.md).
      apexCaseEvents: caseEvents === 'apex',
      clientId: credentials.salesforce.clientId,
      clientSecret: credentials.salesforce.clientSecret,
      console: {
        auraBundleDir: join(repoRoot, 'salesforce/force-app/main/default/aura/sendbird_utilities_bar'),
        agentPanelDir: join(panelDir, 'dist'),
        sendbirdApiHost: () => sendbirdUrl,
      },
    });
    closers.push(() => salesforce.close());
    const sendbird = await startSendbirdEmulator({
      host,
      port: ports.sendbird,
      appId: credentials.sendbird.appId,
      apiToken: credentials.sendbird.apiToken,
    });
    closers.push(() => sendbird.close());
    sendbirdUrl = sendbird.url;
    // Emulator data lives beside the bridge's database, so both survive a restart together.
    const persister = persist(join(dataDir, 'emulators'), [
      {
        name: 'salesforce',
        save: () => salesforce.state.toJSON(),
        load: (saved: Parameters<typeof salesforce.state.load>[0]) => salesforce.state.load(saved),
      },
      {
        name: 'sendbird',
        save: () => sendbird.store.toJSON(),
        load: (saved: Parameters<typeof sendbird.store.load>[0]) => sendbird.store.load(saved),
      },
    ]);
    closers.push(async () => persister.close());

    // The customer app's origin must be known before the bridge starts (CORS), so it listens first.
    const customerDir = join(repoRoot, 'apps/customer');
    let customer: string | null = null;
    // Filled in once the bridge listens; the app reads it at start-up.
    const customerConfig: Record<string, unknown> = {};
    if (opts.build === false || ensureBuilt(repoRoot, customerDir, log)) {
      const customerApp = createStaticServer(join(customerDir, 'dist'), customerConfig);
      customer = await listenStatic(customerApp, host, ports.customer);
      closers.push(() => customerApp.close());
    }

    // Membership sync: Cases the bridge creates are owned by the integration user, who is not an
    // agent. Also written to sandbox.json, so `npm run reconcile -- --sandbox` uses the same.
    const bridgeSettings = { NON_AGENT_USER_IDS: salesforce.seed.integrationUserId };
    // The emulator's Pub/Sub API has a self-signed certificate, made anew at each start.
    const pubsubCa = join(dataDir, 'pubsub-ca.pem');
    writeFileSync(pubsubCa, salesforce.pubsub!.caPem);
    const config = loadConfig({
      SANDBOX: 'true',
      CUSTOMER_AUTH_MODE: 'guest',
      HOST: host,
      PORT: String(ports.bridge),
      DATA_DIR: join(dataDir, 'bridge'),
      LOG_LEVEL: opts.logLevel ?? 'warn',
      SALESFORCE_LOGIN_URL: salesforce.url,
      SALESFORCE_CLIENT_ID: credentials.salesforce.clientId,
      SALESFORCE_CLIENT_SECRET: credentials.salesforce.clientSecret,
      SENDBIRD_APP_ID: credentials.sendbird.appId,
      SENDBIRD_API_TOKEN: credentials.sendbird.apiToken,
      SENDBIRD_API_URL: sendbird.url,
      BRIDGE_SHARED_SECRET: credentials.bridgeSharedSecret,
      CORS_ORIGINS: customer ?? '',
      TICKET_SAFETY_DELAY_MS: '5000',
      CASE_EVENTS: caseEvents,
      SALESFORCE_PUBSUB_ENDPOINT: salesforce.pubsub!.endpoint,
      SALESFORCE_PUBSUB_CA_FILE: pubsubCa,
      ...bridgeSettings,
    });
    const bridge = await startBridge(config, { port: ports.bridge });
    closers.push(() => bridge.close());
    // The org's Apex (the agent session, and with CASE_EVENTS=apex the triggers) calls the bridge, as the Named Credential would.
    salesforce.org.setBridge({ url: bridge.url, secret: credentials.bridgeSharedSecret });
    // Sendbird's webhooks (signed with the master token) feed the transcript, as configured in the
    // Sendbird Dashboard for a real app (docs/salesforce-setup.md).
    sendbird.webhooks.configure({ url: `${bridge.url}/sendbird/webhooks` });
    Object.assign(customerConfig, { bridgeUrl: bridge.url, auth: 'guest', chat: 'sandbox' });

    const urls: SandboxUrls = {
      bridge: bridge.url,
      bridgeDocs: `${bridge.url}/docs`,
      salesforce: salesforce.url,
      salesforcePubSub: salesforce.pubsub!.endpoint,
      sendbird: sendbird.url,
      sendbirdFeed: sendbird.feedUrl,
      customer,
      console: `${salesforce.url}/console`,
    };
    writeFileSync(file, `${JSON.stringify({ urls, credentials, bridgeSettings, startedAt: new Date().toISOString() }, null, 2)}\n`, {
      mode: 0o600,
    });
    return { urls, credentials, file, salesforce, sendbird, bridge, close };
  } catch (err) {
    await close();
    throw err;
  }
}
