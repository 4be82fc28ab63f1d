/**
 * The parts of the org that are not the REST API: what our Apex and Omni-Channel do. Reachable as
 * `emulator.org`; the console simulator and the admin routes call these functions.
 *
 * - Transactions and triggers: every REST call, Composite or Collections call, and console action
 *   is one transaction. The record changes it commits go through `publishedEvents` (the trigger
 *   handlers CaseTriggerHandler and AgentWorkTriggerHandler, triggers.ts): one platform event
 *   Sendbird_Case_Event__e per chat-Case change, published after the commit onto the event bus
 *   (event-bus.ts), whose subscriber SendbirdCaseEventTriggerHandler enqueues one SendbirdCallOuts
 *   Queueable and one callout to the bridge per batch of up to 200 (bridge-delivery.ts). With the
 *   sync switches of Sendbird_Config__mdt off (`apexCaseEvents` false) the handlers publish
 *   nothing. The same committed changes go to `onCommit` (Change Data Capture, pubsub/).
 * - Console actions: `changeCaseOwner` and `changeCaseStatus` (saves in the UI, validated like the REST API),
 *   `omniRoute` / `omniAccept` / `omniDecline` (emulated Omni-Channel: an AgentWork is created
 *   `Assigned`; on accept it becomes `Opened` with `AcceptDateTime` and, as Omni does, the Case
 *   owner becomes the agent, in the same transaction).
 * - `getAgentSession(userId)`: the `SendbirdAgentSession.getAgentSession` Aura action.
 */
import { isSalesforceId, to18 } from '@sbsf/salesforce';
import { apiError, notFound } from './api-error.js';
import {
  BridgeDelivery,
  validateBridgeTarget,
  type BridgeDeliveryOptions,
  type BridgeDeliveryRecord,
  type BridgeTarget,
} from './bridge-delivery.js';
import { CaseEventBus, type EventBusStats } from './event-bus.js';
import { objectDef, type ObjectDef } from './schema.js';
import type { RecordChange } from './records.js';
import type { OrgState, SfRecord } from './state.js';
import { publishedEvents, type CaseEventMessage } from './triggers.js';
import { formatDateTime } from './util.js';
import { insertRecord, updateRecord, type WriteContext } from './write.js';

/** The session the Aura action hands to the agent panel: exactly SendbirdAgentSession.SESSION_KEYS. */
export interface AgentSession {
  appId: string;
  userId: string;
  nickname: string;
  accessToken: string;
  expiresAt: number;
}

/** SendbirdAgentSession.SESSION_KEYS. */
export const AGENT_SESSION_KEYS = ['appId', 'userId', 'nickname', 'accessToken', 'expiresAt'] as const;
/** SendbirdBridgeClient.AGENT_SESSION_PATH. */
export const AGENT_SESSION_PATH = '/agents/session';
/** SendbirdAgentSession.UNAVAILABLE, word for word: all the agent ever sees of a failure. */
export const AGENT_SESSION_UNAVAILABLE =
  'Sendbird chat is unavailable right now. Try again in a minute; if it keeps failing, ask your Salesforce admin to check the Sendbird_Bridge named credential and the Sendbird_Agent permission set.';

/** SendbirdBridgeClient.AGENT_HISTORY_PATH. */
export const AGENT_HISTORY_PATH = '/agents/history';
/** SendbirdCaseHistory.UNAVAILABLE and UNAVAILABLE_CODE, word for word. */
export const HISTORY_UNAVAILABLE = 'The customer history is unavailable right now. Try again in a minute.';
export const HISTORY_UNAVAILABLE_CODE = 'bridge_unavailable';

/** What `SendbirdAgentSession.getCaseHistory` returns. */
export type CaseHistoryAnswer =
  { history: { caseId: unknown; cases: unknown[] } } | { error: { code: string; message: string; retryAfterSeconds?: number } };

/**
 * SendbirdCaseHistory.parseAnswer: the history on a 2xx with a list of Cases, the bridge's error
 * code and message on an error status, else unavailable.
 */
