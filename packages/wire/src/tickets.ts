/**
 * The bridge's customer API (`POST /tickets`, `GET /tickets/{id}`, `POST /session`) as the
 * customer app sees it. The bridge's route schemas are the source of truth (docs/bridge.md and
 * the OpenAPI document at /docs/json); these types restate them for browser code.
 */

/** The customer as the request body names them (guest mode: who they are; jwt mode: display only). */
export interface TicketCustomer {
  userId?: string;
  nickname?: string;
  email?: string;
}

/** Case fields a customer may set (the bridge's allow-list; the first four are required). */
export interface TicketCaseFields {
  Subject: string;
  Description: string;
  SuppliedName: string;
  SuppliedEmail: string;
  SuppliedPhone?: string;
  SuppliedCompany?: string;
  Type?: string;
  Priority?: string;
  Reason?: string;
  Comments?: string;
}

/** What a client needs to connect to Sendbird (or, in the sandbox, to the emulator's feed). */
export interface SendbirdSession {
  appId: string;
  userId: string;
  /** A Sendbird session token: connect with it; renew it through `POST /session`. */
  accessToken: string;
  /** Epoch ms. */
  expiresAt: number;
  /** The Sendbird API origin (the emulator's URL in the sandbox). */
  apiHost: string;
}

export type TicketState = 'received' | 'user_ready' | 'case_ready' | 'channel_ready' | 'completed' | 'failed';

export interface TicketView {
  ticket: { id: string; state: TicketState; createdAt: number };
  case: { id: string | null; caseNumber: string | null };
  channel: { url: string | null };
}

/** 201 answer of `POST /tickets`. */
export interface TicketCreated extends TicketView {
  sendbird: SendbirdSession;
}

/** Answer of `GET /tickets/{id}`. */
export interface TicketStatus extends TicketView {
  lastError: string | null;
}

/** Every bridge error: `{error: {code, message, field?, ...}}`. */
export interface BridgeErrorBody {
  error: {
    code: string;
    message: string;
    /** The request field at fault, e.g. `case.Subject`. */
    field?: string;
    /** 503 `ticket_pending`: the ticket the retry will return. */
    ticketId?: string;
    retryAfterSeconds?: number;
    requestId?: string;
    [extra: string]: unknown;
  };
}

/**
 * Longest value the bridge accepts per Case field the form sets (Salesforce's limits), in UTF-16
 * code units as Salesforce counts them (`utf16Length`: an emoji counts as 2).
 */
export const TICKET_FIELD_MAX_LENGTH = {
  Subject: 255,
  Description: 32000,
  SuppliedName: 80,
  SuppliedEmail: 80,
} as const;

/** Longest survey comment the bridge accepts, in UTF-16 code units (`utf16Length`: an emoji counts as 2). */
export const CSAT_COMMENT_MAX_LENGTH = 1000;

/** `POST /tickets/{caseId}/csat` body. */
export interface CsatAnswerBody {
  rating: number;
  comment?: string;
}

/** Answer of `GET` and `POST /tickets/{caseId}/csat`: the Case's survey as its customer sees it. */
export interface CsatView {
  csat: {
    surveyId: string;
    caseId: string;
    state: 'open' | 'answered' | 'expired';
    question: string;
    /** Epoch ms. */
    expiresAt: number;
    rating: number | null;
    comment: string | null;
    answeredAt: number | null;
  };
}

/** Answer of `POST /tickets/{caseId}/end`. */
export interface ChatEndView {
  end: { caseId: string; action: 'close' | 'mark'; requestedAt: number };
}
