/**
 * The pane's engine as a React hook: one REST client and one feed connection per user, the
 * reducer, and the actions the components call. A refused token (REST 401/400302, or feed close
 * 4001/4002) is reported ONCE per token through `onSessionExpired`; when the host passes a new
 * `accessToken`, the feed reconnects, loads that failed are redone and held sends go out.
 */
import { useCallback, useEffect, useMemo, useReducer, useRef } from 'react';
import { DEFAULT_FILE_UPLOAD_MAX_BYTES, checkSandboxFile } from '@sbsf/wire/sandbox-files';
import { catchUpAfter } from './catch-up.js';
import { isSessionError } from './errors.js';
import { FeedClient, type FeedStatusEvent, type WebSocketFactory } from './feed-client.js';
import { feedUrlFor, type FeedServerFrame } from './protocol.js';
import { SandboxRestClient } from './rest-client.js';
import { PAGE_SIZE, chatReducer, initialChatState, type ChatState, type ConnectionState } from './state.js';

export interface SandboxChatConnectionProps {
  /** The Sendbird API host the bridge answered (`sendbird.apiHost`): the emulator's origin. */
  apiHost: string;
  userId: string;
  /** The user's Sendbird session token. Pass a new one after `onSessionExpired`. */
  accessToken: string;
  /** The token was refused (expired or unknown): get a new one and pass it as `accessToken`. */
  onSessionExpired?: () => void;
  /** The user's total unread count changed. */
  onUnreadChanged?: (totalUnread: number) => void;
  /** The feed connection's state changed (`open` when live). */
  onConnectionChanged?: (connection: ConnectionState) => void;
  /** Tests and non-browser hosts: how to open a WebSocket, and which fetch to use. */
  createSocket?: WebSocketFactory;
  fetch?: typeof fetch;
}

export interface SandboxChatApi {
  state: ChatState;
  userId: string;
  loadChannels(): Promise<void>;
  /** Loads a channel's summary and latest messages (again after a reconnect). */
  openChannel(channelUrl: string): Promise<void>;
  closeChannel(channelUrl: string): void;
  loadOlder(channelUrl: string): Promise<void>;
  send(channelUrl: string, text: string): void;
  /**
   * Sends a file: checked against the sandbox's allow-list and size limit first (a refusal comes
   * back at once, nothing is uploaded), then uploaded; resolves to the error text to show, or null.
   */
  sendFile(channelUrl: string, file: File): Promise<string | null>;
  retry(channelUrl: string, localId: string): void;
  markRead(channelUrl: string): Promise<void>;
  /** The person is typing in a channel (true), or stopped (false): the other members see it. */
  setTyping(channelUrl: string, typing: boolean): void;
  reconnect(): void;
}

/** A short, token-free text for the UI. */
function describe(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.replace(/^\[sandbox-chat\]\s*/, '');
}

let localCounter = 0;

