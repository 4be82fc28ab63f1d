/**
 * The customer app in a real browser (Debian's Chromium via playwright-core) against the BUILT
 * app, a real bridge and both emulators, all on port 0 on this machine, in sandbox mode (guest
 * identity, sandbox chat pane). Checks what a customer does: the form's inline validation, one
 * submit (a double click included) making exactly one Case and one channel, chatting both ways,
 * a Sendbird 503 during channel creation retried with the same Idempotency-Key, the session token
 * renewed through POST /session when it expires mid-conversation, "My tickets" after a reload,
 * name and email prefilled for a returning customer and forgotten with "Not you?", the Subject
 * counter on emoji (counted as Salesforce and the bridge count them), an unreachable bridge and a
 * stopped one (one alert, one "Try again", "unreachable" and never "busy"), axe-core finding no
 * violations on the form and on the page with the bridge down, and no errors in the browser console.
 * UPDATE_SCREENSHOTS=1 also saves docs/images/customer-*.png for the README.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { Page, Request } from 'playwright-core';
import { SendbirdClient } from '@sbsf/sendbird';
import { requireComponent, waitFor } from '@sbsf/testkit';
import { sfClient } from '../packages/bridge/test/membership-helpers.js';
import { startWorld, ticketCases, type World } from '../packages/bridge/test/world.js';
import { ensureBuilt, ROOT } from './support/build.js';
import { axeViolations } from './support/axe.js';
import { launch, screenshotOnFailure, type Browser } from './support/browser.js';
import { serveApp } from './support/static-server.js';

// Screenshots go to test-results/; UPDATE_SCREENSHOTS=1 refreshes the README's copies in docs/images.
const IMAGES = process.env.UPDATE_SCREENSHOTS === '1' ? join(ROOT, 'docs', 'images') : join(ROOT, 'test-results');
const AGENT = { user_id: 'agent-alex', nickname: 'Alex (Support)', profile_url: '' };
const GRIN = '\u{1F600}'; // outside the Basic Multilingual Plane: 1 code point, 2 UTF-16 units

/** The page's alerts and "Try again" buttons, once both the main view and My tickets have finished. */
async function alertsWhenSettled(page: Page): Promise<{ alerts: string[]; tryAgain: number; text: string }> {
  const refresh = page.getByRole('navigation', { name: 'My tickets' }).getByRole('button', { name: 'Refresh', exact: true });
  await waitFor(
    'an alert, the chat done connecting and My tickets done refreshing',
    async () =>
      (await page.getByRole('alert').count()) > 0 && (await page.getByText('Connecting to the chat…').count()) === 0 && refresh.isEnabled(),
  );
  return {
    alerts: await page.getByRole('alert').allInnerTexts(),
    tryAgain: await page.getByRole('button', { name: 'Try again' }).count(),
    text: await page.locator('body').innerText(),
  };
}

/** Console errors not explained by `expected` (statuses a test provokes on purpose). */
function unexpectedErrors(errors: string[], expected: RegExp[] = []): string[] {
  return errors.filter((e) => !expected.some((re) => re.test(e)));
}

async function openBrowser(t: TestContext): Promise<Browser> {
  const b = await launch({ width: 1100, height: 760 });
  t.after(() => b.close());
  return b;
}

interface Harness extends Browser {
  w: World;
  sb: SendbirdClient;
  appUrl: string;
  /** Idempotency-Key of every POST /tickets the page sent. */
  ticketPosts: string[];
  sessionPosts: number;
}

async function start(t: TestContext, bridgeEnv: Record<string, string> = {}): Promise<Harness | undefined> {
  if (!requireComponent(t, 'chromium', 'apt-get install chromium')) return undefined;
  const dist = ensureBuilt('apps/customer', '@sbsf/customer-app', ['packages/sandbox-chat/src', 'packages/wire/src']);
  const app = await serveApp(t, dist);
  const w = await startWorld(t, { SANDBOX: 'true', CUSTOMER_AUTH_MODE: 'guest', CORS_ORIGINS: app.origin, ...bridgeEnv });
  app.setConfig({ bridgeUrl: w.url, auth: 'guest', chat: 'sandbox' });
  const sb = new SendbirdClient({ appId: w.sb.appId, apiToken: w.sb.apiToken, baseUrl: w.sb.url, limiter: { enabled: false } });
  const b = await openBrowser(t);
  const h: Harness = { ...b, w, sb, appUrl: app.url, ticketPosts: [], sessionPosts: 0 };
  b.page.on('request', (r: Request) => {
    if (r.method() !== 'POST' || !r.url().startsWith(w.url)) return;
    const path = new URL(r.url()).pathname;
    if (path === '/tickets') h.ticketPosts.push(r.headers()['idempotency-key'] ?? '');
    if (path === '/session') h.sessionPosts++;
  });
  return h;
}

