/**
 * Opens the store: one database (SQLite, one process, the default; or PostgreSQL, several
 * instances), migrated to the latest schema, with the parts of each feature built over it:
 * tickets and idempotency keys, jobs, the transcript, membership sync, the shared Sendbird
 * pacing, the ledger. Each part is written once over the query layer (store/sql.ts) and lives
 * beside its feature; this file only puts them together into the one `Store` the features share.
 */
import type { JobsConfig, StoreConfig } from './config.js';
import { jobStore } from './jobs/store.js';
import { csatStore } from './csat/store.js';
import { erasureStore } from './erasure/store.js';
import { caseChangeStore } from './membership/cdc-store.js';
import { membershipStore } from './membership/store.js';
import { pacingStore } from './pacing/store.js';
import { ledgerStore } from './store/ledger.js';
import { MIGRATIONS, type Migration } from './store/migrations/index.js';
import { latestVersion, migratePostgres, migrateSqlite, type MigrationResult } from './store/migrate.js';
import { PostgresDb, type PostgresDbOptions } from './store/postgres-db.js';
import { all, get, run, type Db } from './store/sql.js';
import { SqliteDb, type SqliteDbOptions } from './store/sqlite-db.js';
import type { Store, StoreHealth, StoreSettings } from './store/types.js';
import { contactStore } from './tickets/contact-store.js';
import { ticketStore } from './tickets/store.js';
import { transcriptStore } from './transcript/store.js';

export const DEFAULT_IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
export const DEFAULT_MAX_ATTEMPTS = 10;

/** A store as opened: the `Store` and what its opening did. */
export interface OpenedStore extends Store {
  readonly kind: Db['dialect'];
  /** The migrations this opening applied. */
  readonly migration: MigrationResult;
  /** Raw SQL (`?` placeholders), for tests and operator scripts only; the application uses the methods. */
  unsafeQuery<R>(sql: string, ...params: unknown[]): Promise<R[]>;
  /** As unsafeQuery, for a statement that returns no rows; resolves to the count of rows changed. */
  unsafeRun(sql: string, ...params: unknown[]): Promise<number>;
}

interface CommonOptions {
  /** Epoch ms; injectable so tests can move time (leases, retries, expiry). */
  clock?: () => number;
  /** `max_attempts` of jobs enqueued without one (JOB_MAX_ATTEMPTS). */
  defaultMaxAttempts?: number;
  /** How long an idempotency key is remembered (default 24 h). */
  idempotencyTtlMs?: number;
  /** Replaces every known secret value in the ledger's detail before it is written (the process's SecretScrubber). */
  scrubText?: (text: string) => string;
  /** For tests that build an older database; production uses them all. */
  migrations?: readonly Migration[];
}

export type SqliteStoreOptions = SqliteDbOptions & CommonOptions;
export type PostgresStoreOptions = PostgresDbOptions & CommonOptions;

function settings(opts: CommonOptions): StoreSettings {
  return {
    now: opts.clock ?? Date.now,
    scrubText: opts.scrubText ?? ((text) => text),
    defaultMaxAttempts: opts.defaultMaxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    idempotencyTtlMs: opts.idempotencyTtlMs ?? DEFAULT_IDEMPOTENCY_TTL_MS,
  };
}

/** The parts of the store, each beside its feature. */
function parts(db: Db, s: StoreSettings) {
  const list = [
    ticketStore(db, s),
    jobStore(db, s),
    transcriptStore(db, s),
    membershipStore(db, s),
    caseChangeStore(db, s),
    pacingStore(db, s),
    ledgerStore(db, s),
    erasureStore(db, s),
    csatStore(db, s),
    contactStore(db, s),
  ] as const;
  // A method two parts both defined would be one part's silently: refused at start instead.
  const seen = new Set<string>();
  for (const name of list.flatMap((part) => Object.keys(part))) {
    if (seen.has(name)) throw new Error(`[store] two parts of the store both define ${name}`);
    seen.add(name);
  }
  const [tickets, jobs, transcript, membership, caseChanges, pacing, ledger, erasure, csat, contacts] = list;
  return {
    ...tickets,
    ...jobs,
    ...transcript,
    ...membership,
    ...caseChanges,
    ...pacing,
    ...ledger,
    ...erasure,
    ...csat,
    ...contacts,
  };
}