export function useSandboxChat(props: SandboxChatConnectionProps): SandboxChatApi {
  const { apiHost, userId, accessToken } = props;
  const [state, dispatch] = useReducer(chatReducer, initialChatState);
  const stateRef = useRef(state);
  stateRef.current = state;
  const callbacks = useRef(props);
  callbacks.current = props;

  // Created once per host; the token is swapped in place so in-flight work keeps its client, and
  // a `fetch` prop is read through the ref (an inline function must not make a new client).
  const rest = useMemo(
    () =>
      new SandboxRestClient({
        apiHost,
        token: accessToken,
        fetch: (input, init) => (callbacks.current.fetch ?? fetch)(input, init),
      }),
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the token is applied by setToken below
    [apiHost],
  );
  const feedRef = useRef<FeedClient | undefined>(undefined);
  const openChannels = useRef(new Set<string>());
  const channelsWanted = useRef(false);
  const reportedToken = useRef<string | undefined>(undefined);
  const tokenRef = useRef(accessToken);
  const listReads = useRef(0);

  const sessionExpired = useCallback(() => {
    if (reportedToken.current === tokenRef.current) return;
    reportedToken.current = tokenRef.current;
    callbacks.current.onSessionExpired?.();
  }, []);

  const loadChannels = useCallback(async () => {
    channelsWanted.current = true;
    // Numbered, so that only the newest read's answer is applied (state.ts, `channelsLoad`).
    const load = ++listReads.current;
    dispatch({ type: 'channels_loading', load });
    try {
      dispatch({ type: 'channels_loaded', channels: await rest.channels(), load });
    } catch (err) {
      if (isSessionError(err)) sessionExpired();
      dispatch({ type: 'channels_failed', error: describe(err), load });
    }
  }, [rest, sessionExpired]);

  const openChannel = useCallback(
    async (url: string) => {
      openChannels.current.add(url);
      dispatch({ type: 'messages_loading', channelUrl: url });
      try {
        const [channel, messages] = await Promise.all([rest.channel(url), rest.messages(url, { limit: PAGE_SIZE })]);
        dispatch({ type: 'channel_loaded', channel });
        dispatch({ type: 'messages_loaded', channelUrl: url, messages, page: 'latest', pageSize: PAGE_SIZE });
      } catch (err) {
        if (isSessionError(err)) sessionExpired();
        dispatch({ type: 'messages_failed', channelUrl: url, error: describe(err) });
      }
    },
    [rest, sessionExpired],
  );

  const closeChannel = useCallback((url: string) => {
    openChannels.current.delete(url);
  }, []);

  const loadOlder = useCallback(
    async (url: string) => {
      const oldest = stateRef.current.messages[url]?.items[0];
      if (!oldest) return;
      dispatch({ type: 'messages_loading', channelUrl: url });
      try {
        const messages = await rest.messages(url, { limit: PAGE_SIZE, before: oldest.created_at });
        dispatch({ type: 'messages_loaded', channelUrl: url, messages, page: 'older', pageSize: PAGE_SIZE });
      } catch (err) {
        if (isSessionError(err)) sessionExpired();
        dispatch({ type: 'messages_failed', channelUrl: url, error: describe(err) });
      }
    },
    [rest, sessionExpired],
  );

  const deliver = useCallback(
    async (url: string, localId: string, text: string) => {
      dispatch({ type: 'send_started', channelUrl: url, localId, text, at: Date.now() });
      try {
        const message = await rest.sendMessage(url, text);
        dispatch({ type: 'send_succeeded', channelUrl: url, localId, message });
      } catch (err) {
        const waiting = isSessionError(err);
        if (waiting) sessionExpired();
        dispatch({ type: 'send_failed', channelUrl: url, localId, error: describe(err), waitingForSession: waiting });
      }
    },
    [rest, sessionExpired],
  );

  const send = useCallback(
    (url: string, text: string) => {
      const trimmed = text.trim();
      if (!trimmed) return;
      localCounter += 1;
      void deliver(url, `local-${Date.now()}-${localCounter}`, trimmed);
    },
    [deliver],
  );

  const sendFile = useCallback(
    async (url: string, file: File): Promise<string | null> => {
      const check = checkSandboxFile(file, DEFAULT_FILE_UPLOAD_MAX_BYTES);
      if (!check.ok) return check.message;
      try {
        const message = await rest.sendFile(url, file, file.name);
        dispatch({ type: 'send_succeeded', channelUrl: url, localId: '', message });
        return null;
      } catch (err) {
        if (isSessionError(err)) {
          sessionExpired();
          return 'The chat session is being renewed: send the file again in a moment.';
        }
        return `Not sent: ${describe(err)}`;
      }
    },
    [rest, sessionExpired],
  );

  const retry = useCallback(
    (url: string, localId: string) => {
      const p = stateRef.current.pending[url]?.find((x) => x.localId === localId);
      if (p) void deliver(url, localId, p.text);
    },
    [deliver],
  );

  const markRead = useCallback(
    async (url: string) => {
      try {
        const r = await rest.markRead(url);
        dispatch({ type: 'marked_read', channelUrl: url, totalUnread: r.total_unread_count });
      } catch (err) {
        // Not worth a message: the next read mark catches up. A dead token is still reported.
        if (isSessionError(err)) sessionExpired();
      }
    },
    [rest, sessionExpired],
  );

  /** The feed opened (the first time too): read again what it may not have told (catch-up.ts). */
  const catchUp = useCallback(
    (status: FeedStatusEvent['status']) => {
      const plan = catchUpAfter(status, { list: channelsWanted.current, openChannels: openChannels.current });
      if (plan?.channels) void loadChannels();
      for (const url of plan?.channelUrls ?? []) void openChannel(url);
    },
    [loadChannels, openChannel],
  );

  // One feed connection per host and user.
  useEffect(() => {
    const feed = new FeedClient({
      url: feedUrlFor(apiHost),
      token: tokenRef.current,
      ...(callbacks.current.createSocket ? { createSocket: callbacks.current.createSocket } : {}),
      onFrame: (frame: FeedServerFrame) => dispatch({ type: 'frame', frame }),
      onStatus: (e: FeedStatusEvent) => {
        dispatch({ type: 'connection', status: e.status, detail: { attempt: e.attempt, delayMs: e.delayMs, reason: e.reason } });
        if (e.status === 'session_expired') sessionExpired();
        catchUp(e.status);
      },
    });
    feedRef.current = feed;
    feed.start();
    return () => {
      feed.stop();
      feedRef.current = undefined;
    };
  }, [apiHost, userId, sessionExpired, catchUp]);

  // A renewed token: swap it in, reconnect if the feed stopped on it, redo what failed on it.
  useEffect(() => {
    if (tokenRef.current === accessToken) return;
    tokenRef.current = accessToken;
    rest.setToken(accessToken);
    feedRef.current?.setToken(accessToken);
    const s = stateRef.current;
    for (const [url, list] of Object.entries(s.pending)) {
      for (const p of list) if (p.status === 'waiting_session') void deliver(url, p.localId, p.text);
    }
    if (s.channelsError) void loadChannels();
    for (const url of openChannels.current) if (s.messages[url]?.error) void openChannel(url);
  }, [accessToken, rest, deliver, loadChannels, openChannel]);

  useEffect(() => {
    callbacks.current.onUnreadChanged?.(state.totalUnread);
  }, [state.totalUnread]);

  useEffect(() => {
    callbacks.current.onConnectionChanged?.(state.connection);
  }, [state.connection]);

  const reconnect = useCallback(() => feedRef.current?.reconnectNow(), []);
  const setTyping = useCallback((url: string, typing: boolean) => feedRef.current?.typing(url, typing), []);

  return { state, userId, loadChannels, openChannel, closeChannel, loadOlder, send, sendFile, retry, markRead, setTyping, reconnect };
}
