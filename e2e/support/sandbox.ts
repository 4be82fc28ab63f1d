/**
 * The whole sandbox for a browser test (`startSandbox`: both emulators, the bridge, the customer
 * app and the console simulator, on port 0 with a temp data dir), with one Chromium: a page for
 * the customer and one for the console. Everything is closed when the test ends.
 */
import type { TestContext } from 'node:test';
import type { Page } from 'playwright-core';
import { startSandbox, type SandboxHandle } from '@sbsf/sandbox';
import { requireComponent, tempDir } from '@sbsf/testkit';
import { launch, newPage, type Browser } from './browser.js';
import { ensureBuilt } from './build.js';

export interface BrowserSandbox {
  sandbox: SandboxHandle;
  browser: Browser;
  /** The customer's page (1100 x 760). */
  customer: Page;
  /** The console simulator's page (1280 x 800), its errors collected into `browser.errors` as `[console]`. */
  agent: Page;
}

/** Starts it, or answers undefined with the test skipped where Chromium is missing. */
export async function startBrowserSandbox(t: TestContext, dataDirPrefix: string): Promise<BrowserSandbox | undefined> {
  if (!requireComponent(t, 'chromium', 'apt-get install chromium')) return undefined;
  // The sandbox serves the apps' dist/ directories; build them first if they are stale (as `npm test` does).
  ensureBuilt('apps/customer', '@sbsf/customer-app', ['packages/sandbox-chat/src', 'packages/wire/src']);
  ensureBuilt('apps/agent-panel', '@sbsf/agent-panel', ['packages/sandbox-chat/src', 'packages/wire/src']);
  const sandbox = await startSandbox({
    dataDir: tempDir(t, dataDirPrefix),
    ports: { bridge: 0, salesforce: 0, sendbird: 0, customer: 0, pubsub: 0 },
    build: false,
    logLevel: 'silent',
    log: () => undefined,
  });
  t.after(() => sandbox.close());
  const browser = await launch({ width: 1100, height: 760 });
  t.after(() => browser.close());
  const agent = await newPage(browser, 'console', { width: 1280, height: 800 });
  return { sandbox, browser, customer: browser.page, agent };
}
