/**
 * A world for the agent panel's browser tests and benchmark: the Salesforce emulator with the
 * console simulator (the real Aura bundle, and the agent panel built from source into a temp
 * directory), the Sendbird emulator, and a bridge wired to both (the org's Named Credential
 * points at it). Also a ticket helper: what the customer app does.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfig, startBridge, type BridgeHandle } from '@sbsf/bridge';
import {
  startSalesforceEmulator,
  startSendbirdEmulator,
  type RunningSalesforceEmulator,
  type RunningSendbirdEmulator,
} from '@sbsf/emulators';
import { build } from 'vite';
import { SECRETS } from '../../packages/bridge/test/fixtures.js';
import { signCustomerJwt } from '../../packages/bridge/src/identity/jwt.js';
import { worldEnv } from '../../packages/bridge/test/world.js';

export const REPO_ROOT = resolve(import.meta.dirname, '../..');
export const AURA_BUNDLE_DIR = join(REPO_ROOT, 'salesforce/force-app/main/default/aura/sendbird_utilities_bar');
export const AGENT_PANEL_APP = join(REPO_ROOT, 'apps/agent-panel');

/**
 * Builds the agent panel from its sources into `outDir` (never into apps/agent-panel/dist, which
 * the sandbox may be building at the same time).
 */
export async function buildAgentPanel(outDir: string): Promise<void> {
  await build({
    root: AGENT_PANEL_APP,
    configFile: join(AGENT_PANEL_APP, 'vite.config.ts'),
    logLevel: 'error',
    build: { outDir, emptyOutDir: true },
  });
}

export interface AgentConsole {
  sf: RunningSalesforceEmulator;
  sb: RunningSendbirdEmulator;
  bridge: BridgeHandle;
  /** The console simulator page. */
  consoleUrl: string;
  /** Opens a ticket as a customer through the bridge, as the customer app does. */
  openTicket(customerId: string, subject: string): Promise<{ caseId: string; caseNumber: string; accessToken: string }>;
  /** Sends a message as the customer through the Sendbird emulator's sandbox feed REST API. */
  customerSays(channelUrl: string, accessToken: string, text: string): Promise<void>;
  close(): Promise<void>;
}

export async function startAgentConsole(opts: { panelDir?: string } = {}): Promise<AgentConsole> {
  const work = mkdtempSync(join(tmpdir(), 'sbsf-agent-console-'));
  const panelDir = opts.panelDir ?? join(work, 'panel');
  if (!opts.panelDir) await buildAgentPanel(panelDir);
  const closers: (() => Promise<void>)[] = [async () => rmSync(work, { recursive: true, force: true })];
  const close = async () => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
  };
  try {
    const sb = await startSendbirdEmulator({});
    closers.push(() => sb.close());
    const sf = await startSalesforceEmulator({
      console: { auraBundleDir: AURA_BUNDLE_DIR, agentPanelDir: panelDir, sendbirdApiHost: sb.url },
    });
    closers.push(() => sf.close());
    // As in the sandbox: Cases the bridge creates are owned by the integration user, not an agent.
    const bridge = await startBridge(
      loadConfig(worldEnv(sf, sb, join(work, 'bridge'), { LOG_LEVEL: 'silent', NON_AGENT_USER_IDS: sf.seed.integrationUserId })),
      { port: 0 },
    );
    closers.push(() => bridge.close());
    sf.org.setBridge({ url: bridge.url, secret: SECRETS.BRIDGE_SHARED_SECRET });

    return {
      sf,
      sb,
      bridge,
      consoleUrl: `${sf.url}/console`,
      async openTicket(customerId, subject) {
        const token = signCustomerJwt(
          { sub: customerId, name: `${customerId} (customer)`, exp: Math.floor(Date.now() / 1000) + 600 },
          SECRETS.CUSTOMER_JWT_SECRET,
        );
        const res = await fetch(`${bridge.url}/tickets`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'idempotency-key': randomUUID(), 'content-type': 'application/json' },
          body: JSON.stringify({
            case: {
              Subject: subject,
              Description: `${subject} (e2e)`,
              SuppliedName: customerId,
              SuppliedEmail: `${customerId}@example.com`,
            },
          }),
        });
        const body = (await res.json()) as {
          case?: { id: string; caseNumber: string };
          sendbird?: { accessToken: string };
          message?: string;
        };
        if (res.status !== 201 || !body.case || !body.sendbird)
          throw new Error(`POST /tickets answered ${res.status}: ${JSON.stringify(body)}`);
        return { caseId: body.case.id, caseNumber: body.case.caseNumber, accessToken: body.sendbird.accessToken };
      },
      async customerSays(channelUrl, accessToken, text) {
        const res = await fetch(`${sb.url}/sandbox/v1/channels/${encodeURIComponent(channelUrl)}/messages`, {
          method: 'POST',
          headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
          body: JSON.stringify({ message: text }),
        });
        if (!res.ok) throw new Error(`sending as the customer answered ${res.status}: ${await res.text()}`);
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
