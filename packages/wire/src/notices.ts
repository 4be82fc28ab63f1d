/**
 * The bridge's notices in a support channel: Sendbird admin messages (`ADMM`, no sender) with the
 * bridge's `custom_type` and a JSON `data` whose `sbsf` names what happened. The message text is
 * what any client shows (Sendbird UIKit renders admin messages as centred text); the sandbox pane
 * and the transcript read `data` to say it better for each reader:
 *
 * - `ticket.form`: the ticket the customer filled in, the first entry of every conversation
 *   (text: the subject, a blank line, the description);
 * - `agent.joined`: the first agent joined; `agent.handover`: an agent took over from others;
 *   `agent.left`: the agents left and the Case waits in a queue;
 * - `case.closed` / `case.reopened`: the Case's lifecycle (the bridge's closing message);
 * - `csat.request`: the satisfaction survey the customer is asked once the Case closes (its id,
 *   the Case Id, when it expires); `csat.answered` (the rating) and `csat.expired` follow it;
 * - `chat.ended`: the customer ended the chat from the app.
 *
 * Web apps import this module, so it has no dependencies.
 */

import { BRIDGE_MESSAGE_CUSTOM_TYPE } from './events.js';

export interface NoticeAgent {
  id: string;
  name: string;
}

export type BridgeNotice =
  | { sbsf: 'ticket.form'; subject: string }
  | { sbsf: 'agent.joined'; agent: NoticeAgent }
  | { sbsf: 'agent.handover'; agent: NoticeAgent; previous: NoticeAgent[] }
  | { sbsf: 'agent.left'; previous: NoticeAgent[] }
  | { sbsf: 'case.closed' }
  | { sbsf: 'case.reopened' }
  | CsatNotice
  | { sbsf: 'chat.ended' };

/** The satisfaction survey's notices (csat.ts reads them into the survey's state). */
export type CsatNotice =
  | { sbsf: 'csat.request'; surveyId: string; caseId: string; expiresAt: number }
  | { sbsf: 'csat.answered'; surveyId: string; rating: number }
  | { sbsf: 'csat.expired'; surveyId: string };

export type BridgeNoticeKind = BridgeNotice['sbsf'];

/** The notices about the agents of a conversation (the membership reconcile posts them). */
export type AgentNotice = Extract<BridgeNotice, { sbsf: 'agent.joined' | 'agent.handover' | 'agent.left' }>;

const KINDS: readonly BridgeNoticeKind[] = [
  'ticket.form',
  'agent.joined',
  'agent.handover',
  'agent.left',
  'case.closed',
  'case.reopened',
  'csat.request',
  'csat.answered',
  'csat.expired',
  'chat.ended',
];

/** The ratings a survey takes: whole numbers from 1 to 5. */
export const CSAT_RATINGS = [1, 2, 3, 4, 5] as const;

export const isCsatRating = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 5;

const isText = (v: unknown): v is string => typeof v === 'string' && v !== '';

