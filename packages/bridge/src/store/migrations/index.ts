/**
 * The schema migrations, in order, one tree for both databases: each step holds its SQLite and
 * its PostgreSQL text (the DDL dialects differ: column types, identity columns, how a table is
 * rebuilt), with one version and one name, so both databases are always at the same schema
 * version. Append new steps; never edit one that has shipped (a database that already applied it
 * would not see the change). Each step runs in its own transaction (migrate.ts).
 */
import * as core from './001-core.js';
import * as ledger from './002-ledger.js';
import * as membership from './003-membership.js';
import * as transcript from './004-transcript.js';
import * as ticketsClientIndex from './005-tickets-client-index.js';
import * as fewerPages from './006-fewer-pages-per-ticket.js';
import * as transcriptCatchup from './007-transcript-catchup.js';
import * as membershipApplied from './008-membership-applied.js';
import * as caseChangeSubscription from './009-case-change-subscription.js';
import * as sweepMarks from './010-sweep-marks.js';
import * as sendbirdPacing from './011-sendbird-pacing.js';
import * as erasure from './012-erasure.js';
import * as customerContacts from './013-customer-contacts.js';
import * as csat from './014-csat-and-chat-ends.js';

export interface Migration {
  version: number;
  name: string;
  sqlite: string;
  postgres: string;
  /**
   * SQLite: foreign key enforcement off while it runs (a table that others reference is rebuilt),
   * then `foreign_key_check` before its commit: any violation rolls it back.
   */
  foreignKeysOff?: boolean;
}

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'core: tickets, idempotency keys, jobs', ...core },
  { version: 2, name: 'ledger (append-only)', ...ledger },
  { version: 3, name: 'membership: salesforce events, pending reconciles', ...membership },
  { version: 4, name: 'transcript: messages waiting for or written to Salesforce', ...transcript },
  { version: 5, name: 'tickets: drop the unused per-customer index', ...ticketsClientIndex },
  { version: 6, name: 'tickets, ledger, idempotency keys: fewer pages written per ticket', ...fewerPages, foreignKeysOff: true },
  { version: 7, name: 'transcript catch-up: how far each channel has been read', ...transcriptCatchup },
  { version: 8, name: 'membership: the read applied last per Case, and the apply lease', ...membershipApplied },
  { version: 9, name: 'membership: the Change Data Capture subscription (replay id, lease)', ...caseChangeSubscription },
  { version: 10, name: 'membership: how far the sweep has read (changed since, last full sweep)', ...sweepMarks },
  { version: 11, name: "Sendbird pacing: the capped endpoints' slots, shared by the instances", ...sendbirdPacing },
  { version: 12, name: 'privacy erasure: erasures and their journal, ledger tombstones', ...erasure },
  { version: 13, name: "contact matching: each customer's Contact, the ticket's verified identity", ...customerContacts },
  { version: 14, name: 'satisfaction surveys and customer chat ends', ...csat },
];
