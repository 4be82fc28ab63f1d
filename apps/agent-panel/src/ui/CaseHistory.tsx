/**
 * The customer history beside the open conversation (both renderers): the customer's other
 * Cases the agent may see, asked of Aura (`{event:"HISTORY", caseId}`, answered through Apex and
 * the bridge), each a button that opens its Case in a console tab (`OPENCASE`) without leaving
 * the conversation. Loading, empty and error states; an error offers "Try again".
 */
import type { CaseHistoryEntry, CaseHistoryError } from '@sbsf/wire';
import { useEffect, useState } from 'react';
import type { PanelLink } from '../lcc/panel-link.js';

type View = { state: 'loading' } | { state: 'ready'; cases: CaseHistoryEntry[] } | { state: 'error'; error: CaseHistoryError };

/** Salesforce's datetime text (`2024-05-01T10:00:00.000+0000`) as a short date in the browser's locale, or ''. */
export function historyDate(text: string | null): string {
  if (!text) return '';
  const ms = Date.parse(text.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isFinite(ms) ? new Date(ms).toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' }) : '';
}

function Entry({ entry, onOpen }: { entry: CaseHistoryEntry; onOpen: () => void }) {
  const date = historyDate(entry.createdAt);
  const last = entry.lastMessage?.body ?? '';
  return (
    <li>
      <button type="button" className="panel-history-item" data-case-id={entry.id} onClick={onOpen}>
        <span className="panel-history-head">
          <span className="panel-history-number">Case {entry.caseNumber}</span>
          {entry.status && <span className="panel-preview-status">{entry.status}</span>}
          {date && <time dateTime={entry.createdAt ?? undefined}>{date}</time>}
        </span>
        <span className="panel-history-subject">{entry.subject || '(no subject)'}</span>
        {last && (
          <span className="panel-history-last">
            {entry.lastMessage?.senderRole ? `${entry.lastMessage.senderRole}: ` : ''}
            {last}
          </span>
        )}
      </button>
    </li>
  );
}

export function CaseHistory({ link, caseId }: { link: PanelLink; caseId: string }) {
  const [view, setView] = useState<View>({ state: 'loading' });
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    setView({ state: 'loading' });
    const stop = link.onHistory((answer) => {
      if (answer.caseId.slice(0, 15) !== caseId.slice(0, 15)) return;
      setView('history' in answer ? { state: 'ready', cases: answer.history.cases } : { state: 'error', error: answer.error });
    });
    link.requestHistory(caseId);
    return stop;
  }, [link, caseId, attempt]);

  return (
    <section className="panel-history" aria-labelledby="panel-history-title" data-testid="case-history" data-state={view.state}>
      <h2 id="panel-history-title">Other cases</h2>
      {view.state === 'loading' && (
        <p className="panel-history-note" role="status">
          Loading the customer's other cases…
        </p>
      )}
      {view.state === 'error' && (
        <div className="panel-history-note">
          <p role="alert">{view.error.message}</p>
          <button type="button" className="panel-button" onClick={() => setAttempt((n) => n + 1)}>
            Try again
          </button>
        </div>
      )}
      {view.state === 'ready' &&
        (view.cases.length === 0 ? (
          <p className="panel-history-note">No other cases for this customer.</p>
        ) : (
          <ul className="panel-history-list">
            {view.cases.map((entry) => (
              <Entry key={entry.id} entry={entry} onOpen={() => link.openCase(entry.id)} />
            ))}
          </ul>
        ))}
    </section>
  );
}
