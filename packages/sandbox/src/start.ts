/**
 * `npm start`. With Salesforce and Sendbird settings in the environment it runs the bridge
 * against the real services (packages/bridge/src/main.ts). With none, it runs the whole sandbox
 * on this machine and prints every URL.
 */
import { startSandbox, DEFAULT_PORTS } from './sandbox.js';

const REAL = ['SALESFORCE_LOGIN_URL', 'SENDBIRD_APP_ID', 'SENDBIRD_API_TOKEN'];

function port(name: string, fallback: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    console.error(`[sandbox] ${name} must be a port number (0-65535), got "${v}"`);
    process.exit(1);
  }
  return n;
}

function caseEvents(): 'cdc' | 'apex' {
  const v = process.env.CASE_EVENTS ?? 'cdc';
  if (v !== 'cdc' && v !== 'apex') {
    console.error(`[sandbox] CASE_EVENTS must be cdc or apex, got "${v}"`);
    process.exit(1);
  }
  return v;
}

async function main(): Promise<void> {
  if (REAL.some((k) => process.env[k])) {
    await import('@sbsf/bridge/main');
    return;
  }
  const sandbox = await startSandbox({
    dataDir: process.env.DATA_DIR ?? 'data',
    host: process.env.HOST ?? '127.0.0.1',
    logLevel: process.env.LOG_LEVEL ?? 'warn',
    ports: {
      bridge: port('PORT', DEFAULT_PORTS.bridge),
      salesforce: port('SALESFORCE_EMULATOR_PORT', DEFAULT_PORTS.salesforce),
      sendbird: port('SENDBIRD_EMULATOR_PORT', DEFAULT_PORTS.sendbird),
      customer: port('CUSTOMER_APP_PORT', DEFAULT_PORTS.customer),
      pubsub: port('SALESFORCE_PUBSUB_PORT', DEFAULT_PORTS.pubsub),
    },
    caseEvents: caseEvents(),
  });
  const u = sandbox.urls;
  console.log(
    [
      '',
      'Sendbird <-> Salesforce sandbox is running (emulators, not the real services):',
      `  customer app           ${u.customer ?? '(not built: run npm run build)'}`,
      `  agent console          ${u.console}   (Service Console simulator with the agent panel)`,
      `  bridge                 ${u.bridge}   (API docs: ${u.bridgeDocs})`,
      `  Salesforce emulator    ${u.salesforce}   (Pub/Sub API: ${u.salesforcePubSub})`,
      `  Sendbird emulator      ${u.sendbird}`,
      `  URLs and credentials   ${sandbox.file}`,
      '',
      'Ctrl-C stops it.',
    ].join('\n'),
  );
  let stopping = false;
  const stop = () => {
    if (stopping) process.exit(1);
    stopping = true;
    sandbox.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error('[sandbox] failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
