/** Options of the console simulator (docs/console-simulator.md). */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

export interface ConsoleOptions {
  /**
   * The Aura bundle whose controller and helper the page runs, read from disk at every request
   * (salesforce/force-app/main/default/aura/sendbird_utilities_bar).
   */
  auraBundleDir: string;
  /** The built agent panel (apps/agent-panel/dist): what the `sendbird_bar` static resource holds. */
  agentPanelDir: string;
  /**
   * Where the emulated Sendbird lives. The emulated Aura action adds it to the session as
   * `apiHost`, which makes the panel render the sandbox chat pane (the real Apex never sends it,
   * so a real org gets UIKit). A function is read at each call (the Sendbird emulator may start
   * after this one). Without it the panel renders UIKit, which cannot connect here.
   */
  sendbirdApiHost?: string | (() => string | undefined);
}

export interface ResolvedConsoleOptions {
  auraBundleDir: string;
  agentPanelDir: string;
  sendbirdApiHost: () => string | undefined;
}

export function resolveConsoleOptions(o: ConsoleOptions): ResolvedConsoleOptions {
  if (!o.auraBundleDir)
    throw new TypeError('[console-simulator] auraBundleDir is required (the sendbird_utilities_bar Aura bundle directory)');
  if (!o.agentPanelDir)
    throw new TypeError('[console-simulator] agentPanelDir is required (apps/agent-panel/dist; build it with npm run build:panel)');
  const auraBundleDir = resolve(o.auraBundleDir);
  if (!existsSync(auraBundleDir)) throw new TypeError(`[console-simulator] auraBundleDir ${auraBundleDir} does not exist`);
  const host = o.sendbirdApiHost;
  return {
    auraBundleDir,
    // May not exist yet: the page says so and the panel can be built while the emulator runs.
    agentPanelDir: resolve(o.agentPanelDir),
    sendbirdApiHost: typeof host === 'function' ? host : () => host,
  };
}
