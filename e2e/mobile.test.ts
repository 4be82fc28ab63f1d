/**
 * The customer app on a phone (390 x 844 CSS px, an iPhone-sized viewport) and on a desktop, in
 * Chromium against the BUILT app, a real bridge and both emulators on port 0, in sandbox mode.
 * Every page and state a customer meets (the empty form, the form with its errors, the
 * conversation with many messages, "Load earlier messages" and "New messages", the form of a
 * returning customer beside My tickets, a closed conversation, the page with the bridge stopped)
 * is checked by axe-core with no violations, at both sizes. On the phone each state is also
 * measured: every button, link and form control at least 44 x 44 CSS px, form controls in at least
 * 16 px type (iOS zooms into smaller ones), nothing wider than the viewport; and the conversation
 * fills the screen: its message log at least 60% of the viewport's height, the composer in view
 * without scrolling, and still in view with the log usable when the on-screen keyboard takes the
 * bottom of the screen. These are layout checks (sizes and positions), not timing checks.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { Page } from 'playwright-core';
import { SendbirdClient } from '@sbsf/sendbird';
import { requireComponent, waitFor } from '@sbsf/testkit';
import { startWorld, ticketCases, type World } from '../packages/bridge/test/world.js';
import { axeViolations } from './support/axe.js';
import { measure } from './support/layout.js';
import { launch, RESULTS_DIR, screenshotOnFailure, type Browser } from './support/browser.js';
import { ensureBuilt } from './support/build.js';
import { serveApp } from './support/static-server.js';

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1100, height: 760 };
/** The least share of the phone's viewport height the conversation's message log gets. */
const LOG_SHARE = 0.6;
/** The smallest tap target (WCAG 2.5.5, Apple's and Google's guidance): 44 x 44 CSS px. */
const TAP = 44;
/** The least font size of a form control on a phone: iOS Safari zooms into anything smaller. */
const INPUT_FONT_PX = 16;
/** What an on-screen keyboard leaves of an 844 px tall phone viewport (about 340 px of keys). */
const KEYBOARD_OPEN = { width: 390, height: 500 };
const AGENT = { user_id: 'agent-alex', nickname: 'Alex (Support)', profile_url: '' };
const SUBJECT = 'Printer on fire in room 4 on the second floor, next to the kitchen';
/** More than one page of the pane (50), so "Load earlier messages" shows. */
const AGENT_MESSAGES = 55;

interface Harness extends Browser {
  w: World;
  sb: SendbirdClient;
  appUrl: string;
}

async function start(t: TestContext, viewport: { width: number; height: number }): Promise<Harness | undefined> {
  if (!requireComponent(t, 'chromium', 'apt-get install chromium')) return undefined;
  const dist = ensureBuilt('apps/customer', '@sbsf/customer-app', ['packages/sandbox-chat/src', 'packages/wire/src']);
  const app = await serveApp(t, dist);
  const w = await startWorld(t, { SANDBOX: 'true', CUSTOMER_AUTH_MODE: 'guest', CORS_ORIGINS: app.origin });
  app.setConfig({ bridgeUrl: w.url, auth: 'guest', chat: 'sandbox' });
  const sb = new SendbirdClient({ appId: w.sb.appId, apiToken: w.sb.apiToken, baseUrl: w.sb.url, limiter: { enabled: false } });
  const b = await launch(viewport);
  t.after(() => b.close());
  return { ...b, w, sb, appUrl: app.url };
}

/** The phone's rules on the page as it is now: tap targets, type size, no sideways scrolling. */
async function assertPhoneLayout(page: Page, state: string): Promise<void> {
  const m = await measure(page, TAP, INPUT_FONT_PX);
  assert.ok(m.controls > 0, `${state}: controls to measure`);
  assert.deepEqual(m.small, [], `${state}: every control at least ${TAP}x${TAP} CSS px`);
  assert.deepEqual(m.smallType, [], `${state}: form controls in at least ${INPUT_FONT_PX}px type`);
  assert.ok(m.scrollWidth <= m.viewport.width, `${state}: nothing wider than the viewport (${m.scrollWidth} > ${m.viewport.width})`);
}

async function assertAxe(page: Page, state: string): Promise<void> {
  assert.deepEqual(await axeViolations(page), [], `axe-core: ${state}`);
}

/** Top and bottom of an element relative to the viewport, and its height. */
async function box(page: Page, selector: string): Promise<{ top: number; bottom: number; height: number }> {
  return page
    .locator(selector)
    .first()
    .evaluate((el) => {
      const r = el.getBoundingClientRect();
      return { top: r.top, bottom: r.bottom, height: r.height };
    });
}

