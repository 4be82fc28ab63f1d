/**
 * `npm run emulators`: both emulators, standalone, with their default credentials, printing where
 * they are. For pointing a bridge (or any client) at them by hand; `npm start` runs the whole
 * sandbox instead.
 *
 *   npm run emulators -- [--host 127.0.0.1] [--salesforce-port 8081] [--sendbird-port 8082]
 *                        [--pubsub-port 7443] [--json]
 *
 * Port 0 picks a free port. `--pubsub-port` (or SALESFORCE_PUBSUB_PORT) also serves Salesforce's
 * Pub/Sub API (gRPC over TLS, a self-signed certificate) with Change Data Capture events of Cases;
 * without it there is none. `--json` prints one JSON line (for scripts) instead of the table.
 * Every argument is checked before any port is bound: a mistake is reported as such (exit 2),
 * never hidden behind a port that happens to be taken.
 */
import { parseArgs } from 'node:util';
import { SALESFORCE_EMULATOR_DEFAULTS, startSalesforceEmulator } from './salesforce/index.js';
import { SENDBIRD_EMULATOR_DEFAULTS, startSendbirdEmulator } from './sendbird/index.js';

const USAGE = 'usage: npm run emulators -- [--host H] [--salesforce-port P] [--sendbird-port P] [--pubsub-port P] [--json]';

interface CliOptions {
  host: string;
  salesforcePort: number;
  sendbirdPort: number;
  /** Serve the Pub/Sub API on this port; undefined: not at all. */
  pubsubPort: number | undefined;
  json: boolean;
}

type ParsedCli = { ok: true; help: true } | { ok: true; help: false; options: CliOptions } | { ok: false; error: string };

function port(name: string, v: string | undefined, fallback: number): number | string {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (v.trim() === '' || !Number.isInteger(n) || n < 0 || n > 65535) return `--${name} must be a port number from 0 to 65535 (got "${v}")`;
  return n;
}

/** Checks every argument; binds nothing. */
function parseCli(argv: readonly string[], env: NodeJS.ProcessEnv): ParsedCli {
  let values;
  try {
    values = parseArgs({
      args: [...argv],
      options: {
        host: { type: 'string', default: '127.0.0.1' },
        'salesforce-port': { type: 'string' },
        'sendbird-port': { type: 'string' },
        'pubsub-port': { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    }).values;
  } catch (err) {
    return { ok: false, error: `${(err as Error).message}; see --help` };
  }
  if (values.help) return { ok: true, help: true };
  const host = values.host ?? '127.0.0.1';
  if (host.trim() === '') return { ok: false, error: '--host must name an address to listen on (e.g. 127.0.0.1)' };
  const salesforcePort = port('salesforce-port', values['salesforce-port'], 8081);
  if (typeof salesforcePort === 'string') return { ok: false, error: salesforcePort };
  const sendbirdPort = port('sendbird-port', values['sendbird-port'], 8082);
  if (typeof sendbirdPort === 'string') return { ok: false, error: sendbirdPort };
  if (salesforcePort !== 0 && salesforcePort === sendbirdPort)
    return { ok: false, error: `--salesforce-port and --sendbird-port must differ (both ${salesforcePort})` };
  const pubsubArg = values['pubsub-port'] ?? env.SALESFORCE_PUBSUB_PORT;
  const pubsubPort = pubsubArg === undefined || pubsubArg === '' ? undefined : port('pubsub-port', pubsubArg, 0);
  if (typeof pubsubPort === 'string') return { ok: false, error: `${pubsubPort} (also SALESFORCE_PUBSUB_PORT)` };
  if (pubsubPort !== undefined && pubsubPort !== 0 && (pubsubPort === salesforcePort || pubsubPort === sendbirdPort))
    return { ok: false, error: `--pubsub-port must differ from the other ports (${pubsubPort})` };
  return { ok: true, help: false, options: { host, salesforcePort, sendbirdPort, pubsubPort, json: values.json ?? false } };
}

async function main(): Promise<void> {
  const parsed = parseCli(process.argv.slice(2), process.env);
  if (!parsed.ok) {
    console.error(`[emulators] ${parsed.error}`);
    process.exit(2);
  }
  if (parsed.help) {
    console.log(USAGE);
    return;
  }
  const { host, salesforcePort, sendbirdPort, pubsubPort, json } = parsed.options;
  const sf = await startSalesforceEmulator({
    host,
    port: salesforcePort,
    ...(pubsubPort !== undefined ? { pubsub: { host, port: pubsubPort } } : {}),
  });
  let sb;
  try {
    sb = await startSendbirdEmulator({ host, port: sendbirdPort });
  } catch (err) {
    await sf.close();
    throw err;
  }
  const info = {
    salesforce: {
      url: sf.url,
      loginUrl: sf.url,
      clientId: SALESFORCE_EMULATOR_DEFAULTS.clientId,
      clientSecret: SALESFORCE_EMULATOR_DEFAULTS.clientSecret,
      admin: `${sf.url}/__admin/state`,
      // The Pub/Sub API endpoint and the certificate a client must trust (also GET /__admin/pubsub).
      ...(sf.pubsub ? { pubsub: { endpoint: sf.pubsub.endpoint, caPem: sf.pubsub.caPem } } : {}),
    },
    sendbird: {
      url: sb.url,
      appId: SENDBIRD_EMULATOR_DEFAULTS.appId,
      apiToken: SENDBIRD_EMULATOR_DEFAULTS.apiToken,
      feed: sb.feedUrl,
      admin: `${sb.url}/__admin/state`,
    },
  };
  if (json) {
    console.log(JSON.stringify(info));
  } else {
    console.log(
      [
        'Emulators running (local stand-ins, not the real services; their credentials only open these):',
        `  Salesforce   ${info.salesforce.url}   client id ${info.salesforce.clientId}, secret ${info.salesforce.clientSecret}`,
        `  Sendbird     ${info.sendbird.url}   app id ${info.sendbird.appId}, API token ${info.sendbird.apiToken}`,
        ...(sf.pubsub
          ? [`  Pub/Sub API  ${sf.pubsub.endpoint}   gRPC over TLS, self-signed: its certificate is at ${sf.url}/__admin/pubsub`]
          : []),
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
  const e = err as NodeJS.ErrnoException;
  const why =
    e?.code === 'EADDRINUSE'
      ? `a port is already in use (${e.message}); pick another with --salesforce-port / --sendbird-port / --pubsub-port, or 0 for any free one`
      : err instanceof Error
        ? err.message
        : String(err);
  console.error('[emulators] failed to start:', why);
  process.exit(1);
});
