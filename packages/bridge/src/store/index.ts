/**
 * The store: one async interface (`Store`) with, for now, a SQLite implementation. `openStore`
 * picks the implementation from the configuration (config.ts refuses PostgreSQL URLs until the
 * PostgreSQL store exists).
 */
import type { JobsConfig, StoreConfig } from '../config.js';
import { SqliteStore } from './sqlite.js';
import type { Store } from './types.js';

export * from './types.js';
export { canMoveTicket, TICKET_STEPS } from './ticket-state.js';
export { SqliteStore, openSqliteStore, type SqliteStoreOptions, DEFAULT_IDEMPOTENCY_TTL_MS } from './sqlite.js';
export { SQLITE_MIGRATIONS, type Migration } from './migrations/index.js';

export interface OpenStoreOptions {
  clock?: () => number;
  jobs?: Pick<JobsConfig, 'maxAttempts'>;
  idempotencyTtlMs?: number;
}

export async function openStore(config: StoreConfig, opts: OpenStoreOptions = {}): Promise<Store> {
  switch (config.kind) {
    case 'sqlite':
      return new SqliteStore({
        file: config.file,
        clock: opts.clock,
        defaultMaxAttempts: opts.jobs?.maxAttempts,
        idempotencyTtlMs: opts.idempotencyTtlMs,
      });
  }
}
