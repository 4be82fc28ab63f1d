/**
 * The customer history's part of the store: which customer a chat Case belongs to, from the
 * tickets the bridge opened (`tickets.case_id` is unique, so this is one indexed read). A Case the
 * bridge did not open (or whose ticket an erasure removed) is not here; the history reads it
 * from Salesforce instead.
 */
import { get, type Db } from '../store/sql.js';
import type { Store } from '../store/types.js';

export function historyStore(db: Db) {
  const part = {
    async ticketCustomerOfCase(caseId: string): Promise<string | null> {
      const row = await db.read(() => get<{ customer_user_id: string }>('SELECT customer_user_id FROM tickets WHERE case_id = ?', caseId));
      return row?.customer_user_id ?? null;
    },
  } satisfies Partial<Store>;
  return part;
}
