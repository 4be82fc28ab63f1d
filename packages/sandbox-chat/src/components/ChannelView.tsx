/**
 * One channel: header, message log (grouped by sender, admin messages apart, day separators,
 * own messages on the right), and the composer. Keyboard: the log is focusable and scrolls with
 * the arrow keys; Enter sends, Shift+Enter makes a new line.
 */
import {
  useCallback,
  useEffect,
  useId,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
  type ChangeEvent,
  type FormEvent,
  type KeyboardEvent,
} from 'react';
import { SANDBOX_FILE_ACCEPT, SANDBOX_FILE_KINDS } from '@sbsf/wire/sandbox-files';
import { formatDay, formatFull, formatTime } from '../format.js';
import { groupMessages } from '../grouping.js';
import type { FeedMessage } from '../protocol.js';
import type { PendingMessage } from '../state.js';
import { useSandboxChatContext } from './context.js';

/** Closer to the bottom than this (px) counts as "reading the newest". */
const AT_BOTTOM_PX = 80;
/** Longest message the composer takes (Sendbird's default max_length_message). */
export const MAX_MESSAGE_LENGTH = 5000;

export interface SandboxChannelViewProps {
  channelUrl: string;
  /** Heading shown above the log; defaults to the channel name. */
  title?: string;
  /** Placeholder text of the composer. */
  placeholder?: string;
  /** Shown when the channel has no messages yet. */
  emptyText?: string;
}

function useDocumentVisible(): boolean {
  const [visible, setVisible] = useState(() => typeof document === 'undefined' || document.visibilityState === 'visible');
  useEffect(() => {
    const on = (): void => setVisible(document.visibilityState === 'visible');
    document.addEventListener('visibilitychange', on);
    return () => document.removeEventListener('visibilitychange', on);
  }, []);
  return visible;
}

