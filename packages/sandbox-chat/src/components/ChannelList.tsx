/**
 * The user's channels, latest activity first. Each entry shows what the channel data says (the
 * Case's subject, or "Case <number>"; the customer; the Case status), how long the customer has
 * been waiting for an answer (refreshed every minute), the last message and the unread count.
 * Each entry is a button (Tab to reach the list, arrow keys / Home / End to move, Enter to open)
 * whose accessible name reads the same fields in order (as @sbsf/wire supportChannelLabel words
 * them); the last message is its description.
 */
import { WAITING_REFRESH_MS, waitingSpoken, waitingText } from '@sbsf/wire';
import { useEffect, useId, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { formatTime } from '../format.js';
import { senderName } from '../grouping.js';
import { channelEntry } from '../list-entry.js';
import { sortedChannels } from '../state.js';
import { useSandboxChatContext } from './context.js';

/** A comma for screen readers only: the entry's name reads "subject, customer, status, ...". */
function Comma() {
  return <span className="sbx-sr-only">, </span>;
}

/** The current time, renewed every `everyMs` (for "waiting N min"). */
function useNow(everyMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

export interface SandboxChannelListProps {
  selectedChannelUrl?: string;
  onChannelSelected?: (channelUrl: string) => void;
  /** Accessible name of the list. */
  label?: string;
}

export function SandboxChannelList({ selectedChannelUrl, onChannelSelected, label = 'Conversations' }: SandboxChannelListProps) {
  const chat = useSandboxChatContext();
  const { state, loadChannels } = chat;
  const channels = useMemo(() => sortedChannels(state), [state]);
  const listRef = useRef<HTMLUListElement>(null);
  const now = useNow(WAITING_REFRESH_MS);
  const idBase = useId();

  useEffect(() => {
    void loadChannels();
  }, [loadChannels]);

  const onKeyDown = (e: KeyboardEvent<HTMLUListElement>): void => {
    const buttons = [...(listRef.current?.querySelectorAll<HTMLButtonElement>('button.sbx-list-item') ?? [])];
    const i = buttons.findIndex((b) => b === document.activeElement);
    const to = { ArrowDown: i + 1, ArrowUp: i - 1, Home: 0, End: buttons.length - 1 }[e.key];
    if (to === undefined || buttons.length === 0) return;
    e.preventDefault();
    buttons[Math.max(0, Math.min(buttons.length - 1, to))]?.focus();
  };

  return (
    <nav className="sbx-list" aria-label={label}>
      {state.channelsLoading && !state.channelsLoaded && (
        <p className="sbx-placeholder" role="status">
          Loading conversations…
        </p>
      )}
      {state.channelsError && (
        <div className="sbx-placeholder" role="alert">
          <p className="sbx-error">Could not load the conversations: {state.channelsError}</p>
          <button type="button" className="sbx-button" onClick={() => void loadChannels()}>
            Try again
          </button>
        </div>
      )}
      {state.channelsLoaded && channels.length === 0 && <p className="sbx-placeholder">No conversations yet.</p>}
      <ul ref={listRef} onKeyDown={onKeyDown}>
        {channels.map((c) => {
          const last = c.last_message;
          const preview = last ? `${last.user ? `${senderName(last)}: ` : ''}${last.message}` : 'No messages yet';
          const entry = channelEntry(c);
          const unread = c.unread_message_count;
          const previewId = `${idBase}-preview-${c.channel_url}`;
          return (
            <li key={c.channel_url}>
              <button
                type="button"
                className="sbx-list-item"
                aria-current={c.channel_url === selectedChannelUrl ? 'true' : undefined}
                aria-describedby={previewId}
                data-channel-url={c.channel_url}
                data-closed={entry.closed}
                onClick={() => onChannelSelected?.(c.channel_url)}
              >
                {/* The name is the content: the fields with spoken commas between them, the
                    spoken forms of "waiting <1 min" and of the badge; the preview is the description. */}
                <span className="sbx-list-text">
                  <span className="sbx-list-name">{entry.title}</span>
                  <span className="sbx-list-facts">
                    {entry.customerName && (
                      <>
                        <Comma />
                        <span className="sbx-list-customer">{entry.customerName}</span>
                      </>
                    )}
                    {entry.status && (
                      <>
                        <Comma />
                        <span className="sbx-list-status" data-closed={entry.closed}>
                          {entry.status}
                        </span>
                      </>
                    )}
                    {entry.waitingSince !== undefined && (
                      <>
                        <Comma />
                        <span className="sbx-list-waiting" aria-hidden="true">
                          {waitingText(entry.waitingSince, now)}
                        </span>
                        <span className="sbx-sr-only">{waitingSpoken(entry.waitingSince, now)}</span>
                      </>
                    )}
                  </span>
                  <span className="sbx-list-preview" id={previewId} aria-hidden="true">
                    {last ? `${formatTime(last.created_at)} · ` : ''}
                    {preview}
                  </span>
                </span>
                {unread > 0 && (
                  <>
                    <span className="sbx-badge" aria-hidden="true" data-unread={unread}>
                      {unread > 99 ? '99+' : unread}
                    </span>
                    <span className="sbx-sr-only">{`, ${unread} unread message${unread === 1 ? '' : 's'}`}</span>
                  </>
                )}
              </button>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
