/**
 * The steps the survey and the chat end take upstream, each recorded in the ledger: a bridge
 * notice posted once (its `dedup_id` makes a repeat a no-op: Sendbird answers 400202, recorded as
 * `exists`), and a write to the Case. A failure is ledgered with its code and classified: a
 * retryable one is thrown for the job runner to retry; a refusal is returned, since a retry would
 * be refused again.
 */
import type { SalesforceClient } from '@sbsf/salesforce';
import { SendbirdAlreadyExistsError, type SendbirdClient } from '@sbsf/sendbird';
import { BRIDGE_MESSAGE_CUSTOM_TYPE, type BridgeNotice } from '@sbsf/wire';
import type { LedgerOutcome, LedgerSystem, Store } from '../store/types.js';
import { classifyFailure, type ClassifiedFailure } from '../upstream-failure.js';

/** A step that failed for a reason a retry can fix: the job is retried. */
export class StepRetryError extends Error {
  constructor(
    readonly action: string,
    readonly failure: ClassifiedFailure,
  ) {
    super(`[csat] ${action} failed (${failure.system} ${failure.code}: ${failure.message}); it is retried`);
    this.name = 'StepRetryError';
  }
}

export type StepResult = { outcome: Exclude<LedgerOutcome, 'error'> } | { outcome: 'error'; failure: ClassifiedFailure };

export interface StepDeps {
  store: Store;
  salesforce: SalesforceClient;
  sendbird: SendbirdClient;
}

/** Runs one upstream call and ledgers it (`source` says which feature asked). */
export async function ledgeredStep(
  deps: StepDeps,
  step: { caseId: string; system: LedgerSystem; action: string; source: string; detail?: Record<string, unknown> },
  call: () => Promise<Exclude<LedgerOutcome, 'error'>>,
): Promise<StepResult> {
  const { caseId, system, action, source, detail = {} } = step;
  try {
    const outcome = await call();
    await deps.store.appendLedger({ caseId, system, action, target: caseId, outcome, detail: { source, ...detail } });
    return { outcome };
  } catch (err) {
    const failure = classifyFailure(err);
    await deps.store.appendLedger({
      caseId,
      system,
      action,
      target: caseId,
      outcome: 'error',
      detail: { source, ...detail, code: failure.code },
    });
    if (failure.kind === 'retryable') throw new StepRetryError(action, failure);
    return { outcome: 'error', failure };
  }
}

/** Posts a bridge notice into the Case's channel once: `exists` when that dedup id was posted before. */
export async function postNotice(
  sendbird: SendbirdClient,
  caseId: string,
  text: string,
  notice: BridgeNotice,
  dedupId: string,
): Promise<'ok' | 'exists'> {
  try {
    await sendbird.sendMessage(caseId, {
      message_type: 'ADMM',
      message: text,
      custom_type: BRIDGE_MESSAGE_CUSTOM_TYPE,
      data: JSON.stringify(notice),
      dedup_id: dedupId,
    });
    return 'ok';
  } catch (err) {
    if (err instanceof SendbirdAlreadyExistsError) return 'exists';
    throw err;
  }
}

/** Epoch ms as the datetime text Salesforce takes. */
export const salesforceDateTime = (ms: number): string => new Date(ms).toISOString();
