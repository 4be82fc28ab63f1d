/** "My tickets": earlier tickets of this customer, newest first; opening one returns to its chat. */
import { describeState, type StoredTicket } from '../my-tickets.js';

export interface MyTicketsListProps {
  tickets: StoredTicket[];
  selectedId?: string;
  refreshing: boolean;
  error?: string;
  onOpen: (ticketId: string) => void;
  onRefresh: () => void;
}

export function MyTicketsList({ tickets, selectedId, refreshing, error, onOpen, onRefresh }: MyTicketsListProps) {
  return (
    <nav className="my-tickets" aria-labelledby="my-tickets-title">
      <div className="my-tickets-head">
        <h2 id="my-tickets-title">My tickets</h2>
        <button type="button" className="button small" onClick={onRefresh} disabled={refreshing || tickets.length === 0}>
          {refreshing ? 'Refreshing…' : 'Refresh'}
        </button>
      </div>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      {tickets.length === 0 ? (
        <p className="muted">No tickets yet. The tickets you open appear here, so you can come back to their chat.</p>
      ) : (
        <ul>
          {tickets.map((t) => (
            <li key={t.ticketId}>
              <a
                href={`#/tickets/${encodeURIComponent(t.ticketId)}`}
                className="ticket-link"
                aria-current={t.ticketId === selectedId ? 'page' : undefined}
                data-ticket-id={t.ticketId}
                onClick={(e) => {
                  e.preventDefault();
                  onOpen(t.ticketId);
                }}
              >
                <span className="ticket-case">{t.caseNumber ? `Case ${t.caseNumber}` : 'New ticket'}</span>
                <span className="ticket-subject">{t.subject}</span>
                <span className="ticket-meta">
                  <span className="state" data-state={t.state ?? 'unknown'}>
                    {describeState(t.state)}
                  </span>
                  <time dateTime={new Date(t.createdAt).toISOString()}>{new Date(t.createdAt).toLocaleString()}</time>
                </span>
              </a>
            </li>
          ))}
        </ul>
      )}
    </nav>
  );
}