/** Whole names in a sentence: "Ava", "Ava and Ben", "Ava, Ben and Cy". */
export function listNames(names: readonly string[]): string {
  if (names.length <= 1) return names[0] ?? '';
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/** The text every client shows for an agent notice (the sandbox pane may say more per reader). */
export function agentNoticeText(n: AgentNotice): string {
  switch (n.sbsf) {
    case 'agent.joined':
    case 'agent.handover':
      return `${n.agent.name} joined`;
    case 'agent.left':
      return `${listNames(n.previous.map((p) => p.name)) || 'The agent'} left. The next available agent will join.`;
  }
}

function agentOf(v: unknown): NoticeAgent | null {
  if (!v || typeof v !== 'object') return null;
  const { id, name } = v as Record<string, unknown>;
  return typeof id === 'string' && typeof name === 'string' ? { id, name } : null;
}

function agentsOf(v: unknown): NoticeAgent[] | null {
  if (!Array.isArray(v)) return null;
  const out = v.map(agentOf);
  return out.every((a): a is NoticeAgent => a !== null) ? out : null;
}

/**
 * The notice a message carries, or null: not an admin message of the bridge, or `data` that is
 * not a notice this version knows (an older or newer bridge): shown as plain text then.
 */
export function parseNotice(m: { type: string; custom_type?: string; data?: string }): BridgeNotice | null {
  if (m.type !== 'ADMM' || m.custom_type !== BRIDGE_MESSAGE_CUSTOM_TYPE || !m.data) return null;
  let v: unknown;
  try {
    v = JSON.parse(m.data);
  } catch {
    return null;
  }
  if (!v || typeof v !== 'object') return null;
  const o = v as Record<string, unknown>;
  const kind = o.sbsf as BridgeNoticeKind;
  if (!KINDS.includes(kind)) return null;
  switch (kind) {
    case 'ticket.form':
      return typeof o.subject === 'string' ? { sbsf: kind, subject: o.subject } : null;
    case 'agent.joined': {
      const agent = agentOf(o.agent);
      return agent ? { sbsf: kind, agent } : null;
    }
    case 'agent.handover': {
      const agent = agentOf(o.agent);
      const previous = agentsOf(o.previous);
      return agent && previous ? { sbsf: kind, agent, previous } : null;
    }
    case 'agent.left': {
      const previous = agentsOf(o.previous);
      return previous ? { sbsf: kind, previous } : null;
    }
    case 'csat.request':
      return isText(o.surveyId) && isText(o.caseId) && typeof o.expiresAt === 'number'
        ? { sbsf: kind, surveyId: o.surveyId, caseId: o.caseId, expiresAt: o.expiresAt }
        : null;
    case 'csat.answered':
      return isText(o.surveyId) && isCsatRating(o.rating) ? { sbsf: kind, surveyId: o.surveyId, rating: o.rating } : null;
    case 'csat.expired':
      return isText(o.surveyId) ? { sbsf: kind, surveyId: o.surveyId } : null;
    default:
      return { sbsf: kind };
  }
}

/**
 * What one reader is told about an agent notice: the agent who took over reads "You took over
 * from Ava Agent", the agent who was replaced "Ben Agent took over", everyone else (the customer)
 * the message text, "Ben Agent joined". Null for notices that read the same for everyone.
 */
export function noticeForReader(n: BridgeNotice, readerId: string): string | null {
  if (n.sbsf === 'agent.handover') {
    const from = listNames(n.previous.map((p) => p.name));
    if (n.agent.id === readerId) return `You took over from ${from}`;
    if (n.previous.some((p) => p.id === readerId)) return `${n.agent.name} took over`;
    return null;
  }
  if (n.sbsf === 'agent.joined' && n.agent.id === readerId) return 'You joined';
  if (n.sbsf === 'agent.left' && n.previous.some((p) => p.id === readerId)) return 'You left; the Case went back to a queue';
  return null;
}

/** The text every client shows for a survey's follow-up notice (the transcript keeps it too). */
export function csatNoticeText(n: Extract<CsatNotice, { sbsf: 'csat.answered' | 'csat.expired' }>): string {
  return n.sbsf === 'csat.answered'
    ? `The customer rated this support ${n.rating} out of 5. Thank you for the feedback.`
    : 'The satisfaction survey closed without an answer.';
}

/** The text of the notice that the customer ended the chat. */
export const CHAT_ENDED_TEXT = 'The customer ended the chat.';

/** Where a survey stands, as the chat's notices tell it. */
export type CsatChatState = { state: 'open' } | { state: 'answered'; rating: number } | { state: 'expired' };

/**
 * A survey's state from the conversation's notices (oldest first): answered or expired once a
 * follow-up notice names it, open otherwise (its expiry passed: expired, even before the bridge's
 * notice arrives). The bridge is the truth (`GET /tickets/{caseId}/csat`); this is what the chat
 * alone can say, also after a reload.
 */
export function csatStateInChat(
  request: Extract<CsatNotice, { sbsf: 'csat.request' }>,
  messages: readonly NoticeCarrier[],
  now: number,
): CsatChatState {
  for (const m of messages) {
    const n = parseNotice(m);
    if (n?.sbsf === 'csat.answered' && n.surveyId === request.surveyId) return { state: 'answered', rating: n.rating };
    if (n?.sbsf === 'csat.expired' && n.surveyId === request.surveyId) return { state: 'expired' };
  }
  return now >= request.expiresAt ? { state: 'expired' } : { state: 'open' };
}

/** A message as `parseNotice` reads it (the Platform API's and the sandbox feed's field names). */
export type NoticeCarrier = Parameters<typeof parseNotice>[0];

/**
 * What the latest agent notice of a conversation (`messages` oldest first) tells a reader it took
 * out of it: "Ben Agent took over" (an `agent.handover` naming them among the agents replaced),
 * "You left; the Case went back to a queue" (an `agent.left` naming them). Null when the latest
 * agent notice leaves them in (it names them as the agent who joined, or only others), or there
 * is none: a Case given back to an agent makes them the joining agent of a newer notice.
 */
export function removalText(messages: readonly NoticeCarrier[], readerId: string): string | null {
  for (let i = messages.length - 1; i >= 0; i--) {
    const n = parseNotice(messages[i]!);
    if (n?.sbsf !== 'agent.joined' && n?.sbsf !== 'agent.handover' && n?.sbsf !== 'agent.left') continue;
    return n.sbsf !== 'agent.joined' && n.previous.some((p) => p.id === readerId) ? noticeForReader(n, readerId) : null;
  }
  return null;
}

/** The ticket-form notice's text: the subject, a blank line, the description. */
export function ticketFormText(subject: string, description: string): string {
  return description ? `${subject}\n\n${description}` : subject;
}

/** The description part of a ticket-form notice's text (its subject is in `data`). */
export function ticketFormDescription(n: Extract<BridgeNotice, { sbsf: 'ticket.form' }>, text: string): string {
  const head = `${n.subject}\n\n`;
  if (text.startsWith(head)) return text.slice(head.length);
  return text === n.subject ? '' : text;
}
