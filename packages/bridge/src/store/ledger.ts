/**
 * The ledger's part of the store (table `ledger`): an append-only audit trail of every action
 * taken on Salesforce or Sendbird; the database refuses UPDATE and DELETE on it (migration 2).
 * Each entry's detail has secret-named fields masked and known secret values scrubbed before it
 * is written, since the table is kept forever. `insertLedger` is the body the other parts run
 * inside their own transactions (a ticket step and its entries commit together).
 */
import { maskSecretFields } from '../redaction.js';
import { all, decodeJson, get, run, type Body, type Db } from './sql.js';
import type { LedgerEntry, NewLedgerEntry, StoreSettings } from './types.js';

export interface LedgerRow {
  id: number;
  at: number;
  case_id: string | null;
  ticket_id: string | null;
  system: LedgerEntry['system'];
  action: string;
  target: string | null;
  outcome: LedgerEntry['outcome'];
  detail: unknown;
  erased_by?: string | null;
}

export const toLedger = (r: LedgerRow): LedgerEntry => ({
  id: r.id,
  at: r.at,
  caseId: r.case_id,
  ticketId: r.ticket_id,
  system: r.system,
  action: r.action,
  target: r.target,
  outcome: r.outcome,
  detail: decodeJson(r.detail) as Record<string, unknown>,
  erasedBy: r.erased_by ?? null,
});

/** Rows per multi-row INSERT (one prepared statement is kept per row count). */
const LEDGER_ROWS_PER_INSERT = 16;
const INSERT_LEDGER =
  'INSERT INTO ledger (at, case_id, ticket_id, system, action, target, outcome, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)';

export function ledgerValues(e: NewLedgerEntry, s: StoreSettings): unknown[] {
  const detail = s.scrubText(JSON.stringify(maskSecretFields(e.detail ?? {})));
  return [s.now(), e.caseId ?? null, e.ticketId ?? null, e.system, e.action, e.target ?? null, e.outcome, detail];
}

/** Appends entries, up to LEDGER_ROWS_PER_INSERT per statement (nothing read back). */
export function* insertLedger(entries: readonly NewLedgerEntry[], s: StoreSettings): Body<void> {
  for (let i = 0; i < entries.length; i += LEDGER_ROWS_PER_INSERT) {
    const chunk = entries.slice(i, i + LEDGER_ROWS_PER_INSERT);
    yield* run(INSERT_LEDGER + ', (?, ?, ?, ?, ?, ?, ?, ?)'.repeat(chunk.length - 1), ...chunk.flatMap((e) => ledgerValues(e, s)));
  }
}

export function ledgerStore(db: Db, s: StoreSettings) {
  return {
    async appendLedger(e: NewLedgerEntry): Promise<LedgerEntry> {
      const row = await db.write(() => get<LedgerRow>(`${INSERT_LEDGER} RETURNING *`, ...ledgerValues(e, s)));
      return toLedger(row!);
    },

    async ledgerForCase(caseId: string): Promise<LedgerEntry[]> {
      return (await db.read(() => all<LedgerRow>('SELECT * FROM ledger WHERE case_id = ? ORDER BY id', caseId))).map(toLedger);
    },

    async ledgerForTicket(ticketId: string): Promise<LedgerEntry[]> {
      return (await db.read(() => all<LedgerRow>('SELECT * FROM ledger WHERE ticket_id = ? ORDER BY id', ticketId))).map(toLedger);
    },
  };
}
