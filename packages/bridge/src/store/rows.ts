/**
 * Database rows -> the `Store` interface's records, for both stores. The only difference between
 * the dialects is how a JSON column arrives: PostgreSQL's driver hands it over parsed (see
 * `PG_TYPES` in postgres.ts), SQLite as text; `rowMappers` takes the decoder.
 */
import type { IdempotencyRecord, Job, JobState, LedgerEntry, SalesforceEventRecord, Ticket, TicketState, TranscriptRecord, TranscriptState, TranscriptChannel, CatchupReason } from './types.js';

/** Turns a JSON column's value as the driver returns it into the parsed value. */
export type JsonDecode = (raw: unknown) => unknown;
export const PG_JSON: JsonDecode = (v) => v;
export const SQLITE_JSON: JsonDecode = (v) => JSON.parse(v as string);

export interface TicketRow {
  id: string;
  client_key: string;
  state: TicketState;
  customer_user_id: string;
  customer_nickname: string | null;
  case_fields: unknown;
  case_id: string | null;
  case_number: string | null;
  channel_url: string | null;
  last_error: string | null;
  attempts: number;
  created_at: number;
  updated_at: number;
}

export interface IdempotencyRow {
  scope: string;
  key: string;
  request_hash: string;
  ticket_id: string | null;
  response_status: number | null;
  response_body: unknown;
  created_at: number;
  expires_at: number;
}

export interface JobRow {
  id: number;
  kind: string;
  payload: unknown;
  dedupe_key: string | null;
  state: JobState;
  attempts: number;
  max_attempts: number;
  run_at: number;
  locked_by: string | null;
  locked_until: number | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
}

export interface LedgerRow {
  id: number;
  at: number;
  case_id: string | null;
  ticket_id: string | null;
  system: LedgerEntry['system'];
  action: string;
  target: string | null;
  outcome: LedgerEntry['outcome'];
  detail: unknown;
}

export interface SalesforceEventRow {
  id: number;
  received_at: number;
  type: string;
  case_id: string;
  occurred_at: string | null;
  payload: unknown;
}


export interface TranscriptRow {
  message_id: string;
  case_id: string;
  channel_url: string;
  version: number;
  message: unknown;
  deleted: number;
  state: TranscriptState;
  rev: number;
  attempts: number;
  received_at: number;
  pending_since: number;
  next_attempt_at: number;
  leased_by: string | null;
  lease_until: number | null;
  salesforce_id: string | null;
  last_error: string | null;
  synced_at: number | null;
  updated_at: number;
}

export interface TranscriptChannelRow {
  channel_url: string;
  case_id: string;
  open: number;
  checked_id: string | null;
  checked_at: number;
  next_catchup_at: number | null;
  due_reason: string | null;
  last_catchup_at: number | null;
}

/** A `transcript_channels` row (same columns in both stores) as the `Store` interface's record. */
export const toTranscriptChannel = (r: TranscriptChannelRow): TranscriptChannel => ({
  channelUrl: r.channel_url,
  caseId: r.case_id,
  open: r.open === 1,
  checkedId: r.checked_id,
  checkedAt: Number(r.checked_at),
  nextCatchupAt: r.next_catchup_at === null ? null : Number(r.next_catchup_at),
  dueReason: (r.due_reason as CatchupReason | null) ?? null,
  lastCatchupAt: r.last_catchup_at === null ? null : Number(r.last_catchup_at),
});

export function rowMappers(json: JsonDecode) {
  const toTicket = (r: TicketRow): Ticket => ({
    id: r.id,
    clientKey: r.client_key,
    state: r.state,
    customerUserId: r.customer_user_id,
    customerNickname: r.customer_nickname,
    caseFields: json(r.case_fields) as Record<string, unknown>,
    caseId: r.case_id,
    caseNumber: r.case_number,
    channelUrl: r.channel_url,
    lastError: r.last_error,
    attempts: r.attempts,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  });

  const toIdempotency = (r: IdempotencyRow): IdempotencyRecord => ({
    scope: r.scope,
    key: r.key,
    requestHash: r.request_hash,
    ticketId: r.ticket_id,
    responseStatus: r.response_status,
    responseBody: r.response_body === null ? null : json(r.response_body),
    createdAt: r.created_at,
    expiresAt: r.expires_at,
  });

  const toJob = (r: JobRow): Job => ({
    id: r.id,
    kind: r.kind,
    payload: json(r.payload),
    dedupeKey: r.dedupe_key,
    state: r.state,
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    runAt: r.run_at,
    lockedBy: r.locked_by,
    lockedUntil: r.locked_until,
    lastError: r.last_error,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  });

  const toLedger = (r: LedgerRow): LedgerEntry => ({
    id: r.id,
    at: r.at,
    caseId: r.case_id,
    ticketId: r.ticket_id,
    system: r.system,
    action: r.action,
    target: r.target,
    outcome: r.outcome,
    detail: json(r.detail) as Record<string, unknown>,
  });

  const toSalesforceEvent = (r: SalesforceEventRow): SalesforceEventRecord => ({
    id: r.id,
    receivedAt: r.received_at,
    type: r.type,
    caseId: r.case_id,
    occurredAt: r.occurred_at,
    payload: json(r.payload) as Record<string, unknown>,
  });


  const toTranscript = (r: TranscriptRow): TranscriptRecord => ({
    messageId: r.message_id,
    caseId: r.case_id,
    channelUrl: r.channel_url,
    version: r.version,
    message: r.message === null ? null : (json(r.message) as TranscriptRecord['message']),
    deleted: r.deleted === 1,
    state: r.state,
    rev: r.rev,
    attempts: r.attempts,
    receivedAt: r.received_at,
    pendingSince: r.pending_since,
    nextAttemptAt: r.next_attempt_at,
    salesforceId: r.salesforce_id,
    lastError: r.last_error,
    syncedAt: r.synced_at,
  });
  return { toTicket, toIdempotency, toJob, toLedger, toSalesforceEvent, toTranscript };
}