async function fillForm(page: Page, v: { name: string; email: string; subject: string; description: string }): Promise<void> {
  await page.getByLabel('Your name').fill(v.name);
  await page.getByLabel('Email', { exact: true }).fill(v.email);
  await page.getByLabel('Subject').fill(v.subject);
  await page.getByLabel('How can we help?').fill(v.description);
}

/** Waits until the form field named `name` has the focus (moved there after the messages render). */
async function focusOn(page: Page, name: string): Promise<void> {
  await waitFor(
    `the focus on the ${name} field`,
    async () =>
      (await page
        .locator(':focus')
        .getAttribute('name', { timeout: 1000 })
        .catch(() => null)) === name,
  );
}

/** Waits for the sandbox pane to be connected (its status line says "Live"). */
async function waitLive(page: Page): Promise<void> {
  await page.locator('[data-connection="open"]').waitFor({ timeout: 15_000 });
}

async function sendAsCustomer(page: Page, text: string): Promise<void> {
  const box = page.getByRole('textbox', { name: 'Message' });
  await box.fill(text);
  await box.press('Enter');
}

function channelOf(h: Harness) {
  const [c] = [...h.w.sb.store.channels.values()];
  assert.ok(c, 'a channel exists');
  return c;
}

function guestOf(h: Harness): string {
  const id = [...channelOf(h).members.keys()].find((k) => k.startsWith('guest-'));
  assert.ok(id, 'the guest is a member of the channel');
  return id;
}

async function agentJoinsAndSays(h: Harness, channelUrl: string, text: string): Promise<void> {
  if (!h.w.sb.store.users.has(AGENT.user_id)) await h.sb.createUser(AGENT);
  await h.sb.inviteMembers(channelUrl, [AGENT.user_id]);
  await h.sb.sendMessage(channelUrl, { message_type: 'ADMM', message: `${AGENT.nickname} joined the conversation` });
  await h.sb.sendMessage(channelUrl, { message_type: 'MESG', user_id: AGENT.user_id, message: text });
}

