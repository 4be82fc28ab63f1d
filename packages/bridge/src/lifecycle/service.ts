/**
 * The Case's lifecycle reaches the chat. `case.status_changed` events (Apex CaseTriggerHandler,
 * rule StatusChanged) are stored with a `lifecycle.case_status` job naming their Cases; the job
 * reads each Case from Salesforce (events are hints: order and duplicates do not matter) and makes
 * the chat match:
 *
 * - CASE_CLOSED_ACTION=freeze (default): a closed Case's channel is frozen (only operators may
 *   send; Sendbird answers 900050 to anyone else), an open Case's channel unfrozen. Setting the
 *   state it already has changes nothing, so a repeat is harmless.
 * - CASE_CLOSED_ACTION=message: the channel stays open and gets an admin message when the Case is
 *   closed (CASE_CLOSED_MESSAGE), and another when it is reopened after such a message
 *   (CASE_REOPENED_MESSAGE). Which was sent last is read from the ledger, and each message carries
 *   a `dedup_id`, so a retried job never says it twice. They are the bridge's notices
 *   (@sbsf/wire notices.ts): on the Case they are system entries of the transcript.
 * - Either way, the Case's Status (and IsClosed) go into the channel's `data` (the contract in
 *   @sbsf/wire channel-data.ts), which the agent panel's conversation list shows: the channel is
 *   read and updated (`PUT /v3/group_channels/{url}`) only when its data says otherwise.
 *
 * - A closed Case's customer is asked the satisfaction survey (csat/service.ts, once per Case):
 *   before the channel is frozen, so its admin message is in whatever Sendbird does with admin
 *   messages in a frozen channel; after the closing message with CASE_CLOSED_ACTION=message.
 *
 * Every action is in the ledger (`channel.freeze`, `channel.unfreeze`, `channel.close_message`,
 * `channel.reopen_message`, `channel.status` (`exists` when the data already said so), `channel.missing`, `case.missing`, `case.not_chat`: a Case without
 * Sendbird_Ticket_Id__c has no chat, so nothing is asked of Sendbird). Cases of one job are
 * handled one after the other, and two jobs for one Case in this process never overlap.
 */
import type { SalesforceClient } from '@sbsf/salesforce';
import { SendbirdAlreadyExistsError, SendbirdNotFoundError, type SendbirdClient } from '@sbsf/sendbird';
import { BRIDGE_MESSAGE_CUSTOM_TYPE, withChannelStatus } from '@sbsf/wire';
import type { Logger } from 'pino';
import type { CaseClosedAction } from '../config.js';
import { readCases, type CaseFacts } from '../case-reads.js';
import type { LedgerOutcome, NewLedgerEntry, Store } from '../store/types.js';
import { classifyFailure, type ClassifiedFailure } from '../upstream-failure.js';
import { StepRetryError } from '../csat/steps.js';

export interface LifecycleOptions {
  store: Store;
  salesforce: SalesforceClient;
  sendbird: SendbirdClient;
  logger: Logger;
  action: CaseClosedAction;
  closedMessage: string;
  reopenedMessage: string;
  /** Asks a closed Case's customer the survey (once per Case); absent: no survey. */
  survey?: { askOnClose(caseId: string, customerUserId: string | null): Promise<void> };
}

export type LifecycleOutcome = { caseId: string; done: string } | { caseId: string; failed: ClassifiedFailure };

/** Some Cases could not be brought in step for a reason a retry can fix: the runner retries the job. */
export class LifecycleIncompleteError extends Error {
  readonly retryAfterMs: number | undefined;
  constructor(readonly failed: readonly { caseId: string; failure: ClassifiedFailure; retryAfterMs?: number }[]) {
    const first = failed[0]?.failure;
    const why = first ? ` (${first.system} ${first.code}: ${first.message})` : '';
    super(`[lifecycle] ${failed.length} Case(s) not brought in step yet${why}`);
    this.name = 'LifecycleIncompleteError';
    const hints = failed.map((f) => f.retryAfterMs).filter((v): v is number => typeof v === 'number');
    this.retryAfterMs = hints.length ? Math.max(...hints) : undefined;
  }
}

const MESSAGE_ACTIONS = ['channel.close_message', 'channel.reopen_message'] as const;

export class CaseLifecycle {
  private readonly chains = new Map<string, Promise<unknown>>();

  constructor(private readonly o: LifecycleOptions) {}

  /** Brings the chat of each Case in step with its state in Salesforce. */
  async run(caseIds: readonly string[]): Promise<LifecycleOutcome[]> {
    const ids = [...new Set(caseIds)];
    const cases = await readCases(this.o.salesforce, ids);
    const outcomes: LifecycleOutcome[] = [];
    const retry: { caseId: string; failure: ClassifiedFailure; retryAfterMs?: number }[] = [];
    for (const id of ids) {
      const facts = cases.get(id);
      const outcome = await this.serial(id, () =>
        !facts ? this.missingCase(id) : facts.isChat ? this.apply(id, facts) : this.notChat(id),
      );
      outcomes.push(outcome);
      if ('failed' in outcome && outcome.failed.kind === 'retryable') retry.push({ caseId: id, failure: outcome.failed });
    }
    if (retry.length > 0) throw new LifecycleIncompleteError(retry);
    return outcomes;
  }

  private serial<T>(caseId: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.chains.get(caseId) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.chains.set(caseId, tail);
    void tail.then(() => {
      if (this.chains.get(caseId) === tail) this.chains.delete(caseId);
    });
    return run;
  }

