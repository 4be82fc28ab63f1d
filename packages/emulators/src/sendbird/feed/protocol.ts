/**
 * The sandbox feed: a small realtime protocol of OUR OWN design for the sandbox chat pane. It is
 * deliberately NOT Sendbird's WebSocket protocol (undocumented, and its SDK licence forbids reverse
 * engineering). docs/emulator-sendbird.md describes it; clients import these types.
 *
 *   client -> server  {"type":"auth","token":"<session token>"}   (first frame, within 10 s)
 *                     {"type":"ping"}
 *   server -> client  {"type":"ready", user, expires_at, total_unread_count}
 *                     {"type":"message", event:"sent"|"updated"|"deleted", channel_url, message}
 *                     {"type":"channel", event:"joined"|"invited"|"left"|"frozen"|"unfrozen"|"deleted", channel_url, user_ids, channel}
 *                     {"type":"unread", total_unread_count}
 *                     {"type":"pong"}
 *                     {"type":"error", code, message}
 */

export const FEED_PATH = '/sandbox/feed';
export const FEED_REST_PREFIX = '/sandbox/v1';
export const AUTH_TIMEOUT_MS = 10_000;

/** WebSocket close codes (4000-4999 is the range left to applications). */
export const FeedCloseCode = {
  /** The first frame was not `{"type":"auth","token":...}` or was not JSON. */
  ProtocolError: 4000,
  /** Unknown token (never issued, or its user was deleted). Code 400302 in the error frame. */
  InvalidToken: 4001,
  /** The session token expired (at auth or while connected): issue a new one and reconnect. */
  TokenExpired: 4002,
  /** No auth frame within AUTH_TIMEOUT_MS. */
  AuthTimeout: 4008,
  /** The emulator is shutting down or was reset. */
  GoingAway: 1001,
} as const;

export type FeedClientFrame = { type: 'auth'; token: string } | { type: 'ping' };

export interface FeedUser {
  user_id: string;
  nickname: string;
  profile_url: string;
}

export interface FeedChannelSummary {
  channel_url: string;
  name: string;
  custom_type: string;
  data: string;
  freeze: boolean;
  created_at: number;
  member_count: number;
  members: (FeedUser & { state: 'joined' | 'invited' })[];
  /** The caller's own state in the channel; `none` after leaving. */
  my_state: 'joined' | 'invited' | 'none';
  unread_message_count: number;
  last_message: Record<string, unknown> | null;
}

export type FeedServerFrame =
  | { type: 'ready'; user: FeedUser; expires_at: number; total_unread_count: number }
  | { type: 'message'; event: 'sent' | 'updated' | 'deleted'; channel_url: string; message: Record<string, unknown> }
  | {
      type: 'channel';
      event: 'joined' | 'invited' | 'left' | 'frozen' | 'unfrozen' | 'deleted';
      channel_url: string;
      user_ids: string[];
      channel: FeedChannelSummary;
    }
  | { type: 'unread'; total_unread_count: number }
  | { type: 'pong' }
  | { type: 'error'; code: number; message: string };
