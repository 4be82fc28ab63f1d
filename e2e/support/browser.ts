/**
 * Headless Chromium (Debian's package) through playwright-core, for the browser tests and the
 * benchmark: a fresh profile per launch, console errors collected from every frame, and a
 * screenshot in test-results/ when a test fails.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
export const RESULTS_DIR = resolve(import.meta.dirname, '../../test-results');

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught exceptions, from the page and its frames. */
  errors: string[];
  close(): Promise<void>;
}

export async function launch(opts: { width?: number; height?: number } = {}): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'sbsf-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: opts.width ?? 1400, height: opts.height ?? 900 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  watchErrors(page, errors);
  return {
    context,
    page,
    errors,
    async close() {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Collects the page's console errors and uncaught exceptions (its frames included) into `errors`. */
export function watchErrors(page: Page, errors: string[], prefix = ''): void {
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`${prefix}console.error: ${msg.text()}`);
  });
  page.on('pageerror', (err) => errors.push(`${prefix}uncaught: ${err.message}`));
}

/** A second page in the same browser, its errors collected into `browser.errors` with `label`. */
export async function newPage(browser: Browser, label: string, viewport?: { width: number; height: number }): Promise<Page> {
  const page = await browser.context.newPage();
  if (viewport) await page.setViewportSize(viewport);
  watchErrors(page, browser.errors, `[${label}] `);
  return page;
}

/** Runs `fn`; if it throws, saves a full-page screenshot as test-results/<name>.png first. */
export async function screenshotOnFailure<T>(page: Page, name: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    mkdirSync(RESULTS_DIR, { recursive: true });
    const file = join(RESULTS_DIR, `${name.replace(/[^\w.-]+/g, '-')}.png`);
    await page.screenshot({ path: file, fullPage: true }).catch(() => undefined);
    throw Object.assign(err instanceof Error ? err : new Error(String(err)), { screenshot: file });
  }
}