  private entry(
    caseId: string,
    action: string,
    outcome: LedgerOutcome,
    detail: Record<string, unknown> = {},
    system: 'salesforce' | 'sendbird' = 'sendbird',
  ): NewLedgerEntry {
    return { caseId, system, action, target: caseId, outcome, detail: { source: 'case.status_changed', ...detail } };
  }

  private async missingCase(caseId: string): Promise<LifecycleOutcome> {
    await this.o.store.appendLedger(this.entry(caseId, 'case.missing', 'error', {}, 'salesforce'));
    return { caseId, done: 'case.missing' };
  }

  private async notChat(caseId: string): Promise<LifecycleOutcome> {
    await this.o.store.appendLedger(this.entry(caseId, 'case.not_chat', 'ok', {}, 'salesforce'));
    return { caseId, done: 'case.not_chat' };
  }

  /** The chat's freeze state (or message), then the status in the channel data. */
  private async apply(caseId: string, facts: CaseFacts): Promise<LifecycleOutcome> {
    const askFirst = facts.isClosed && this.o.action === 'freeze';
    if (askFirst) {
      const failed = await this.askSurvey(caseId, facts);
      if (failed) return failed;
    }
    const outcome = await this.applyClosed(caseId, facts.isClosed);
    if ('failed' in outcome || outcome.done === 'channel.missing') return outcome;
    if (facts.isClosed && !askFirst) {
      const failed = await this.askSurvey(caseId, facts);
      if (failed) return failed;
    }
    if (facts.status === null) return outcome;
    const status = await this.act(caseId, 'channel.status', () => this.writeStatus(caseId, facts.status!, facts.isClosed), {
      status: facts.status,
    });
    return 'failed' in status || status.done === 'channel.missing' ? status : outcome;
  }

  /** The survey of a closed Case; a failed outcome when Sendbird could not be reached (the job is retried). */
  private async askSurvey(caseId: string, facts: CaseFacts): Promise<LifecycleOutcome | null> {
    if (!this.o.survey) return null;
    try {
      await this.o.survey.askOnClose(caseId, facts.customerUserId);
      return null;
    } catch (err) {
      if (err instanceof StepRetryError) return { caseId, failed: err.failure };
      throw err;
    }
  }

  /**
   * The Case's status into the channel's `data` (the agent panel's list shows it): read the
   * channel, and write only when its data says otherwise (`exists` in the ledger then). Every
   * other key of the data is kept.
   */
  private async writeStatus(caseId: string, status: string, closed: boolean): Promise<LedgerOutcome> {
    const channel = await this.o.sendbird.getGroupChannel(caseId);
    const data = withChannelStatus(channel.data ?? '', status, closed);
    if (data === undefined) return 'exists';
    await this.o.sendbird.updateGroupChannel(caseId, { data });
    return 'ok';
  }

  private async applyClosed(caseId: string, isClosed: boolean): Promise<LifecycleOutcome> {
    // Transcript catch-up reads open Cases' channels only (a closed one once more, then no longer).
    await this.o.store.setTranscriptChannelOpen(caseId, !isClosed);
    if (this.o.action === 'freeze') {
      const action = isClosed ? 'channel.freeze' : 'channel.unfreeze';
      return this.act(caseId, action, () => this.o.sendbird.freezeChannel(caseId, isClosed));
    }
    const sent = await this.messagesSent(caseId);
    const last = sent.at(-1)?.action ?? null;
    if (isClosed && last !== 'channel.close_message') {
      return this.act(caseId, 'channel.close_message', () => this.say(caseId, 'closed', this.o.closedMessage, sent.length));
    }
    if (!isClosed && last === 'channel.close_message') {
      return this.act(caseId, 'channel.reopen_message', () => this.say(caseId, 'reopened', this.o.reopenedMessage, sent.length));
    }
    return { caseId, done: 'unchanged' };
  }

  /** The lifecycle messages the ledger says this Case's channel got, oldest first. */
  private async messagesSent(caseId: string) {
    const entries = await this.o.store.ledgerForCase(caseId);
    return entries.filter((e) => (MESSAGE_ACTIONS as readonly string[]).includes(e.action) && e.outcome !== 'error');
  }

  private async say(caseId: string, what: 'closed' | 'reopened', text: string, sequence: number): Promise<void> {
    try {
      await this.o.sendbird.sendMessage(caseId, {
        message_type: 'ADMM',
        message: text,
        custom_type: BRIDGE_MESSAGE_CUSTOM_TYPE,
        data: JSON.stringify({ sbsf: `case.${what}` }),
        // One message per transition even if the job runs again after sending it (a crash before
        // the ledger row was written): Sendbird refuses the same dedup_id twice with 400202.
        dedup_id: `sbsf-${caseId}-${sequence}`,
      });
    } catch (err) {
      if (err instanceof SendbirdAlreadyExistsError) return;
      throw err;
    }
  }

  private async act(
    caseId: string,
    action: string,
    call: () => Promise<unknown>,
    detail: Record<string, unknown> = {},
  ): Promise<LifecycleOutcome> {
    try {
      const result = await call();
      await this.o.store.appendLedger(this.entry(caseId, action, result === 'exists' ? 'exists' : 'ok', detail));
      return { caseId, done: action };
    } catch (err) {
      if (err instanceof SendbirdNotFoundError) {
        await this.o.store.appendLedger(this.entry(caseId, 'channel.missing', 'error', { wanted: action }));
        return { caseId, done: 'channel.missing' };
      }
      const failure = classifyFailure(err);
      await this.o.store.appendLedger(this.entry(caseId, action, 'error', { ...detail, code: failure.code }));
      this.o.logger.warn({ caseId, action, failure: { ...failure } }, 'lifecycle: could not bring the chat in step with the Case');
      return { caseId, failed: failure };
    }
  }
}
