/**
 * What Aura sends into the container, checked before use: `lightning:container` delivers
 * whatever `component.find('SendBird_Bar').message(...)` was given, so a malformed answer must
 * not crash the panel or put `undefined` into the Sendbird connection.
 */
import type { LccAgentSession, LccHistoryAnswer } from '@sbsf/wire';

export type AuraMessage =
  | { kind: 'session'; session: LccAgentSession }
  | { kind: 'error'; message: string }
  | { kind: 'history'; answer: LccHistoryAnswer }
  | { kind: 'invalid'; reason: string };

const REQUIRED = ['userId', 'nickname', 'accessToken', 'appId'] as const;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reasons never quote values: the message carries a session token. */
export function parseAuraMessage(message: unknown): AuraMessage {
  if (!isRecord(message)) return { kind: 'invalid', reason: `expected an object, got ${message === null ? 'null' : typeof message}` };
  if (message.event === 'HISTORY') return parseHistoryAnswer(message);
  if (typeof message.error === 'string') return { kind: 'error', message: message.error };
  for (const key of REQUIRED) {
    const value = message[key];
    // The nickname may be empty (a user without a name); the others may not.
    if (typeof value !== 'string' || (key !== 'nickname' && value === '')) {
      return { kind: 'invalid', reason: `${key} is missing or not a non-empty string` };
    }
  }
  const session: LccAgentSession = {
    userId: message.userId as string,
    nickname: message.nickname as string,
    accessToken: message.accessToken as string,
    appId: message.appId as string,
  };
  // Apex hands JSON numbers over as numbers; accept a numeric string too (Aura may stringify Longs).
  const expiresAt = typeof message.expiresAt === 'string' ? Number(message.expiresAt) : message.expiresAt;
  if (typeof expiresAt === 'number' && Number.isFinite(expiresAt)) session.expiresAt = expiresAt;
  if (typeof message.apiHost === 'string' && /^https?:\/\//.test(message.apiHost)) session.apiHost = message.apiHost;
  return { kind: 'session', session };
}

/** Same agent, same token, same place: nothing to reconnect. */
export function sameSession(a: LccAgentSession | undefined, b: LccAgentSession): boolean {
  return (
    !!a &&
    a.userId === b.userId &&
    a.accessToken === b.accessToken &&
    a.appId === b.appId &&
    a.apiHost === b.apiHost &&
    a.nickname === b.nickname
  );
}

/** `{event:"HISTORY", caseId, history}` or `{..., error}`: the shapes are checked, the Cases' own fields by the view. */
function parseHistoryAnswer(message: Record<string, unknown>): AuraMessage {
  const { caseId, history, error } = message;
  if (typeof caseId !== 'string') return { kind: 'invalid', reason: 'HISTORY without caseId' };
  if (isRecord(history) && Array.isArray(history.cases)) {
    return { kind: 'history', answer: { event: 'HISTORY', caseId, history: { caseId, cases: history.cases.filter(isRecord) as never[] } } };
  }
  if (isRecord(error) && typeof error.code === 'string' && typeof error.message === 'string') {
    const retry = typeof error.retryAfterSeconds === 'number' ? { retryAfterSeconds: error.retryAfterSeconds } : {};
    return { kind: 'history', answer: { event: 'HISTORY', caseId, error: { code: error.code, message: error.message, ...retry } } };
  }
  return { kind: 'invalid', reason: 'HISTORY without history or error' };
}
