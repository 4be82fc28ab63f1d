/**
 * The satisfaction survey of a closed Case (CSAT). Policy, one survey per Case:
 *
 * - asked at the Case's first close (the lifecycle job calls `askOnClose` before it freezes the
 *   channel, so the survey's admin message is in the chat whatever Sendbird does with admin
 *   messages in a frozen channel); a Case reopened and closed again is not asked again, whether
 *   its survey was answered, expired or is still open (no survey fatigue);
 * - the answer (`answer`, from `POST /tickets/{caseId}/csat`) is recorded in the store first, with
 *   the job that writes it to the Case in the same transaction; one answer per survey: the same
 *   answer again is a no-op, another one a 409;
 * - an unanswered survey expires after CSAT_EXPIRY (`expireDue`, run periodically; an answer that
 *   comes after the expiry is refused, 410, even before that runs);
 * - every state reaches the Case through one job kind, `csat.sync`, which reads the survey's
 *   current state from the store and writes it (Sendbird_CSAT_Status__c Sent / Answered / Expired,
 *   and the answer): a retried or late job writes the same values again, so the Case never holds
 *   two answers; then it posts the follow-up notice (`csat.answered` / `csat.expired`) once.
 *
 * Ledger actions: `csat.request` (the survey's message), `case.csat` (the Case write, with the
 * state and rating; never the comment), `csat.answered_notice`, `csat.expired_notice`.
 */
import { randomUUID } from 'node:crypto';
import { CSAT_COMMENT_MAX_LENGTH, csatNoticeText, hasLoneSurrogate, isCsatRating, utf16Length, type CsatView } from '@sbsf/wire';
import type { Logger } from 'pino';
import type { CsatConfig } from '../config.js';
import { AppError } from '../errors.js';
import type { CsatAnswer, CsatSurvey, CsatSurveyState, TicketJob } from '../store/types.js';
import { ledgeredStep, postNotice, salesforceDateTime, type StepDeps } from './steps.js';

/** The job that writes a survey's state to its Case (and posts the follow-up notice). */
export const CSAT_SYNC_JOB = 'csat.sync';

/** The Case fields of the survey (salesforce/force-app/main/default/objects/Case/fields). */
export const CSAT_CASE_FIELDS = {
  status: 'Sendbird_CSAT_Status__c',
  rating: 'Sendbird_CSAT_Rating__c',
  comment: 'Sendbird_CSAT_Comment__c',
  sentAt: 'Sendbird_CSAT_Sent_At__c',
  answeredAt: 'Sendbird_CSAT_Answered_At__c',
} as const;

/** Sendbird_CSAT_Status__c's picklist value for each state. */
const CASE_STATUS: Record<CsatSurveyState, string> = { open: 'Sent', answered: 'Answered', expired: 'Expired' };

/** Surveys marked expired per transaction; a longer backlog is taken in the following ones. */
const EXPIRE_BATCH = 100;

export interface CsatOptions extends StepDeps {
  logger: Logger;
  config: CsatConfig;
  clock: () => number;
}

/** How often the expiry check runs: a tenth of the expiry, between 100 ms and a minute. */
export function csatExpiryCheckMs(expiryMs: number): number {
  return Math.min(60_000, Math.max(100, Math.round(expiryMs / 10)));
}

export class CsatService {
  constructor(private readonly o: CsatOptions) {}

  private syncJob(caseId: string, state: CsatSurveyState): TicketJob {
    return { kind: CSAT_SYNC_JOB, payload: { caseId }, dedupeKey: `csat.sync:${caseId}:${state}`, runAt: this.o.clock() };
  }

  /**
   * The Case closed: its survey is recorded (once per Case) and its message posted, unless the
   * Case was asked before. Throws StepRetryError when Sendbird could not be reached.
   */
  async askOnClose(caseId: string, customerUserId: string | null): Promise<void> {
    if (!this.o.config.enabled) return;
    const now = this.o.clock();
    const { survey } = await this.o.store.openCsatSurvey(
      { id: randomUUID(), caseId, customerUserId, expiresAt: now + this.o.config.expiryMs },
      this.syncJob(caseId, 'open'),
    );
    if (survey.state !== 'open' || survey.requestPosted || now >= survey.expiresAt) return;
    const notice = { sbsf: 'csat.request', surveyId: survey.id, caseId, expiresAt: survey.expiresAt } as const;
    const posted = await ledgeredStep(
      this.o,
      { caseId, system: 'sendbird', action: 'csat.request', source: 'csat', detail: { surveyId: survey.id } },
      () => postNotice(this.o.sendbird, caseId, this.o.config.question, notice, `sbsf-csat-${survey.id}`),
    );
    if (posted.outcome !== 'error') await this.o.store.markCsatRequestPosted(caseId);
  }

