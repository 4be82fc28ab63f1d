/**
 * The erasure's part of the store (tables `erasures`, and the ledger's tombstones; migration 12).
 * An erasure's journal (`steps`) is written with each step's receipt entries in one transaction,
 * so a crash leaves either both or neither, and a resumed erasure starts at the first step its
 * journal does not hold.
 */
import { insertJob } from '../jobs/store.js';
import { ledgerValues, toLedger, type LedgerRow } from '../store/ledger.js';
import { all, clipError, decodeJson, get, placeholders, run, type Body, type Db } from '../store/sql.js';
import type {
  Erasure,
  ErasurePlan,
  ErasureStepRecord,
  ErasureSubject,
  LedgerEntry,
  NewErasure,
  NewLedgerEntry,
  StoreSettings,
  Ticket,
  TicketJob,
} from '../store/types.js';
import { toTicket, type TicketRow } from '../tickets/store.js';

interface ErasureRow {
  id: string;
  subject_hash: string;
  subject: string | null;
  case_action: Erasure['caseAction'];
  requested_by: string;
  state: Erasure['state'];
  plan: unknown;
  steps: unknown;
  last_error: string | null;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
}

const toErasure = (r: ErasureRow): Erasure => ({
  id: r.id,
  subjectHash: r.subject_hash,
  subject: r.subject,
  caseAction: r.case_action,
  requestedBy: r.requested_by,
  state: r.state,
  plan: (decodeJson(r.plan) as ErasurePlan | null) ?? null,
  steps: decodeJson(r.steps) as Record<string, ErasureStepRecord>,
  lastError: r.last_error,
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
  finishedAt: r.finished_at === null ? null : Number(r.finished_at),
});

/** Ids per `IN (...)` list, well under SQLite's and PostgreSQL's parameter limits. */
const IN_CHUNK = 500;

function chunks<T>(list: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += IN_CHUNK) out.push(list.slice(i, i + IN_CHUNK));
  return out;
}

const INSERT_RECEIPT =
  'INSERT INTO ledger (at, case_id, ticket_id, system, action, target, outcome, detail, erased_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)';

