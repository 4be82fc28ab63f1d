/**
 * The bridge's own checks: the store reachable and at this bridge's schema version (read only:
 * the doctor never migrates), the clocks of both services against this machine's, the URL the
 * Named Credential must use, and the trusted URLs the org needs for the app's region.
 */
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { BridgeConfig } from '../config.js';
import { isLoopbackHost, redactDatabaseUrl } from '../config.js';
import { MIGRATIONS } from '../store/migrations/index.js';
import { latestVersion, pgSchemaVersion } from '../store/migrate.js';
import { PostgresDb } from '../store/postgres-db.js';
import { fail, pass, warn, type Check, type CheckOutcome } from './check.js';
import type { DoctorContext } from './context.js';
import { sendbirdApiOrigin, webhookUrl } from './sendbird-checks.js';

const MIGRATE_FIX = 'start the bridge once (`npm run bridge`): it migrates the store at start-up, then run the doctor again';

/** The schema version of the configured store, read without changing anything. */
export async function storeVersion(store: BridgeConfig['store']): Promise<{ version: number; where: string }> {
  if (store.kind === 'sqlite') {
    if (!existsSync(store.file)) return { version: -1, where: store.file };
    const db = new Database(store.file, { readonly: true, fileMustExist: true });
    try {
      const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
      if (!exists) return { version: 0, where: store.file };
      const row = db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null };
      return { version: row.v ?? 0, where: store.file };
    } finally {
      db.close();
    }
  }
  const where = `${redactDatabaseUrl(store.url)}${store.schema ? ` (schema ${store.schema})` : ''}`;
  const db = new PostgresDb({ url: store.url, ...(store.schema ? { schema: store.schema } : {}), poolSize: 1, connectionTimeoutMs: 5_000 });
  try {
    return { version: await db.withConnection((c) => pgSchemaVersion(c)), where };
  } finally {
    await db.close();
  }
}

export async function storeOutcome(config: BridgeConfig): Promise<CheckOutcome> {
  const latest = latestVersion(MIGRATIONS);
  let found: { version: number; where: string };
  try {
    found = await storeVersion(config.store);
  } catch (err) {
    const cause = (err as Error).cause instanceof Error ? ((err as Error).cause as Error) : (err as Error);
    return fail(
      `the store cannot be opened: ${cause.message}`,
      config.store.kind === 'postgres'
        ? 'check DATABASE_URL (host, port, database, user and password) and that PostgreSQL accepts connections from this machine'
        : `check that DATA_DIR (${config.store.dataDir}) is readable and writable by the bridge's user`,
    );
  }
  const { version, where } = found;
  if (version === -1) return fail(`no database at ${where} yet`, MIGRATE_FIX);
  if (version < latest) {
    return fail(`${config.store.kind} store at ${where} is at schema version ${version}; this bridge needs ${latest}`, MIGRATE_FIX);
  }
  if (version > latest) {
    return fail(
      `${config.store.kind} store at ${where} is at schema version ${version}, newer than this bridge knows (${latest})`,
      'run the newer bridge that migrated it, or restore a backup taken before',
    );
  }
  return pass(`${config.store.kind} store at ${where}, schema version ${version} (current)`);
}

const settings: Check<DoctorContext> = {
  id: 'bridge.config',
  title: 'Configuration',
  async run(ctx) {
    const w = ctx.config.warnings;
    if (w.length > 0) return warn(`valid, with ${w.length} warning${w.length === 1 ? '' : 's'}: ${w.join('; ')}`, 'see each warning');
    return pass(`valid (${ctx.config.sandbox ? 'sandbox' : 'production'} settings, ${ctx.config.store.kind} store)`);
  },
};

const store: Check<DoctorContext> = {
  id: 'bridge.store',
  title: 'Store reachable and migrated',
  run: (ctx) => storeOutcome(ctx.config),
};

/** Past this, JWT bearer assertions, token expiries and webhook timestamps go wrong. */
export const CLOCK_FAIL_MS = 120_000;
export const CLOCK_WARN_MS = 10_000;

const clock: Check<DoctorContext> = {
  id: 'bridge.clock',
  title: 'Clock against Salesforce and Sendbird',
  async run(ctx) {
    const parts: string[] = [];
    let worst = 0;
    for (const [name, c] of Object.entries(ctx.clocks)) {
      if (!c) continue;
      // The Date header has whole seconds: within 1 s counts as agreeing.
      const s = Math.abs(c.skewMs) <= 1_000 ? 0 : c.skewMs;
      parts.push(`${name} ${s === 0 ? 'agrees (within 1 s)' : `${s > 0 ? 'ahead by' : 'behind by'} ${Math.round(Math.abs(s) / 1000)} s`}`);
      worst = Math.max(worst, Math.abs(s));
    }
    if (parts.length === 0) return { status: 'skip', detail: 'no answer from either service carried a Date header' };
    const fix = "sync this machine's clock (NTP: `timedatectl set-ntp true`, or the host's time service)";
    if (worst > CLOCK_FAIL_MS) return fail(`${parts.join('; ')}: JWT assertions and token expiries will be refused`, fix);
    if (worst > CLOCK_WARN_MS) return warn(parts.join('; '), fix);
    return pass(parts.join('; '));
  },
};

const publicUrl: Check<DoctorContext> = {
  id: 'bridge.public_url',
  title: 'The URL Salesforce and Sendbird call',
  async run(ctx) {
    const url = ctx.config.http.publicUrl;
    const u = new URL(url);
    const uses =
      `the Named Credential Sendbird_Bridge must use ${u.origin} and Sendbird's webhook ${webhookUrl(url)}; ` +
      'whether they reach it from the internet cannot be checked from inside: send a test message and look for it on the Case';
    if (u.pathname !== '/' && u.pathname !== '') {
      return fail(`PUBLIC_URL has a path (${u.pathname})`, `set PUBLIC_URL to the origin only: ${u.origin}`);
    }
    if (isLoopbackHost(u.hostname)) {
      if (ctx.config.sandbox) return pass(`${url} (the sandbox: the emulators are on this machine); ${uses}`);
      return warn(`PUBLIC_URL is ${url}, which only this machine can reach; ${uses}`, "set PUBLIC_URL to the bridge's public https origin");
    }
    if (u.protocol !== 'https:')
      return fail(`PUBLIC_URL is ${url}: Salesforce calls out over https only`, 'serve the bridge over https and set PUBLIC_URL to it');
    return pass(`${url}; ${uses}`);
  },
};

const trustedUrls: Check<DoctorContext> = {
  id: 'bridge.trusted_urls',
  title: "The org's trusted URLs for this app",
  async run(ctx) {
    const appId = ctx.config.sendbird.appId.toLowerCase();
    const sites = [
      `Sendbird_API ${sendbirdApiOrigin(appId)} (connect-src, img-src, media-src)`,
      `Sendbird_WebSocket wss://ws-${appId}.sendbird.com (connect-src)`,
      'Sendbird_Files https://*.sendbird.com (connect-src, img-src, media-src)',
    ];
    return pass(
      `Setup > Trusted URLs needs ${sites.join('; ')} (the deploy command fills them in from SENDBIRD_APP_ID; not readable from here)`,
    );
  },
};

export const BRIDGE_CHECKS_FIRST: readonly Check<DoctorContext>[] = [settings, store];
export const BRIDGE_CHECKS_AFTER: readonly Check<DoctorContext>[] = [clock, publicUrl, trustedUrls];
