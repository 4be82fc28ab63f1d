/**
 * The agent panel's start-up in headless Chromium, inside the console simulator: the time from
 * the container iframe's load event to the chat shown (the agent's channel list rendered, after
 * the READY handshake, the emulated Apex call through the bridge, and the sandbox feed's first
 * REST call), and from the iframe's insertion (its scripts' download and start included). Also
 * the size of the sendbird_bar zip. The panel is built from source first.
 *
 *   npm run bench -- panel              (BENCH_RUNS, default 20)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SALESFORCE_MAX_BYTES, TARGET_MAX_BYTES, zipDirectory } from '../apps/agent-panel/scripts/static-resource.js';
import { buildAgentPanel, startAgentConsole } from '../e2e/support/agent-console.js';
import { launch } from '../e2e/support/browser.js';
import { fmt, percentile } from './lib/stats.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 20);

/**
 * Runs in every frame before its scripts: in the panel's frame it records when the channel list
 * first shows a channel, on the same clock as the console page's log (epoch ms, sub-ms).
 */
const MARK_CHAT_SHOWN = `(() => {
  if (!location.pathname.startsWith('/console/panel/')) return;
  const shown = () => document.querySelector('[data-testid="panel-chat"] .sbx-list-item');
  new MutationObserver((_, observer) => {
    if (globalThis.__chatShownAt || !shown()) return;
    globalThis.__chatShownAt = performance.timeOrigin + performance.now();
    observer.disconnect();
  }).observe(document, { childList: true, subtree: true });
})();`;

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'bench-panel-'));
  const panelDir = join(work, 'panel');
  const buildStart = performance.now();
  await buildAgentPanel(panelDir);
  const buildMs = performance.now() - buildStart;
  const zip = zipDirectory(panelDir);

  const world = await startAgentConsole({ panelDir });
  const browser = await launch();
  try {
    const ticket = await world.openTicket('bench-customer', 'Benchmark ticket');
    world.sf.org.changeCaseOwner(ticket.caseId, world.sf.seed.agents.ava);
    await browser.page.addInitScript(MARK_CHAT_SHOWN);
    const fromLoad: number[] = [];
    const fromInsert: number[] = [];
    for (let run = 0; run <= RUNS; run++) {
      await browser.page.goto(world.consoleUrl);
      const frame = browser.page.frameLocator('iframe[data-aura-id="SendBird_Bar"]');
      await frame.locator(`button.sbx-list-item[data-channel-url="${ticket.caseId}"]`).waitFor({ state: 'attached', timeout: 30_000 });
      const shownAt = await browser.page
        .frames()
        .find((f) => f.url().includes('/console/panel/'))!
        .evaluate(() => (globalThis as any).__chatShownAt as number);
      const log = (await browser.page.evaluate(() => (globalThis as any).sbsfConsole.events)) as { kind: string; at: number }[];
      const at = (kind: string) => log.find((e) => e.kind === kind)!.at;
      if (run === 0) continue; // warm-up: first launch of the browser and the servers' JIT
      fromLoad.push(shownAt - at('iframe-load'));
      fromInsert.push(shownAt - at('iframe-insert'));
    }
    if (browser.errors.length) throw new Error(`browser errors: ${browser.errors.join('; ')}`);
    const sortedLoad = [...fromLoad].sort((a, b) => a - b);
    const sortedInsert = [...fromInsert].sort((a, b) => a - b);
    console.log(
      `agent panel start-up in headless Chromium, ${RUNS} runs (after 1 warm-up), console simulator + emulators + bridge on this machine`,
    );
    console.log(
      `  iframe load event -> chat shown:   median ${fmt(percentile(sortedLoad, 50))} ms, p90 ${fmt(percentile(sortedLoad, 90))} ms, min ${fmt(sortedLoad[0]!)} ms, max ${fmt(sortedLoad.at(-1)!)} ms`,
    );
    console.log(
      `  iframe inserted  -> chat shown:   median ${fmt(percentile(sortedInsert, 50))} ms, p90 ${fmt(percentile(sortedInsert, 90))} ms`,
    );
    console.log(
      `  sendbird_bar zip: ${zip.bytes.length} bytes (${fmt(zip.bytes.length / 1024)} KiB, ${zip.entries.length} files); budget ${TARGET_MAX_BYTES / 1024} KiB, Salesforce limit ${SALESFORCE_MAX_BYTES / 1024} KiB`,
    );
    console.log(`  panel build (vite): ${fmt(buildMs / 1000, 2)} s`);
  } finally {
    await browser.close();
    await world.close();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
