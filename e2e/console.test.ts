/**
 * The console simulator page itself in headless Chromium (the agent panel is a stand-in here;
 * e2e/agent-panel.test.ts runs the real one):
 * - axe-core finds no violations, on the page as it loads and with a Case tab and the utility panel open;
 * - two browsers are logged in as different agents at the same time, each kept across reloads;
 * - a URL in a message is a link, markup in a message is shown as text, times are readable;
 * - a tab and its close control are sibling buttons, both usable from the keyboard.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { requireComponent, tempDir } from '@sbsf/testkit';
import { startSalesforceEmulator, type RunningSalesforceEmulator } from '@sbsf/emulators';
import type { Page } from 'playwright-core';
import { api, tokenFor } from '../packages/emulators/test/salesforce-helpers.js';
import { AURA_BUNDLE_DIR } from './support/agent-console.js';
import { launch, screenshotOnFailure, type Browser } from './support/browser.js';
import { caseRow, loginAs } from './support/console-page.js';

const AXE_SOURCE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const LINKED = 'Steps are on https://example.com/help?a=1&b=2. Thanks';
const MARKUP = '<img src=x onerror="window.injected=1"><b>bold</b> <a href="https://evil.example">x</a>';
const SENT_AT = '2025-01-01T10:00:00.000+0000';

/** The Salesforce emulator with the console; the panel is a page that only says it is there. */
async function startConsole(t: TestContext): Promise<RunningSalesforceEmulator> {
  const agentPanelDir = join(tempDir(t, 'sbsf-console-e2e-'), 'panel');
  mkdirSync(agentPanelDir, { recursive: true });
  writeFileSync(
    join(agentPanelDir, 'index.html'),
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Panel</title></head><body><main><p>Panel</p></main></body></html>',
  );
  const sf = await startSalesforceEmulator({ console: { auraBundleDir: AURA_BUNDLE_DIR, agentPanelDir } });
  t.after(() => sf.close());
  return sf;
}

async function browser(t: TestContext): Promise<Browser> {
  const b = await launch();
  t.after(() => b.close());
  return b;
}

async function axeViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in globalThis))) await page.addScriptTag({ path: AXE_SOURCE });
  // The container iframe is the agent panel (its own app and tests); this checks the console around it.
  const result = await page.evaluate(() => (globalThis as any).axe.run((globalThis as any).document, { iframes: false }));
  return (result.violations as { id: string; impact: string; nodes: { target: string[] }[] }[]).map(
    (v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
  );
}

const loggedInAs = (page: Page) => page.locator('#con-user option:checked').textContent();

