/**
 * The bridge's entry point: `tsx packages/bridge/src/main.ts`. Reads the configuration from the
 * environment (a ConfigError lists every problem and exits 1), starts the bridge, runs the
 * doctor's start-up checks in the background (`npm run doctor` runs them all), and shuts down
 * gracefully on SIGTERM/SIGINT: stop taking requests, finish in-flight requests and jobs, close
 * the store. A second signal exits at once.
 */
import { ConfigError, loadConfig } from './config.js';
import { startBridge } from './app.js';
import { startupChecks } from './doctor/index.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  const bridge = await startBridge(config);
  // The doctor's short form (store, Salesforce login, Sendbird token): one log line per problem,
  // with its fix. In the background: the bridge serves meanwhile, whatever it finds.
  void startupChecks(config, bridge.logger);
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      bridge.logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    bridge.logger.info({ signal }, 'shutting down');
    bridge.close().then(
      () => bridge.logger.flush(() => process.exit(0)),
      (err: unknown) => {
        bridge.logger.error({ err }, 'shutdown failed');
        bridge.logger.flush(() => process.exit(1));
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

main().catch((err: unknown) => {
  // Start-up failed before the logger could be trusted; the message is ours or the OS's, not a secret.
  console.error('[bridge] failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
