/**
 * The Change Data Capture subscription's part of the store (table `case_change_subscriptions`,
 * migration 9), over the query layer (store/sql.ts):
 *
 * - One instance at a time follows a channel: `claimCaseChanges` takes the lease when nobody holds
 *   it or the holder let it run out, and hands back the replay id to resume from;
 *   `renewCaseChanges` keeps it; `releaseCaseChanges` lets go at shutdown.
 * - `recordCaseChanges` queues the reconciles and the Case-status job a batch of events asks for
 *   and stores the batch's replay id, in one transaction, and only while the caller still holds
 *   the lease: a holder that lost it (paused, cut off) writes nothing, so the replay id never goes
 *   back and no batch is half-recorded. Events are hints, so a batch replayed after a crash only
 *   queues reconciles that find nothing to do.
 */
import { CASE_STATUS_JOB, type CaseStatusJobPayload } from '../case-status-job.js';
import { insertJob } from '../jobs/store.js';
import { insertLedger } from '../store/ledger.js';
import { all, get, placeholders, run, type Body, type Db } from '../store/sql.js';
import type {
  CaseChangeBatch,
  CaseChangeClaim,
  CaseChangeRecordResult,
  CaseChangeSubscription,
  Store,
  StoreSettings,
} from '../store/types.js';
import { chunks, queueReconciles } from './store.js';

interface SubscriptionRow {
  topic: string;
  replay_id: string | null;
  replay_at: number | null;
  holder: string | null;
  lease_until: number | null;
  updated_at: number;
}

const toSubscription = (r: SubscriptionRow): CaseChangeSubscription => ({
  topic: r.topic,
  replayId: r.replay_id,
  replayAt: r.replay_at === null ? null : Number(r.replay_at),
  holder: r.holder,
  leaseUntil: r.lease_until === null ? null : Number(r.lease_until),
});

/** The row locked for this transaction, if `holder` holds its lease now. */
function* heldRow(topic: string, holder: string, now: number): Body<SubscriptionRow | undefined> {
  const row = yield* get<SubscriptionRow>('SELECT * FROM case_change_subscriptions WHERE topic = ? FOR UPDATE', topic);
  return row && row.holder === holder && Number(row.lease_until ?? 0) > now ? row : undefined;
}

export function caseChangeStore(db: Db, s: StoreSettings) {
  const part = {
    claimCaseChanges(topic: string, holder: string, leaseMs: number): Promise<CaseChangeClaim> {
      return db.write(function* (): Body<CaseChangeClaim> {
        const now = s.now();
        const inserted = yield* run(
          `INSERT INTO case_change_subscriptions (topic, holder, lease_until, updated_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (topic) DO NOTHING`,
          topic,
          holder,
          now + leaseMs,
          now,
        );
        if (inserted === 1) return { held: true, replayId: null };
        const row = (yield* get<SubscriptionRow>('SELECT * FROM case_change_subscriptions WHERE topic = ? FOR UPDATE', topic))!;
        if (row.holder !== null && row.holder !== holder && Number(row.lease_until ?? 0) > now) {
          return { held: false, holder: row.holder, leaseUntil: Number(row.lease_until) };
        }
        yield* run(
          'UPDATE case_change_subscriptions SET holder = ?, lease_until = ?, updated_at = ? WHERE topic = ?',
          holder,
          now + leaseMs,
          now,
          topic,
        );
        return {
          held: true,
          replayId: row.replay_id,
          ...(row.holder !== null && row.holder !== holder ? { tookOverFrom: row.holder } : {}),
        };
      });
    },

    renewCaseChanges(topic: string, holder: string, leaseMs: number): Promise<boolean> {
      return db.write(function* (): Body<boolean> {
        const now = s.now();
        const sql =
          'UPDATE case_change_subscriptions SET lease_until = ?, updated_at = ? WHERE topic = ? AND holder = ? AND lease_until > ?';
        return (yield* run(sql, now + leaseMs, now, topic, holder, now)) === 1;
      });
    },

    releaseCaseChanges(topic: string, holder: string): Promise<boolean> {
      return db.write(function* (): Body<boolean> {
        const sql = 'UPDATE case_change_subscriptions SET holder = NULL, lease_until = NULL, updated_at = ? WHERE topic = ? AND holder = ?';
        return (yield* run(sql, s.now(), topic, holder)) === 1;
      });
    },

    recordCaseChanges(batch: CaseChangeBatch): Promise<CaseChangeRecordResult> {
      return db.write(function* (): Body<CaseChangeRecordResult> {
        const now = s.now();
        if (!(yield* heldRow(batch.topic, batch.holder, now))) return { held: false };
        const reconciles = yield* queueReconciles(batch.membershipCaseIds, batch.reconcile, now, s);
        let statusJobId: number | null = null;
        if (batch.statusCaseIds.length > 0) {
          const payload: CaseStatusJobPayload = { caseIds: [...new Set(batch.statusCaseIds)] };
          statusJobId = (yield* insertJob(CASE_STATUS_JOB, payload, { maxAttempts: s.defaultMaxAttempts }, now)).job.id;
        }
        if (batch.ledger && batch.ledger.length > 0) yield* insertLedger(batch.ledger, s);
        if (batch.replayId !== undefined) {
          yield* run(
            'UPDATE case_change_subscriptions SET replay_id = ?, replay_at = ?, updated_at = ? WHERE topic = ?',
            batch.replayId,
            batch.replayId === null ? null : now,
            now,
            batch.topic,
          );
        }
        return { held: true, reconciles, statusJobId };
      });
    },

    async getCaseChanges(topic: string): Promise<CaseChangeSubscription | null> {
      const row = await db.read(() => get<SubscriptionRow>('SELECT * FROM case_change_subscriptions WHERE topic = ?', topic));
      return row ? toSubscription(row) : null;
    },

    /** Of these Case Ids, those the bridge opened a ticket for (the chat Cases it knows). */
    async knownChatCases(caseIds: readonly string[]): Promise<string[]> {
      const distinct = [...new Set(caseIds)];
      if (distinct.length === 0) return [];
      return db.read(function* (): Body<string[]> {
        const out: string[] = [];
        for (const chunk of chunks(distinct)) {
          const rows = yield* all<{ case_id: string }>(
            `SELECT case_id FROM tickets WHERE case_id IN (${placeholders(chunk.length)})`,
            ...chunk,
          );
          for (const r of rows) out.push(r.case_id);
        }
        return out;
      });
    },
  } satisfies Partial<Store>;
  return part;
}
