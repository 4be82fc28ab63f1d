/**
 * The customer history the agent panel shows beside a conversation: the customer's other Cases,
 * as the bridge answers `POST /agents/history` and as Aura hands it into the container
 * (docs/agent-panel.md, "Customer history").
 */

/** The last chat message of a Case (its transcript's newest customer or agent message). */
export interface CaseHistoryMessage {
  body: string;
  /** `Customer` or `Agent` (Sendbird_Message__c.Sender_Role__c), or null. */
  senderRole: string | null;
  senderName: string | null;
  /** Salesforce datetime text, or null. */
  sentAt: string | null;
}

/** One of the customer's other Cases. */
export interface CaseHistoryEntry {
  /** 18-character Case Id (also its channel URL). */
  id: string;
  caseNumber: string;
  subject: string | null;
  status: string | null;
  isClosed: boolean;
  /** Case.CreatedDate (Salesforce datetime text), or null. */
  createdAt: string | null;
  lastMessage: CaseHistoryMessage | null;
}

/** The bridge's answer: the customer's other Cases the agent may see, newest first (at most 20). */
export interface CaseHistory {
  /** The Case asked about (18 characters); it is not among `cases`. */
  caseId: string;
  cases: CaseHistoryEntry[];
}

/** Why the history could not be read: the bridge's error code and message (safe to show). */
export interface CaseHistoryError {
  code: string;
  message: string;
  /** Set when trying again later can help (Salesforce unavailable). */
  retryAfterSeconds?: number;
}
