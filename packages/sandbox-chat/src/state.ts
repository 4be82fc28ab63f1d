/**
 * The pane's state as one pure reducer: feed frames, REST answers and the person's sends all
 * become actions, so the rules (dedupe by message id, unread counts, channels appearing and
 * going) are tested without a browser.
 */
import type { FeedStatus } from './feed-client.js';
import type { FeedChannelSummary, FeedMessage, FeedServerFrame, FeedUser } from './protocol.js';

/** Messages fetched per page. */
export const PAGE_SIZE = 50;

export type ConnectionState = 'idle' | FeedStatus;

export interface ChannelMessages {
  items: FeedMessage[];
  loading: boolean;
  /** Whether older messages may exist (the last page was full). */
  hasMore: boolean;
  error?: string;
}

export type PendingStatus = 'sending' | 'failed' | 'waiting_session';

/** A message the person sent that the server has not confirmed. */
export interface PendingMessage {
  localId: string;
  text: string;
  createdAt: number;
  status: PendingStatus;
  error?: string;
}

export interface ChatState {
  connection: ConnectionState;
  /** Seconds-level detail for the status line (`reconnecting` wait, close reason). */
  connectionDetail?: { attempt?: number; delayMs?: number; reason?: string };
  me?: FeedUser;
  totalUnread: number;
  channels: Record<string, FeedChannelSummary>;
  /**
   * Channels the person left while the pane was open (an agent whose Case went to someone else),
   * as the feed last showed them: kept, with their messages, so the conversation stays readable.
   */
  departed: Record<string, FeedChannelSummary>;
  channelsLoading: boolean;
  channelsLoaded: boolean;
  channelsError?: string;
  /**
   * The newest read of the channel list (`channels_loading`'s `load`): an answer of an older read
   * that comes after it is dropped, or a read made before the feed was ready, answering late,
   * would bring back the list as it was then.
   */
  channelsLoad?: number;
  /**
   * What the feed said of each channel while the newest list read was under way (the channel, or
   * null once the person is out of it): newer than that read may be, so applied over its answer.
   */
  channelsSinceLoad?: Record<string, FeedChannelSummary | null>;
  messages: Record<string, ChannelMessages>;
  pending: Record<string, PendingMessage[]>;
  /** Who is typing in each channel now (never the person), as the feed last said. */
  typing: Record<string, string[]>;
}

export const initialChatState: ChatState = {
  connection: 'idle',
  totalUnread: 0,
  channels: {},
  departed: {},
  channelsLoading: false,
  channelsLoaded: false,
  messages: {},
  pending: {},
  typing: {},
};

export type ChatAction =
  | { type: 'connection'; status: ConnectionState; detail?: ChatState['connectionDetail'] }
  | { type: 'frame'; frame: FeedServerFrame }
  /** A read of the channel list starts; `load` numbers it (the answer names the same number). */
  | { type: 'channels_loading'; load?: number }
  | { type: 'channels_loaded'; channels: FeedChannelSummary[]; load?: number }
  | { type: 'channels_failed'; error: string; load?: number }
  | { type: 'channel_loaded'; channel: FeedChannelSummary }
  | { type: 'messages_loading'; channelUrl: string }
  /** `latest`: the newest page (first load, or catching up after a reconnect); `older`: a page before. */
  | { type: 'messages_loaded'; channelUrl: string; messages: FeedMessage[]; page: 'latest' | 'older'; pageSize: number }
  | { type: 'messages_failed'; channelUrl: string; error: string }
  | { type: 'send_started'; channelUrl: string; localId: string; text: string; at: number }
  | { type: 'send_succeeded'; channelUrl: string; localId: string; message: FeedMessage }
  | { type: 'send_failed'; channelUrl: string; localId: string; error: string; waitingForSession: boolean }
  | { type: 'marked_read'; channelUrl: string; totalUnread: number };

function byTime(a: FeedMessage, b: FeedMessage): number {
  return a.created_at - b.created_at || a.message_id - b.message_id;
}

