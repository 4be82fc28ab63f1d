/**
 * The satisfaction survey and End chat in a real browser (Debian's Chromium via playwright-core)
 * against the BUILT customer app, a real bridge and both emulators on port 0, in sandbox mode:
 * the agent closes the Case (the Salesforce emulator's console action, as the console simulator's
 * Status save does), the customer answers the survey in the sandbox pane and the Case shows the
 * rating, also after a reload; an unanswered survey shows as expired; the customer ends the chat
 * (CUSTOMER_END_ACTION=close) with a confirmation, the Case closes and the pane turns read-only;
 * the agent reopens the Case and the pane is live again without a reload. axe-core on each state.
 * UPDATE_SCREENSHOTS=1 also saves docs/images/customer-csat.png for the docs.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { Page } from 'playwright-core';
import { requireComponent, waitFor } from '@sbsf/testkit';
import { startWorld, ticketCases, type World } from '../packages/bridge/test/world.js';
import { axeViolations } from './support/axe.js';
import { launch, screenshotOnFailure, type Browser } from './support/browser.js';
import { ensureBuilt, ROOT } from './support/build.js';
import { serveApp } from './support/static-server.js';

const IMAGES = process.env.UPDATE_SCREENSHOTS === '1' ? join(ROOT, 'docs', 'images') : join(ROOT, 'test-results');

async function start(
  t: TestContext,
  bridgeEnv: Record<string, string> = {},
): Promise<(Browser & { w: World; appUrl: string }) | undefined> {
  if (!requireComponent(t, 'chromium', 'apt-get install chromium')) return undefined;
  const dist = ensureBuilt('apps/customer', '@sbsf/customer-app', ['packages/sandbox-chat/src', 'packages/wire/src']);
  const app = await serveApp(t, dist);
  const w = await startWorld(t, { SANDBOX: 'true', CUSTOMER_AUTH_MODE: 'guest', CORS_ORIGINS: app.origin, ...bridgeEnv });
  app.setConfig({ bridgeUrl: w.url, auth: 'guest', chat: 'sandbox' });
  const b = await launch({ width: 1100, height: 760 });
  t.after(() => b.close());
  return { ...b, w, appUrl: app.url };
}

/** Opens a ticket through the form and waits for the live conversation; returns the Case Id. */
async function openTicket(page: Page, w: World, appUrl: string): Promise<string> {
  await page.goto(appUrl);
  await page.getByLabel('Your name').fill('Jane Doe');
  await page.getByLabel('Email', { exact: true }).fill('jane@example.com');
  await page.getByLabel('Subject').fill('Printer on fire');
  await page.getByLabel('How can we help?').fill('Smoke from tray 2.');
  await page.getByRole('button', { name: 'Start chat' }).click();
  await page.locator('[data-connection="open"]').waitFor({ timeout: 15_000 });
  const [c] = ticketCases(w);
  assert.ok(c, 'a Case');
  return String(c.Id);
}

const caseRecord = (w: World, caseId: string) => w.sf.records('Case').find((c) => c.Id === caseId)!;
const survey = (page: Page) => page.locator('.sbx-csat');

