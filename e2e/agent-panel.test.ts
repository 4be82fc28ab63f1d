/**
 * The agent panel in headless Chromium, inside the console simulator: the real
 * sendbird_utilities_bar controller and helper over the Aura shim, the panel built from source in
 * the container iframe, the emulators and the bridge behind them.
 * - the READY handshake when the container is ready before Aura listens, and when Aura answers late;
 * - the agent's channels in the panel (after a reassignment, and after an Omni-Channel accept);
 * - a customer message raises "Chat (N)" and the highlight; focusing the panel clears the
 *   highlight, and N stays the total unread of all conversations until they are read;
 * - the list: two tickets of one customer told apart by subject, the customer, the Case status
 *   (closed in the console), the time waiting (counting up every minute, gone once the agent
 *   answers), an unread badge per conversation, keyboard moves, axe-core on the panel and page;
 * - chat unavailable (the feed gone, a session that cannot be fetched): "Chat unavailable" with
 *   the warning icon, and back to the count when it works again;
 * - choosing a channel opens its Case tab, once: a later pick focuses it, a pick after the agent
 *   closed it opens it again (a record page outside console apps);
 * - an expired session token is renewed through Aura; switching agents reconnects as the new one;
 * - opened outside a container, the panel says so;
 * - in a utility bar panel 400 px wide (Salesforce's are 340 px by default): nothing wider than
 *   the panel, every control at least 44 x 44 CSS px, the composer in view, the banner's words;
 * - no errors in the browser console. A failing test saves a screenshot in test-results/.
 * UPDATE_SCREENSHOTS=1 also saves docs/images/console-panel.png for the README.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test, type TestContext } from 'node:test';
import { requireComponent, waitFor } from '@sbsf/testkit';
import type { Locator, Page } from 'playwright-core';
import { SalesforceClient } from '@sbsf/salesforce';
import { buildAgentPanel, REPO_ROOT, startAgentConsole, type AgentConsole } from './support/agent-console.js';
import { launch, screenshotOnFailure, type Browser } from './support/browser.js';
import { measure } from './support/layout.js';
import { agentSays, caseRow } from './support/console-page.js';
import { SECRETS } from '../packages/bridge/test/fixtures.js';

interface ConsoleEvent {
  kind: string;
  dir?: string;
  payload?: any;
  handled?: boolean;
  action?: string;
  method?: string;
  recordId?: string;
  tabId?: string;
  created?: boolean;
  source?: string;
}

const PANEL = 'iframe[data-aura-id="SendBird_Bar"]';
let panelDir: string;

before(async () => {
  panelDir = mkdtempSync(join(tmpdir(), 'sbsf-panel-build-'));
  await buildAgentPanel(panelDir);
});
after(() => rmSync(panelDir, { recursive: true, force: true }));

/** A world and a browser for one test, closed when it ends; the body runs with a screenshot on failure. */
async function scenario(t: TestContext, name: string, body: (w: AgentConsole, b: Browser) => Promise<void>): Promise<void> {
  if (!requireComponent(t, 'chromium', 'apt-get install chromium')) return;
  const w = await startAgentConsole({ panelDir });
  t.after(() => w.close());
  const b = await launch();
  t.after(() => b.close());
  await screenshotOnFailure(b.page, name, () => body(w, b));
}

const events = (page: Page): Promise<ConsoleEvent[]> => page.evaluate(() => (globalThis as any).sbsfConsole.events);
const lcc = (list: ConsoleEvent[], dir: string) => list.filter((e) => e.kind === 'lcc' && e.dir === dir);
const isSession = (e: ConsoleEvent) => typeof e.payload === 'object' && typeof e.payload?.userId === 'string';
const panel = (page: Page) => page.frameLocator(PANEL);
const channelItem = (page: Page, caseId: string) => panel(page).locator(`button.sbx-list-item[data-channel-url="${caseId}"]`);

/** The chat is rendered in the container (attached: the utility panel may still be minimized). */
async function chatShown(page: Page): Promise<void> {
  await panel(page).locator('[data-testid="panel-chat"][data-mode="sandbox"] .sbx-list').waitFor({ state: 'attached', timeout: 15_000 });
}

async function openPanel(page: Page): Promise<void> {
  await page.click('#con-utility-item');
  await page.locator('#con-utility-panel').waitFor({ state: 'visible' });
}

async function utilityBar(page: Page): Promise<{ label: string; highlighted: boolean }> {
  return {
    label: (await page.locator('#con-utility-label').textContent()) ?? '',
    highlighted: (await page.locator('#con-utility-item').getAttribute('data-highlighted')) === 'true',
  };
}