test('the console page: accessible, a login per browser, links and times in the transcript, keyboard tabs', async (t) => {
  if (!requireComponent(t, 'chromium', 'apt-get install chromium')) return;
  const sf = await startConsole(t);
  const caseId = sf.seed.caseIds[1]!;
  const token = await tokenFor(sf);
  for (const [id, at, role, body] of [
    ['m1', SENT_AT, 'Customer', LINKED],
    ['m2', '2025-01-01T10:01:00.000+0000', 'Customer', MARKUP],
  ] as const) {
    const res = await api(sf, token, 'POST', '/sobjects/Sendbird_Message__c', {
      Case__c: caseId,
      Sendbird_Message_Id__c: id,
      Sent_At__c: at,
      Sender_Role__c: role,
      Body__c: body,
      Message_Type__c: 'MESG',
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
  }

  const a = await browser(t);
  const b = await browser(t);
  const consoleUrl = `${sf.url}/console`;
  await screenshotOnFailure(a.page, 'console-page', async () => {
    await a.page.goto(consoleUrl);
    await caseRow(a.page, caseId).waitFor();
    assert.deepEqual(await axeViolations(a.page), [], 'axe on the page as it loads');
    await a.page.getByRole('heading', { level: 1, name: /Service Console/ }).waitFor();
    assert.equal(await a.page.getByRole('main').count(), 1);

    // Two browsers, two agents at once; each keeps its own across reloads.
    await b.page.goto(consoleUrl);
    await loginAs(a.page, 'Ben Agent');
    await caseRow(b.page, caseId).waitFor();
    assert.equal(await loggedInAs(b.page), 'Ava Agent', 'B is still the default agent');
    await b.page.reload();
    await caseRow(b.page, caseId).waitFor();
    assert.equal(await loggedInAs(b.page), 'Ava Agent');
    await a.page.reload();
    await caseRow(a.page, caseId).waitFor();
    assert.equal(await loggedInAs(a.page), 'Ben Agent', 'A stays Ben');
    await loginAs(b.page, 'Cara Agent');
    await a.page.reload();
    await caseRow(a.page, caseId).waitFor();
    assert.equal(await loggedInAs(a.page), 'Ben Agent', "B's login does not change A");
    const bundleUser = (page: Page) =>
      page.evaluate(() => fetch('/__console/aura/bundle').then(async (r) => ((await r.json()) as { currentUserId: string }).currentUserId));
    assert.equal(await bundleUser(a.page), sf.seed.agents.ben, 'the Aura component runs as Ben in A');
    assert.equal(await bundleUser(b.page), sf.seed.agents.cara, 'and as Cara in B');
    const cookies = await a.context.cookies(sf.url);
    assert.equal(cookies.length, 1);
    assert.equal(cookies[0]!.httpOnly, true, 'the session cookie is HttpOnly');
    assert.equal(await a.page.evaluate(() => (globalThis as any).document.cookie), '', 'page scripts cannot read it');

    // The Case record: a link, markup as text, a readable time with the ISO value kept.
    const page = a.page;
    await caseRow(page, caseId).locator('button.con-link').click();
    const record = page.locator(`.con-record[data-record-id="${caseId}"]`);
    const bodies = record.locator('.con-msg-body');
    await bodies.nth(1).waitFor();
    assert.deepEqual(await bodies.allTextContents(), [LINKED, MARKUP], 'the text exactly as sent');
    const link = bodies.nth(0).getByRole('link');
    assert.equal(await link.count(), 1);
    assert.equal(await link.getAttribute('href'), 'https://example.com/help?a=1&b=2');
    assert.equal(await link.textContent(), 'https://example.com/help?a=1&b=2', 'the sentence ends outside the link');
    assert.equal(await link.getAttribute('target'), '_blank');
    assert.equal(await link.getAttribute('rel'), 'noopener noreferrer');
    assert.equal(await bodies.nth(1).locator('img, b').count(), 0, 'markup is not rendered');
    assert.deepEqual(
      await bodies
        .nth(1)
        .locator('a')
        .evaluateAll((els) => els.map((e) => e.getAttribute('href'))),
      ['https://evil.example/'],
      'only the URL in the markup is a link, made by the page',
    );
    assert.equal(await page.evaluate(() => (globalThis as any).injected), undefined);
    const time = record.locator(`li.con-msg time[datetime="${SENT_AT}"]`);
    assert.equal(await time.count(), 1);
    const shown = (await time.textContent()) ?? '';
    assert.notEqual(shown, SENT_AT);
    assert.match(shown, /2025/);

    // With a tab and the utility panel open.
    await page.click('#con-utility-item');
    await page.locator('#con-utility-panel').waitFor({ state: 'visible' });
    assert.deepEqual(await axeViolations(page), [], 'axe with a Case tab and the utility panel open');
    await page.click('#con-utility-minimize');

    // The tab and its close control are siblings; the keyboard reaches and uses both.
    const tab = page.locator(`.con-tab[data-record-id="${caseId}"]`);
    await tab.locator('button.con-tab-label[aria-current="true"]').waitFor();
    assert.equal(await tab.locator('button button').count(), 0, 'no button inside a button');
    await tab.locator('button.con-tab-label').focus();
    await page.keyboard.press('Tab');
    assert.equal(
      await page.evaluate(() => (globalThis as any).document.activeElement?.getAttribute('aria-label')),
      `Close tab ${await tabLabel(page, caseId)}`,
    );
    await page.keyboard.press('Enter');
    await tab.waitFor({ state: 'detached' });
    await caseRow(page, caseId).locator('button.con-link').click();
    await tab.locator('button.con-tab-label').focus();
    await page.keyboard.press('Delete');
    await tab.waitFor({ state: 'detached' });
    assert.deepEqual(a.errors, []);
    assert.deepEqual(b.errors, []);
  });
});

async function tabLabel(page: Page, caseId: string): Promise<string> {
  return ((await page.locator(`.con-tab[data-record-id="${caseId}"] .con-tab-label`).textContent()) ?? '').trim();
}
