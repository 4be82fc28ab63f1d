/**
 * PostgreSQL schema migrations, in order: one for each SQLite migration (migrations/index.ts),
 * with the same version and name, so both stores are always at the same schema version
 * (test/store-pg.test.ts checks the two lists match). Append new ones; never edit one that has
 * shipped. Each runs in its own transaction, under an advisory lock (postgres-migrate.ts).
 */
import type { Migration } from '../migrations/index.js';
import core from './001-core.js';
import ledger from './002-ledger.js';
import membership from './003-membership.js';
import transcript from './004-transcript.js';
import ticketsClientIndex from './005-tickets-client-index.js';
import fewerPages from './006-fewer-pages-per-ticket.js';
import transcriptCatchup from './007-transcript-catchup.js';
import membershipApplied from './008-membership-applied.js';

export const POSTGRES_MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'core: tickets, idempotency keys, jobs', sql: core },
  { version: 2, name: 'ledger (append-only)', sql: ledger },
  { version: 3, name: 'membership: salesforce events, pending reconciles', sql: membership },
  { version: 4, name: 'transcript: messages waiting for or written to Salesforce', sql: transcript },
  { version: 5, name: 'tickets: drop the unused per-customer index', sql: ticketsClientIndex },
  { version: 6, name: 'tickets, ledger, idempotency keys: fewer pages written per ticket', sql: fewerPages },
  { version: 7, name: 'transcript catch-up: how far each channel has been read', sql: transcriptCatchup },
  { version: 8, name: 'membership: the read applied last per Case, and the apply lease', sql: membershipApplied },
];