test('the agent closes the Case; the customer answers the survey in the chat; the Case shows the rating, also after a reload', async (t) => {
  const h = await start(t);
  if (!h) return;
  const { page, w } = h;
  await screenshotOnFailure(page, 'csat-answered', async () => {
    const caseId = await openTicket(page, w, h.appUrl);
    w.sf.org.changeCaseStatus(caseId, 'Closed');
    await survey(page).and(page.locator('[data-csat-state="open"]')).waitFor({ timeout: 15_000 });
    await page.getByText('This ticket is closed.').waitFor();
    const form = page.getByRole('form', { name: w.config.csat.question });
    await form.getByRole('button', { name: 'Send rating' }).click();
    await form.getByRole('alert').filter({ hasText: 'Choose a rating from 1 to 5.' }).waitFor();
    await form.getByRole('radio', { name: '4 Very good' }).check();
    await form.getByLabel('Comment (optional)').fill('Quick and kind, thanks!');
    assert.deepEqual(await axeViolations(page), [], 'axe-core: the survey form');
    mkdirSync(IMAGES, { recursive: true });
    await page.locator('.sbx-root').screenshot({ path: join(IMAGES, 'customer-csat.png') });
    await form.getByRole('button', { name: 'Send rating' }).click();
    await page.getByText('Thank you for your feedback').waitFor();
    await page.getByText('You rated us 4 out of 5 (Very good).').waitFor();
    await waitFor('the rating on the Case', () => caseRecord(w, caseId).Sendbird_CSAT_Rating__c === 4);
    assert.equal(caseRecord(w, caseId).Sendbird_CSAT_Comment__c, 'Quick and kind, thanks!');
    await waitFor('the Case to say Answered', () => caseRecord(w, caseId).Sendbird_CSAT_Status__c === 'Answered');
    await page.getByText(/rated this support 4 out of 5/).waitFor();
    assert.deepEqual(await axeViolations(page), [], 'axe-core: the answered survey');

    await page.reload();
    await page.locator('[data-connection="open"]').waitFor({ timeout: 15_000 });
    await page.locator('[data-csat-state="answered"]').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Send rating' }).count(), 0, 'no form after a reload');
  });
});

test('an unanswered survey shows as expired', async (t) => {
  const h = await start(t, { CSAT_EXPIRY: '1s' });
  if (!h) return;
  const { page, w } = h;
  await screenshotOnFailure(page, 'csat-expired', async () => {
    const caseId = await openTicket(page, w, h.appUrl);
    w.sf.org.changeCaseStatus(caseId, 'Closed');
    await page.locator('[data-csat-state="expired"]').waitFor({ timeout: 15_000 });
    await page.getByText('This survey has closed.').waitFor();
    await waitFor('the Case to say Expired', () => caseRecord(w, caseId).Sendbird_CSAT_Status__c === 'Expired');
    assert.deepEqual(await axeViolations(page), [], 'axe-core: the expired survey');
  });
});

test('the customer ends the chat (close); the agent reopens the Case and the chat is live again without a reload', async (t) => {
  const h = await start(t, { CUSTOMER_END_ACTION: 'close' });
  if (!h) return;
  const { page, w } = h;
  await screenshotOnFailure(page, 'csat-end-chat', async () => {
    const caseId = await openTicket(page, w, h.appUrl);
    await page.getByRole('button', { name: 'End chat' }).click();
    await page.getByText('End this chat? The support team will see that you ended it.').waitFor();
    assert.deepEqual(await axeViolations(page), [], 'axe-core: the confirmation');
    await page.getByRole('button', { name: 'Keep chatting' }).click();
    await page.getByRole('button', { name: 'End chat' }).click();
    await page.getByRole('button', { name: 'Yes, end the chat' }).click();
    await page.getByText('You ended this chat. The support team has been told.').waitFor();
    await waitFor('the Case closed', () => caseRecord(w, caseId).Status === 'Closed');
    await page.getByText('This ticket is closed.').waitFor({ timeout: 15_000 });
    await page.getByText('The customer ended the chat.').waitFor();
    await page.locator('[data-csat-state="open"]').waitFor();
    assert.equal(await page.getByRole('textbox', { name: 'Message' }).count(), 0, 'no composer while closed');
    assert.deepEqual(await axeViolations(page), [], 'axe-core: the ended, closed chat with its survey');

    // The agent reopens it: the composer is back and the closed note gone, without a reload.
    w.sf.org.changeCaseStatus(caseId, 'Working');
    await page.getByRole('textbox', { name: 'Message' }).waitFor({ timeout: 15_000 });
    assert.equal(await page.getByText('This ticket is closed.').count(), 0, 'the closed note is gone');
    await page.getByRole('textbox', { name: 'Message' }).fill('One more thing');
    await page.getByRole('textbox', { name: 'Message' }).press('Enter');
    await waitFor('the message in the emulator', () =>
      w.sb.store.channels.get(caseId)?.messages.some((m) => m.message === 'One more thing'),
    );
    assert.deepEqual(await axeViolations(page), [], 'axe-core: the reopened chat');
  });
});
