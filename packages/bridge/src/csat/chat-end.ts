/**
 * The customer ends the chat (`POST /tickets/{caseId}/end`, the app's "End chat"). One end per
 * Case: the request is recorded with what CUSTOMER_END_ACTION said then and its job, in one
 * transaction; the same request again answers the end recorded first and queues nothing. The
 * `chat.end` job then, each step ledgered and safe to repeat:
 *
 * 1. posts the `chat.ended` notice (dedup id per Case), so the agent sees it in the chat and the
 *    transcript keeps it; first, so it is in the channel before a close freezes it;
 * 2. `close`: sets the Case's Status to CUSTOMER_END_CLOSED_STATUS unless the Case is closed
 *    already (`case.close`, `exists` then); the normal close path follows (the Case trigger or
 *    Change Data Capture, then the lifecycle job: freeze or closing message, and the survey);
 *    `mark`: writes the request's time to Sendbird_Customer_Ended_At__c (`case.customer_ended`),
 *    the same value on every try, and leaves the Case's status to the agent.
 */
import { readCases } from '../case-reads.js';
import type { EndChatConfig } from '../config.js';
import { AppError } from '../errors.js';
import type { CaseDescribe } from '../tickets/case-describe.js';
import type { ChatEnd } from '../store/types.js';
import { CHAT_ENDED_TEXT, type ChatEndView } from '@sbsf/wire';
import { ledgeredStep, postNotice, salesforceDateTime, type StepDeps } from './steps.js';

export const CHAT_END_JOB = 'chat.end';

/** The Case field `mark` writes. */
export const CUSTOMER_ENDED_FIELD = 'Sendbird_Customer_Ended_At__c';

export interface ChatEndOptions extends StepDeps {
  config: EndChatConfig;
  describe: Pick<CaseDescribe, 'picklists'>;
  clock: () => number;
}

export class ChatEndService {
  constructor(private readonly o: ChatEndOptions) {}

  /** Records the end (once per Case); `created` false when it was recorded before. */
  async request(caseId: string, customerUserId: string): Promise<{ end: ChatEnd; created: boolean }> {
    const { action, closedStatus } = this.o.config;
    if (action === 'close') {
      // The org's own Status values (a describe, cached): a setting the org does not know would
      // be refused by Salesforce in the job, after the customer was told it worked.
      const statuses = (await this.o.describe.picklists())?.get('Status');
      if (statuses && !statuses.includes(closedStatus)) {
        throw new AppError(
          503,
          'end_chat_unavailable',
          "the chat cannot be ended from the app right now (the bridge's CUSTOMER_END_CLOSED_STATUS is not one of the org's " +
            'Case Status values); write to the support team in the chat instead',
        );
      }
    }
    const now = this.o.clock();
    return this.o.store.recordChatEnd(
      { caseId, customerUserId, action, requestedAt: now },
      { kind: CHAT_END_JOB, payload: { caseId }, dedupeKey: `chat.end:${caseId}`, runAt: now },
    );
  }

  /** The `chat.end` job. */
  async run(caseId: string): Promise<void> {
    const end = await this.o.store.getChatEnd(caseId);
    if (!end) return;
    const source = 'chat.end';
    await ledgeredStep(this.o, { caseId, system: 'sendbird', action: 'chat.ended_notice', source }, () =>
      postNotice(this.o.sendbird, caseId, CHAT_ENDED_TEXT, { sbsf: 'chat.ended' }, `sbsf-end-${caseId}`),
    );
    if (end.action === 'close') {
      const status = this.o.config.closedStatus;
      await ledgeredStep(this.o, { caseId, system: 'salesforce', action: 'case.close', source, detail: { status } }, async () => {
        const facts = (await readCases(this.o.salesforce, [caseId])).get(caseId);
        if (!facts || facts.isClosed) return 'exists';
        await this.o.salesforce.update('Case', caseId, { Status: status });
        return 'ok';
      });
    } else {
      await ledgeredStep(this.o, { caseId, system: 'salesforce', action: 'case.customer_ended', source }, async () => {
        await this.o.salesforce.update('Case', caseId, { [CUSTOMER_ENDED_FIELD]: salesforceDateTime(end.requestedAt) });
        return 'ok';
      });
    }
  }
}

export const chatEndView = (e: ChatEnd): ChatEndView => ({ end: { caseId: e.caseId, action: e.action, requestedAt: e.requestedAt } });
