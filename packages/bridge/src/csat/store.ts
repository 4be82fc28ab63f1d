/**
 * The satisfaction surveys' and chat ends' part of the store (tables `csat_surveys` and
 * `chat_ends`, migration 14). Every change of a survey's state is written with the job that
 * carries it to the Case in the same transaction, so a crash leaves either both or neither.
 */
import { insertJob } from '../jobs/store.js';
import { all, get, run, type Body, type Db } from '../store/sql.js';
import type {
  ChatEnd,
  CsatAnswer,
  CsatAnswerOutcome,
  CsatSurvey,
  CsatSurveyState,
  NewCsatSurvey,
  StoreSettings,
  TicketJob,
} from '../store/types.js';

interface SurveyRow {
  case_id: string;
  id: string;
  customer_user_id: string | null;
  state: CsatSurveyState;
  request_posted: number;
  asked_at: number;
  expires_at: number;
  rating: number | null;
  comment: string | null;
  answered_at: number | null;
  expired_at: number | null;
  updated_at: number;
}

interface ChatEndRow {
  case_id: string;
  customer_user_id: string;
  action: ChatEnd['action'];
  requested_at: number;
}

const numOrNull = (v: number | null): number | null => (v === null ? null : Number(v));

const toSurvey = (r: SurveyRow): CsatSurvey => ({
  id: r.id,
  caseId: r.case_id,
  customerUserId: r.customer_user_id,
  state: r.state,
  requestPosted: Number(r.request_posted) === 1,
  askedAt: Number(r.asked_at),
  expiresAt: Number(r.expires_at),
  rating: numOrNull(r.rating),
  comment: r.comment,
  answeredAt: numOrNull(r.answered_at),
  expiredAt: numOrNull(r.expired_at),
  updatedAt: Number(r.updated_at),
});

const toChatEnd = (r: ChatEndRow): ChatEnd => ({
  caseId: r.case_id,
  customerUserId: r.customer_user_id,
  action: r.action,
  requestedAt: Number(r.requested_at),
});

export function csatStore(db: Db, s: StoreSettings) {
  function* survey(caseId: string, forUpdate = false): Body<CsatSurvey | null> {
    const row = yield* get<SurveyRow>(`SELECT * FROM csat_surveys WHERE case_id = ?${forUpdate ? ' FOR UPDATE' : ''}`, caseId);
    return row ? toSurvey(row) : null;
  }

  function* queue(job: TicketJob, now: number): Body<void> {
    yield* insertJob(job.kind, job.payload, { dedupeKey: job.dedupeKey, runAt: job.runAt, maxAttempts: s.defaultMaxAttempts }, now);
  }

  function* expire(caseId: string, job: TicketJob, now: number): Body<boolean> {
    const changed = yield* run(
      "UPDATE csat_surveys SET state = 'expired', expired_at = ?, updated_at = ? WHERE case_id = ? AND state = 'open'",
      now,
      now,
      caseId,
    );
    if (changed === 1) yield* queue(job, now);
    return changed === 1;
  }

  return {
    async openCsatSurvey(n: NewCsatSurvey, job: TicketJob): Promise<{ survey: CsatSurvey; created: boolean }> {
      return db.write(function* () {
        const now = s.now();
        const inserted = yield* run(
          `INSERT INTO csat_surveys (case_id, id, customer_user_id, state, request_posted, asked_at, expires_at, updated_at)
           VALUES (?, ?, ?, 'open', 0, ?, ?, ?) ON CONFLICT (case_id) DO NOTHING`,
          n.caseId,
          n.id,
          n.customerUserId,
          now,
          n.expiresAt,
          now,
        );
        if (inserted === 1) yield* queue(job, now);
        const current = yield* survey(n.caseId);
        if (!current) throw new Error('[store] the survey vanished while being recorded; retry');
        return { survey: current, created: inserted === 1 };
      });
    },

    async getCsatSurvey(caseId: string): Promise<CsatSurvey | null> {
      return db.read(() => survey(caseId));
    },

    async markCsatRequestPosted(caseId: string): Promise<void> {
      await db.write(() => run('UPDATE csat_surveys SET request_posted = 1, updated_at = ? WHERE case_id = ?', s.now(), caseId));
    },

    async answerCsatSurvey(
      caseId: string,
      answer: CsatAnswer,
      jobs: { answered: TicketJob; expired: TicketJob },
    ): Promise<{ outcome: CsatAnswerOutcome; survey: CsatSurvey | null }> {
      return db.write(function* () {
        const now = s.now();
        const current = yield* survey(caseId, true);
        if (!current) return { outcome: 'missing' as const, survey: null };
        if (current.state === 'answered') {
          const same = current.rating === answer.rating && (current.comment ?? null) === answer.comment;
          return { outcome: same ? ('same' as const) : ('conflict' as const), survey: current };
        }
        if (current.state === 'expired') return { outcome: 'expired' as const, survey: current };
        if (now >= current.expiresAt) {
          yield* expire(caseId, jobs.expired, now);
          return { outcome: 'expired' as const, survey: yield* survey(caseId) };
        }
        yield* run(
          `UPDATE csat_surveys SET state = 'answered', rating = ?, comment = ?, answered_at = ?, updated_at = ?
           WHERE case_id = ? AND state = 'open'`,
          answer.rating,
          answer.comment,
          now,
          now,
          caseId,
        );
        yield* queue(jobs.answered, now);
        return { outcome: 'answered' as const, survey: yield* survey(caseId) };
      });
    },

    async expireCsatSurveys(limit: number, jobFor: (caseId: string) => TicketJob): Promise<string[]> {
      return db.write(function* () {
        const now = s.now();
        const due = yield* all<{ case_id: string }>(
          "SELECT case_id FROM csat_surveys WHERE state = 'open' AND expires_at <= ? ORDER BY expires_at LIMIT ? FOR UPDATE SKIP LOCKED",
          now,
          limit,
        );
        const out: string[] = [];
        for (const { case_id } of due) if (yield* expire(case_id, jobFor(case_id), now)) out.push(case_id);
        return out;
      });
    },

    async recordChatEnd(end: ChatEnd, job: TicketJob): Promise<{ end: ChatEnd; created: boolean }> {
      return db.write(function* () {
        const now = s.now();
        const inserted = yield* run(
          'INSERT INTO chat_ends (case_id, customer_user_id, action, requested_at) VALUES (?, ?, ?, ?) ON CONFLICT (case_id) DO NOTHING',
          end.caseId,
          end.customerUserId,
          end.action,
          end.requestedAt,
        );
        if (inserted === 1) yield* queue(job, now);
        const row = yield* get<ChatEndRow>('SELECT * FROM chat_ends WHERE case_id = ?', end.caseId);
        if (!row) throw new Error('[store] the chat end vanished while being recorded; retry');
        return { end: toChatEnd(row), created: inserted === 1 };
      });
    },

    async getChatEnd(caseId: string): Promise<ChatEnd | null> {
      const row = await db.read(() => get<ChatEndRow>('SELECT * FROM chat_ends WHERE case_id = ?', caseId));
      return row ? toChatEnd(row) : null;
    },
  };
}