/** The conversation on the phone: the log takes most of the screen and the composer is in view. */
async function assertConversationFills(page: Page, state: string): Promise<void> {
  await page.evaluate(() => (globalThis as any).scrollTo(0, 0));
  const vh = await page.evaluate(() => (globalThis as any).innerHeight as number);
  const log = await box(page, '[role="log"]');
  assert.ok(log.height >= LOG_SHARE * vh, `${state}: the log is ${Math.round(log.height)} px of ${vh} (at least ${LOG_SHARE * 100}%)`);
  const composer = await box(page, 'form[aria-label="Send a message"]');
  assert.ok(composer.top >= 0 && composer.bottom <= vh, `${state}: the composer (${composer.top}-${composer.bottom}) is in view (0-${vh})`);
  assert.ok(log.bottom <= composer.top + 1, `${state}: the log ends above the composer`);
  // The compact banner still says what this pane is, and the connection state.
  const banner = page.locator('.sbx-banner');
  const bannerBox = await box(page, '.sbx-banner');
  assert.ok(bannerBox.top >= 0 && bannerBox.bottom <= vh, `${state}: the sandbox banner is in view`);
  assert.match(await banner.innerText(), /Sandbox chat pane[\s\S]*not Sendbird UIKit[\s\S]*Live/, `${state}: the banner's words`);
}

async function fillForm(page: Page, v: { name: string; email: string; subject: string; description: string }): Promise<void> {
  await page.getByLabel('Your name').fill(v.name);
  await page.getByLabel('Email', { exact: true }).fill(v.email);
  await page.getByLabel('Subject').fill(v.subject);
  await page.getByLabel('How can we help?').fill(v.description);
}

function theChannelUrl(h: Harness): string {
  const [c] = [...h.w.sb.store.channels.values()];
  assert.ok(c, 'a channel exists');
  return c.channel_url;
}

/**
 * Walks every state of the customer app, calling `check(state)` on each: the empty form, the form
 * with errors, the conversation (many messages, "Load earlier messages", "New messages"), the form
 * of a returning customer beside My tickets, the closed conversation, the bridge stopped.
 */
async function walk(h: Harness, check: (state: string) => Promise<void>): Promise<void> {
  const { page, w, sb } = h;
  await page.goto(h.appUrl);
  await page.getByRole('heading', { name: 'Open a support ticket' }).waitFor();
  await page.getByText('No tickets yet.').waitFor();
  await check('the empty form');

  await page.getByRole('button', { name: 'Start chat' }).click();
  await page.getByText('Your name is required.').waitFor();
  await check('the form with errors');

  // A long subject: the conversation's one-line header cuts it rather than widening the page.
  await fillForm(page, { name: 'Jane Doe', email: 'jane@example.com', subject: SUBJECT, description: 'Smoke from tray 2.' });
  await page.getByRole('button', { name: 'Start chat' }).click();
  await page.locator('[data-connection="open"]').waitFor({ timeout: 15_000 });
  await waitFor('the Case', () => ticketCases(w).length === 1);
  const channelUrl = theChannelUrl(h);
  const box = page.getByRole('textbox', { name: 'Message' });
  await box.fill('Hello, my printer is smoking.');
  await box.press('Enter');
  await sb.createUser(AGENT);
  await sb.inviteMembers(channelUrl, [AGENT.user_id]);
  await sb.sendMessage(channelUrl, { message_type: 'ADMM', message: `${AGENT.nickname} joined the conversation` });
  for (let i = 1; i <= AGENT_MESSAGES; i++) {
    await sb.sendMessage(channelUrl, { message_type: 'MESG', user_id: AGENT.user_id, message: `Step ${i}: please check the tray.` });
  }
  await page.getByText(`Step ${AGENT_MESSAGES}: please check the tray.`).waitFor();
  // A fresh load shows the latest page, so the older messages are behind "Load earlier messages".
  await page.reload();
  await page.locator('[data-connection="open"]').waitFor({ timeout: 15_000 });
  await page.getByRole('button', { name: 'Load earlier messages' }).waitFor();
  // Reading older messages when a new one comes: "New messages" appears.
  await page.locator('[role="log"]').evaluate((el) => el.scrollTo(0, 0));
  await waitFor('the log scrolled to the top', () => page.locator('[role="log"]').evaluate((el) => el.scrollTop === 0));
  await sb.sendMessage(channelUrl, { message_type: 'MESG', user_id: AGENT.user_id, message: 'Are you still there?' });
  await page.getByRole('button', { name: /New messages/ }).waitFor();
  await check('the conversation');

  // A returning customer: the form prefilled, "Not you?", My tickets listing the ticket.
  await page.getByRole('link', { name: 'New ticket' }).click();
  await page.getByRole('button', { name: 'Not you? Forget these details' }).waitFor();
  await page.getByRole('navigation', { name: 'My tickets' }).getByText(SUBJECT).waitFor();
  await check('the form of a returning customer, with My tickets');

  // The Case closed: the bridge freezes the channel and the conversation is read-only.
  await sb.freezeChannel(channelUrl, true);
  await page.getByRole('navigation', { name: 'My tickets' }).getByText(SUBJECT).click();
  await page.getByText('This ticket is closed.').waitFor({ timeout: 15_000 });
  await page.getByRole('button', { name: 'Open a new ticket' }).waitFor();
  await check('the closed conversation');

  // The bridge stopped: a reload shows one alert with "Try again".
  await w.bridge.close();
  await page.reload();
  await page.getByRole('alert').filter({ hasText: 'The support service is unreachable' }).waitFor({ timeout: 20_000 });
  await waitFor('My tickets done refreshing', () =>
    page.getByRole('navigation', { name: 'My tickets' }).getByRole('button', { name: 'Refresh', exact: true }).isEnabled(),
  );
  await check('the page with the bridge stopped');
}