async function waitForBar(page: Page, want: { label: string; highlighted: boolean }): Promise<void> {
  await waitFor(`utility bar ${JSON.stringify(want)}`, async () => {
    const now = await utilityBar(page);
    return now.label === want.label && now.highlighted === want.highlighted;
  });
}

/** Reassigns a Case in the console's Case list, as an agent or supervisor would. */
async function reassign(page: Page, caseId: string, ownerLabel: string): Promise<void> {
  const row = page.locator(`li.con-case[data-case-id="${caseId}"]`);
  await row.locator('select').first().selectOption({ label: ownerLabel });
  await row.locator('button[data-action="change-owner"]').click();
  await page.locator(`li.con-case[data-case-id="${caseId}"] .con-owner`, { hasText: ownerLabel }).waitFor();
}

test('the handshake succeeds when the container is ready before Aura listens', async (t) => {
  await scenario(t, 'handshake-aura-listens-late', async (w, { page, errors }) => {
    await page.goto(`${w.consoleUrl}?auraListenDelayMs=3000`);
    await chatShown(page);
    const list = await events(page);
    const ready = lcc(list, 'container->aura').filter((e) => e.payload === 'READY');
    assert.ok(
      ready.some((e) => !e.handled),
      'a READY was sent before Aura listened (and was lost)',
    );
    assert.ok(
      ready.some((e) => e.handled),
      'a later READY reached Aura',
    );
    const sessions = lcc(list, 'aura->container').filter(isSession);
    assert.equal(sessions.length, 1);
    assert.equal(sessions[0]!.payload.userId, w.sf.seed.agents.ava);
    assert.equal(sessions[0]!.payload.accessToken, '[redacted]', 'the page log never holds the token');
    assert.deepEqual(errors, []);
  });
});

test('the handshake succeeds when Aura answers late, with one Apex call for all the READYs', async (t) => {
  await scenario(t, 'handshake-aura-answers-late', async (w, { page, errors }) => {
    // The emulated Apex action takes 2 s: the container keeps sending READY meanwhile.
    w.sf.faults.set({ rules: [{ action: 'latency', path: '^/__console/aura/getAgentSession$', latencyMs: 2000 }] });
    await page.goto(w.consoleUrl);
    await chatShown(page);
    const list = await events(page);
    const handledReady = lcc(list, 'container->aura').filter((e) => e.payload === 'READY' && e.handled);
    assert.ok(handledReady.length >= 2, `READY repeated while Aura was busy (${handledReady.length})`);
    assert.equal(list.filter((e) => e.kind === 'apex' && e.action === 'getAgentSession').length, 1, 'the helper dedupes: one Apex call');
    assert.equal(lcc(list, 'aura->container').filter(isSession).length, 1);
    assert.deepEqual(errors, []);
  });
});

test("the panel shows the agent's channels; a customer message raises the unread label, focusing resets it; a channel opens its Case tab once and focuses it on later picks", async (t) => {
  await scenario(t, 'panel-main-flow', async (w, { page, errors }) => {
    const first = await w.openTicket('cust-dana', 'Cannot log in');
    const second = await w.openTicket('cust-eli', 'Refund please');
    await page.goto(w.consoleUrl);
    await openPanel(page);
    await chatShown(page);

    // Reassigning the Cases to Ava (the logged-in agent) puts her in their channels.
    await reassign(page, first.caseId, 'Ava Agent');
    await reassign(page, second.caseId, 'Ava Agent');
    await channelItem(page, first.caseId).waitFor({ timeout: 15_000 });
    await channelItem(page, second.caseId).waitFor({ timeout: 15_000 });
    assert.deepEqual(await utilityBar(page), { label: 'Chat', highlighted: false });

    // The agent is not looking at the panel (the focus is on the console page).
    await w.customerSays(first.caseId, first.accessToken, 'Hello, anyone there?');
    await waitForBar(page, { label: 'Chat (1)', highlighted: true });
    await w.customerSays(second.caseId, second.accessToken, 'About my refund');
    await waitForBar(page, { label: 'Chat (2)', highlighted: true });

    // Focusing the panel clears the highlight; the count stays the total of both conversations.
    await panel(page).locator('.sbx-banner').click();
    await waitForBar(page, { label: 'Chat (2)', highlighted: false });

    // Choosing a channel opens its Case in a console tab; choosing it again focuses that tab.
    await channelItem(page, first.caseId).click();
    await page.locator(`.con-tab[data-record-id="${first.caseId}"]`).waitFor();
    await page.locator(`.con-record[data-record-id="${first.caseId}"]`).waitFor();
    // Reading one conversation leaves the other's message in the count (it was "Chat" here once
    // the panel had had the focus).
    await waitForBar(page, { label: 'Chat (1)', highlighted: false });
    await channelItem(page, first.caseId).click();
    await channelItem(page, first.caseId).click();
    // Messages arrive in order: once the second channel's tab is open, any repeat for the first
    // would have arrived before it.
    await channelItem(page, second.caseId).click();
    await page.locator(`.con-tab[data-record-id="${second.caseId}"]`).waitFor();
    await waitForBar(page, { label: 'Chat', highlighted: false });
    const list = await events(page);
    const current = lcc(list, 'container->aura').filter((e) => e.payload?.event === 'CURRENTCHANNEL');
    assert.deepEqual(
      current.map((e) => e.payload.channelUrl),
      [first.caseId, first.caseId, first.caseId, second.caseId],
      'one CURRENTCHANNEL per pick',
    );
    const opened = list.filter((e) => e.kind === 'openTab');
    assert.deepEqual(
      opened.map((e) => [e.recordId, e.created, e.source]),
      [
        [first.caseId, true, 'workspaceAPI'],
        [first.caseId, false, 'workspaceAPI'],
        [first.caseId, false, 'workspaceAPI'],
        [second.caseId, true, 'workspaceAPI'],
      ],
      'the first pick opens the tab, the next ones focus it',
    );
    assert.equal(await page.locator(`.con-tab[data-record-id="${first.caseId}"]`).count(), 1);

    // A conversation: the agent answers in the panel.
    await channelItem(page, first.caseId).click();
    const composer = panel(page).locator('textarea').first();
    await composer.fill('Hi Dana, I am looking into it now.');
    await composer.press('Enter');
    await panel(page).locator('.sbx-bubble', { hasText: 'I am looking into it now.' }).waitFor();
    if (process.env.UPDATE_SCREENSHOTS === '1') {
      mkdirSync(join(REPO_ROOT, 'docs/images'), { recursive: true });
      await page.screenshot({ path: join(REPO_ROOT, 'docs/images/console-panel.png') });
    }
    assert.deepEqual(errors, []);
  });
});

