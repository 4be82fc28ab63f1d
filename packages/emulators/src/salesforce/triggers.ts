/**
 * The org's trigger behaviour, as our Apex does it (salesforce/force-app/main/default/classes):
 * the record changes one transaction committed become the events SendbirdCallOuts posts to the
 * bridge in ONE callout.
 *
 * - CaseTriggerHandler (after update), rule OwnerChanged: OwnerId changed, whatever the kinds of
 *   owner -> `case.owner_changed` {caseId, previousOwnerId, ownerId, occurredAt = LastModifiedDate};
 *   then rule StatusChanged: Status changed -> `case.status_changed` {caseId, previousStatus,
 *   status, isClosed = IsClosed after the change, occurredAt = LastModifiedDate}. A save that
 *   changes both sends both, owner first (the order of the Apex's rules).
 * - AgentWorkTriggerHandler (after update): AcceptDateTime went from empty to set, or Status
 *   became 'Opened' (once per record even when both change together), and WorkItemId is a Case ->
 *   `agentwork.accepted` {caseId = WorkItemId, userId = UserId, workId, occurredAt =
 *   AcceptDateTime or LastModifiedDate}.
 * - SendbirdCallOuts.publish: events describing the same change (every key but occurredAt equal)
 *   are sent once; at most MAX_EVENTS_PER_TRANSACTION per transaction, the rest dropped (the Apex
 *   logs them to Sendbird_Sync_Error__c; the bridge's sweep repairs those Cases).
 */
import type { SalesforceEvent } from '@sbsf/wire';
import type { SfRecord } from './state.js';
import { parseDateTime } from './util.js';
import type { RecordChange } from './write.js';

/** SendbirdCallOuts.MAX_EVENTS_PER_TRANSACTION. */
export const MAX_EVENTS_PER_TRANSACTION = 2000;
/** AgentWorkTriggerHandler.STATUS_OPENED. */
export const AGENTWORK_STATUS_OPENED = 'Opened';

/** Apex `JSON.serialize(Datetime)`: ISO-8601 UTC with milliseconds and `Z`. */
function apexDatetime(...candidates: unknown[]): string {
  for (const c of candidates) {
    const ms = typeof c === 'string' ? parseDateTime(c) : Number.NaN;
    if (!Number.isNaN(ms)) return new Date(ms).toISOString();
  }
  return new Date().toISOString();
}

/** AgentWorkTriggerHandler.isAccepted. */
export function isAccepted(current: SfRecord, previous: SfRecord | undefined): boolean {
  if (!previous) return false;
  const acceptStamped = (previous.AcceptDateTime === null || previous.AcceptDateTime === undefined) && current.AcceptDateTime !== null && current.AcceptDateTime !== undefined;
  const becameOpened = current.Status === AGENTWORK_STATUS_OPENED && previous.Status !== AGENTWORK_STATUS_OPENED;
  return acceptStamped || becameOpened;
}

function eventsOf(change: RecordChange): SalesforceEvent[] {
  const { def, before, after } = change;
  // Both handlers run on after update only: inserts and deletes send nothing.
  if (!before || !after) return [];
  if (def.name === 'Case') {
    const events: SalesforceEvent[] = [];
    if (before.OwnerId !== after.OwnerId) {
      events.push({
        type: 'case.owner_changed',
        caseId: after.Id,
        previousOwnerId: (before.OwnerId as string | null) ?? null,
        ownerId: after.OwnerId as string,
        occurredAt: apexDatetime(after.LastModifiedDate),
      });
    }
    if (before.Status !== after.Status && typeof after.Status === 'string') {
      events.push({
        type: 'case.status_changed',
        caseId: after.Id,
        previousStatus: typeof before.Status === 'string' ? before.Status : null,
        status: after.Status,
        isClosed: after.IsClosed === true,
        occurredAt: apexDatetime(after.LastModifiedDate),
      });
    }
    return events;
  }
  if (def.name === 'AgentWork' && isAccepted(after, before) && typeof after.WorkItemId === 'string' && after.WorkItemId.startsWith('500')) {
    return [{
      type: 'agentwork.accepted',
      caseId: after.WorkItemId,
      userId: after.UserId as string,
      workId: after.Id,
      occurredAt: apexDatetime(after.AcceptDateTime, after.LastModifiedDate),
    }];
  }
  return [];
}

/** SendbirdEvents.dedupeKey: every key but occurredAt. */
function dedupeKey(e: SalesforceEvent): string {
  return Object.entries(e)
    .filter(([k]) => k !== 'occurredAt')
    .map(([k, v]) => `${k}=${String(v)}`)
    .join('|');
}

/** The events a transaction's changes make, in order, deduplicated and capped. */
export function triggerEvents(changes: readonly RecordChange[]): { events: SalesforceEvent[]; dropped: number } {
  const seen = new Set<string>();
  const events: SalesforceEvent[] = [];
  let dropped = 0;
  for (const change of changes) {
    for (const e of eventsOf(change)) {
      if (seen.has(dedupeKey(e))) continue;
      seen.add(dedupeKey(e));
      if (events.length >= MAX_EVENTS_PER_TRANSACTION) dropped++;
      else events.push(e);
    }
  }
  return { events, dropped };
}
