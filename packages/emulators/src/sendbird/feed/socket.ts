/**
 * The sandbox feed's WebSocket endpoint (`ws` on fastify's HTTP server). The first frame
 * authenticates with a session token; tokens never go in the URL, where logs would keep them.
 * After that the server pushes every message of the user's channels (ADMM and Platform API sends
 * included), membership changes and total-unread changes.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { checkSessionToken } from '../ops-users.js';
import type { ChannelRec, EmulatorEvent, Store } from '../store.js';
import { isLocalOrigin } from './cors.js';
import { AUTH_TIMEOUT_MS, FEED_PATH, FEED_TYPING_TTL_MS, FeedCloseCode, type FeedServerFrame } from './protocol.js';
import { channelSummary, feedMessage } from './summary.js';

interface Conn {
  ws: WebSocket;
  userId?: string;
  timer?: NodeJS.Timeout;
}

const MAX_TIMER_MS = 2_147_483_647;

export class FeedHub {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  private readonly byUser = new Map<string, Set<Conn>>();
  private readonly conns = new Set<Conn>();
  private readonly lastUnread = new Map<string, number>();
  /** Who is typing, per channel: user id -> the timer that ends it. */
  private readonly typing = new Map<string, Map<string, ReturnType<typeof setTimeout>>>();
  private readonly unsubscribe: () => void;

  constructor(private readonly store: Store) {
    this.unsubscribe = store.on((e) => this.onEvent(e));
  }

  attach(server: Server): void {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const path = (req.url ?? '').split('?')[0];
      if (path !== FEED_PATH) return socket.destroy();
      if (!isLocalOrigin(req.headers.origin)) {
        socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws));
    });
  }

  /** Number of authenticated connections per user (admin state). */
  connections(): Record<string, number> {
    return Object.fromEntries([...this.byUser].map(([u, set]) => [u, set.size]));
  }

  private send(conn: Conn, frame: FeedServerFrame): void {
    if (conn.ws.readyState === conn.ws.OPEN) conn.ws.send(JSON.stringify(frame));
  }

  private fail(conn: Conn, closeCode: number, code: number, message: string): void {
    this.send(conn, { type: 'error', code, message });
    conn.ws.close(closeCode, message.slice(0, 120));
  }

  private onConnection(ws: WebSocket): void {
    const conn: Conn = { ws };
    this.conns.add(conn);
    conn.timer = setTimeout(() => this.fail(conn, FeedCloseCode.AuthTimeout, 400302, 'No auth frame received.'), AUTH_TIMEOUT_MS);
    ws.on('message', (data) => this.onFrame(conn, data.toString()));
    ws.on('close', () => this.drop(conn));
    ws.on('error', () => this.drop(conn));
  }

  private onFrame(conn: Conn, text: string): void {
    let frame: { type?: unknown; token?: unknown };
    try {
      frame = JSON.parse(text) as typeof frame;
    } catch {
      return this.fail(conn, FeedCloseCode.ProtocolError, 400111, 'Frames must be JSON.');
    }
    if (!conn.userId) {
      if (frame.type !== 'auth' || typeof frame.token !== 'string') {
        return this.fail(conn, FeedCloseCode.ProtocolError, 400111, 'The first frame must be {"type":"auth","token":"..."}.');
      }
      return this.authenticate(conn, frame.token);
    }
    if (frame.type === 'ping') return this.send(conn, { type: 'pong' });
    if (frame.type === 'typing') return this.onTyping(conn, frame as { channel_url?: unknown; typing?: unknown });
    this.send(conn, { type: 'error', code: 400111, message: `Unknown frame type ${JSON.stringify(frame.type)}.` });
  }

  /** `typing` from a joined member: remembered for FEED_TYPING_TTL_MS, told to the other joined members. */
  private onTyping(conn: Conn, frame: { channel_url?: unknown; typing?: unknown }): void {
    const url = frame.channel_url;
    const c = typeof url === 'string' ? this.store.channels.get(url) : undefined;
    if (typeof url !== 'string' || typeof frame.typing !== 'boolean') {
      return this.send(conn, {
        type: 'error',
        code: 400111,
        message: 'A typing frame is {"type":"typing","channel_url":"...","typing":true|false}.',
      });
    }
    if (!c || c.members.get(conn.userId!)?.state !== 'joined') {
      return this.send(conn, { type: 'error', code: 400108, message: 'Not authorized. You are not a member of this channel.' });
    }
    this.setTyping(c, conn.userId!, frame.typing);
  }

  private setTyping(c: ChannelRec, userId: string, typing: boolean): void {
    let typers = this.typing.get(c.channel_url);
    const was = typers?.get(userId);
    clearTimeout(was);
    if (typing) {
      if (!typers) this.typing.set(c.channel_url, (typers = new Map()));
      typers.set(
        userId,
        setTimeout(() => this.setTyping(c, userId, false), FEED_TYPING_TTL_MS),
      );
      if (was !== undefined) return;
    } else {
      if (was === undefined) return;
      typers?.delete(userId);
    }
    const now = [...(this.typing.get(c.channel_url)?.keys() ?? [])];
    for (const id of this.joined(c)) {
      this.toUser(id, { type: 'typing', channel_url: c.channel_url, user_ids: now.filter((u) => u !== id) });
    }
  }

  private authenticate(conn: Conn, token: string): void {
    clearTimeout(conn.timer);
    const check = checkSessionToken(this.store, token);
    if (!check.ok) {
      const close = check.expired ? FeedCloseCode.TokenExpired : FeedCloseCode.InvalidToken;
      return this.fail(conn, close, check.error.code, check.error.message);
    }
    const { user_id: userId, expires_at: expiresAt } = check.session;
    conn.userId = userId;
    let set = this.byUser.get(userId);
    if (!set) this.byUser.set(userId, (set = new Set()));
    set.add(conn);
    const u = this.store.users.get(userId);
    const total = this.store.totalUnread(userId);
    this.lastUnread.set(userId, total);
    this.send(conn, {
      type: 'ready',
      user: { user_id: userId, nickname: u?.nickname ?? '', profile_url: u?.profile_url ?? '' },
      expires_at: expiresAt,
      total_unread_count: total,
    });
    this.scheduleExpiry(conn, expiresAt);
  }

  private scheduleExpiry(conn: Conn, expiresAt: number): void {
    const ms = expiresAt - this.store.now();
    conn.timer = setTimeout(
      () => {
        if (this.store.now() >= expiresAt) {
          this.fail(conn, FeedCloseCode.TokenExpired, 400302, 'Session token expired. Issue a new one and reconnect.');
        } else this.scheduleExpiry(conn, expiresAt);
      },
      Math.min(Math.max(ms, 0), MAX_TIMER_MS),
    );
  }

  private drop(conn: Conn): void {
    clearTimeout(conn.timer);
    this.conns.delete(conn);
    if (conn.userId) this.byUser.get(conn.userId)?.delete(conn);
  }

  private toUser(userId: string, frame: FeedServerFrame | ((userId: string) => FeedServerFrame)): void {
    const set = this.byUser.get(userId);
    if (!set?.size) return;
    const f = typeof frame === 'function' ? frame(userId) : frame;
    for (const conn of set) this.send(conn, f);
  }

  private pushUnread(userIds: Iterable<string>): void {
    for (const id of userIds) {
      if (!this.byUser.get(id)?.size) continue;
      const total = this.store.totalUnread(id);
      if (this.lastUnread.get(id) === total) continue;
      this.lastUnread.set(id, total);
      this.toUser(id, { type: 'unread', total_unread_count: total });
    }
  }

  private joined(c: ChannelRec): string[] {
    return [...c.members.values()].filter((m) => m.state === 'joined').map((m) => m.user_id);
  }

  private channelFrame(c: ChannelRec, event: Extract<FeedServerFrame, { type: 'channel' }>['event'], userIds: string[]) {
    return (forUser: string): FeedServerFrame => ({
      type: 'channel',
      event,
      channel_url: c.channel_url,
      user_ids: userIds,
      channel: channelSummary(this.store, c, forUser),
    });
  }

  private onEvent(e: EmulatorEvent): void {
    const c = e.channel;
    switch (e.type) {
      case 'message_sent':
      case 'message_updated':
      case 'message_deleted': {
        const event = e.type === 'message_sent' ? 'sent' : e.type === 'message_updated' ? 'updated' : 'deleted';
        const frame: FeedServerFrame = {
          type: 'message',
          event,
          channel_url: c.channel_url,
          message: feedMessage(this.store, c, e.message),
        };
        for (const id of this.joined(c)) this.toUser(id, frame);
        this.pushUnread(this.joined(c));
        // A message ends its sender's typing.
        if (e.type === 'message_sent' && e.message.user_id !== undefined) this.setTyping(c, e.message.user_id, false);
        return;
      }
      case 'members_joined':
      case 'members_invited':
      case 'members_left': {
        const event = e.type === 'members_joined' ? 'joined' : e.type === 'members_invited' ? 'invited' : 'left';
        const audience = new Set([...c.members.keys(), ...e.userIds]);
        for (const id of audience) this.toUser(id, this.channelFrame(c, event, e.userIds));
        this.pushUnread(e.userIds);
        return;
      }
      case 'channel_frozen':
        for (const id of c.members.keys()) this.toUser(id, this.channelFrame(c, e.freeze ? 'frozen' : 'unfrozen', []));
        return;
      case 'channel_updated':
        // Name, data, custom type...: every member's list shows the channel as it is now.
        for (const id of c.members.keys()) this.toUser(id, this.channelFrame(c, 'updated', []));
        return;
      case 'channel_deleted':
        for (const id of c.members.keys()) this.toUser(id, this.channelFrame(c, 'deleted', []));
        this.pushUnread(c.members.keys());
        return;
      case 'read': {
        this.pushUnread([e.userId]);
        const frame: FeedServerFrame = { type: 'read', channel_url: c.channel_url, user_id: e.userId, read_ts: e.at };
        for (const id of this.joined(c)) if (id !== e.userId) this.toUser(id, frame);
        return;
      }
      default:
        return;
    }
  }

  /**
   * Admin hook: the user's session tokens were just expired. Close their connections exactly as a
   * natural expiry would (error frame 400302, close 4002), so clients can test their renewal path
   * without waiting out a real token lifetime. Returns how many connections were closed.
   */
  expireUser(userId: string): number {
    const set = this.byUser.get(userId);
    if (!set) return 0;
    const conns = [...set];
    for (const conn of conns) {
      clearTimeout(conn.timer);
      this.fail(conn, FeedCloseCode.TokenExpired, 400302, 'Session token expired. Issue a new one and reconnect.');
    }
    return conns.length;
  }

  /** Closes every connection (1001) and stops listening to events. */
  close(): void {
    this.unsubscribe();
    for (const typers of this.typing.values()) for (const t of typers.values()) clearTimeout(t);
    this.typing.clear();
    for (const conn of this.conns) {
      clearTimeout(conn.timer);
      conn.ws.close(FeedCloseCode.GoingAway, 'emulator closing');
      conn.ws.terminate();
    }
    this.conns.clear();
    this.byUser.clear();
    this.wss.close();
  }

  /** After an admin reset: everyone must authenticate again (their tokens are gone). */
  disconnectAll(): void {
    for (const conn of this.conns) {
      clearTimeout(conn.timer);
      conn.ws.close(FeedCloseCode.GoingAway, 'emulator reset');
    }
    this.lastUnread.clear();
  }
}
