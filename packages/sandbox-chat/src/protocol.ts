/**
 * The sandbox feed as its client sees it: the shapes live in @sbsf/wire (shared with the
 * emulator that serves the feed); the parsing helpers are the client's own.
 */
import type { FeedServerFrame } from '@sbsf/wire/sandbox-feed';
import { FEED_PATH } from '@sbsf/wire/sandbox-feed';

export * from '@sbsf/wire/sandbox-feed';

const SERVER_FRAME_TYPES = new Set(['ready', 'message', 'channel', 'unread', 'read', 'typing', 'pong', 'error']);

/** Parses one text frame; undefined for anything that is not a frame we know (ignored). */
export function parseServerFrame(text: string): FeedServerFrame | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!v || typeof v !== 'object') return undefined;
  const type = (v as { type?: unknown }).type;
  return typeof type === 'string' && SERVER_FRAME_TYPES.has(type) ? (v as FeedServerFrame) : undefined;
}

/** The feed's WebSocket URL on an API host: same origin, ws(s) scheme. */
export function feedUrlFor(apiHost: string): string {
  const u = new URL(FEED_PATH, apiHost.endsWith('/') ? apiHost : `${apiHost}/`);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  return u.toString();
}