test('the form validates inline; one submit (a double click) makes one Case and one channel; the chat works both ways; My tickets survives a reload', async (t) => {
  const h = await start(t);
  if (!h) return;
  const { page, w } = h;
  await screenshotOnFailure(page, 'customer-main', async () => {
    await page.goto(h.appUrl);
    await page.getByRole('heading', { name: 'Open a support ticket' }).waitFor();

    // Empty submit: inline messages, focus on the first field, nothing sent.
    await page.getByRole('button', { name: 'Start chat' }).click();
    for (const msg of ['Your name is required.', 'Email is required.', 'Subject is required.', 'A description is required.']) {
      await page.getByText(msg).waitFor();
    }
    await focusOn(page, 'name'); // the first field at fault
    assert.equal(await page.getByLabel('Your name').getAttribute('aria-invalid'), 'true');
    await fillForm(page, {
      name: 'Jane Doe',
      email: 'jane@example',
      subject: GRIN.repeat(300),
      description: 'Smoke is coming out of the paper tray.',
    });
    // 300 emoji are 600 as Salesforce and the bridge count them, and the counter says why.
    const subjectCount = page.locator('.count').first();
    assert.equal(await subjectCount.innerText(), '600 / 255 · 300 emoji or symbols count as 2 each');
    assert.equal(await subjectCount.getAttribute('data-over'), 'true');
    await page.getByRole('button', { name: 'Start chat' }).click();
    await page.getByText('Enter an email address like name@example.com.').waitFor();
    await page.getByText('Subject must be at most 255 characters (now 600; an emoji counts as 2).').waitFor();
    await focusOn(page, 'email');
    assert.equal(h.ticketPosts.length, 0, 'an invalid form sends nothing');
    await page.getByLabel('Subject').fill('Printer on fire');
    assert.equal(await subjectCount.innerText(), '15 / 255');

    await page.getByLabel('Email', { exact: true }).fill('jane@example.com');
    assert.deepEqual(await axeViolations(page), [], 'axe-core: the form with its counters');
    mkdirSync(IMAGES, { recursive: true });
    await page.screenshot({ path: join(IMAGES, 'customer-form.png') });

    // Two fast clicks: still one ticket.
    await page.getByRole('button', { name: 'Start chat' }).dblclick();
    await page.getByRole('log').waitFor();
    await waitLive(page);
    assert.ok(h.ticketPosts.length >= 1);
    assert.equal(new Set(h.ticketPosts).size, 1, 'every POST /tickets of this submission carried the same Idempotency-Key');
    const cases = ticketCases(w);
    assert.equal(cases.length, 1, 'exactly one Case');
    assert.equal(w.sb.store.channels.size, 1, 'exactly one channel');
    const channel = channelOf(h);
    assert.equal(channel.channel_url, cases[0]?.Id, 'the channel URL is the Case Id');
    const caseNumber = String(cases[0]?.CaseNumber);
    await page
      .getByRole('heading', { name: new RegExp(`Case ${caseNumber}`) })
      .first()
      .waitFor();
    await page.getByText('Sandbox chat pane').waitFor();

    // Customer -> emulator.
    await sendAsCustomer(page, 'Hello, my printer is smoking.');
    const guest = guestOf(h);
    await waitFor('the customer message in the emulator', () =>
      channel.messages.find((m) => m.message === 'Hello, my printer is smoking.' && m.user_id === guest),
    );
    await page.locator('.sbx-group[data-mine="true"][data-sender]', { hasText: 'Hello, my printer is smoking.' }).waitFor();

    // Agent (Platform API) -> page.
    await agentJoinsAndSays(h, channel.channel_url, 'Hi Jane, I am Alex. Please unplug it first.');
    await page.locator('.sbx-group[data-mine="false"][data-sender]', { hasText: 'Hi Jane, I am Alex. Please unplug it first.' }).waitFor();
    await page.locator('.sbx-admin', { hasText: 'Alex (Support) joined the conversation' }).waitFor();
    await page.getByText('Alex (Support)', { exact: true }).first().waitFor();
    await sendAsCustomer(page, 'Done, it stopped.');
    await page.locator('.sbx-group[data-mine="true"][data-sender]', { hasText: 'Done, it stopped.' }).waitFor();
    await page.screenshot({ path: join(IMAGES, 'customer-chat.png') });

    // A reload keeps the ticket in My tickets and the conversation open, with its history.
    await page.reload();
    const myTickets = page.getByRole('navigation', { name: 'My tickets' });
    await myTickets.getByText(`Case ${caseNumber}`).waitFor();
    await myTickets.getByText('Printer on fire').waitFor();
    await page.getByText('Hi Jane, I am Alex. Please unplug it first.').waitFor();
    await waitLive(page);

    // A second ticket, then back to the first from the list.
    await page.getByRole('link', { name: 'New ticket' }).click();
    await page.getByLabel('Your name').waitFor();
    assert.equal(await page.getByLabel('Your name').inputValue(), 'Jane Doe', 'name and email are remembered');
    // Emoji within the limit: what the counter accepts, the bridge and the Case take whole.
    const second = `Second question ${GRIN.repeat(100)}`;
    await page.getByLabel('Subject').fill(second);
    assert.equal(await page.locator('.count').first().innerText(), '216 / 255 · 100 emoji or symbols count as 2 each');
    await page.getByLabel('How can we help?').fill('Do you sell toner?');
    await page.getByRole('button', { name: 'Start chat' }).click();
    await waitFor('the second Case', () => ticketCases(w).length === 2);
    assert.ok(
      ticketCases(w).some((c) => c.Subject === second),
      'the Case has the Subject with its 100 emoji whole',
    );
    await page.getByRole('heading', { name: /Second question/ }).waitFor();
    assert.equal(await myTickets.locator('a.ticket-link').count(), 2);
    await myTickets.getByText('Printer on fire').click();
    await page.getByText('Hi Jane, I am Alex. Please unplug it first.').waitFor();
    assert.equal(w.sb.store.channels.size, 2);

    // A returning customer: a new visit to the form is prefilled from this browser; "Not you?" forgets.
    await page.goto(`${h.appUrl}#/`);
    await page.reload();
    await page.getByText('Remembered in this browser: Jane Doe, jane@example.com.').waitFor();
    assert.equal(await page.getByLabel('Your name').inputValue(), 'Jane Doe');
    assert.equal(await page.getByLabel('Email', { exact: true }).inputValue(), 'jane@example.com');
    assert.deepEqual(await axeViolations(page), [], 'axe-core: the prefilled form');
    await page.getByRole('button', { name: 'Not you? Forget these details' }).click();
    await focusOn(page, 'name');
    assert.equal(await page.getByLabel('Your name').inputValue(), '');
    assert.equal(await page.getByLabel('Email', { exact: true }).inputValue(), '');
    assert.equal(await page.getByText('Remembered in this browser').count(), 0);
    assert.equal(
      await page.evaluate(() =>
        (globalThis as unknown as { localStorage: { getItem(key: string): string | null } }).localStorage.getItem('sbsf.customer.profile'),
      ),
      null,
      'forgotten in the browser',
    );
    await page.reload();
    await page.getByLabel('Your name').waitFor();
    assert.equal(await page.getByLabel('Your name').inputValue(), '', 'still forgotten after a reload');
    assert.deepEqual(unexpectedErrors(h.errors), [], 'no errors in the browser console');
  });
});

