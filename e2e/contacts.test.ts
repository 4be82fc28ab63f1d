/**
 * Contact matching walked in a real browser (Debian's Chromium via playwright-core): the BUILT
 * customer app in JWT mode (config.json `auth: "jwt"` with a `tokenUrl`, as production runs it),
 * a tiny customer backend on port 0 that signs the customer's JWT for the browser's session
 * cookie, a real bridge (CUSTOMER_AUTH_MODE=jwt, CONTACT_MATCH=email, CONTACT_CREATE=contact) and
 * both emulators on port 0, and the console simulator as the agent sees the Cases:
 * - a customer whose verified email belongs to one Contact opens a ticket and chats; the Case
 *   shows that Contact and its Account once the link job has run;
 * - a customer nobody matches gets a Contact made from the form's name and the verified email;
 * - that customer's second ticket carries the remembered Contact in its upsert: one Salesforce
 *   call, no Contact query, no job.
 * Signed out, the app says to sign in (the token endpoint answers 401); after signing in, "Try
 * again" goes on. axe-core on the console showing the Contact; no errors in the browser console.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { Page } from 'playwright-core';
import { requireComponent, tempDir, waitFor } from '@sbsf/testkit';
import { signCustomerJwt } from '../packages/bridge/src/identity/jwt.js';
import { SECRETS } from '../packages/bridge/test/fixtures.js';
import { sfClient } from '../packages/bridge/test/membership-helpers.js';
import { startWorld, type World } from '../packages/bridge/test/world.js';
import { AURA_BUNDLE_DIR } from './support/agent-console.js';
import { axeViolations } from './support/axe.js';
import { launch, newPage, screenshotOnFailure, type Browser } from './support/browser.js';
import { ensureBuilt } from './support/build.js';
import { caseRow } from './support/console-page.js';
import { serveApp } from './support/static-server.js';

/** The customer backend's session cookie (its name differs from the console simulator's). */
const SHOP_COOKIE = 'shop_session';

interface Shopper {
  session: string;
  sub: string;
  email: string;
}

const KIM: Shopper = { session: 'session-kim', sub: 'shop-user-kim', email: 'kim.lee@example.com' };
const RAVI: Shopper = { session: 'session-ravi', sub: 'shop-user-ravi', email: 'ravi.patel@example.com' };

/**
 * The customer's own backend: GET /token answers `{"token":"<JWT>"}` for the customer its session
 * cookie names (401 without one), with CORS for the app's origin and credentials, as the app's
 * `tokenUrl` expects. The JWT carries `sub`, `email` and `email_verified: true`.
 */