/** A file's size as people read it: 512 bytes, 12 KB, 3.4 MB. */
export function fileSizeText(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

function FileLink({ file, caption }: { file: NonNullable<FeedMessage['file']>; caption: string }) {
  const name = file.name || caption || 'file';
  const facts = [file.type.split('/').pop()?.toUpperCase(), file.size > 0 ? fileSizeText(file.size) : ''].filter(Boolean).join(', ');
  return (
    <a className="sbx-file" href={file.url} target="_blank" rel="noreferrer noopener" data-file-type={file.type}>
      <span aria-hidden="true">📎 </span>
      <span className="sbx-sr-only">File: </span>
      {name}
      {facts && <span className="sbx-file-facts"> ({facts})</span>}
    </a>
  );
}

function Bubble({ m }: { m: FeedMessage }) {
  return (
    <div className="sbx-bubble" data-message-id={m.message_id} data-type={m.type}>
      {m.type === 'FILE' && m.file ? <FileLink file={m.file} caption={m.message} /> : m.message}
    </div>
  );
}

function PendingBubble({ p, onRetry }: { p: PendingMessage; onRetry: () => void }) {
  return (
    <div className="sbx-group" data-mine="true">
      <div className="sbx-bubble" data-pending={p.status !== 'failed'} data-failed={p.status === 'failed'}>
        {p.text}
      </div>
      <div className="sbx-meta" role={p.status === 'failed' ? 'alert' : undefined}>
        {p.status === 'sending' && <span>Sending…</span>}
        {p.status === 'waiting_session' && <span>Renewing the chat session, then sending…</span>}
        {p.status === 'failed' && (
          <>
            <span className="sbx-error">Not sent: {p.error}</span>
            <button type="button" className="sbx-link" onClick={onRetry}>
              Retry
            </button>
          </>
        )}
      </div>
    </div>
  );
}

export function SandboxChannelView({
  channelUrl,
  title,
  placeholder = 'Write a message',
  emptyText = 'No messages yet.',
}: SandboxChannelViewProps) {
  const chat = useSandboxChatContext();
  const { state } = chat;
  const channel = state.channels[channelUrl];
  const msgs = state.messages[channelUrl];
  const pending = useMemo(() => state.pending[channelUrl] ?? [], [state.pending, channelUrl]);
  const myId = state.me?.user_id ?? chat.userId;
  const rows = useMemo(() => groupMessages(msgs?.items ?? [], { myUserId: myId }), [msgs?.items, myId]);
  const visible = useDocumentVisible();
  const logRef = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const [showJump, setShowJump] = useState(false);
  const [draft, setDraft] = useState('');
  const inputId = useId();
  const headingId = useId();
  const fileInputId = useId();
  const fileInput = useRef<HTMLInputElement>(null);
  const [uploading, setUploading] = useState<string | null>(null);
  const [fileError, setFileError] = useState<string | null>(null);

  const { openChannel, closeChannel, markRead } = chat;
  useEffect(() => {
    void openChannel(channelUrl);
    return () => closeChannel(channelUrl);
  }, [channelUrl, openChannel, closeChannel]);

  // Read while looked at: on open, on new messages from others, and when the tab comes back.
  const unread = channel?.unread_message_count ?? 0;
  useEffect(() => {
    if (visible && unread > 0) void markRead(channelUrl);
  }, [visible, unread, channelUrl, markRead]);

  const count = (msgs?.items.length ?? 0) + pending.length;
  const lastId = msgs?.items[msgs.items.length - 1]?.message_id;
  const lastMine = msgs?.items[msgs.items.length - 1]?.user?.user_id === myId;
  useLayoutEffect(() => {
    const el = logRef.current;
    if (!el) return;
    if (atBottom.current || lastMine || pending.length > 0) {
      el.scrollTop = el.scrollHeight;
      atBottom.current = true;
      setShowJump(false);
    } else setShowJump(true);
  }, [count, lastId, lastMine, pending.length]);

  const onScroll = useCallback(() => {
    const el = logRef.current;
    if (!el) return;
    atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < AT_BOTTOM_PX;
    if (atBottom.current) setShowJump(false);
  }, []);

  const jump = (): void => {
    const el = logRef.current;
    if (el) el.scrollTop = el.scrollHeight;
    atBottom.current = true;
    setShowJump(false);
  };

  const canSend = channel ? channel.my_state === 'joined' && !channel.freeze : !msgs?.error;
  const submit = (e?: FormEvent): void => {
    e?.preventDefault();
    if (!draft.trim() || !canSend) return;
    chat.send(channelUrl, draft);
    setDraft('');
  };
  const onFileChosen = async (e: ChangeEvent<HTMLInputElement>): Promise<void> => {
    const file = e.target.files?.[0];
    e.target.value = '';
    if (!file || !canSend) return;
    setFileError(null);
    setUploading(file.name);
    const error = await chat.sendFile(channelUrl, file);
    setUploading(null);
    setFileError(error);
  };
  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>): void => {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      submit();
    }
  };

  const name = title ?? channel?.name ?? channelUrl;
  const others = (channel?.members ?? []).filter((m) => m.user_id !== myId).map((m) => m.nickname || m.user_id);
  const firstLoad = !msgs || (msgs.loading && msgs.items.length === 0);

  return (
    <section className="sbx-view" aria-labelledby={headingId}>
      <header className="sbx-header">
        <h2 id={headingId}>{name}</h2>
        <p>
          {others.length ? `With ${others.join(', ')}` : 'Waiting for an agent to join'}
          {channel?.freeze ? ' · closed for new messages' : ''}
        </p>
      </header>
      <div
        ref={logRef}
        className="sbx-log"
        role="log"
        aria-live="polite"
        aria-relevant="additions"
        aria-label={`Messages in ${name}`}
        aria-busy={msgs?.loading ?? true}
        tabIndex={0}
        onScroll={onScroll}
      >
        {msgs?.hasMore && (
          <button type="button" className="sbx-button sbx-older" disabled={msgs.loading} onClick={() => void chat.loadOlder(channelUrl)}>
            {msgs.loading ? 'Loading…' : 'Load earlier messages'}
          </button>
        )}
        {firstLoad && !msgs?.error && (
          <p className="sbx-placeholder" role="status">
            Loading messages…
          </p>
        )}
        {msgs?.error && (
          <div className="sbx-placeholder" role="alert">
            <p className="sbx-error">Could not load the messages: {msgs.error}</p>
            <button type="button" className="sbx-button" onClick={() => void chat.openChannel(channelUrl)}>
              Try again
            </button>
          </div>
        )}
        {!firstLoad && !msgs?.error && rows.length === 0 && pending.length === 0 && <p className="sbx-placeholder">{emptyText}</p>}
        {rows.map((row) => {
          if (row.kind === 'day') {
            return (
              <div key={row.key} className="sbx-day" role="separator" aria-label={formatDay(row.at)}>
                {formatDay(row.at)}
              </div>
            );
          }
          if (row.kind === 'admin') {
            return (
              <div key={row.key} className="sbx-admin" data-message-id={row.message.message_id}>
                <span className="sbx-sr-only">Notice: </span>
                {row.message.message}
                <time dateTime={new Date(row.message.created_at).toISOString()} title={formatFull(row.message.created_at)}>
                  {formatTime(row.message.created_at)}
                </time>
              </div>
            );
          }
          const last = row.messages[row.messages.length - 1] as FeedMessage;
          return (
            <div key={row.key} className="sbx-group" data-mine={row.mine} data-sender={row.senderId}>
              <span className="sbx-sender">{row.mine ? 'You' : row.senderName}</span>
              {row.messages.map((m) => (
                <Bubble key={m.message_id} m={m} />
              ))}
              <span className="sbx-meta">
                <time dateTime={new Date(last.created_at).toISOString()} title={formatFull(last.created_at)}>
                  {formatTime(last.created_at)}
                </time>
              </span>
            </div>
          );
        })}
        {pending.map((p) => (
          <PendingBubble key={p.localId} p={p} onRetry={() => chat.retry(channelUrl, p.localId)} />
        ))}
      </div>
      {showJump && (
        <button type="button" className="sbx-button sbx-jump" onClick={jump}>
          New messages ↓
        </button>
      )}
      {channel && !canSend ? (
        <p className="sbx-composer-note" role="status">
          {channel.freeze ? 'This conversation is closed for new messages.' : 'You are not a member of this conversation.'}
        </p>
      ) : (
        <form className="sbx-composer" onSubmit={submit} aria-label="Send a message">
          {/* The real file input, out of the tab order; the labelled button below opens it. */}
          <input
            ref={fileInput}
            id={fileInputId}
            type="file"
            className="sbx-sr-only"
            tabIndex={-1}
            accept={SANDBOX_FILE_ACCEPT}
            aria-label="File to send"
            onChange={(e) => void onFileChosen(e)}
          />
          <button
            type="button"
            className="sbx-button sbx-attach"
            disabled={!canSend || uploading !== null}
            onClick={() => fileInput.current?.click()}
            aria-describedby={`${fileInputId}-kinds`}
          >
            <span aria-hidden="true">📎 </span>Attach a file
          </button>
          <span id={`${fileInputId}-kinds`} className="sbx-sr-only">
            {`Send ${SANDBOX_FILE_KINDS}.`}
          </span>
          <label htmlFor={inputId} className="sbx-sr-only">
            Message
          </label>
          <textarea
            id={inputId}
            rows={1}
            value={draft}
            maxLength={MAX_MESSAGE_LENGTH}
            placeholder={placeholder}
            onChange={(e) => setDraft(e.target.value)}
            onKeyDown={onKeyDown}
            aria-describedby={`${inputId}-hint`}
          />
          <span id={`${inputId}-hint`} className="sbx-sr-only">
            Enter sends, Shift+Enter starts a new line.
          </span>
          <button type="submit" className="sbx-button sbx-button-primary" disabled={!draft.trim() || !canSend}>
            Send
          </button>
        </form>
      )}
      {uploading !== null && (
        <p className="sbx-composer-note" role="status">
          Sending the file “{uploading}”…
        </p>
      )}
      {fileError !== null && (
        <p className="sbx-composer-note sbx-error" role="alert">
          {fileError}
        </p>
      )}
    </section>
  );
}
