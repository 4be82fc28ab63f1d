/**
 * `npm run emulators`: both emulators, standalone, with their default credentials, printing where
 * they are. For pointing a bridge (or any client) at them by hand; `npm start` runs the whole
 * sandbox instead.
 *
 *   npm run emulators -- [--host 127.0.0.1] [--salesforce-port 8081] [--sendbird-port 8082] [--json]
 *
 * Port 0 picks a free port. `--json` prints one JSON line (for scripts) instead of the table.
 */
import { parseArgs } from 'node:util';
import { SALESFORCE_EMULATOR_DEFAULTS, startSalesforceEmulator } from './salesforce/index.js';
import { SENDBIRD_EMULATOR_DEFAULTS, startSendbirdEmulator } from './sendbird/index.js';

function port(name: string, v: string | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    console.error(`[emulators] --${name} must be a port number from 0 to 65535 (got "${v}")`);
    process.exit(2);
  }
  return n;
}

async function main(): Promise<void> {
  let args;
  try {
    args = parseArgs({
      options: {
        host: { type: 'string', default: '127.0.0.1' },
        'salesforce-port': { type: 'string' },
        'sendbird-port': { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    }).values;
  } catch (err) {
    console.error(`[emulators] ${(err as Error).message}; see --help`);
    process.exit(2);
  }
  if (args.help) {
    console.log('usage: npm run emulators -- [--host H] [--salesforce-port P] [--sendbird-port P] [--json]');
    return;
  }
  const host = args.host ?? '127.0.0.1';
  const sf = await startSalesforceEmulator({ host, port: port('salesforce-port', args['salesforce-port'], 8081) });
  const sb = await startSendbirdEmulator({ host, port: port('sendbird-port', args['sendbird-port'], 8082) });
  const info = {
    salesforce: { url: sf.url, loginUrl: sf.url, clientId: SALESFORCE_EMULATOR_DEFAULTS.clientId, clientSecret: SALESFORCE_EMULATOR_DEFAULTS.clientSecret, admin: `${sf.url}/__admin/state` },
    sendbird: { url: sb.url, appId: SENDBIRD_EMULATOR_DEFAULTS.appId, apiToken: SENDBIRD_EMULATOR_DEFAULTS.apiToken, feed: sb.feedUrl, admin: `${sb.url}/__admin/state` },
  };
  if (args.json) {
    console.log(JSON.stringify(info));
  } else {
    console.log(
      [
        'Emulators running (local stand-ins, not the real services; their credentials only open these):',
        `  Salesforce   ${info.salesforce.url}   client id ${info.salesforce.clientId}, secret ${info.salesforce.clientSecret}`,
        `  Sendbird     ${info.sendbird.url}   app id ${info.sendbird.appId}, API token ${info.sendbird.apiToken}`,
        `  admin        ${info.salesforce.admin}, ${info.sendbird.admin}`,
        'Ctrl-C stops them.',
      ].join('\n'),
    );
  }
  const stop = () => {
    Promise.all([sf.close(), sb.close()]).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error('[emulators] failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