/** The parts over one migrated database. */
function compose(db: Db, s: StoreSettings, migration: MigrationResult, latest: number): OpenedStore {
  return {
    kind: db.dialect,
    migration,
    ...parts(db, s),

    async health(): Promise<StoreHealth> {
      try {
        const row = await db.read(() => get<{ v: number | null }>('SELECT MAX(version) AS v FROM schema_migrations'));
        const version = Number(row?.v ?? 0);
        if (version !== latest)
          return { ok: false, reason: `schema version ${version}, expected ${latest}`, schemaVersion: version, latestVersion: latest };
        return { ok: true, schemaVersion: version, latestVersion: latest };
      } catch (err) {
        const cause = (err as Error).cause instanceof Error ? ((err as Error).cause as Error) : (err as Error);
        return { ok: false, reason: `database unreachable: ${cause.message}`, latestVersion: latest };
      }
    },

    close: () => db.close(),
    unsafeQuery: <R>(sql: string, ...params: unknown[]) => db.read(() => all<R>(sql, ...params)),
    unsafeRun: (sql: string, ...params: unknown[]) => db.write(() => run(sql, ...params)),
  };
}

/** Opens (creating if needed) and migrates a SQLite store; migrations run synchronously, in order. */
export function openSqliteStore(opts: SqliteStoreOptions): OpenedStore {
  const s = settings(opts);
  const migrations = opts.migrations ?? MIGRATIONS;
  const db = new SqliteDb(opts);
  try {
    return compose(db, s, migrateSqlite(db, migrations, s.now), latestVersion(migrations));
  } catch (err) {
    db.connection.close();
    throw err;
  }
}

/** Connects, creates the schema if needed and migrates it (once, across instances). */
export async function openPostgresStore(opts: PostgresStoreOptions): Promise<OpenedStore> {
  const s = settings(opts);
  const migrations = opts.migrations ?? MIGRATIONS;
  const db = new PostgresDb(opts);
  try {
    const migration = await migratePostgres(db, migrations, { createSchema: opts.schema !== undefined, now: s.now });
    return compose(db, s, migration, latestVersion(migrations));
  } catch (err) {
    await db.close().catch(() => undefined);
    throw err;
  }
}

export interface OpenStoreOptions {
  clock?: () => number;
  jobs?: Pick<JobsConfig, 'maxAttempts'>;
  idempotencyTtlMs?: number;
  /** Where the PostgreSQL pool reports a failed idle connection (it is dropped and replaced). */
  onError?: (err: Error) => void;
  /** Scrubs secret values from ledger details before they are written. */
  scrubText?: (text: string) => string;
}

/**
 * Opens the configured store (`DATABASE_URL`, see config.ts). Its outage failures come out as
 * StoreUnavailableError (store/outage.ts): the query layer classifies every database call.
 */
export async function openStore(config: StoreConfig, opts: OpenStoreOptions = {}): Promise<OpenedStore> {
  const common = {
    clock: opts.clock,
    defaultMaxAttempts: opts.jobs?.maxAttempts,
    idempotencyTtlMs: opts.idempotencyTtlMs,
    scrubText: opts.scrubText,
  };
  switch (config.kind) {
    case 'sqlite':
      return openSqliteStore({ file: config.file, synchronous: config.synchronous, groupCommit: config.groupCommit, ...common });
    case 'postgres':
      return openPostgresStore({ url: config.url, schema: config.schema, poolSize: config.poolSize, onError: opts.onError, ...common });
  }
}
