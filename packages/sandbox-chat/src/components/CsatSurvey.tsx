/**
 * The satisfaction survey in the customer's chat: the question as a form (a radio group of the
 * ratings 1 to 5, each with its label; an optional comment; Send), then "thank you" once answered,
 * or a note once expired. The state comes from the chat (`hint`: the follow-up notices, so it is
 * right after a reload) and from the bridge (`client.load` when shown, the answer to a submit).
 * Used by the sandbox pane and by the customer app's Sendbird UIKit glue.
 */
import { useEffect, useId, useState, type FormEvent } from 'react';
import { CSAT_COMMENT_MAX_LENGTH } from '@sbsf/wire/tickets';
import { CSAT_RATINGS, type CsatChatState } from '@sbsf/wire/notices';
import { CSAT_RATING_LABELS, chatStateOf, stateAfterRefusal, type CsatClient, type CsatRequest } from '../csat.js';

export interface CsatSurveyProps {
  request: CsatRequest;
  /** The question (the survey message's text). */
  question: string;
  /** What the chat alone says of the survey (csatStateInChat). */
  hint: CsatChatState;
  /** The bridge's survey endpoints; without it the survey is shown but cannot be answered. */
  client?: CsatClient;
}

export function CsatSurvey({ request, question, hint, client }: CsatSurveyProps) {
  // The survey's own news (an answer sent here, the bridge's state); until then, the chat's.
  const [own, setOwn] = useState<CsatChatState | null>(null);
  const state = own ?? hint;
  const [rating, setRating] = useState<number | null>(null);
  const [comment, setComment] = useState('');
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const id = useId();

  // The bridge is the truth: ask it once while the chat says open.
  useEffect(() => {
    if (!client || hint.state !== 'open') return;
    let live = true;
    client.load(request.caseId).then(
      (s) => {
        if (live && s && s.state !== 'open') setOwn(chatStateOf(s));
      },
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [client, request.caseId, hint.state]);

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (!client || sending) return;
    if (rating === null) {
      setError('Choose a rating from 1 to 5.');
      return;
    }
    setSending(true);
    setError(null);
    try {
      const s = await client.submit(request.caseId, { rating, ...(comment.trim() ? { comment } : {}) });
      setOwn(chatStateOf(s));
    } catch (err) {
      const code = (err as { code?: string }).code;
      const next = stateAfterRefusal(code);
      if (next) setOwn(next);
      else setError(`Your rating was not sent: ${(err as Error).message || 'try again'}`);
    } finally {
      setSending(false);
    }
  };

  if (state.state === 'answered') {
    return (
      <div className="sbx-csat" data-csat-state="answered" data-survey-id={request.surveyId} role="status">
        <p className="sbx-csat-title">Thank you for your feedback</p>
        <p>
          You rated us {state.rating} out of 5 ({CSAT_RATING_LABELS[state.rating]}).
        </p>
      </div>
    );
  }
  if (state.state === 'expired') {
    return (
      <div className="sbx-csat" data-csat-state="expired" data-survey-id={request.surveyId}>
        <p className="sbx-csat-title">Satisfaction survey</p>
        <p>This survey has closed.</p>
      </div>
    );
  }
  const remaining = CSAT_COMMENT_MAX_LENGTH - comment.length;
  return (
    <form
      className="sbx-csat"
      data-csat-state="open"
      data-survey-id={request.surveyId}
      onSubmit={(e) => void submit(e)}
      aria-labelledby={`${id}-q`}
    >
      <p className="sbx-csat-title" id={`${id}-q`}>
        {question}
      </p>
      <fieldset className="sbx-csat-ratings" aria-describedby={error ? `${id}-error` : undefined}>
        <legend>Your rating</legend>
        {CSAT_RATINGS.map((n) => (
          <label key={n} className="sbx-csat-rating">
            <input
              type="radio"
              name={`${id}-rating`}
              value={n}
              checked={rating === n}
              onChange={() => (setRating(n), setError(null))}
              disabled={sending}
            />
            <span>
              {n} <span className="sbx-csat-label">{CSAT_RATING_LABELS[n]}</span>
            </span>
          </label>
        ))}
      </fieldset>
      <label htmlFor={`${id}-comment`} className="sbx-csat-comment-label">
        Comment (optional)
      </label>
      <textarea
        id={`${id}-comment`}
        rows={2}
        value={comment}
        maxLength={CSAT_COMMENT_MAX_LENGTH}
        onChange={(e) => setComment(e.target.value)}
        disabled={sending}
        aria-describedby={`${id}-count`}
      />
      <span id={`${id}-count`} className="sbx-csat-count">
        {remaining} characters left
      </span>
      {error && (
        <p id={`${id}-error`} className="sbx-error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" className="sbx-button sbx-button-primary sbx-csat-send" disabled={!client || sending}>
        {sending ? 'Sending…' : 'Send rating'}
      </button>
    </form>
  );
}

/**
 * The survey's CSS (classes `sbx-csat-*`), part of the pane's and shipped on its own for hosts
 * without the pane (Sendbird UIKit): colours fall back to the pane's defaults.
 */
export const CSAT_CSS = `
.sbx-csat { align-self: stretch; display: flex; flex-direction: column; gap: 6px; padding: 10px 12px; margin: 4px 0;
  border: 1px solid var(--sbx-admin-border, #d4a72c); background: var(--sbx-admin, #fff8c5); border-radius: 8px;
  color: var(--sbx-fg, #1f2328); font: inherit; text-align: left; }
.sbx-csat p { margin: 0; }
.sbx-csat-title { font-weight: 600; }
.sbx-csat-ratings { display: flex; flex-wrap: wrap; gap: 6px; margin: 0; padding: 0; border: 0; }
.sbx-csat-ratings legend { padding: 0; margin-bottom: 4px; font-size: 13px; }
.sbx-csat-rating { display: inline-flex; align-items: center; gap: 4px; min-height: 32px; padding: 2px 10px 2px 6px;
  border: 1px solid var(--sbx-border, #d1d9e0); border-radius: 16px; background: var(--sbx-bg, #ffffff); cursor: pointer; }
.sbx-csat-rating:has(input:checked) { border-color: var(--sbx-accent, #6210cc); box-shadow: inset 0 0 0 1px var(--sbx-accent, #6210cc); }
.sbx-csat-label { color: var(--sbx-muted, #59636e); font-size: 12px; }
.sbx-csat-comment-label { font-size: 13px; }
.sbx-csat textarea { font: inherit; padding: 6px 8px; border: 1px solid var(--sbx-border, #d1d9e0); border-radius: 6px; resize: vertical;
  background: var(--sbx-bg, #ffffff); color: inherit; }
.sbx-csat-count { font-size: 12px; color: var(--sbx-muted, #59636e); }
.sbx-csat-send { align-self: flex-start; min-height: 32px; padding: 6px 14px; border: 0; border-radius: 6px; font: inherit; font-weight: 600;
  background: var(--sbx-accent, #6210cc); color: var(--sbx-accent-fg, #ffffff); cursor: pointer; }
.sbx-csat-send:disabled { opacity: .6; cursor: default; }
.sbx-csat .sbx-error { color: var(--sbx-danger, #cf222e); }
@media (pointer: coarse), (max-width: 640px) {
  .sbx-csat-rating { min-height: 44px; min-width: 44px; }
  .sbx-csat textarea { font-size: 16px; }
  .sbx-csat-send { min-height: 44px; }
}
`;
