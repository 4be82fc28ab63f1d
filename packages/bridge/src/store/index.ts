/**
 * The store: one async interface (`Store`) with two implementations, SQLite (one process, the
 * default) and PostgreSQL (several instances). `openStore` picks one from the configuration
 * (`DATABASE_URL`, see config.ts).
 */
import type { JobsConfig, StoreConfig } from '../config.js';
import { PostgresStore } from './postgres.js';
import { guardStore } from './outage.js';
import { SqliteStore } from './sqlite.js';
import type { Store } from './types.js';

export * from './types.js';
export { canMoveTicket, TICKET_STEPS } from './ticket-state.js';
export { SqliteStore, openSqliteStore, type SqliteStoreOptions, DEFAULT_IDEMPOTENCY_TTL_MS } from './sqlite.js';
export { SQLITE_MIGRATIONS, type Migration } from './migrations/index.js';
export { PostgresStore, openPostgresStore, type PostgresStoreOptions, DEFAULT_POOL_SIZE } from './postgres.js';
export { POSTGRES_MIGRATIONS } from './migrations-pg/index.js';
export { guardStore, isStoreOutage, StoreUnavailableError, STORE_RETRY_AFTER_SECONDS } from './outage.js';

export interface OpenStoreOptions {
  clock?: () => number;
  jobs?: Pick<JobsConfig, 'maxAttempts'>;
  idempotencyTtlMs?: number;
  /** Where the PostgreSQL pool reports a failed idle connection (it is dropped and replaced). */
  onError?: (err: Error) => void;
  /** Scrubs secret values from ledger details before they are written. */
  scrubText?: (text: string) => string;
}

/** Opens the configured store; its outage failures come out as StoreUnavailableError (outage.ts). */
export async function openStore(config: StoreConfig, opts: OpenStoreOptions = {}): Promise<Store> {
  return guardStore(await openRawStore(config, opts));
}

async function openRawStore(config: StoreConfig, opts: OpenStoreOptions): Promise<Store> {
  switch (config.kind) {
    case 'sqlite':
      return new SqliteStore({
        file: config.file,
        synchronous: config.synchronous,
        groupCommit: config.groupCommit,
        clock: opts.clock,
        defaultMaxAttempts: opts.jobs?.maxAttempts,
        idempotencyTtlMs: opts.idempotencyTtlMs,
        scrubText: opts.scrubText,
      });
    case 'postgres':
      return PostgresStore.open({
        url: config.url,
        schema: config.schema,
        poolSize: config.poolSize,
        clock: opts.clock,
        defaultMaxAttempts: opts.jobs?.maxAttempts,
        idempotencyTtlMs: opts.idempotencyTtlMs,
        onError: opts.onError,
        scrubText: opts.scrubText,
      });
  }
}
