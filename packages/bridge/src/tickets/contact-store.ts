/**
 * Contact matching's part of the store (table `customer_contacts`, migration 13): each customer's
 * Contact once found or made, so a returning customer's Case carries it in its one upsert, and
 * the claim that keeps two tickets of one new customer from creating two Contacts. Every write
 * commits with the ledger entries of the step it records.
 */
import { insertLedger } from '../store/ledger.js';
import { get, run, type Body, type Db } from '../store/sql.js';
import type { ContactClaim, ContactMatchedBy, CustomerContact, NewLedgerEntry, Store, StoreSettings } from '../store/types.js';

interface CustomerContactRow {
  user_id: string;
  contact_id: string | null;
  account_id: string | null;
  matched_by: ContactMatchedBy | null;
  matched_at: number | null;
  claimed_by: string | null;
  claim_until: number | null;
  updated_at: number;
}

const toContact = (r: CustomerContactRow): CustomerContact | null =>
  r.contact_id && r.matched_by
    ? {
        userId: r.user_id,
        contactId: r.contact_id,
        accountId: r.account_id,
        matchedBy: r.matched_by,
        matchedAt: Number(r.matched_at),
      }
    : null;

const SELECT_ROW = 'SELECT * FROM customer_contacts WHERE user_id = ?';

export function contactStore(db: Db, s: StoreSettings) {
  return {
    async getCustomerContact(userId: string): Promise<CustomerContact | null> {
      const row = await db.read(() => get<CustomerContactRow>(SELECT_ROW, userId));
      return row ? toContact(row) : null;
    },

    rememberCustomerContact(c: Omit<CustomerContact, 'matchedAt'>, ledger: readonly NewLedgerEntry[] = []): Promise<CustomerContact> {
      return db.write(function* (): Body<CustomerContact> {
        const now = s.now();
        yield* run(
          `INSERT INTO customer_contacts (user_id, contact_id, account_id, matched_by, matched_at, claimed_by, claim_until, updated_at)
           VALUES (?, ?, ?, ?, ?, NULL, NULL, ?)
           ON CONFLICT (user_id) DO UPDATE SET contact_id = excluded.contact_id, account_id = excluded.account_id,
             matched_by = excluded.matched_by, matched_at = excluded.matched_at, claimed_by = NULL, claim_until = NULL,
             updated_at = excluded.updated_at`,
          c.userId,
          c.contactId,
          c.accountId,
          c.matchedBy,
          now,
          now,
        );
        yield* insertLedger(ledger, s);
        return { ...c, matchedAt: now };
      });
    },

    forgetCustomerContact(userId: string, contactId: string, ledger: readonly NewLedgerEntry[] = []): Promise<boolean> {
      return db.write(function* (): Body<boolean> {
        const removed = yield* run('DELETE FROM customer_contacts WHERE user_id = ? AND contact_id = ?', userId, contactId);
        yield* insertLedger(ledger, s);
        return removed > 0;
      });
    },

    claimContactCreation(userId: string, owner: string, leaseMs: number): Promise<ContactClaim> {
      return db.write(function* (): Body<ContactClaim> {
        const now = s.now();
        const until = now + leaseMs;
        const inserted = yield* run(
          `INSERT INTO customer_contacts (user_id, claimed_by, claim_until, updated_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (user_id) DO NOTHING`,
          userId,
          owner,
          until,
          now,
        );
        if (inserted === 1) return { claimed: true, fresh: true };
        // Locked: of two claimers finding the claim run out, one takes it and the other sees it taken.
        const row = yield* get<CustomerContactRow>(`${SELECT_ROW} FOR UPDATE`, userId);
        if (!row) return { claimed: false, until: now };
        const contact = toContact(row);
        if (contact) return { claimed: false, contact };
        if (row.claimed_by !== owner && row.claim_until !== null && Number(row.claim_until) > now) {
          return { claimed: false, until: Number(row.claim_until) };
        }
        yield* run(
          'UPDATE customer_contacts SET claimed_by = ?, claim_until = ?, updated_at = ? WHERE user_id = ?',
          owner,
          until,
          now,
          userId,
        );
        return { claimed: true, fresh: false };
      });
    },

    releaseContactClaim(userId: string, owner: string, ledger: readonly NewLedgerEntry[] = []): Promise<void> {
      return db.write(function* (): Body<void> {
        yield* run('DELETE FROM customer_contacts WHERE user_id = ? AND claimed_by = ? AND contact_id IS NULL', userId, owner);
        yield* insertLedger(ledger, s);
      });
    },
  } satisfies Partial<Store>;
}
