/**
 * What our Apex (and the Salesforce emulator, which plays the org) posts to the bridge:
 * `POST /salesforce/events` with `{"events":[...]}`, one callout per batch of the platform-event
 * subscriber (each event one Sendbird_Case_Event__e, up to 200 per batch).
 */
export interface CaseOwnerChangedEvent {
  type: 'case.owner_changed';
  /** 18-character Case Id (the channel URL). */
  caseId: string;
  previousOwnerId: string | null;
  ownerId: string;
  /** ISO-8601 timestamp of the change in Salesforce. */
  occurredAt: string;
}

export interface AgentWorkAcceptedEvent {
  type: 'agentwork.accepted';
  caseId: string;
  /** The agent: AgentWork.UserId (18 characters). */
  userId: string;
  /** AgentWork Id. */
  workId: string;
  occurredAt: string;
}

export interface CaseStatusChangedEvent {
  type: 'case.status_changed';
  caseId: string;
  /** The Status picklist value (API name) before the change; null only when it is unknown. */
  previousStatus: string | null;
  /** The Status after the change. */
  status: string;
  /** Case.IsClosed after the change: whether the new Status is a closed one. */
  isClosed: boolean;
  occurredAt: string;
}

export type SalesforceEvent = CaseOwnerChangedEvent | AgentWorkAcceptedEvent | CaseStatusChangedEvent;

export interface SalesforceEventBatch {
  events: SalesforceEvent[];
}

/** `custom_type` of every support channel the bridge creates. */
export const SUPPORT_CHANNEL_CUSTOM_TYPE = 'sf_case';

/**
 * `custom_type` of every message the bridge itself sends (e.g. the admin message on a closed
 * Case), so the transcript never mirrors the bridge's own words back to Salesforce.
 */
export const BRIDGE_MESSAGE_CUSTOM_TYPE = 'sbsf_bridge';