/** Adds or replaces messages by id, oldest first. */
export function mergeMessages(existing: readonly FeedMessage[], incoming: readonly FeedMessage[]): FeedMessage[] {
  if (incoming.length === 0) return existing as FeedMessage[];
  const map = new Map(existing.map((m) => [m.message_id, m]));
  for (const m of incoming) {
    const prev = map.get(m.message_id);
    // An older copy (a late feed frame) must not overwrite an edit we already have.
    if (!prev || (m.updated_at ?? 0) >= (prev.updated_at ?? 0)) map.set(m.message_id, m);
  }
  return [...map.values()].sort(byTime);
}

/** Channels in the list order: latest activity first. */
export function sortedChannels(state: Pick<ChatState, 'channels'>): FeedChannelSummary[] {
  const activity = (c: FeedChannelSummary): number => c.last_message?.created_at ?? c.created_at;
  return Object.values(state.channels).sort((a, b) => activity(b) - activity(a) || a.channel_url.localeCompare(b.channel_url));
}

function withChannel(state: ChatState, c: FeedChannelSummary): ChatState {
  if (c.my_state === 'none') {
    const { [c.channel_url]: _gone, ...rest } = state.channels;
    return { ...state, channels: rest };
  }
  return { ...state, channels: { ...state.channels, [c.channel_url]: c } };
}

function updatePending(state: ChatState, url: string, f: (list: PendingMessage[]) => PendingMessage[]): ChatState {
  return { ...state, pending: { ...state.pending, [url]: f(state.pending[url] ?? []) } };
}

function onMessageFrame(state: ChatState, frame: Extract<FeedServerFrame, { type: 'message' }>): ChatState {
  const url = frame.channel_url;
  const m = frame.message;
  let next = state;
  const mine = m.user?.user_id !== undefined && m.user.user_id === state.me?.user_id;
  // The feed often delivers my own message before the send's answer: retire its pending copy
  // now, or it would show twice for a moment.
  const pending = state.pending[url];
  if (frame.event === 'sent' && mine && pending) {
    const i = pending.findIndex((p) => p.status === 'sending' && p.text === m.message);
    if (i >= 0) next = { ...next, pending: { ...next.pending, [url]: pending.filter((_, j) => j !== i) } };
  }
  const loaded = state.messages[url];
  if (loaded) {
    const items = frame.event === 'deleted' ? loaded.items.filter((x) => x.message_id !== m.message_id) : mergeMessages(loaded.items, [m]);
    next = { ...next, messages: { ...next.messages, [url]: { ...loaded, items } } };
  }
  const c = next.channels[url];
  if (c && frame.event === 'sent' && m.silent) return next;
  if (c && frame.event === 'sent') {
    next = withChannel(next, {
      ...c,
      last_message: m,
      ...(m.type === 'ADMM' ? {} : { last_user_message: m }),
      // The server's unread frame corrects the total; this keeps the per-channel badge live.
      unread_message_count: mine ? 0 : c.unread_message_count + 1,
    });
  } else if (c) {
    const latest = c.last_message?.message_id === m.message_id;
    const latestUser = c.last_user_message?.message_id === m.message_id;
    if (latest || latestUser) {
      const deleted = frame.event === 'deleted';
      next = withChannel(next, {
        ...c,
        ...(latest ? { last_message: deleted ? null : m } : {}),
        // The user message before a deleted one is not known here: unknown until the list reloads.
        ...(latestUser ? { last_user_message: deleted ? undefined : m } : {}),
      });
    }
  }
  return next;
}

/** The answer of a list read that a newer read has replaced (see `channelsLoad`). */
const superseded = (state: ChatState, load: number | undefined): boolean => load !== undefined && load !== state.channelsLoad;

/** While a list read is under way, remembers what the feed says of a channel (see `channelsSinceLoad`). */
function noteWhileLoading(state: ChatState, url: string): ChatState {
  if (!state.channelsLoading) return state;
  return { ...state, channelsSinceLoad: { ...state.channelsSinceLoad, [url]: state.channels[url] ?? null } };
}