const AXE_SOURCE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** axe-core on the console page (without the container) and inside the agent panel's frame. */
async function axeViolations(page: Page): Promise<string[]> {
  const panelFrame = page.frames().find((f) => f.url().includes('/console/panel/'));
  assert.ok(panelFrame, 'the agent panel frame');
  const out: string[] = [];
  for (const [where, frame, iframes] of [
    ['page', page.mainFrame(), false],
    ['panel', panelFrame, true],
  ] as const) {
    if (!(await frame.evaluate(() => 'axe' in globalThis))) await frame.addScriptTag({ path: AXE_SOURCE });
    const result = await frame.evaluate(
      (withFrames) => (globalThis as any).axe.run((globalThis as any).document, { iframes: withFrames }),
      iframes,
    );
    for (const v of result.violations as { id: string; impact: string; nodes: { target: string[] }[] }[])
      out.push(`${where}: ${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  }
  return out;
}

/** An element's accessible name as Chromium computes it (its ARIA snapshot), spaces normalized. */
async function accessibleName(locator: Locator): Promise<string> {
  const m = /^- \w+ "(.*)"/.exec(await locator.ariaSnapshot());
  return (m?.[1] ?? '').replace(/\s+/g, ' ').replace(/ ,/g, ',').trim();
}

async function utilityIcon(page: Page): Promise<string | null> {
  return page.locator('#con-utility-item').getAttribute('data-icon');
}

test('the list tells two tickets of one customer apart and shows customer, status, time waiting and unread per conversation; closing the Case in the console updates its status', async (t) => {
  await scenario(t, 'panel-list-fields', async (w, { page, errors }) => {
    const login = await w.openTicket('cust-dana', 'Cannot log in');
    const refund = await w.openTicket('cust-dana', 'Refund please');
    await page.goto(w.consoleUrl);
    await openPanel(page);
    await chatShown(page);
    await reassign(page, login.caseId, 'Ava Agent');
    await reassign(page, refund.caseId, 'Ava Agent');
    const loginItem = channelItem(page, login.caseId);
    const refundItem = channelItem(page, refund.caseId);
    await loginItem.waitFor({ timeout: 15_000 });
    await refundItem.waitFor({ timeout: 15_000 });

    await w.customerSays(login.caseId, login.accessToken, 'I cannot log in since this morning');
    await loginItem.locator('.sbx-badge', { hasText: '1' }).waitFor();
    assert.equal(await refundItem.locator('.sbx-badge').count(), 0, 'unread per conversation');
    const fields = async (item: typeof loginItem) => ({
      title: await item.locator('.sbx-list-name').textContent(),
      customer: await item.locator('.sbx-list-customer').textContent(),
      status: await item.locator('.sbx-list-status').textContent(),
      waiting: await item.locator('.sbx-list-waiting').textContent(),
    });
    const dana = 'cust-dana';
    assert.deepEqual(await fields(loginItem), { title: 'Cannot log in', customer: dana, status: 'New', waiting: 'waiting <1 min' });
    assert.deepEqual(await fields(refundItem), { title: 'Refund please', customer: dana, status: 'New', waiting: 'waiting <1 min' });
    assert.equal(
      await accessibleName(loginItem),
      `Cannot log in, ${dana}, New, waiting less than a minute, 1 unread message`,
      'the accessible name reads the fields in order',
    );
    assert.equal(await accessibleName(refundItem), `Refund please, ${dana}, New, waiting less than a minute`);

    // Most recent activity first; arrow keys, Home and End move through the list.
    const order = await panel(page)
      .locator('button.sbx-list-item')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-channel-url')));
    assert.deepEqual(order.slice(0, 2), [login.caseId, refund.caseId]);
    await loginItem.focus();
    await loginItem.press('ArrowDown');
    assert.equal(await refundItem.evaluate((e) => e === (globalThis as any).document.activeElement), true, 'ArrowDown');
    await refundItem.press('Home');
    assert.equal(await loginItem.evaluate((e) => e === (globalThis as any).document.activeElement), true, 'Home');
    await loginItem.press('End');
    assert.equal(await refundItem.evaluate((e) => e === (globalThis as any).document.activeElement), true, 'End');

    // The agent answers: that customer waits no longer; the other still does.
    await loginItem.click();
    await agentSays(page, 'Let me reset it for you.');
    await loginItem.locator('.sbx-list-waiting').waitFor({ state: 'detached' });
    assert.equal(await refundItem.locator('.sbx-list-waiting').count(), 1);
    assert.deepEqual(await axeViolations(page), [], 'axe-core on the console and inside the panel');

    // The Case is closed in the console: the lifecycle writes the status into the channel data,
    // the feed delivers the update, the entry says Closed.
    const row = caseRow(page, login.caseId);
    await row.locator('select[aria-label^="New status"]').selectOption('Closed');
    await row.locator('button[data-action="change-status"]').click();
    await loginItem.locator('.sbx-list-status', { hasText: 'Closed' }).waitFor({ timeout: 15_000 });
    assert.equal(await loginItem.getAttribute('data-closed'), 'true');
    assert.equal(await refundItem.locator('.sbx-list-status').textContent(), 'New');
    assert.deepEqual(errors, []);
  });
});

test('the time waiting counts up every minute while the customer waits', async (t) => {
  await scenario(t, 'panel-waiting-live', async (w, { page, errors }) => {
    // The page's clock flows as usual until the test moves it on (timers included).
    await page.clock.install();
    const ticket = await w.openTicket('cust-kim', 'Card blocked');
    w.sf.org.changeCaseOwner(ticket.caseId, w.sf.seed.agents.ava);
    await page.goto(w.consoleUrl);
    await openPanel(page);
    await chatShown(page);
    const item = channelItem(page, ticket.caseId);
    await item.waitFor({ timeout: 15_000 });
    await w.customerSays(ticket.caseId, ticket.accessToken, 'Hello? My card is blocked');
    await item.locator('.sbx-list-waiting', { hasText: 'waiting <1 min' }).waitFor();
    await page.clock.fastForward('12:00');
    await item.locator('.sbx-list-waiting', { hasText: 'waiting 12 min' }).waitFor();
    await page.clock.fastForward('01:00');
    await item.locator('.sbx-list-waiting', { hasText: 'waiting 13 min' }).waitFor();
    assert.match(await accessibleName(item), /waiting 13 minutes/);
    assert.deepEqual(errors, []);
  });
});

test('chat unavailable: the feed gone makes the label "Chat unavailable" with the warning icon; a session that cannot be fetched too, until Try again works', async (t) => {
  await scenario(t, 'panel-unavailable', async (w, { page, errors }) => {
    const first = await w.openTicket('cust-lou', 'Wrong charge');
    const second = await w.openTicket('cust-max', 'Late delivery');
    w.sf.org.changeCaseOwner(first.caseId, w.sf.seed.agents.ava);
    w.sf.org.changeCaseOwner(second.caseId, w.sf.seed.agents.ava);
    await page.goto(w.consoleUrl);
    await chatShown(page);
    await panel(page).locator('[data-connection="open"]').waitFor({ state: 'attached', timeout: 15_000 });
    // Unread in two conversations: the label says the total.
    await w.customerSays(first.caseId, first.accessToken, 'Hello');
    await w.customerSays(second.caseId, second.accessToken, 'Hi');
    await waitForBar(page, { label: 'Chat (2)', highlighted: true });
    assert.equal(await utilityIcon(page), 'chat');

    // The session cannot be renewed (the bridge is unreachable for the org): unavailable at once.
    const bridge = w.sf.org.bridge();
    w.sf.org.setBridge(null);
    w.sb.expireSessions(w.sf.seed.agents.ava);
    await waitForBar(page, { label: 'Chat unavailable', highlighted: true });
    assert.equal(await utilityIcon(page), 'warning');
    let list = await events(page);
    assert.deepEqual(
      lcc(list, 'container->aura')
        .filter((e) => e.payload?.event === 'AVAILABILITY')
        .map((e) => [e.payload.available, e.payload.reason]),
      [[false, 'session_failed']],
    );
    assert.ok(list.some((e) => e.kind === 'utility' && e.method === 'setUtilityIcon'));

    // The bridge is back; "Try again" gets a session: the count, icon and highlight come back.
    w.sf.org.setBridge({ url: bridge!.url, secret: SECRETS.BRIDGE_SHARED_SECRET });
    await openPanel(page);
    await panel(page).getByRole('button', { name: 'Try again' }).click();
    await chatShown(page);
    // The agent is looking at the panel (they clicked in it): the total, without the highlight.
    await waitForBar(page, { label: 'Chat (2)', highlighted: false });
    assert.equal(await utilityIcon(page), 'chat');

    // The Sendbird emulator goes away: after the grace, unavailable.
    await w.sb.close();
    await waitForBar(page, { label: 'Chat unavailable', highlighted: true });
    assert.equal(await utilityIcon(page), 'warning');
    list = await events(page);
    assert.deepEqual(
      lcc(list, 'container->aura')
        .filter((e) => e.payload?.event === 'AVAILABILITY')
        .map((e) => [e.payload.available, e.payload.reason ?? null]),
      [
        [false, 'session_failed'],
        [true, null],
        [false, 'disconnected'],
      ],
    );
    assert.deepEqual(await axeViolations(page), [], 'axe-core while unavailable');
    // The browser logs the failed connections and the refused token of the outage; nothing else.
    assert.deepEqual(
      errors.filter((e) => !/WebSocket connection to|Failed to load resource|ERR_CONNECTION_REFUSED/.test(e)),
      [],
    );
  });
});

test('picking a conversation whose Case tab was closed opens the tab again; picking it while open focuses it', async (t) => {
  await scenario(t, 'panel-reopen-closed-tab', async (w, { page, errors }) => {
    const ticket = await w.openTicket('cust-gus', 'Where is my parcel?');
    const other = await w.openTicket('cust-hal', 'Wrong size');
    await page.goto(w.consoleUrl);
    await openPanel(page);
    await chatShown(page);
    await reassign(page, ticket.caseId, 'Ava Agent');
    await reassign(page, other.caseId, 'Ava Agent');
    await channelItem(page, ticket.caseId).waitFor({ timeout: 15_000 });
    await channelItem(page, other.caseId).waitFor({ timeout: 15_000 });
    const tab = page.locator(`.con-tab[data-record-id="${ticket.caseId}"]`);

    // Pick: the Case tab opens and has the focus.
    await channelItem(page, ticket.caseId).click();
    await tab.waitFor();
    await page.locator(`.con-tab[data-record-id="${ticket.caseId}"][data-selected="true"]`).waitFor();

    // The agent closes the tab; picking the same conversation opens it again.
    await tab.locator('button.con-tab-close').click();
    await tab.waitFor({ state: 'detached' });
    await channelItem(page, ticket.caseId).click();
    await tab.waitFor();
    await page.locator(`.con-record[data-record-id="${ticket.caseId}"]`).waitFor();

    // Another Case takes the focus; picking the first conversation while its tab is open focuses it.
    await channelItem(page, other.caseId).click();
    await page.locator(`.con-tab[data-record-id="${other.caseId}"][data-selected="true"]`).waitFor();
    await channelItem(page, ticket.caseId).click();
    await page.locator(`.con-tab[data-record-id="${ticket.caseId}"][data-selected="true"]`).waitFor();
    assert.equal(await tab.count(), 1, 'one tab for the Case, not two');

    const list = await events(page);
    assert.deepEqual(
      lcc(list, 'container->aura')
        .filter((e) => e.payload?.event === 'CURRENTCHANNEL')
        .map((e) => e.payload.channelUrl),
      [ticket.caseId, ticket.caseId, other.caseId, ticket.caseId],
      'one CURRENTCHANNEL per pick, the same conversation again included',
    );
    const tabEvents = list.filter((e) => (e.kind === 'openTab' && e.recordId === ticket.caseId) || e.kind === 'closeTab');
    assert.deepEqual(
      tabEvents.map((e) => [e.kind, e.recordId, e.created]),
      [
        ['openTab', ticket.caseId, true],
        ['closeTab', ticket.caseId, undefined],
        ['openTab', ticket.caseId, true],
        ['openTab', ticket.caseId, false],
      ],
      'opened, closed, opened again, then focused',
    );
    assert.deepEqual(errors, []);
  });
});

test('an Omni-Channel accept opens the Case and brings its channel into the panel', async (t) => {
  await scenario(t, 'panel-omni-accept', async (w, { page, errors }) => {
    const ticket = await w.openTicket('cust-fay', 'Export my data');
    await page.goto(w.consoleUrl);
    await openPanel(page);
    await chatShown(page);
    const row = page.locator(`li.con-case[data-case-id="${ticket.caseId}"]`);
    await row.locator('select').nth(1).selectOption({ label: 'Ava Agent' });
    await row.locator('button[data-action="omni-route"]').click();
    const work = page.locator('li.con-work', { hasText: ticket.caseNumber });
    await work.locator('button[data-action="omni-accept"]').click();
    await page.locator(`.con-tab[data-record-id="${ticket.caseId}"]`).waitFor();
    await page.locator(`li.con-case[data-case-id="${ticket.caseId}"] .con-owner`, { hasText: 'Ava Agent' }).waitFor();
    await channelItem(page, ticket.caseId).waitFor({ timeout: 15_000 });
    assert.deepEqual(errors, []);
  });
});

test('an expired session token is renewed through Aura and the panel reconnects', async (t) => {
  await scenario(t, 'panel-session-renewal', async (w, { page, errors }) => {
    const ticket = await w.openTicket('cust-gus', 'Password reset');
    w.sf.org.changeCaseOwner(ticket.caseId, w.sf.seed.agents.ava);
    await page.goto(w.consoleUrl);
    await openPanel(page);
    await chatShown(page);
    await channelItem(page, ticket.caseId).click();

    w.sb.expireSessions(w.sf.seed.agents.ava);
    await waitFor('a renewed session', async () => lcc(await events(page), 'aura->container').filter(isSession).length === 2);
    const list = await events(page);
    assert.equal(lcc(list, 'container->aura').filter((e) => e.payload?.event === 'SESSION_EXPIRED').length, 1);
    assert.equal(list.filter((e) => e.kind === 'apex' && e.action === 'getAgentSession').length, 2, 'the session fetched twice');

    // The renewed feed delivers again.
    await w.customerSays(ticket.caseId, ticket.accessToken, 'Still there?');
    await panel(page).locator('.sbx-bubble', { hasText: 'Still there?' }).waitFor({ timeout: 15_000 });
    // The browser logs the 401 a REST call may get with the expired token (that answer is how the
    // pane learns of the expiry); nothing else may show up.
    assert.deepEqual(
      errors.filter((e) => !/Failed to load resource: the server responded with a status of 401/.test(e)),
      [],
    );
  });
});

test('switching the logged-in agent reconnects the panel as that agent', async (t) => {
  await scenario(t, 'panel-switch-agent', async (w, { page, errors }) => {
    const ticket = await w.openTicket('cust-hal', 'Broken invoice');
    w.sf.org.changeCaseOwner(ticket.caseId, w.sf.seed.agents.ava);
    await page.goto(w.consoleUrl);
    await openPanel(page);
    await chatShown(page);
    await channelItem(page, ticket.caseId).waitFor({ timeout: 15_000 });

    await Promise.all([page.waitForEvent('load'), page.locator('#con-user').selectOption({ label: 'Ben Agent' })]);
    await openPanel(page);
    await chatShown(page);
    const sessions = lcc(await events(page), 'aura->container').filter(isSession);
    assert.equal(sessions.at(-1)?.payload.userId, w.sf.seed.agents.ben);
    await panel(page).getByText('No conversations yet.').waitFor();
    assert.equal(await channelItem(page, ticket.caseId).count(), 0, "Ava's channel is not Ben's");
    assert.deepEqual(errors, []);
  });
});

test('outside console apps the Case opens as a record page (navigation fallback)', async (t) => {
  await scenario(t, 'panel-navigation-fallback', async (w, { page, errors }) => {
    const ticket = await w.openTicket('cust-ivy', 'Lost parcel');
    w.sf.org.changeCaseOwner(ticket.caseId, w.sf.seed.agents.ava);
    await page.goto(`${w.consoleUrl}?navigation=standard`);
    await openPanel(page);
    await chatShown(page);
    await channelItem(page, ticket.caseId).click();
    await page.locator(`.con-record[data-record-id="${ticket.caseId}"]`).waitFor();
    const list = await events(page);
    assert.deepEqual(
      list.filter((e) => e.kind === 'navigate').map((e) => e.recordId),
      [ticket.caseId],
    );
    assert.equal(list.filter((e) => e.kind === 'openTab').length, 0);
    assert.deepEqual(errors, []);
  });
});

test('opened outside a container, the panel says so', async (t) => {
  await scenario(t, 'panel-outside-container', async (w, { page, errors }) => {
    await page.goto(`${w.sf.url}/console/panel/index.html`);
    const notice = page.locator('[data-testid="panel-status"][data-state="outside_container"]');
    await notice.waitFor();
    assert.match((await notice.textContent()) ?? '', /not running inside Salesforce/);
    assert.deepEqual(errors, []);
  });
});

test('in a utility bar panel 400 px wide: nothing wider than the panel, every control at least 44x44, the composer in view', async (t) => {
  await scenario(t, 'panel-narrow', async (w, { page, errors }) => {
    const ticket = await w.openTicket('cust-fay', 'Screen flickers');
    // The simulator's utility panel is the window's width less 1rem: 400 px here.
    await page.setViewportSize({ width: 416, height: 760 });
    await page.goto(w.consoleUrl);
    await reassign(page, ticket.caseId, 'Ava Agent');
    await w.customerSays(ticket.caseId, ticket.accessToken, 'The screen flickers when I scroll.');
    // The panel loads its list once Ava is in the channel (this test is about the layout, not the live join).
    await waitFor('Ava in the channel', () => w.sb.store.channels.get(ticket.caseId)?.members.has(w.sf.seed.agents.ava), {
      timeoutMs: 20_000,
    });
    await page.reload();
    await openPanel(page);
    await chatShown(page);
    await channelItem(page, ticket.caseId).waitFor({ timeout: 15_000 });
    const frame = await (await page.locator(PANEL).elementHandle())?.contentFrame();
    assert.ok(frame, 'the panel frame');

    let m = await measure(frame, 44, 16);
    assert.ok(m.viewport.width >= 340 && m.viewport.width <= 420, `the panel is a utility bar panel's width (${m.viewport.width} px)`);
    assert.ok(m.scrollWidth <= m.viewport.width, `the list fits the panel (${m.scrollWidth} > ${m.viewport.width})`);
    assert.deepEqual(m.small, [], 'the list: every control at least 44x44');
    assert.match(await panel(page).locator('.sbx-banner').innerText(), /Sandbox chat pane[\s\S]*not Sendbird UIKit[\s\S]*Live/);

    await channelItem(page, ticket.caseId).click();
    await panel(page).locator('.sbx-bubble', { hasText: 'The screen flickers when I scroll.' }).waitFor();
    m = await measure(frame, 44, 16);
    assert.ok(m.scrollWidth <= m.viewport.width, `the conversation fits the panel (${m.scrollWidth} > ${m.viewport.width})`);
    assert.deepEqual(m.small, [], 'the conversation: every control at least 44x44');
    assert.deepEqual(m.smallType, [], 'the composer in at least 16px type');
    const composer = await panel(page).locator('form[aria-label="Send a message"]').boundingBox();
    const frameBox = await page.locator(PANEL).boundingBox();
    assert.ok(composer && frameBox, 'the composer and the panel frame are laid out');
    assert.ok(
      composer.y + composer.height <= frameBox.y + frameBox.height + 1,
      `the composer (bottom ${composer.y + composer.height}) is in view in the panel (bottom ${frameBox.y + frameBox.height})`,
    );
    const log = await panel(page).locator('[role="log"]').boundingBox();
    assert.ok(log && log.height >= frameBox.height / 2, `the log has at least half of the panel (${log?.height} of ${frameBox.height} px)`);
    assert.deepEqual(errors, []);
  });
});

