/**
 * Driving the console simulator page (docs/console-simulator.md) the way a person does: the Case
 * list's owner and Omni-Channel controls, the Omni widget, the logged-in agent, the utility bar
 * and the agent panel in its container iframe.
 */
import type { FrameLocator, Locator, Page } from 'playwright-core';

/** The agent panel's iframe (the Aura component's `lightning:container`). */
export const PANEL_FRAME = 'iframe[data-aura-id="SendBird_Bar"]';

export const panel = (page: Page): FrameLocator => page.frameLocator(PANEL_FRAME);

/** A conversation in the panel's channel list (its URL is the Case Id). */
export const channelItem = (page: Page, caseId: string): Locator =>
  panel(page).locator(`button.sbx-list-item[data-channel-url="${caseId}"]`);

/** The Case's row in the console's Case list. */
export const caseRow = (page: Page, caseId: string): Locator => page.locator(`li.con-case[data-case-id="${caseId}"]`);

/** Opens the utility bar item (the panel). */
export async function openPanel(page: Page): Promise<void> {
  if ((await page.locator('#con-utility-item').getAttribute('aria-expanded')) !== 'true') await page.click('#con-utility-item');
  await page.locator('#con-utility-panel').waitFor({ state: 'visible' });
}

/** Minimizes the utility panel (the iframe keeps running), so the workspace is in view. */
export async function minimizePanel(page: Page): Promise<void> {
  await page.click('#con-utility-minimize');
  await page.locator('#con-utility-panel').waitFor({ state: 'hidden' });
}

/** The chat is rendered in the container: the handshake is done and the feed is connected. */
export async function chatShown(page: Page): Promise<void> {
  await panel(page).locator('[data-testid="panel-chat"][data-mode="sandbox"] .sbx-list').waitFor({ state: 'attached', timeout: 20_000 });
  await panel(page).locator('[data-connection="open"]').waitFor({ state: 'attached', timeout: 20_000 });
}

/** "Change owner" in the Case list, as a supervisor would; waits for the list to show the owner. */
export async function changeOwner(page: Page, caseId: string, ownerLabel: string): Promise<void> {
  const row = caseRow(page, caseId);
  await row.locator('select').first().selectOption({ label: ownerLabel });
  await row.locator('button[data-action="change-owner"]').click();
  await caseRow(page, caseId).locator('.con-owner', { hasText: ownerLabel }).waitFor();
}

/** "Route (Omni)": Omni-Channel offers the Case to `agentLabel` (an AgentWork `Assigned`). */
export async function omniRoute(page: Page, caseId: string, agentLabel: string): Promise<void> {
  const row = caseRow(page, caseId);
  await row.locator('select').nth(1).selectOption({ label: agentLabel });
  await row.locator('button[data-action="omni-route"]').click();
}

/** Switches the logged-in agent: a new login, so the page reloads as that agent. */
export async function loginAs(page: Page, agentLabel: string): Promise<void> {
  await Promise.all([page.waitForEvent('load'), page.locator('#con-user').selectOption({ label: agentLabel })]);
  await page.locator('#con-user option:checked', { hasText: agentLabel }).waitFor({ state: 'attached' });
}

/** Accepts the logged-in agent's incoming Omni-Channel work for a Case (by its number). */
export async function omniAccept(page: Page, caseNumber: string): Promise<void> {
  const work = page.locator('li.con-work', { hasText: caseNumber });
  await work.locator('button[data-action="omni-accept"]').click();
}

/** Types a message in the panel's open conversation and waits for it to be sent (not pending). */
export async function agentSays(page: Page, text: string): Promise<void> {
  const composer = panel(page).locator('.sbx-composer textarea');
  await composer.fill(text);
  await composer.press('Enter');
  await panel(page).locator('.sbx-group[data-mine="true"] .sbx-bubble[data-message-id]', { hasText: text }).waitFor();
}