function onFrame(state: ChatState, frame: FeedServerFrame): ChatState {
  switch (frame.type) {
    case 'ready':
      return { ...state, me: frame.user, totalUnread: frame.total_unread_count };
    case 'message':
      return onMessageFrame(state, frame);
    case 'channel': {
      const url = frame.channel_url;
      if (frame.event === 'deleted') {
        const { [url]: _gone, ...rest } = state.channels;
        return noteWhileLoading({ ...state, channels: rest }, url);
      }
      const { [url]: _was, ...departed } = state.departed;
      // Only the person who left is told of a leave once they are no longer a member.
      const left = frame.event === 'left' && frame.channel.my_state === 'none';
      return noteWhileLoading(
        withChannel({ ...state, departed: left ? { ...departed, [url]: frame.channel } : departed }, frame.channel),
        url,
      );
    }
    case 'unread':
      return { ...state, totalUnread: frame.total_unread_count };
    case 'typing':
      return { ...state, typing: { ...state.typing, [frame.channel_url]: frame.user_ids } };
    case 'read': {
      // A read receipt: the member's read mark moves forward (never back).
      const c = state.channels[frame.channel_url];
      if (!c) return state;
      const members = c.members.map((m) => (m.user_id === frame.user_id ? { ...m, read_ts: Math.max(m.read_ts ?? 0, frame.read_ts) } : m));
      return { ...state, channels: { ...state.channels, [frame.channel_url]: { ...c, members } } };
    }
    default:
      return state;
  }
}

export function chatReducer(state: ChatState, action: ChatAction): ChatState {
  switch (action.type) {
    case 'connection':
      return { ...state, connection: action.status, connectionDetail: action.detail };
    case 'frame':
      return onFrame(state, action.frame);
    case 'channels_loading':
      return { ...state, channelsLoading: true, channelsError: undefined, channelsLoad: action.load, channelsSinceLoad: {} };
    case 'channels_loaded': {
      if (superseded(state, action.load)) return state;
      const channels: Record<string, FeedChannelSummary> = Object.fromEntries(
        action.channels.filter((c) => c.my_state !== 'none').map((c) => [c.channel_url, c]),
      );
      for (const [url, c] of Object.entries(state.channelsSinceLoad ?? {})) {
        if (c) channels[url] = c;
        else delete channels[url];
      }
      return { ...state, channels, channelsLoading: false, channelsLoaded: true, channelsError: undefined, channelsSinceLoad: undefined };
    }
    case 'channels_failed':
      if (superseded(state, action.load)) return state;
      return { ...state, channelsLoading: false, channelsError: action.error, channelsSinceLoad: undefined };
    case 'channel_loaded':
      return withChannel(state, action.channel);
    case 'messages_loading': {
      const cur = state.messages[action.channelUrl] ?? { items: [], loading: false, hasMore: false };
      return { ...state, messages: { ...state.messages, [action.channelUrl]: { ...cur, loading: true, error: undefined } } };
    }
    case 'messages_loaded': {
      const cur = state.messages[action.channelUrl];
      const items = mergeMessages(cur?.items ?? [], action.messages);
      const full = action.messages.length >= action.pageSize;
      // A latest page only says something about older messages on the first load.
      const hasMore = action.page === 'older' || !cur?.items.length ? full : cur.hasMore || full;
      return { ...state, messages: { ...state.messages, [action.channelUrl]: { items, loading: false, hasMore } } };
    }
    case 'messages_failed': {
      const cur = state.messages[action.channelUrl] ?? { items: [], loading: false, hasMore: false };
      return { ...state, messages: { ...state.messages, [action.channelUrl]: { ...cur, loading: false, error: action.error } } };
    }
    case 'send_started':
      return updatePending(state, action.channelUrl, (list) => [
        ...list.filter((p) => p.localId !== action.localId),
        { localId: action.localId, text: action.text, createdAt: action.at, status: 'sending' },
      ]);
    case 'send_succeeded': {
      const next = updatePending(state, action.channelUrl, (list) => list.filter((p) => p.localId !== action.localId));
      return onMessageFrame(next, { type: 'message', event: 'sent', channel_url: action.channelUrl, message: action.message });
    }
    case 'send_failed':
      return updatePending(state, action.channelUrl, (list) =>
        list.map((p) =>
          p.localId === action.localId ? { ...p, status: action.waitingForSession ? 'waiting_session' : 'failed', error: action.error } : p,
        ),
      );
    case 'marked_read': {
      const c = state.channels[action.channelUrl];
      const next = c ? withChannel(state, { ...c, unread_message_count: 0 }) : state;
      return { ...next, totalUnread: action.totalUnread };
    }
    default:
      return state;
  }
}
