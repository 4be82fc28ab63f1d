/**
 * A ticket's conversation: keeps the customer's Sendbird session token fresh (renewed through the
 * bridge's `POST /session` shortly before expiry, and at once when the chat reports it expired)
 * and renders Sendbird UIKit or, on the emulators, the sandbox chat pane. A session that cannot be
 * had shows one alert with one "Try again" (an unreachable service named apart from a busy one);
 * the renewal notice above the chat is only for a conversation already open.
 */
import { lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { SandboxChatPane } from '@sbsf/sandbox-chat';
import type { SendbirdSession } from '@sbsf/wire';
import type { CustomerProfile } from '../auth.js';
import { describeBridgeProblem, type BridgeClient, type BridgeProblemKind } from '../bridge-client.js';
import { csatClientFor } from '../csat-client.js';
import type { ChatMode } from '../config.js';
import { describeState, type StoredTicket } from '../my-tickets.js';
import { renewDelay } from '../session.js';

const UikitChat = lazy(() => import('./UikitChat.js'));

export interface ConversationProps {
  ticket: StoredTicket;
  /** The session that came with the ticket, if it was just created. */
  initialSession?: SendbirdSession;
  chat: ChatMode;
  bridge: BridgeClient;
  profile: CustomerProfile;
  /** Ask the bridge for the ticket's state again (its channel is not ready yet). */
  onRefreshTicket: () => Promise<void>;
  /** The conversation's alert shows a problem reaching the service (or no longer does). */
  onProblemShown?: (kind: BridgeProblemKind | undefined) => void;
  /** The person pressed "Try again". */
  onTryAgain?: () => void;
  /** Opens the form for a new ticket (offered when this one is closed). */
  onNewTicket?: () => void;
}

type SessionState =
  { kind: 'loading' } | { kind: 'ready'; session: SendbirdSession } | { kind: 'error'; message: string; problem: BridgeProblemKind };

export function Conversation(props: ConversationProps) {
  const { ticket, initialSession, chat, bridge, profile, onRefreshTicket, onProblemShown, onTryAgain, onNewTicket } = props;
  const [state, setState] = useState<SessionState>(initialSession ? { kind: 'ready', session: initialSession } : { kind: 'loading' });
  const [notice, setNotice] = useState<{ message: string; action: 'renew' | 'reload' } | undefined>(undefined);
  const [refreshing, setRefreshing] = useState(false);
  const inflight = useRef<Promise<SendbirdSession> | undefined>(undefined);
  const profileRef = useRef(profile);
  profileRef.current = profile;
  // The satisfaction survey in the chat answers through the bridge, as this customer.
  const csat = useMemo(() => csatClientFor(bridge, () => profileRef.current), [bridge]);

  /** One renewal at a time, whoever asks (timer, sandbox pane, UIKit handler). */
  const renew = useCallback((): Promise<SendbirdSession> => {
    inflight.current ??= bridge
      .renewSession(profileRef.current)
      .then((session) => {
        setState({ kind: 'ready', session });
        setNotice(undefined);
        return session;
      })
      .catch((err: unknown) => {
        const { message, kind } = describeBridgeProblem(err);
        setState((cur) => (cur.kind === 'ready' ? cur : { kind: 'error', message, problem: kind }));
        setNotice({ message: `Your chat session could not be renewed. ${message}`, action: 'renew' });
        throw err;
      })
      .finally(() => {
        inflight.current = undefined;
      });
    return inflight.current;
  }, [bridge]);

  useEffect(() => {
    if (state.kind === 'loading') renew().catch(() => undefined);
  }, [state.kind, renew]);

  const shownProblem = state.kind === 'error' ? state.problem : undefined;
  useEffect(() => {
    onProblemShown?.(shownProblem);
  }, [shownProblem, onProblemShown]);
  useEffect(() => () => onProblemShown?.(undefined), [onProblemShown]);

  // Renew ahead of expiry, so the conversation never sees the token run out.
  const expiresAt = state.kind === 'ready' ? state.session.expiresAt : undefined;
  useEffect(() => {
    if (expiresAt === undefined) return;
    const t = setTimeout(() => void renew().catch(() => undefined), renewDelay(expiresAt));
    return () => clearTimeout(t);
  }, [expiresAt, renew]);

  const title = ticket.caseNumber ? `Case ${ticket.caseNumber}` : 'Your ticket';
  const channelUrl = ticket.channelUrl;

  const refresh = async (): Promise<void> => {
    setRefreshing(true);
    try {
      await onRefreshTicket();
    } finally {
      setRefreshing(false);
    }
  };

  let body;
  if (!channelUrl) {
    body = (
      <div className="panel-state" role="status">
        <p>
          This ticket is {ticket.state === 'failed' ? 'not available' : 'still being set up'} ({describeState(ticket.state)}).
          {ticket.lastError ? ` ${ticket.lastError}` : ''}
        </p>
        <button type="button" className="button" onClick={() => void refresh()} disabled={refreshing}>
          {refreshing ? 'Checking…' : 'Check again'}
        </button>
      </div>
    );
  } else if (state.kind === 'loading') {
    body = (
      <p className="panel-state" role="status">
        Connecting to the chat…
      </p>
    );
  } else if (state.kind === 'error') {
    body = (
      <div className="panel-state" role="alert">
        <p>We could not connect you to the chat. {state.message}</p>
        <button
          type="button"
          className="button"
          onClick={() => {
            onTryAgain?.();
            setNotice(undefined);
            setState({ kind: 'loading' });
          }}
        >
          Try again
        </button>
      </div>
    );
  } else if (chat === 'sandbox') {
    body = (
      <SandboxChatPane
        apiHost={state.session.apiHost}
        userId={state.session.userId}
        accessToken={state.session.accessToken}
        channelUrl={channelUrl}
        onSessionExpired={() => void renew().catch(() => undefined)}
        viewProps={{
          title: 'Chat with support',
          placeholder: 'Write to our support team',
          emptyText: 'No messages yet. Write your first message: an agent will answer here.',
          audience: 'customer',
          csat,
          ...(onNewTicket ? { closedAction: { label: 'Open a new ticket', onClick: onNewTicket } } : {}),
        }}
      />
    );
  } else {
    body = (
      <Suspense
        fallback={
          <p className="panel-state" role="status">
            Loading the chat…
          </p>
        }
      >
        <UikitChat
          session={state.session}
          channelUrl={channelUrl}
          renewToken={async () => (await renew()).accessToken}
          csat={csat}
          onSessionError={(message) => setNotice({ message, action: 'reload' })}
        />
      </Suspense>
    );
  }

  return (
    <section className="conversation" aria-labelledby="conversation-title">
      <header className="conversation-header">
        <h2 id="conversation-title">
          {title}
          <span className="subject">{ticket.subject}</span>
        </h2>
        <div className="conversation-meta">
          <span className="muted">
            Ticket {ticket.ticketId.slice(0, 8)} · {describeState(ticket.state)}
          </span>
          {channelUrl && <EndChat caseId={channelUrl} bridge={bridge} profile={profileRef} />}
        </div>
      </header>
      {notice && state.kind === 'ready' && (
        <div className="alert" role="alert">
          <p>{notice.message}</p>
          {notice.action === 'renew' ? (
            <button type="button" className="button" onClick={() => void renew().catch(() => undefined)}>
              Try again
            </button>
          ) : (
            <button type="button" className="button" onClick={() => window.location.reload()}>
              Reload
            </button>
          )}
        </div>
      )}
      <div className="chat-area">{body}</div>
    </section>
  );
}

type EndState = { kind: 'idle' } | { kind: 'confirm' } | { kind: 'sending' } | { kind: 'ended' } | { kind: 'error'; message: string };

/**
 * "End chat", with a confirmation: the bridge closes the Case or marks it for the agent
 * (CUSTOMER_END_ACTION); either way the agent sees it in the chat.
 */
function EndChat({ caseId, bridge, profile }: { caseId: string; bridge: BridgeClient; profile: { current: CustomerProfile } }) {
  const [state, setState] = useState<EndState>({ kind: 'idle' });
  const confirmRef = useRef<HTMLButtonElement>(null);
  const startRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (state.kind === 'confirm') confirmRef.current?.focus();
  }, [state.kind]);
  const end = async (): Promise<void> => {
    setState({ kind: 'sending' });
    try {
      await bridge.endChat(caseId, profile.current);
      setState({ kind: 'ended' });
    } catch (err) {
      setState({ kind: 'error', message: describeBridgeProblem(err).message });
    }
  };
  if (state.kind === 'ended') {
    return (
      <p className="end-chat" role="status">
        You ended this chat. The support team has been told.
      </p>
    );
  }
  if (state.kind === 'confirm' || state.kind === 'sending') {
    return (
      <div className="end-chat" role="group" aria-labelledby="end-chat-question">
        <p id="end-chat-question">End this chat? The support team will see that you ended it.</p>
        <button type="button" className="button primary" ref={confirmRef} onClick={() => void end()} disabled={state.kind === 'sending'}>
          {state.kind === 'sending' ? 'Ending…' : 'Yes, end the chat'}
        </button>
        <button
          type="button"
          className="button"
          disabled={state.kind === 'sending'}
          onClick={() => {
            setState({ kind: 'idle' });
            requestAnimationFrame(() => startRef.current?.focus());
          }}
        >
          Keep chatting
        </button>
      </div>
    );
  }
  return (
    <div className="end-chat">
      <button type="button" className="button small" ref={startRef} onClick={() => setState({ kind: 'confirm' })}>
        End chat
      </button>
      {state.kind === 'error' && (
        <p className="field-error" role="alert">
          The chat could not be ended: {state.message}
        </p>
      )}
    </div>
  );
}