test('on a 390x844 phone: the conversation fills the screen, every control is at least 44x44, no sideways scrolling, axe-core clean on every state', async (t) => {
  const h = await start(t, PHONE);
  if (!h) return;
  const seen: string[] = [];
  await screenshotOnFailure(h.page, 'mobile-phone', () =>
    walk(h, async (state) => {
      seen.push(state);
      mkdirSync(RESULTS_DIR, { recursive: true });
      await h.page.screenshot({ path: join(RESULTS_DIR, `mobile-${seen.length}.png`), fullPage: true });
      await assertPhoneLayout(h.page, state);
      if (state === 'the conversation') {
        await assertConversationFills(h.page, state);
        await h.page.screenshot({ path: join(RESULTS_DIR, 'mobile-conversation.png') });
        // Back to the newest message, then the on-screen keyboard opens (the layout viewport shrinks,
        // as with interactive-widget=resizes-content): the newest message stays in view.
        await h.page.getByRole('button', { name: /New messages/ }).click();
        await h.page.getByRole('textbox', { name: 'Message' }).focus();
        await h.page.setViewportSize(KEYBOARD_OPEN);
        const composer = await box(h.page, 'form[aria-label="Send a message"]');
        assert.ok(composer.bottom <= KEYBOARD_OPEN.height, `keyboard open: the composer (bottom ${composer.bottom}) above the keyboard`);
        const log = await box(h.page, '[role="log"]');
        assert.ok(log.height >= TAP * 3, `keyboard open: the log still shows messages (${Math.round(log.height)} px)`);
        assert.ok(log.bottom <= composer.top + 1 && log.bottom > 0, 'keyboard open: the log is in view above the composer');
        const newest = await box(h.page, '.sbx-bubble:text-is("Are you still there?")');
        assert.ok(
          newest.top >= log.top && newest.bottom <= log.bottom + 1,
          `keyboard open: the newest message (${Math.round(newest.top)}-${Math.round(newest.bottom)}) in the log's view (${Math.round(log.top)}-${Math.round(log.bottom)})`,
        );
        assert.ok(
          await h.page.getByRole('textbox', { name: 'Message' }).evaluate((el) => el === (globalThis as any).document.activeElement),
          'keyboard open: the composer keeps the focus',
        );
        await h.page.setViewportSize(PHONE);
        await assertConversationFills(h.page, 'the conversation after the keyboard closed');
      }
      if (state === 'the closed conversation') {
        await h.page.evaluate(() => (globalThis as any).scrollTo(0, 0));
        const log = await box(h.page, '[role="log"]');
        assert.ok(log.height >= LOG_SHARE * PHONE.height, `closed: the log still fills the screen (${Math.round(log.height)} px)`);
      }
      await assertAxe(h.page, `${state} (phone)`);
    }),
  );
  assert.equal(seen.length, 6, `every state visited: ${seen.join(', ')}`);
  assert.deepEqual(
    h.errors.filter((e) => !/ERR_CONNECTION_REFUSED/.test(e)),
    [],
    'no errors in the browser console',
  );
});

test('on a desktop: two columns, nothing wider than the window, axe-core clean on every state', async (t) => {
  const h = await start(t, DESKTOP);
  if (!h) return;
  const seen: string[] = [];
  await screenshotOnFailure(h.page, 'mobile-desktop', () =>
    walk(h, async (state) => {
      seen.push(state);
      const m = await measure(h.page, 0, 0);
      assert.ok(m.scrollWidth <= m.viewport.width, `${state}: nothing wider than the window`);
      const main = await h.page.locator('main').boundingBox();
      const aside = await h.page.locator('aside').boundingBox();
      assert.ok(main && aside && aside.x >= main.x + main.width, `${state}: My tickets beside the main view`);
      await assertAxe(h.page, `${state} (desktop)`);
    }),
  );
  assert.equal(seen.length, 6, `every state visited: ${seen.join(', ')}`);
});