test('a 503 from Sendbird channel creation is retried with the same key: "finishing your ticket…", then one Case', async (t) => {
  // The safety-net job is far away, so it is the app's own retry that finishes the ticket.
  const h = await start(t, { TICKET_SAFETY_DELAY_MS: '600000' });
  if (!h) return;
  const { page, w } = h;
  await screenshotOnFailure(page, 'customer-503', async () => {
    // The bridge's Sendbird client tries 4 times; all 4 fail, so the first answer is 503 ticket_pending.
    w.sb.faults.set({ rules: [{ action: 'error', status: 503, method: 'POST', path: '^/v3/group_channels$', times: 4 }] });
    await page.goto(h.appUrl);
    await fillForm(page, { name: 'Kim Lee', email: 'kim@example.com', subject: 'Order stuck', description: 'Order 42 has not shipped.' });
    await page.getByRole('button', { name: 'Start chat' }).click();
    await page.getByText('Finishing your ticket…').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Sending…' }).isDisabled(), true, 'no second submission while it finishes');
    await page.getByRole('log').waitFor({ timeout: 20_000 });
    await waitLive(page);
    assert.ok(h.ticketPosts.length >= 2, `retried (${h.ticketPosts.length} POST /tickets)`);
    assert.equal(new Set(h.ticketPosts).size, 1, 'the retry reused the Idempotency-Key');
    assert.equal(ticketCases(w).length, 1, 'exactly one Case');
    assert.equal(w.sb.store.channels.size, 1, 'exactly one channel');
    await sendAsCustomer(page, 'Any news?');
    await waitFor('the message in the emulator', () => channelOf(h).messages.some((m) => m.message === 'Any news?'));
    assert.deepEqual(unexpectedErrors(h.errors, [/status of 503/]), []);
  });
});

test('the session token expiring mid-conversation is renewed through POST /session and the chat goes on', async (t) => {
  const h = await start(t);
  if (!h) return;
  const { page } = h;
  await screenshotOnFailure(page, 'customer-session', async () => {
    await page.goto(h.appUrl);
    await fillForm(page, {
      name: 'Ola Nordmann',
      email: 'ola@example.com',
      subject: 'Login loop',
      description: 'The app keeps asking me to log in.',
    });
    await page.getByRole('button', { name: 'Start chat' }).click();
    await waitLive(page);
    const channelUrl = channelOf(h).channel_url;
    const guest = guestOf(h);
    assert.equal(h.sessionPosts, 0, 'the first token came with the ticket');

    const expired = h.w.sb.expireSessions(guest);
    assert.equal(expired.closed, 1, 'the open feed connection was closed with 4002');
    await waitFor('POST /session', () => h.sessionPosts >= 1);
    await waitLive(page);
    await agentJoinsAndSays(h, channelUrl, 'Still there? I can see your account.');
    await page.getByText('Still there? I can see your account.').waitFor();
    await sendAsCustomer(page, 'Yes, still here.');
    await waitFor('the message sent with the renewed token', () =>
      channelOf(h).messages.some((m) => m.message === 'Yes, still here.' && m.user_id === guest),
    );
    assert.equal(await page.locator('.sbx-error').count(), 0, 'no failed sends');
    assert.deepEqual(unexpectedErrors(h.errors, [/status of 401/]), []);
  });
});

