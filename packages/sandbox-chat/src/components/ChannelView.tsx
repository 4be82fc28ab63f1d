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
import { csatStateInChat, noticeForReader, removalText, ticketFormDescription, type BridgeNotice } from '@sbsf/wire/notices';
import type { CsatClient } from '../csat.js';
import { CsatSurvey } from './CsatSurvey.js';
import { formatDay, formatFull, formatTime } from '../format.js';
import { groupMessages } from '../grouping.js';
import { noticeReader } from '../notice-reader.js';
import { channelStatus, readByOthers, readOnlyNote, typingText } from '../status.js';
import type { FeedMessage } from '../protocol.js';
import type { PendingMessage } from '../state.js';
import { useSandboxChatContext } from './context.js';

/** The person counts as typing this long after their last keystroke. */
const TYPING_IDLE_MS = 4_000;
/** A "still typing" is sent at most this often while they type. */
const TYPING_REPEAT_MS = 3_000;
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
  /**
   * Who reads the pane: the customer is told where they stand (waiting for an agent, who is with
   * them, a closed ticket); an agent sees who the customer is. Default `customer`.
   */
  audience?: 'customer' | 'agent';
  /** Offered beside a closed conversation (the customer app: open a new ticket). */
  closedAction?: { label: string; onClick: () => void };
  /**
   * The bridge's survey endpoints (the customer app passes them): the customer answers the
   * satisfaction survey in the conversation. Agents see the survey as a notice.
   */
  csat?: CsatClient;
  /**
   * Back to the channel list. In the narrow layout (up to 640 px wide) the list is hidden while a
   * channel is open, so the header then shows a Back button that calls this.
   */
  onBack?: () => void;
}

