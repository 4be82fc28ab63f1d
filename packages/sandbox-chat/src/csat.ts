/**
 * The satisfaction survey as the customer's chat shows it, framework-free: what the host gives
 * the survey (a client of the bridge's survey endpoints), and how a refusal of the bridge moves
 * the survey's state. Shared by the sandbox pane and the customer app's Sendbird UIKit glue.
 */
import type { CsatChatState, CsatNotice } from '@sbsf/wire/notices';

/** The survey as the bridge answers it (`GET`/`POST /tickets/{caseId}/csat`, the `csat` object). */
export interface CsatSnapshot {
  state: 'open' | 'answered' | 'expired';
  rating: number | null;
  comment: string | null;
}

/** What the host app does for the survey: the bridge's survey endpoints, with the customer's own auth. */
export interface CsatClient {
  /** The survey's state from the bridge; null when it has none. */
  load(caseId: string): Promise<CsatSnapshot | null>;
  /** Sends the answer; rejects with an error whose `code` is the bridge's (`csat_expired`, ...). */
  submit(caseId: string, answer: { rating: number; comment?: string }): Promise<CsatSnapshot>;
}

export type CsatRequest = Extract<CsatNotice, { sbsf: 'csat.request' }>;

/** Each rating's label, read out with its number. */
export const CSAT_RATING_LABELS: Readonly<Record<number, string>> = { 1: 'Poor', 2: 'Fair', 3: 'Good', 4: 'Very good', 5: 'Excellent' };

/** The survey's state after a refusal of the bridge, or null when the refusal leaves it open (show the error). */
export function stateAfterRefusal(code: string | undefined): CsatChatState | null {
  if (code === 'csat_expired') return { state: 'expired' };
  return null;
}

/** The chat state of a survey snapshot from the bridge. */
export function chatStateOf(s: CsatSnapshot): CsatChatState {
  if (s.state === 'answered' && s.rating !== null) return { state: 'answered', rating: s.rating };
  if (s.state === 'expired') return { state: 'expired' };
  return { state: 'open' };
}