test('an unreachable bridge: a clear message and a "try again" that reuses the submission key', async (t) => {
  const h = await start(t);
  if (!h) return;
  const { page } = h;
  await screenshotOnFailure(page, 'customer-unreachable', async () => {
    // A port that was just free: nothing listens there.
    const dead = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const port = (s.address() as { port: number }).port;
        s.close(() => resolve(port));
      });
    });
    const deadUrl = `http://127.0.0.1:${dead}`;
    const keys: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url() === `${deadUrl}/tickets`) keys.push(r.headers()['idempotency-key'] ?? '');
    });
    await page.route('**/config.json', (route) =>
      route.fulfill({ contentType: 'application/json', body: JSON.stringify({ bridgeUrl: deadUrl, auth: 'guest', chat: 'sandbox' }) }),
    );
    await page.goto(h.appUrl);
    await fillForm(page, { name: 'Sam', email: 'sam@example.com', subject: 'Hello', description: 'Is anyone there?' });
    await page.getByRole('button', { name: 'Start chat' }).click();
    await page.getByText('The support service is not answering; trying again…').waitFor();
    const alert = page.getByRole('alert').filter({ hasText: 'The support service is unreachable' });
    await alert.waitFor({ timeout: 20_000 });
    const tries = keys.length;
    assert.ok(tries >= 2, 'retried a few times before giving up');
    assert.equal(await page.getByRole('alert').count(), 1, 'one alert');
    assert.equal(await page.getByRole('button', { name: 'Try again' }).count(), 1, 'one "Try again"');
    assert.doesNotMatch(await page.locator('body').innerText(), /busy/i, 'no answer is never called "busy"');
    await alert.getByRole('button', { name: 'Try again' }).click();
    await waitFor('the manual retry', () => keys.length > tries);
    assert.equal(new Set(keys).size, 1, 'the manual retry reused the same Idempotency-Key');
    assert.equal(ticketCases(h.w).length, 0);
    assert.deepEqual(unexpectedErrors(h.errors, [/ERR_CONNECTION_REFUSED/]), []);
  });
});

test('the bridge stopped: the ticket page shows one alert with one "Try again" and says "unreachable", not "busy"', async (t) => {
  const h = await start(t);
  if (!h) return;
  const { page, w } = h;
  await screenshotOnFailure(page, 'customer-bridge-stopped', async () => {
    await page.goto(h.appUrl);
    await fillForm(page, { name: 'Ana Silva', email: 'ana@example.com', subject: 'Refund', description: 'Where is my refund?' });
    await page.getByRole('button', { name: 'Start chat' }).click();
    await waitLive(page);
    await w.bridge.close();

    // A reload: the chat session and My tickets both need the bridge, which does not answer.
    await page.reload();
    let seen = await alertsWhenSettled(page);
    assert.equal(seen.alerts.length, 1, `one alert, not one per failed call: ${JSON.stringify(seen.alerts)}`);
    assert.match(seen.alerts[0] ?? '', /The support service is unreachable/);
    assert.equal(seen.tryAgain, 1, 'one "Try again"');
    assert.doesNotMatch(seen.text, /busy/i);
    assert.deepEqual(await axeViolations(page), [], 'axe-core: the page with the bridge down');

    // Trying again while it is still down: the same single alert.
    const renewals = h.sessionPosts;
    await page.getByRole('button', { name: 'Try again' }).click();
    await waitFor('the retried session renewal', () => h.sessionPosts > renewals);
    seen = await alertsWhenSettled(page);
    assert.equal(seen.alerts.length, 1, `still one alert: ${JSON.stringify(seen.alerts)}`);
    assert.equal(seen.tryAgain, 1);
    assert.deepEqual(unexpectedErrors(h.errors, [/ERR_CONNECTION_REFUSED/]), []);
  });
});

test('a closed Case: the chat turns read-only, says the ticket is closed, and offers a new ticket', async (t) => {
  const h = await start(t);
  if (!h) return;
  const { page } = h;
  await screenshotOnFailure(page, 'customer-closed', async () => {
    await page.goto(h.appUrl);
    await fillForm(page, { name: 'Ida Berg', email: 'ida@example.com', subject: 'Refund', description: 'Please refund order 7.' });
    await page.getByRole('button', { name: 'Start chat' }).click();
    await waitLive(page);
    const caseId = channelOf(h).channel_url;
    await page.locator('.sbx-form .sbx-form-subject', { hasText: 'Refund' }).waitFor();
    await page.getByRole('textbox', { name: 'Message' }).waitFor();

    // The agent closes the Case in Salesforce; the bridge freezes its chat (CASE_CLOSED_ACTION=freeze).
    await sfClient(h.w).update('Case', caseId, { Status: 'Closed' });
    await page.getByText('This ticket is closed.').waitFor({ timeout: 20_000 });
    assert.equal(await page.getByRole('textbox', { name: 'Message' }).count(), 0, 'nothing to write in');
    await page.locator('.sbx-form .sbx-form-subject', { hasText: 'Refund' }).waitFor();
    await page.getByRole('button', { name: 'Open a new ticket' }).click();
    await page.getByRole('heading', { name: 'Open a support ticket' }).waitFor();
    assert.deepEqual(unexpectedErrors(h.errors), []);
  });
});