test('on a 390x844 phone: an open conversation has a Back control (named, at least 44x44) that returns to the list', async (t) => {
  await scenario(t, 'panel-phone-back', async (w, { page, errors }) => {
    const ticket = await w.openTicket('cust-jo', 'Parcel never came');
    w.sf.org.changeCaseOwner(ticket.caseId, w.sf.seed.agents.ava);
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(w.consoleUrl);
    await openPanel(page);
    await chatShown(page);
    const item = channelItem(page, ticket.caseId);
    await item.waitFor({ timeout: 15_000 });
    const back = panel(page).getByRole('button', { name: 'Back to the conversations' });
    const log = panel(page).getByRole('log');
    assert.equal(await back.count(), 0, 'no Back before a conversation is open');

    // Open: the conversation takes the panel, the list is hidden, Back is shown in its header.
    await item.click();
    await log.waitFor();
    await back.waitFor();
    assert.equal(await item.isVisible(), false, 'the list is hidden while the conversation is open');
    assert.equal(await back.locator('xpath=ancestor::header').count(), 1, 'Back is in the conversation header');
    const box = await back.boundingBox();
    assert.ok(box && box.width >= 44 && box.height >= 44, `Back is at least 44x44 (${box?.width}x${box?.height})`);

    // Back: the list again, the conversation gone, the focus on the conversation just left.
    await back.click();
    await item.waitFor({ state: 'visible' });
    assert.equal(await log.count(), 0, 'the conversation is closed');
    assert.equal(await item.evaluate((e) => e === (globalThis as any).document.activeElement), true, 'the focus returns to its entry');

    // From the keyboard: Enter opens it again, Enter on Back returns.
    await item.press('Enter');
    await back.waitFor();
    await back.press('Enter');
    await item.waitFor({ state: 'visible' });

    // Wide, list and conversation side by side: no Back.
    await page.setViewportSize({ width: 1400, height: 900 });
    await item.click();
    await log.waitFor();
    assert.equal(await back.count(), 0, 'no Back beside the list');
    assert.deepEqual(errors, []);
  });
});