export function erasureStore(db: Db, s: StoreSettings) {
  function* byId(id: string): Body<Erasure | null> {
    const row = yield* get<ErasureRow>('SELECT * FROM erasures WHERE id = ?', id);
    return row ? toErasure(row) : null;
  }

  /** Journals `step` unless it is already journaled; false then. */
  function* journal(id: string, step: string, record: ErasureStepRecord): Body<boolean> {
    const row = yield* get<ErasureRow>('SELECT * FROM erasures WHERE id = ? FOR UPDATE', id);
    if (!row) throw new Error(`[store] erasure ${id} not found`);
    const steps = decodeJson(row.steps) as Record<string, ErasureStepRecord>;
    if (steps[step]) return false;
    steps[step] = record;
    yield* run('UPDATE erasures SET steps = ?, last_error = NULL, updated_at = ? WHERE id = ?', JSON.stringify(steps), s.now(), id);
    return true;
  }

  return {
    async startErasure(e: NewErasure, opts: { job?: TicketJob } = {}): Promise<{ erasure: Erasure; created: boolean }> {
      return db.write(function* () {
        const now = s.now();
        const inserted = yield* run(
          `INSERT INTO erasures (id, subject_hash, subject, case_action, requested_by, state, steps, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, 'running', '{}', ?, ?) ON CONFLICT (subject_hash) DO NOTHING`,
          e.id,
          e.subjectHash,
          e.subject,
          e.caseAction,
          e.requestedBy,
          now,
          now,
        );
        const row = yield* get<ErasureRow>('SELECT * FROM erasures WHERE subject_hash = ?', e.subjectHash);
        if (!row) throw new Error('[store] the erasure vanished while being recorded; retry');
        if (inserted === 1 && opts.job) {
          const j = opts.job;
          yield* insertJob(j.kind, j.payload, { dedupeKey: j.dedupeKey, runAt: j.runAt, maxAttempts: s.defaultMaxAttempts }, now);
        }
        return { erasure: toErasure(row), created: inserted === 1 };
      });
    },

    async getErasure(id: string): Promise<Erasure | null> {
      return db.read(() => byId(id));
    },

    async getErasureBySubject(subjectHash: string): Promise<Erasure | null> {
      const row = await db.read(() => get<ErasureRow>('SELECT * FROM erasures WHERE subject_hash = ?', subjectHash));
      return row ? toErasure(row) : null;
    },

    async findCustomerTickets(subject: ErasureSubject): Promise<Ticket[]> {
      const dialect = db.dialect;
      return db.read(function* () {
        let userIds: string[];
        if (subject.kind === 'user') {
          userIds = [subject.userId];
        } else {
          // The address as the ticket's Case fields hold it, compared without case.
          const email =
            dialect === 'postgres' ? "lower(case_fields->>'SuppliedEmail')" : "lower(json_extract(case_fields, '$.SuppliedEmail'))";
          const rows = yield* all<{ u: string }>(
            `SELECT DISTINCT customer_user_id AS u FROM tickets WHERE ${email} = lower(?)`,
            subject.email,
          );
          userIds = rows.map((r) => r.u);
        }
        const out: Ticket[] = [];
        for (const part of chunks(userIds)) {
          const rows = yield* all<TicketRow>(
            `SELECT * FROM tickets WHERE customer_user_id IN (${placeholders(part.length)}) ORDER BY created_at, id`,
            ...part,
          );
          out.push(...rows.map(toTicket));
        }
        return out;
      });
    },

    async setErasurePlan(id: string, plan: ErasurePlan): Promise<void> {
      await db.write(() => run('UPDATE erasures SET plan = ?, updated_at = ? WHERE id = ?', JSON.stringify(plan), s.now(), id));
    },

    async recordErasureStep(
      id: string,
      step: string,
      record: ErasureStepRecord,
      receipt: readonly NewLedgerEntry[] = [],
    ): Promise<boolean> {
      return db.write(function* () {
        if (!(yield* journal(id, step, record))) return false;
        for (const e of receipt) yield* run(INSERT_RECEIPT, ...ledgerValues(e, s), id);
        return true;
      });
    },

    async recordErasureError(id: string, error: string): Promise<void> {
      await db.write(() => run('UPDATE erasures SET last_error = ?, updated_at = ? WHERE id = ?', clipError(error), s.now(), id));
    },

    async finishErasure(
      id: string,
      scope: { ticketIds: readonly string[]; caseIds: readonly string[]; userIds: readonly string[] },
      step: string,
    ) {
      return db.write(function* () {
        const counts = { tombstones: 0, tickets: 0, idempotencyKeys: 0, transcriptMessages: 0, transcriptChannels: 0, customerContacts: 0 };
        const current = yield* byId(id);
        if (!current) throw new Error(`[store] erasure ${id} not found`);
        if (current.state === 'done') return counts;
        // Tombstones: what could hold personal data is cleared; the entry's place, time and kind stay.
        const tombstone = `UPDATE ledger SET ticket_id = NULL, target = NULL, detail = '{}', erased_by = ? WHERE erased_by IS NULL AND`;
        for (const part of chunks(scope.ticketIds)) {
          counts.tombstones += yield* run(`${tombstone} ticket_id IN (${placeholders(part.length)})`, id, ...part);
        }
        for (const part of chunks(scope.caseIds)) {
          counts.tombstones += yield* run(`${tombstone} case_id IN (${placeholders(part.length)})`, id, ...part);
          counts.transcriptMessages += yield* run(
            `DELETE FROM transcript_messages WHERE case_id IN (${placeholders(part.length)})`,
            ...part,
          );
          counts.transcriptChannels += yield* run(
            `DELETE FROM transcript_channels WHERE case_id IN (${placeholders(part.length)})`,
            ...part,
          );
          // The survey's comment and the chat end are the customer's too (not counted in the receipt).
          yield* run(`DELETE FROM csat_surveys WHERE case_id IN (${placeholders(part.length)})`, ...part);
          yield* run(`DELETE FROM chat_ends WHERE case_id IN (${placeholders(part.length)})`, ...part);
        }
        for (const part of chunks(scope.userIds)) {
          counts.tombstones += yield* run(`${tombstone} target IN (${placeholders(part.length)})`, id, ...part);
          // The customer's remembered Contact (contact matching): which Salesforce record is theirs.
          counts.customerContacts += yield* run(`DELETE FROM customer_contacts WHERE user_id IN (${placeholders(part.length)})`, ...part);
        }
        for (const part of chunks(scope.ticketIds)) {
          counts.idempotencyKeys += yield* run(`DELETE FROM idempotency_keys WHERE ticket_id IN (${placeholders(part.length)})`, ...part);
          counts.tickets += yield* run(`DELETE FROM tickets WHERE id IN (${placeholders(part.length)})`, ...part);
        }
        const now = s.now();
        const total = Object.values(counts).reduce((a, b) => a + b, 0);
        yield* journal(id, step, { at: now, count: total });
        yield* run("UPDATE erasures SET state = 'done', subject = NULL, finished_at = ?, updated_at = ? WHERE id = ?", now, now, id);
        return counts;
      });
    },

    async erasureReceipt(id: string): Promise<LedgerEntry[]> {
      const rows = await db.read(() =>
        all<LedgerRow>("SELECT * FROM ledger WHERE erased_by = ? AND action LIKE 'erasure.%' ORDER BY id", id),
      );
      return rows.map(toLedger);
    },
  };
}
