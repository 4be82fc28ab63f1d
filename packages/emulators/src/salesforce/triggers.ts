/**
 * The org's trigger behaviour, as our Apex does it (salesforce/force-app/main/default/classes and
 * salesforce/omni-channel/main/default/classes): the after-update handlers publish one platform
 * event `Sendbird_Case_Event__e` per change of a chat Case (a Case whose Sendbird_Ticket_Id__c is
 * set, the same test as the bridge's sweep), and nothing for any other Case. No static state, no
 * dedupe, no cap: each trigger invocation publishes what it sees.
 *
 * - CaseTriggerHandler (trigger AssignAgent, after update), for a Case whose Sendbird_Ticket_Id__c
 *   is set after the change: OwnerId changed, whatever the kinds of owner -> Type__c
 *   `case.owner_changed`, Case_Id__c, Previous_Owner_Id__c, Owner_Id__c; then Status changed ->
 *   `case.status_changed`, Previous_Status__c, Status__c, Is_Closed__c = IsClosed after the change.
 *   A save that changes both publishes both, owner first. Occurred_At__c = LastModifiedDate.
 * - AgentWorkTriggerHandler (trigger AgentOmniChannel, after update): AcceptDateTime went from
 *   empty to set, or Status became 'Opened' (once per record even when both change together), and
 *   WorkItemId is a chat Case -> `agentwork.accepted`, Case_Id__c = WorkItemId, User_Id__c =
 *   UserId, Work_Id__c = Id, Occurred_At__c = AcceptDateTime or LastModifiedDate.
 * - Each invocation with at least one event makes ONE `EventBus.publish` call (a DML statement of
 *   the user's transaction). Salesforce runs a DML statement's triggers in chunks of up to 200
 *   records of one object type, a new chunk wherever the type changes (sObject Collections with
 *   mixed types); `triggerChunks` cuts the transaction's changes the same way.
 *
 * The subscriber (SendbirdCaseEventTriggerHandler) turns each event into the wire JSON event with
 * `toWireEvent` (field -> key as in SendbirdEvents.cls) and drops exact duplicates within its batch
 * (`dedupeBatch`); event-bus.ts plays the batching.
 */
import type { SalesforceEvent } from '@sbsf/wire';
import type { RecordChange, SfRecord } from './records.js';
import { parseDateTime } from './util.js';

/** AgentWorkTriggerHandler.STATUS_OPENED. */
export const AGENTWORK_STATUS_OPENED = 'Opened';
/** Records per trigger invocation (Apex runs triggers on up to 200 records at a time). */
export const TRIGGER_CHUNK_SIZE = 200;

/**
 * One `Sendbird_Case_Event__e` message as the handlers publish it. Text fields the event type does
 * not use are null; the Checkbox Is_Closed__c is false unless set. Ids are 18 characters, and
 * Occurred_At__c is the DateTime as Apex's JSON.serialize writes it.
 */
export interface CaseEventMessage {
  Type__c: SalesforceEvent['type'];
  Case_Id__c: string;
  Previous_Owner_Id__c: string | null;
  Owner_Id__c: string | null;
  Previous_Status__c: string | null;
  Status__c: string | null;
  Is_Closed__c: boolean;
  User_Id__c: string | null;
  Work_Id__c: string | null;
  Occurred_At__c: string;
}

/** The platform event's fields (the emulator's view of Sendbird_Case_Event__e). */
export const CASE_EVENT_FIELDS = [
  'Type__c',
  'Case_Id__c',
  'Previous_Owner_Id__c',
  'Owner_Id__c',
  'Previous_Status__c',
  'Status__c',
  'Is_Closed__c',
  'User_Id__c',
  'Work_Id__c',
  'Occurred_At__c',
] as const satisfies readonly (keyof CaseEventMessage)[];

type EventType = SalesforceEvent['type'];
type EventOf<T extends EventType> = Extract<SalesforceEvent, { type: T }>;

/**
 * Wire key -> platform-event field, per event type: the mapping SendbirdEvents.cls applies when the
 * subscriber builds `{"events":[...]}` (the contract test compares the two).
 */
export const WIRE_KEY_FIELDS = {
  'case.owner_changed': {
    type: 'Type__c',
    caseId: 'Case_Id__c',
    previousOwnerId: 'Previous_Owner_Id__c',
    ownerId: 'Owner_Id__c',
    occurredAt: 'Occurred_At__c',
  },
  'case.status_changed': {
    type: 'Type__c',
    caseId: 'Case_Id__c',
    previousStatus: 'Previous_Status__c',
    status: 'Status__c',
    isClosed: 'Is_Closed__c',
    occurredAt: 'Occurred_At__c',
  },
  'agentwork.accepted': { type: 'Type__c', caseId: 'Case_Id__c', userId: 'User_Id__c', workId: 'Work_Id__c', occurredAt: 'Occurred_At__c' },
} as const satisfies { readonly [T in EventType]: { readonly [K in keyof EventOf<T>]-?: keyof CaseEventMessage } };

/** Apex `JSON.serialize(Datetime)`: ISO-8601 UTC with milliseconds and `Z`. */
function apexDatetime(...candidates: unknown[]): string {
  for (const c of candidates) {
    const ms = typeof c === 'string' ? parseDateTime(c) : Number.NaN;
    if (!Number.isNaN(ms)) return new Date(ms).toISOString();
  }
  return new Date().toISOString();
}

/** The chat-Case test of the handlers and the bridge's sweep: Sendbird_Ticket_Id__c != null. */
export function isChatCase(c: SfRecord | undefined): boolean {
  return typeof c?.Sendbird_Ticket_Id__c === 'string' && c.Sendbird_Ticket_Id__c !== '';
}