/** The ticket the customer filled in, shown as the first entry. */
function FormCard({ m, n }: { m: FeedMessage; n: Extract<BridgeNotice, { sbsf: 'ticket.form' }> }) {
  const description = ticketFormDescription(n, m.message);
  return (
    <div className="sbx-form" data-message-id={m.message_id} data-notice="ticket.form">
      <p className="sbx-form-label">Ticket</p>
      <p className="sbx-form-subject">{n.subject}</p>
      {description && <p className="sbx-form-description">{description}</p>}
      <time dateTime={new Date(m.created_at).toISOString()} title={formatFull(m.created_at)}>
        {formatTime(m.created_at)}
      </time>
    </div>
  );
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
  audience = 'customer',
  closedAction,
  onBack,
  csat,
}: SandboxChannelViewProps) {
  const chat = useSandboxChatContext();
  const { state } = chat;
  const live = state.channels[channelUrl];
  const departed = live ? undefined : state.departed[channelUrl];
  const channel = live ?? departed;
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
  // Each admin message's notice, parsed once (not on every render of the log).
  const [noticeOf] = useState(noticeReader);

  const { openChannel, closeChannel, markRead, setTyping } = chat;
  // Typing: "typing" when the draft changes (again every few seconds while it goes on), "stopped"
  // after a pause, an emptied draft, a send or leaving the conversation.
  const typingSentAt = useRef(0);
  const typingIdle = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const stopTyping = useCallback(() => {
    clearTimeout(typingIdle.current);
    if (typingSentAt.current) setTyping(channelUrl, false);
    typingSentAt.current = 0;
  }, [channelUrl, setTyping]);
  const noteTyping = (text: string): void => {
    if (!text.trim()) return stopTyping();
    const now = Date.now();
    if (now - typingSentAt.current > TYPING_REPEAT_MS) {
      setTyping(channelUrl, true);
      typingSentAt.current = now;
    }
    clearTimeout(typingIdle.current);
    typingIdle.current = setTimeout(stopTyping, TYPING_IDLE_MS);
  };
  useEffect(() => stopTyping, [stopTyping]);
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
  // The log's height when it was last laid out: a scroll the browser has not yet reported (its
  // event comes with the next frame) still counts, measured against the height before new rows.
  const laidOutHeight = useRef(0);
  useLayoutEffect(() => {
    const el = logRef.current;
    if (!el) return;
    if (atBottom.current && laidOutHeight.current > 0) {
      atBottom.current = laidOutHeight.current - el.scrollTop - el.clientHeight < AT_BOTTOM_PX;
    }
    laidOutHeight.current = el.scrollHeight;
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

  // The log changing size (an on-screen keyboard opening, a phone turned) keeps the newest message in view.
  useEffect(() => {
    const el = logRef.current;
    if (!el || typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(() => {
      if (atBottom.current) el.scrollTop = el.scrollHeight;
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const jump = (): void => {
    const el = logRef.current;
    if (el) el.scrollTop = el.scrollHeight;
    atBottom.current = true;
    setShowJump(false);
  };

  const canSend = live ? live.my_state === 'joined' && !live.freeze : !departed && !msgs?.error;
  // Who took over, for the note of a conversation the person left (the notice came before the leave).
  const takeover = useMemo(() => (departed ? removalText(msgs?.items ?? [], myId) : null), [departed, msgs?.items, myId]);
  const submit = (e?: FormEvent): void => {
    e?.preventDefault();
    if (!draft.trim() || !canSend) return;
    chat.send(channelUrl, draft);
    setDraft('');
    // The server ends the typing indicator when the message arrives.
    clearTimeout(typingIdle.current);
    typingSentAt.current = 0;
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
  const nameOf = (id: string) => channel?.members.find((m) => m.user_id === id)?.nickname || id;
  const typingLine = live ? typingText((state.typing[channelUrl] ?? []).map(nameOf)) : null;
  // The read receipt goes under the person's newest message.
  const newestMine = [...(msgs?.items ?? [])].reverse().find((m) => m.user?.user_id === myId);
  const newestMineRead = live && newestMine ? readByOthers(live.members, myId, newestMine.created_at) : null;
  const others = (channel?.members ?? []).filter((m) => m.user_id !== myId).map((m) => m.nickname || m.user_id);
  const firstLoad = !msgs || (msgs.loading && msgs.items.length === 0);

  return (
    <section className="sbx-view" aria-labelledby={headingId}>
      <header className="sbx-header">
        {onBack && (
          // Shown in the narrow layout only (styles.ts), where the list is hidden while a channel is open.
          <button type="button" className="sbx-button sbx-back" onClick={onBack}>
            <svg className="sbx-icon" aria-hidden="true" viewBox="0 0 24 24" width="16" height="16">
              <path d="M15 5 8 12l7 7" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" />
            </svg>
            Back<span className="sbx-sr-only"> to the conversations</span>
          </button>
        )}
        <div className="sbx-header-text">
          <h2 id={headingId}>{name}</h2>
          <p data-status>{channelStatus({ audience, others, frozen: channel?.freeze ?? false, departed: !!departed })}</p>
        </div>
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
            const n = noticeOf(row.message);
            if (n?.sbsf === 'ticket.form') return <FormCard key={row.key} m={row.message} n={n} />;
            if (n?.sbsf === 'csat.request' && audience === 'customer') {
              return (
                <CsatSurvey
                  key={row.key}
                  request={n}
                  question={row.message.message}
                  hint={csatStateInChat(n, msgs?.items ?? [], Date.now())}
                  {...(csat ? { client: csat } : {})}
                />
              );
            }
            return (
              <div key={row.key} className="sbx-admin" data-message-id={row.message.message_id} data-notice={n?.sbsf}>
                <span className="sbx-sr-only">Notice: </span>
                {(n && noticeForReader(n, myId)) ??
                  (n?.sbsf === 'csat.request' ? `Satisfaction survey sent: ${row.message.message}` : row.message.message)}
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
                {row.mine && newestMine && row.messages.includes(newestMine) && newestMineRead !== null && (
                  <span className="sbx-receipt" data-receipt={newestMineRead ? 'read' : 'sent'}>
                    {newestMineRead ? 'Read' : 'Sent'}
                  </span>
                )}
              </span>
            </div>
          );
        })}
        {pending.map((p) => (
          <PendingBubble key={p.localId} p={p} onRetry={() => chat.retry(channelUrl, p.localId)} />
        ))}
      </div>
      <p className="sbx-typing" aria-live="polite">
        {typingLine}
      </p>
      {showJump && (
        <button type="button" className="sbx-button sbx-jump" onClick={jump}>
          New messages ↓
        </button>
      )}
      {channel && !canSend ? (
        <div className="sbx-composer-note" role="status">
          <p>{readOnlyNote(!!departed, channel.freeze, takeover, audience)}</p>
          {channel.freeze && !departed && closedAction && (
            <button type="button" className="sbx-button sbx-button-primary" onClick={closedAction.onClick}>
              {closedAction.label}
            </button>
          )}
        </div>
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
            {/* An SVG, not an emoji: it draws the same without an emoji font. */}
            <svg className="sbx-icon" aria-hidden="true" viewBox="0 0 24 24" width="16" height="16">
              <path
                d="M21 11.5 12.5 20a5 5 0 0 1-7-7L14 4.5a3.5 3.5 0 0 1 5 5L10.5 18a2 2 0 0 1-3-3L15 7.5"
                fill="none"
                stroke="currentColor"
                strokeWidth="2"
                strokeLinecap="round"
                strokeLinejoin="round"
              />
            </svg>
            Attach a file
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
            onChange={(e) => {
              setDraft(e.target.value);
              noteTyping(e.target.value);
            }}
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