export function caseHistoryAnswer(status: number, text: string): CaseHistoryAnswer {
  const unavailable: CaseHistoryAnswer = { error: { code: HISTORY_UNAVAILABLE_CODE, message: HISTORY_UNAVAILABLE } };
  let parsed: Record<string, unknown> | null;
  try {
    parsed = JSON.parse(text) as Record<string, unknown> | null;
  } catch {
    return unavailable;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return unavailable;
  if (status >= 200 && status <= 299 && Array.isArray(parsed.cases)) return { history: { caseId: parsed.caseId, cases: parsed.cases } };
  const error = parsed.error as Record<string, unknown> | undefined;
  if (status >= 400 && error && typeof error === 'object' && typeof error.code === 'string' && typeof error.message === 'string') {
    const retry = error.retryAfterSeconds;
    return {
      error: { code: error.code, message: error.message, ...(Number.isInteger(retry) ? { retryAfterSeconds: retry as number } : {}) },
    };
  }
  return unavailable;
}

/**
 * What the Aura action throws (an AuraHandledException): a safe message only. `reason` says what
 * happened, for the emulator's own log and tests; it never holds the secret or the token.
 */
export class AgentSessionError extends Error {
  constructor(readonly reason: string) {
    super(AGENT_SESSION_UNAVAILABLE);
    this.name = 'AgentSessionError';
  }
}

export interface OrgBehaviour {
  /** Like saving a new owner in the UI: validated like the REST API (ApiError), fires the triggers. */
  changeCaseOwner(caseId: string, ownerId: string): SfRecord;
  /** Like saving a new Status in the UI (closing or reopening the Case): validated, fires the triggers. */
  changeCaseStatus(caseId: string, status: string): SfRecord;
  /** Omni-Channel routes a Case to an agent: an AgentWork `Assigned`, WorkItemId = Case, UserId = agent. */
  omniRoute(caseId: string, userId: string): SfRecord;
  /** The agent accepts: AgentWork -> `Opened` + `AcceptDateTime`, and the Case owner becomes the agent. */
  omniAccept(workId: string): { work: SfRecord; case: SfRecord };
  /** The agent declines: AgentWork -> `Declined`; the Case is untouched. */
  omniDecline(workId: string): SfRecord;
  /** The `SendbirdAgentSession.getAgentSession` Aura action for this user; throws AgentSessionError. */
  getAgentSession(userId: string): Promise<AgentSession>;
  /**
   * The `SendbirdAgentSession.getCaseHistory` Aura action for this user, as SendbirdCaseHistory
   * answers it: `{history}` on the bridge's 2xx, `{error: {code, message, retryAfterSeconds?}}`
   * otherwise (the bridge's, or HISTORY_UNAVAILABLE). Never throws.
   */
  getCaseHistory(userId: string, caseId: string): Promise<CaseHistoryAnswer>;
  /** Where events and agent-session calls go (the Named Credential); null = nowhere. */
  setBridge(target: BridgeTarget | null): void;
  /** The configured bridge URL (never the secret), or null. */
  bridge(): { url: string } | null;
  /** The log of SendbirdCallOuts jobs (one per subscriber batch), oldest first. */
  bridgeDeliveries(): BridgeDeliveryRecord[];
  clearBridgeDeliveries(): void;
  /** Platform events, EventBus.publish calls, subscriber batches, Queueables, callouts (since the last reset). */
  eventStats(): EventBusStats;
  /** The last platform events published (up to 1000), oldest first, as Sendbird_Case_Event__e records. */
  platformEvents(): CaseEventMessage[];
  /** Zeroes the counters and forgets the published events. */
  resetEventStats(): void;
  /** Resolves when the subscriber has taken every published event and every job it enqueued has finished. */
  idle(): Promise<void>;
  /**
   * Runs `fn` as one transaction; its committed changes fire the triggers, which publish platform
   * events, and become change events (Change Data Capture) when the emulator serves Pub/Sub API.
   * `commit` says who committed and from where (the change events' commitUser and changeOrigin).
   */
  transaction<T>(fn: () => T, commit?: TransactionInfo): T;
  /** Whether the Apex triggers publish platform events (the three sync switches of Sendbird_Config__mdt). */
  apexCaseEvents(): boolean;
  /** Turns the three sync switches of Sendbird_Config__mdt on or off: off, the triggers publish nothing. */
  setApexCaseEvents(enabled: boolean): void;
  /** Stops retries (the emulator is closing). */
  close(): void;
}

/** Who committed a transaction, and through which API (ChangeEventHeader commitUser, changeOrigin). */
export interface TransactionInfo {
  userId?: string;
  /** `com/salesforce/api/rest/62.0;client=X` for a REST call; empty for the UI. */
  changeOrigin?: string;
}

export interface OrgDeps {
  state: OrgState;
  now: () => number;
  /** The integration user, who "saves" console owner changes. */
  integrationUserId: () => string;
  bridge?: BridgeTarget;
  delivery?: BridgeDeliveryOptions;
  /** The subscriber's batch size (PlatformEventSubscriberConfig.batchSize); default 200. */
  subscriberBatchSize?: number;
  fetch?: typeof fetch;
  /** False: the Sendbird_Config__mdt sync switches are off and the triggers publish nothing. Default true. */
  apexCaseEvents?: boolean;
  /** Called with every committed transaction's changes (Change Data Capture). */
  onCommit?: (changes: readonly RecordChange[], commit: { userId: string; changeOrigin: string }) => void;
}

const def = (name: string): ObjectDef => objectDef(name)!;

function idOf(object: string, raw: string): string {
  const d = def(object);
  if (!isSalesforceId(raw) || !raw.startsWith(d.keyPrefix))
    throw apiError(400, 'MALFORMED_ID', `${object} ID: id value of incorrect type: ${raw}`, ['Id']);
  return to18(raw);
}

export function createOrg(deps: OrgDeps): OrgBehaviour {
  const { state } = deps;
  const deliveryOptions = deps.delivery ?? {};
  const delivery = new BridgeDelivery({ ...deliveryOptions, ...(deps.fetch ? { fetch: deps.fetch } : {}) });
  const bus = new CaseEventBus(delivery, deps.subscriberBatchSize);
  let target: BridgeTarget | null = null;
  const setBridge = (t: BridgeTarget | null) => {
    target = t === null ? null : validateBridgeTarget(t);
    delivery.set(target);
  };
  if (deps.bridge) setBridge(deps.bridge);
  const fetchFn = deps.fetch ?? fetch;
  const as = (userId: string): WriteContext => ({ userId, now: deps.now() });

  let apexCaseEvents = deps.apexCaseEvents ?? true;

  const transaction = <T>(fn: () => T, commit: TransactionInfo = {}): T => {
    const { result, changes } = state.transaction(fn);
    if (changes.length === 0) return result;
    // PublishAfterCommit: only what the transaction committed reaches the bus. With the sync
    // switches off, the handlers return before publishing anything.
    if (apexCaseEvents) {
      const { messages, publishCalls } = publishedEvents(changes, (id) => state.get('Case', id));
      bus.publish(messages, publishCalls);
    }
    const writer = changes.find((c) => typeof c.after?.LastModifiedById === 'string')?.after?.LastModifiedById as string | undefined;
    deps.onCommit?.(changes, { userId: commit.userId ?? writer ?? deps.integrationUserId(), changeOrigin: commit.changeOrigin ?? '' });
    return result;
  };

  /** A console action touching several records: all or nothing, like one Apex transaction. */
  const atomic = <T>(fn: () => T): T =>
    transaction(() =>
      state.savepoint((rollback) => {
        try {
          return fn();
        } catch (err) {
          rollback();
          throw err;
        }
      }),
    );

  const work = (workId: string): SfRecord => {
    const rec = state.get('AgentWork', idOf('AgentWork', workId));
    if (!rec) throw notFound();
    return rec;
  };
  const mustBeAssigned = (w: SfRecord, action: string) => {
    if (w.Status !== 'Assigned')
      throw apiError(400, 'INVALID_OPERATION', `AgentWork ${w.Id} is ${String(w.Status)}: only Assigned work can be ${action}`, ['Status']);
  };

  return {
    changeCaseOwner(caseId, ownerId) {
      const id = idOf('Case', caseId);
      return transaction(() => updateRecord(state, def('Case'), id, { OwnerId: ownerId }, as(deps.integrationUserId())));
    },

    changeCaseStatus(caseId, status) {
      const id = idOf('Case', caseId);
      return transaction(() => updateRecord(state, def('Case'), id, { Status: status }, as(deps.integrationUserId())));
    },

    omniRoute(caseId, userId) {
      const workItemId = idOf('Case', caseId);
      const agent = idOf('User', userId);
      if (state.get('User', agent)?.IsActive !== true)
        throw apiError(400, 'FIELD_INTEGRITY_EXCEPTION', `User ID: ${userId} is not an active user`, ['UserId']);
      return transaction(() =>
        insertRecord(
          state,
          def('AgentWork'),
          { WorkItemId: workItemId, UserId: agent, OwnerId: agent, Status: 'Assigned' },
          as(deps.integrationUserId()),
        ),
      );
    },

    omniAccept(workId) {
      return atomic(() => {
        const w = work(workId);
        mustBeAssigned(w, 'accepted');
        const agent = w.UserId as string;
        const ctx = as(agent);
        const opened = updateRecord(state, def('AgentWork'), w.Id, { Status: 'Opened', AcceptDateTime: formatDateTime(ctx.now) }, ctx);
        const caseId = w.WorkItemId as string;
        const current = state.get('Case', caseId);
        if (!current) throw notFound();
        // Omni-Channel makes the agent the owner of the routed Case on accept.
        const updated = current.OwnerId === agent ? current : updateRecord(state, def('Case'), caseId, { OwnerId: agent }, ctx);
        return { work: opened, case: updated };
      });
    },

    omniDecline(workId) {
      return transaction(() => {
        const w = work(workId);
        mustBeAssigned(w, 'declined');
        return updateRecord(state, def('AgentWork'), w.Id, { Status: 'Declined' }, as(w.UserId as string));
      });
    },

    async getAgentSession(userId) {
      const id = idOf('User', userId);
      const user = state.get('User', id);
      if (!user || user.IsActive !== true) throw new AgentSessionError(`no active User ${userId}`);
      if (!target) throw new AgentSessionError('no bridge configured');
      let res: Response;
      let text: string;
      try {
        res = await fetchFn(`${target.url}${AGENT_SESSION_PATH}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${target.secret}`, 'content-type': 'application/json', accept: 'application/json' },
          // Apex: String.valueOf(UserInfo.getUserId()) is the 18-character Id; UserInfo.getName().
          body: JSON.stringify({ userId: id, nickname: user.Name }),
          signal: AbortSignal.timeout(deliveryOptions.timeoutMs ?? 20_000),
        });
        text = await res.text();
      } catch (err) {
        throw new AgentSessionError(`the bridge could not be reached: ${(err as Error).message}`);
      }
      if (res.status < 200 || res.status > 299) throw new AgentSessionError(`POST ${AGENT_SESSION_PATH} answered HTTP ${res.status}`);
      let parsed: Record<string, unknown> | null;
      try {
        parsed = JSON.parse(text) as Record<string, unknown> | null;
      } catch {
        throw new AgentSessionError('the answer is not JSON');
      }
      const session: Record<string, unknown> = {};
      for (const key of AGENT_SESSION_KEYS) {
        const v = parsed?.[key];
        if (v === null || v === undefined) throw new AgentSessionError(`the answer has no ${key}`);
        session[key] = v;
      }
      return session as unknown as AgentSession;
    },

    async getCaseHistory(userId, caseId) {
      const unavailable = caseHistoryAnswer(0, '');
      // Apex: an Id parameter that is not a Case Id is refused before any callout.
      if (!isSalesforceId(caseId) || !caseId.startsWith('500'))
        return { error: { code: 'invalid_request', message: 'caseId must be a Case Id.' } };
      if (!target) return unavailable;
      try {
        const res = await fetchFn(`${target.url}${AGENT_HISTORY_PATH}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${target.secret}`, 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify({ userId: idOf('User', userId), caseId: to18(caseId) }),
          signal: AbortSignal.timeout(deliveryOptions.timeoutMs ?? 20_000),
        });
        return caseHistoryAnswer(res.status, await res.text());
      } catch {
        return unavailable;
      }
    },

    setBridge,
    bridge: () => delivery.get(),
    bridgeDeliveries: () => delivery.deliveries(),
    clearBridgeDeliveries: () => delivery.clear(),
    eventStats: () => bus.stats(),
    platformEvents: () => bus.published(),
    resetEventStats: () => bus.resetStats(),
    idle: () => bus.idle(),
    transaction,
    apexCaseEvents: () => apexCaseEvents,
    setApexCaseEvents(enabled) {
      if (typeof enabled !== 'boolean') throw new TypeError('apexCaseEvents must be true or false');
      apexCaseEvents = enabled;
    },
    close: () => bus.close(),
  };
}
