/**
 * The user's channels, latest activity first, with unread counts. Each entry is a button (Tab to
 * reach the list, arrow keys / Home / End to move, Enter to open).
 */
import { useEffect, useMemo, useRef, type KeyboardEvent } from 'react';
import { formatTime } from '../format.js';
import { senderName } from '../grouping.js';
import { sortedChannels } from '../state.js';
import { useSandboxChatContext } from './context.js';

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
          return (
            <li key={c.channel_url}>
              <button
                type="button"
                className="sbx-list-item"
                aria-current={c.channel_url === selectedChannelUrl ? 'true' : undefined}
                data-channel-url={c.channel_url}
                onClick={() => onChannelSelected?.(c.channel_url)}
              >
                <span className="sbx-list-text">
                  <span className="sbx-list-name">{c.name || c.channel_url}</span>
                  <span className="sbx-list-preview">
                    {last ? `${formatTime(last.created_at)} · ` : ''}
                    {preview}
                  </span>
                </span>
                {c.unread_message_count > 0 && (
                  <span className="sbx-badge" aria-label={`${c.unread_message_count} unread`}>
                    {c.unread_message_count > 99 ? '99+' : c.unread_message_count}
                  </span>
                )}
              </button>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