test("the customer history beside the conversation: the customer's other Cases Ava may see, newest first, with the last message; picking one opens its Case tab and keeps the conversation", async (t) => {
  await scenario(t, 'panel-customer-history', async (w, { page, errors }) => {
    const earlier = await w.openTicket('cust-dana', 'Printer jams');
    const hidden = await w.openTicket('cust-dana', 'Refund for a double charge');
    const current = await w.openTicket('cust-dana', 'Cannot log in');
    // The transcript of the earlier Case, as the bridge writes it.
    const sf = new SalesforceClient({
      loginUrl: w.sf.url,
      auth: { kind: 'client_credentials', clientId: w.sf.options.clientId, clientSecret: w.sf.options.clientSecret },
    });
    await sf.upsert('Sendbird_Message__c', 'Sendbird_Message_Id__c', 'e2e-history-1', {
      Case__c: earlier.caseId,
      Channel_Url__c: earlier.caseId,
      Message_Type__c: 'MESG',
      Sender_Role__c: 'Customer',
      Sender_Name__c: 'cust-dana (customer)',
      Body__c: 'The printer jams again on tray 2',
      Sent_At__c: new Date().toISOString(),
    });
    await page.goto(w.consoleUrl);
    await openPanel(page);
    await chatShown(page);
    // Ava may see the earlier Case (hers) and the current one; the refund stays the integration user's.
    await reassign(page, earlier.caseId, 'Ava Agent');
    await reassign(page, current.caseId, 'Ava Agent');
    await channelItem(page, current.caseId).click();
    await page.locator(`.con-tab[data-record-id="${current.caseId}"]`).waitFor();

    const history = panel(page).locator('[data-testid="case-history"]');
    await panel(page).locator('[data-testid="case-history"][data-state="ready"]').waitFor({ timeout: 15_000 });
    assert.equal(await history.getByRole('heading', { name: 'Other cases' }).count(), 1);
    const items = history.locator('button.panel-history-item');
    assert.deepEqual(
      await items.evaluateAll((els) => els.map((e) => e.getAttribute('data-case-id'))),
      [earlier.caseId],
      `the refund Case (${hidden.caseId}) is not Ava's to see; the open Case is not listed`,
    );
    // Its accessible name is its content (a button's text).
    const name = ((await items.first().textContent()) ?? '').replace(/\s+/g, ' ');
    assert.match(name, new RegExp(`Case ${earlier.caseNumber}`));
    assert.match(name, /New/);
    assert.match(name, /Printer jams/);
    assert.match(name, /The printer jams again on tray 2/);

    // Picking it opens its Case in a tab; the panel stays on the conversation it showed.
    await items.first().click();
    await page.locator(`.con-tab[data-record-id="${earlier.caseId}"]`).waitFor();
    const list = await events(page);
    assert.deepEqual(
      lcc(list, 'container->aura')
        .filter((e) => e.payload?.event === 'OPENCASE')
        .map((e) => e.payload.caseId),
      [earlier.caseId],
    );
    assert.equal(await panel(page).locator(`.sbx-view`).count(), 1);
    assert.equal(await channelItem(page, current.caseId).getAttribute('aria-current'), 'true', 'the conversation is still the one picked');
    assert.deepEqual(await axeViolations(page), []);
    if (process.env.UPDATE_SCREENSHOTS === '1') {
      mkdirSync(join(REPO_ROOT, 'docs/images'), { recursive: true });
      await page.screenshot({ path: join(REPO_ROOT, 'docs/images/console-customer-history.png') });
    }
    assert.deepEqual(errors, []);
  });
});