async function startShopBackend(t: TestContext, appOrigin: string, shoppers: Shopper[]): Promise<{ tokenUrl: string; origin: string }> {
  const server = createServer((req, res) => {
    const cors = { 'access-control-allow-origin': appOrigin, 'access-control-allow-credentials': 'true', vary: 'Origin' };
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' || path !== '/token') {
      res.writeHead(404, { ...cors, 'content-type': 'application/json' }).end(JSON.stringify({ code: 'not_found' }));
      return;
    }
    const session = (req.headers.cookie ?? '')
      .split(';')
      .map((p) => p.trim().split('='))
      .find(([k]) => k === SHOP_COOKIE)?.[1];
    const who = shoppers.find((s) => s.session === session);
    if (!who) {
      res.writeHead(401, { ...cors, 'content-type': 'application/json' }).end(JSON.stringify({ code: 'not_signed_in' }));
      return;
    }
    const token = signCustomerJwt(
      { sub: who.sub, email: who.email, email_verified: true, exp: Math.floor(Date.now() / 1000) + 600 },
      SECRETS.CUSTOMER_JWT_SECRET,
    );
    res.writeHead(200, { ...cors, 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify({ token }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { origin, tokenUrl: `${origin}/token` };
}

interface Harness extends Browser {
  w: World;
  appUrl: string;
  shopOrigin: string;
  /** The console simulator's page (the agent's). */
  agent: Page;
}

async function start(t: TestContext): Promise<Harness | undefined> {
  if (!requireComponent(t, 'chromium', 'apt-get install chromium')) return undefined;
  const dist = ensureBuilt('apps/customer', '@sbsf/customer-app', ['packages/sandbox-chat/src', 'packages/wire/src']);
  const app = await serveApp(t, dist);
  const shop = await startShopBackend(t, app.origin, [KIM, RAVI]);
  // The agent panel is not under test here (e2e/agent-panel.test.ts runs it): a stand-in page.
  const agentPanelDir = join(tempDir(t, 'sbsf-contacts-e2e-'), 'panel');
  mkdirSync(agentPanelDir, { recursive: true });
  writeFileSync(
    join(agentPanelDir, 'index.html'),
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Panel</title></head><body><main><p>Panel</p></main></body></html>',
  );
  const w = await startWorld(
    t,
    {
      CUSTOMER_AUTH_MODE: 'jwt',
      CONTACT_MATCH: 'email',
      CONTACT_CREATE: 'contact',
      CORS_ORIGINS: app.origin,
      // No sweep and no safety re-run: every Salesforce call counted is the ticket's own.
      SWEEP_INTERVAL_MS: '0',
      TICKET_SAFETY_DELAY_MS: '600000',
    },
    { sf: { console: { auraBundleDir: AURA_BUNDLE_DIR, agentPanelDir } } },
  );
  // The Case triggers' callouts to the bridge would add Salesforce calls of their own.
  w.sf.org.setApexCaseEvents(false);
  app.setConfig({ bridgeUrl: w.url, auth: 'jwt', tokenUrl: shop.tokenUrl, chat: 'sandbox' });
  const b = await launch({ width: 1100, height: 760 });
  t.after(() => b.close());
  const agent = await newPage(b, 'console', { width: 1280, height: 800 });
  return { ...b, w, appUrl: app.url, shopOrigin: shop.origin, agent };
}

/** Signs `who` in to the customer's site: the session cookie the token endpoint reads. */
async function signIn(h: Harness, who: Shopper): Promise<void> {
  await h.context.addCookies([{ name: SHOP_COOKIE, value: who.session, url: h.shopOrigin, httpOnly: true, sameSite: 'Lax' }]);
}

/**
 * Fills the ticket form and submits it (the page must show the form); waits for the live chat.
 * Answers the ticket and Case Ids from the bridge's 201.
 */
async function openTicket(
  h: Harness,
  v: { name: string; email: string; subject: string; description: string },
): Promise<{ ticketId: string; caseId: string }> {
  const { page, w } = h;
  await page.getByRole('heading', { name: 'Open a support ticket' }).waitFor();
  await page.getByLabel('Your name').fill(v.name);
  await page.getByLabel('Email', { exact: true }).fill(v.email);
  await page.getByLabel('Subject').fill(v.subject);
  await page.getByLabel('How can we help?').fill(v.description);
  const created = page.waitForResponse((r) => r.request().method() === 'POST' && r.url() === `${w.url}/tickets` && r.status() === 201, {
    timeout: 15_000,
  });
  await page.getByRole('button', { name: 'Start chat' }).click();
  const body = (await (await created).json()) as { ticket: { id: string }; case: { id: string } };
  await page.locator('[data-connection="open"]').waitFor({ timeout: 15_000 });
  return { ticketId: body.ticket.id, caseId: body.case.id };
}

async function say(h: Harness, caseId: string, text: string): Promise<void> {
  const box = h.page.getByRole('textbox', { name: 'Message' });
  await box.fill(text);
  await box.press('Enter');
  await waitFor('the message in the Sendbird emulator', () => h.w.sb.store.channels.get(caseId)?.messages.some((m) => m.message === text));
}

/** The Salesforce API calls since the last reset, by route (the bridge's own login left out). */
const apiCalls = (w: World) => Object.fromEntries(Object.entries(w.sf.stats().byRoute).filter(([route]) => !route.includes('/oauth2/')));
const caseOf = (w: World, id: string) => w.sf.records('Case').find((c) => c.Id === id)!;
const contactActions = async (w: World, ticketId: string) =>
  (await w.bridge.store.ledgerForTicket(ticketId)).filter((e) => e.action.startsWith('contact.')).map((e) => `${e.action} ${e.outcome}`);

/** How many contact.link jobs the ticket has (queued in the same transaction as its Case). */
async function contactJobs(w: World, ticketId: string): Promise<number> {
  const store = w.bridge.store as unknown as { unsafeQuery<R>(sql: string, ...p: unknown[]): Promise<R[]> };
  return (await store.unsafeQuery<{ id: unknown }>('SELECT id FROM jobs WHERE dedupe_key = ?', `contact:${ticketId}`)).length;
}

/** Opens the Case's tab in the console and answers the record's field values by label. */
async function consoleFields(agent: Page, caseId: string): Promise<Record<string, string>> {
  const record = agent.locator(`.con-record[data-record-id="${caseId}"]`);
  if ((await record.count()) === 0) {
    await caseRow(agent, caseId).locator('button.con-link').click();
    await record.waitFor();
  }
  const rows = await record
    .locator('.con-field')
    .evaluateAll((els) =>
      els.map((e) => [e.querySelector('.con-field-label')?.textContent ?? '', e.querySelector('.con-field-value')?.textContent ?? '']),
    );
  return Object.fromEntries(rows);
}

/** Waits until the console's Case record shows `contact` (it refreshes every second). */
async function consoleShowsContact(agent: Page, caseId: string, contact: string): Promise<Record<string, string>> {
  await caseRow(agent, caseId).waitFor({ timeout: 15_000 });
  return waitFor(`the console's Case ${caseId} to show the Contact ${contact}`, async () => {
    const fields = await consoleFields(agent, caseId);
    return fields.Contact === contact ? fields : undefined;
  });
}

test('contact matching in the browser: a verified email links its Contact and Account, a new customer gets a Contact, a returning one is linked in one call; the console shows each', async (t) => {
  const h = await start(t);
  if (!h) return;
  const { page, w, agent } = h;
  const sfc = sfClient(w);
  const account = await sfc.create('Account', { Name: 'Northwind Traders' });
  const kimContact = await sfc.create('Contact', {
    FirstName: 'Kimberly',
    LastName: 'Lee',
    Email: 'Kim.Lee@Example.com',
    AccountId: account.id,
  });
  await sfc.create('Contact', { FirstName: 'Someone', LastName: 'Else', Email: 'someone@example.com' });

  await screenshotOnFailure(page, 'contacts-customer', () =>
    screenshotOnFailure(agent, 'contacts-console', async () => {
      // Not signed in to the customer's site: the token endpoint says 401 and the app says why.
      await page.goto(h.appUrl);
      await page.getByRole('alert').filter({ hasText: 'Please sign in to your account first, then open support again.' }).waitFor();
      assert.deepEqual(
        h.errors.filter((e) => !/status of 401/.test(e)),
        [],
        "only the token endpoint's 401, which Chromium logs",
      );
      h.errors.length = 0;

      // (1) Kim's verified email belongs to one Contact: the Case gets it and its Account.
      await signIn(h, KIM);
      await page.getByRole('button', { name: 'Try again' }).click();
      const kim = await openTicket(h, {
        name: 'Kim',
        email: KIM.email,
        subject: 'Invoice shows the wrong address',
        description: 'The March invoice has our old street.',
      });
      await say(h, kim.caseId, 'It is invoice 1042.');
      await waitFor('the Case linked to the Contact', () => caseOf(w, kim.caseId).ContactId === kimContact.id);
      assert.equal(caseOf(w, kim.caseId).AccountId, account.id, "and to the Contact's Account");
      assert.deepEqual(await contactActions(w, kim.ticketId), ['contact.match ok', 'contact.link ok']);

      await agent.goto(`${w.sf.url}/console`);
      const kimFields = await consoleShowsContact(agent, kim.caseId, 'Kimberly Lee');
      assert.equal(kimFields.Account, 'Northwind Traders');
      assert.equal(kimFields['Contact email'], 'Kim.Lee@Example.com', "the Contact's own email, as Salesforce keeps it");
      assert.equal(kimFields.Customer, 'Kim', 'the name the customer typed stays on the Case');
      assert.deepEqual(await axeViolations(agent), [], 'axe-core: the console showing the Contact and Account');

      // (2) Ravi matches nobody: a Contact is made from the form's name and the verified email.
      await signIn(h, RAVI);
      await page.goto(h.appUrl);
      const raviFirst = await openTicket(h, {
        name: 'Ravi Patel',
        email: RAVI.email,
        subject: 'Cannot reset my password',
        description: 'The reset email never arrives.',
      });
      await say(h, raviFirst.caseId, 'I checked the spam folder too.');
      const created = await waitFor('a Contact for Ravi', () => w.sf.records('Contact').find((c) => c.Email === RAVI.email));
      assert.deepEqual([created.FirstName, created.LastName], ['Ravi', 'Patel']);
      await waitFor('the Case linked to the created Contact', () => caseOf(w, raviFirst.caseId).ContactId === created.Id);
      assert.equal(caseOf(w, raviFirst.caseId).AccountId, null, 'a created Contact has no Account');
      assert.deepEqual(await contactActions(w, raviFirst.ticketId), ['contact.match ok', 'contact.create ok', 'contact.link ok']);
      await waitFor('the match remembered', async () => (await w.bridge.store.getCustomerContact(RAVI.sub))?.contactId === created.Id);
      const raviFields = await consoleShowsContact(agent, raviFirst.caseId, 'Ravi Patel');
      assert.equal(raviFields['Contact email'], RAVI.email);
      assert.equal(raviFields.Account, '');
      assert.deepEqual(await axeViolations(agent), [], 'axe-core: the console showing the created Contact');

      // (3) Ravi's second ticket: the upsert carries the remembered Contact; one call, no query.
      await page.getByRole('link', { name: 'New ticket' }).click();
      w.sf.resetStats();
      const raviSecond = await openTicket(h, {
        name: 'Ravi Patel',
        email: RAVI.email,
        subject: 'Two-factor codes arrive late',
        description: 'The SMS code comes after it has expired.',
      });
      assert.deepEqual(apiCalls(w), { 'POST /composite': 1 }, 'one Salesforce call: the upsert carries the Contact');
      assert.deepEqual(caseOf(w, raviSecond.caseId).ContactId, created.Id, 'linked by that one call');
      assert.deepEqual(await contactActions(w, raviSecond.ticketId), ['contact.link ok'], 'no contact.match: no query ran');
      await say(h, raviSecond.caseId, 'Same phone as before.');
      const secondFields = await consoleShowsContact(agent, raviSecond.caseId, 'Ravi Patel');
      assert.equal(secondFields['Contact email'], RAVI.email);
      assert.equal(await contactJobs(w, raviSecond.ticketId), 0, 'no contact.link job was queued for it');
      assert.equal(w.sf.records('Contact').filter((c) => c.Email === RAVI.email).length, 1, 'one Contact for Ravi');

      assert.deepEqual(h.errors, [], 'no errors in the browser console');
    }),
  );
});