/** AgentWorkTriggerHandler.isAccepted. */
export function isAccepted(current: SfRecord, previous: SfRecord | undefined): boolean {
  if (!previous) return false;
  const acceptStamped =
    (previous.AcceptDateTime === null || previous.AcceptDateTime === undefined) &&
    current.AcceptDateTime !== null &&
    current.AcceptDateTime !== undefined;
  const becameOpened = current.Status === AGENTWORK_STATUS_OPENED && previous.Status !== AGENTWORK_STATUS_OPENED;
  return acceptStamped || becameOpened;
}

const message = (type: EventType, caseId: string, occurredAt: string, fields: Partial<CaseEventMessage>): CaseEventMessage => ({
  Type__c: type,
  Case_Id__c: caseId,
  Previous_Owner_Id__c: null,
  Owner_Id__c: null,
  Previous_Status__c: null,
  Status__c: null,
  Is_Closed__c: false,
  User_Id__c: null,
  Work_Id__c: null,
  Occurred_At__c: occurredAt,
  ...fields,
});

/** What one after-update change publishes. `caseOf` reads a Case (for AgentWork.WorkItemId). */
function messagesOf(change: RecordChange, caseOf: (id: string) => SfRecord | undefined): CaseEventMessage[] {
  const { def, before, after } = change;
  if (!before || !after) return [];
  if (def.name === 'Case') {
    if (!isChatCase(after)) return [];
    const at = apexDatetime(after.LastModifiedDate);
    const out: CaseEventMessage[] = [];
    if (before.OwnerId !== after.OwnerId) {
      out.push(
        message('case.owner_changed', after.Id, at, {
          Previous_Owner_Id__c: (before.OwnerId as string | null) ?? null,
          Owner_Id__c: after.OwnerId as string,
        }),
      );
    }
    if (before.Status !== after.Status && typeof after.Status === 'string') {
      out.push(
        message('case.status_changed', after.Id, at, {
          Previous_Status__c: typeof before.Status === 'string' ? before.Status : null,
          Status__c: after.Status,
          Is_Closed__c: after.IsClosed === true,
        }),
      );
    }
    return out;
  }
  if (
    def.name === 'AgentWork' &&
    isAccepted(after, before) &&
    typeof after.WorkItemId === 'string' &&
    after.WorkItemId.startsWith('500') &&
    isChatCase(caseOf(after.WorkItemId))
  ) {
    return [
      message('agentwork.accepted', after.WorkItemId, apexDatetime(after.AcceptDateTime, after.LastModifiedDate), {
        User_Id__c: after.UserId as string,
        Work_Id__c: after.Id,
      }),
    ];
  }
  return [];
}

/**
 * The after-update trigger invocations of a transaction, in order: per DML statement, runs of
 * consecutive records of one object, cut into chunks of TRIGGER_CHUNK_SIZE. Inserts and deletes
 * run no after-update trigger and are left out.
 */
export function triggerChunks(changes: readonly RecordChange[]): RecordChange[][] {
  const chunks: RecordChange[][] = [];
  let last: RecordChange | undefined;
  for (const change of changes) {
    if (!change.before || !change.after) continue;
    const current = chunks.at(-1);
    const sameRun =
      current !== undefined &&
      last !== undefined &&
      last.statement === change.statement &&
      last.def.name === change.def.name &&
      current.length < TRIGGER_CHUNK_SIZE;
    if (sameRun) current.push(change);
    else chunks.push([change]);
    last = change;
  }
  return chunks;
}

/**
 * What a committed transaction publishes (PublishAfterCommit: a rolled-back transaction, or the
 * failed rows of a partial save, never reach this), and how many EventBus.publish calls it made.
 */
export function publishedEvents(
  changes: readonly RecordChange[],
  caseOf: (id: string) => SfRecord | undefined,
): { messages: CaseEventMessage[]; publishCalls: number } {
  const messages: CaseEventMessage[] = [];
  let publishCalls = 0;
  for (const chunk of triggerChunks(changes)) {
    const published = chunk.flatMap((c) => messagesOf(c, caseOf));
    if (published.length === 0) continue;
    publishCalls++;
    messages.push(...published);
  }
  return { messages, publishCalls };
}

/** SendbirdEvents: the wire JSON event of one platform event (see WIRE_KEY_FIELDS). */
export function toWireEvent(m: CaseEventMessage): SalesforceEvent {
  const keys = WIRE_KEY_FIELDS[m.Type__c] as Record<string, keyof CaseEventMessage>;
  return Object.fromEntries(Object.entries(keys).map(([key, field]) => [key, m[field]])) as unknown as SalesforceEvent;
}

/** SendbirdEvents.dedupeKey: every key but occurredAt. */
export function dedupeKey(e: SalesforceEvent): string {
  return Object.entries(e)
    .filter(([k]) => k !== 'occurredAt')
    .map(([k, v]) => `${k}=${String(v)}`)
    .join('|');
}

/** SendbirdCaseEventTriggerHandler: a batch's wire events, exact duplicates dropped (first kept). */
export function dedupeBatch(messages: readonly CaseEventMessage[]): { events: SalesforceEvent[]; duplicates: number } {
  const seen = new Set<string>();
  const events: SalesforceEvent[] = [];
  for (const m of messages) {
    const e = toWireEvent(m);
    const key = dedupeKey(e);
    if (seen.has(key)) continue;
    seen.add(key);
    events.push(e);
  }
  return { events, duplicates: messages.length - events.length };
}