  /** The `csat.sync` job: the survey's current state to the Case, then its follow-up notice once. */
  async sync(caseId: string): Promise<void> {
    const s = await this.o.store.getCsatSurvey(caseId);
    if (!s) return;
    const f = CSAT_CASE_FIELDS;
    const fields: Record<string, unknown> = { [f.status]: CASE_STATUS[s.state], [f.sentAt]: salesforceDateTime(s.askedAt) };
    if (s.state === 'answered') {
      fields[f.rating] = s.rating;
      fields[f.comment] = s.comment;
      fields[f.answeredAt] = s.answeredAt === null ? null : salesforceDateTime(s.answeredAt);
    }
    const detail = { surveyId: s.id, state: s.state, ...(s.rating !== null ? { rating: s.rating } : {}) };
    await ledgeredStep(this.o, { caseId, system: 'salesforce', action: 'case.csat', source: 'csat', detail }, async () => {
      await this.o.salesforce.update('Case', caseId, fields);
      return 'ok';
    });
    if (s.state === 'open') return;
    const notice =
      s.state === 'answered'
        ? ({ sbsf: 'csat.answered', surveyId: s.id, rating: s.rating! } as const)
        : ({ sbsf: 'csat.expired', surveyId: s.id } as const);
    await ledgeredStep(
      this.o,
      { caseId, system: 'sendbird', action: `csat.${s.state}_notice`, source: 'csat', detail: { surveyId: s.id } },
      () => postNotice(this.o.sendbird, caseId, csatNoticeText(notice), notice, `sbsf-csat-${s.id}-${s.state}`),
    );
  }

  /** Records the customer's answer; AppError for every refusal (see the route). */
  async answer(caseId: string, answer: CsatAnswer): Promise<CsatSurvey> {
    const { outcome, survey } = await this.o.store.answerCsatSurvey(caseId, answer, {
      answered: this.syncJob(caseId, 'answered'),
      expired: this.syncJob(caseId, 'expired'),
    });
    switch (outcome) {
      case 'missing':
        throw surveyNotFound();
      case 'conflict':
        throw new AppError(
          409,
          'csat_already_answered',
          'this survey was answered already, with another rating or comment; it takes one answer',
        );
      case 'expired':
        throw new AppError(410, 'csat_expired', 'this survey has expired; it can no longer be answered');
      default:
        return survey!;
    }
  }

  /** Marks the surveys whose expiry has come expired (each with its job); returns how many. */
  async expireDue(): Promise<number> {
    let total = 0;
    for (;;) {
      const ids = await this.o.store.expireCsatSurveys(EXPIRE_BATCH, (caseId) => this.syncJob(caseId, 'expired'));
      total += ids.length;
      if (ids.length < EXPIRE_BATCH) break;
    }
    if (total > 0) this.o.logger.info({ expired: total }, 'csat: unanswered surveys expired');
    return total;
  }

  /** The survey as its customer sees it. */
  view(s: CsatSurvey): CsatView {
    return {
      csat: {
        surveyId: s.id,
        caseId: s.caseId,
        state: s.state,
        question: this.o.config.question,
        expiresAt: s.expiresAt,
        rating: s.rating,
        comment: s.comment,
        answeredAt: s.answeredAt,
      },
    };
  }
}

export const surveyNotFound = () =>
  new AppError(404, 'csat_not_found', 'this Case has no satisfaction survey (the customer is asked once the Case is closed)');

/** The answer as the body gives it, checked: AppError 400 naming the field at fault. */
export function parseCsatAnswer(body: { rating?: unknown; comment?: unknown }): CsatAnswer {
  if (!isCsatRating(body.rating)) {
    throw new AppError(400, 'invalid_rating', 'rating must be a whole number from 1 to 5', { field: 'rating' });
  }
  let comment: string | null = null;
  if (body.comment !== undefined && body.comment !== null) {
    if (typeof body.comment !== 'string') throw new AppError(400, 'invalid_comment', 'comment must be a string', { field: 'comment' });
    if (utf16Length(body.comment) > CSAT_COMMENT_MAX_LENGTH) {
      throw new AppError(
        400,
        'invalid_comment',
        `comment must be at most ${CSAT_COMMENT_MAX_LENGTH} UTF-16 code units (an emoji counts as 2); it has ${utf16Length(body.comment)}`,
        { field: 'comment' },
      );
    }
    if (hasLoneSurrogate(body.comment)) {
      throw new AppError(400, 'invalid_comment', 'comment holds a broken character (an unpaired surrogate)', { field: 'comment' });
    }
    // A blank comment is no comment.
    comment = body.comment.trim() === '' ? null : body.comment;
  }
  return { rating: body.rating, comment };
}
