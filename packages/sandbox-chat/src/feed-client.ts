/**
 * The sandbox feed's WebSocket, kept open: authenticates with the first frame (never in the URL),
 * pings to notice dead connections, reconnects with capped jittered backoff, and stops with a
 * clear `session_expired` status when the emulator refuses the token (close 4001/4002, error
 * code 400302) so the host app can renew it (`setToken`) and the client reconnects at once.
 */
import { backoffDelay } from './backoff.js';
import { FeedCloseCode, parseServerFrame, type FeedServerFrame } from './protocol.js';

/** How often to ping an open connection, and how long to wait for the pong. */
export const PING_INTERVAL_MS = 25_000;
export const PONG_TIMEOUT_MS = 10_000;

export type FeedStatus = 'connecting' | 'open' | 'reconnecting' | 'session_expired' | 'failed' | 'stopped';

export interface FeedStatusEvent {
  status: FeedStatus;
  /** Close code of the socket that just ended, if one did. */
  closeCode?: number;
  /** `reconnecting`: the retry number and the wait before it. */
  attempt?: number;
  delayMs?: number;
  /** `failed` / `session_expired`: why, readable (never contains the token). */
  reason?: string;
}

/** What the client needs of a WebSocket (the browser's, or `ws` in Node tests). */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

export type WebSocketFactory = (url: string) => WebSocketLike;

export interface FeedClientOptions {
  /** `ws(s)://host/sandbox/feed` (see `feedUrlFor`). */
  url: string;
  token: string;
  onFrame: (frame: FeedServerFrame) => void;
  onStatus: (event: FeedStatusEvent) => void;
  /** Defaults to the global WebSocket. */
  createSocket?: WebSocketFactory;
  random?: () => number;
  pingIntervalMs?: number;
  pongTimeoutMs?: number;
}

export type CloseAction = 'reconnect' | 'session_expired' | 'fatal';

/** What a close code means for the client. */
export function closeAction(code: number): CloseAction {
  if (code === FeedCloseCode.InvalidToken || code === FeedCloseCode.TokenExpired) return 'session_expired';
  // A protocol error is a client bug: reconnecting would only repeat it.
  if (code === FeedCloseCode.ProtocolError) return 'fatal';
  // 1001 going away / reset, 1006 dropped, 1011 server error, 4008 auth timeout, ...
  return 'reconnect';
}

const OPEN = 1;

function defaultFactory(): WebSocketFactory {
  const WS = (globalThis as { WebSocket?: new (url: string) => WebSocketLike }).WebSocket;
  if (!WS) throw new Error('[sandbox-chat] no WebSocket in this environment; pass createSocket');
  return (url) => new WS(url);
}

export class FeedClient {
  private token: string;
  private ws: WebSocketLike | undefined;
  /** The token the current socket authenticated with. */
  private socketToken = '';
  private status: FeedStatus = 'stopped';
  private attempt = 0;
  private stopped = true;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private pongTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly createSocket: WebSocketFactory;
  private readonly random: () => number;
  private readonly pingIntervalMs: number;
  private readonly pongTimeoutMs: number;

  constructor(private readonly o: FeedClientOptions) {
    if (!/^wss?:\/\//.test(o.url)) throw new Error('[sandbox-chat] the feed url must be a ws:// or wss:// URL');
    if (!o.token) throw new Error('[sandbox-chat] a session token is required');
    this.token = o.token;
    this.createSocket = o.createSocket ?? defaultFactory();
    this.random = o.random ?? Math.random;
    this.pingIntervalMs = o.pingIntervalMs ?? PING_INTERVAL_MS;
    this.pongTimeoutMs = o.pongTimeoutMs ?? PONG_TIMEOUT_MS;
  }

  get currentStatus(): FeedStatus {
    return this.status;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect('connecting');
  }

  /**
   * A renewed session token. After a `session_expired` stop it reconnects at once; an open
   * connection keeps going (the emulator closes it when the old token runs out, and the
   * reconnect then uses this one).
   */
  setToken(token: string): void {
    if (!token) throw new Error('[sandbox-chat] a session token is required');
    this.token = token;
    if (!this.stopped && (this.status === 'session_expired' || this.status === 'failed')) this.reconnectNow();
  }

  /** Skip the backoff wait (a "Reconnect" button, the browser coming back online). */
  reconnectNow(): void {
    if (this.stopped) return;
    this.attempt = 0;
    this.abandonSocket();
    this.connect('connecting');
  }

  /** Tells the channel's other members the person is (or is no longer) typing; dropped while not connected. */
  typing(channelUrl: string, typing: boolean): void {
    const ws = this.ws;
    if (this.status !== 'open' || !ws || ws.readyState !== OPEN) return;
    ws.send(JSON.stringify({ type: 'typing', channel_url: channelUrl, typing }));
  }

  stop(): void {
    this.stopped = true;
    this.abandonSocket();
    this.setStatus({ status: 'stopped' });
  }

  private setStatus(e: FeedStatusEvent): void {
    this.status = e.status;
    this.o.onStatus(e);
  }

  private clearTimers(): void {
    clearTimeout(this.retryTimer);
    clearInterval(this.pingTimer);
    clearTimeout(this.pongTimer);
    this.retryTimer = this.pingTimer = this.pongTimer = undefined;
  }

  /** Forget the current socket without hearing its close event. */
  private abandonSocket(): void {
    this.clearTimers();
    const ws = this.ws;
    this.ws = undefined;
    if (!ws) return;
    ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
    try {
      ws.close(1000, 'client closing');
    } catch {
      /* already closed */
    }
  }

  private connect(status: 'connecting' | 'reconnecting'): void {
    if (status === 'connecting') this.setStatus({ status });
    let ws: WebSocketLike;
    try {
      ws = this.createSocket(this.o.url);
    } catch {
      return this.scheduleReconnect(undefined);
    }
    this.ws = ws;
    const token = this.token;
    ws.onopen = () => {
      this.socketToken = token;
      ws.send(JSON.stringify({ type: 'auth', token }));
    };
    ws.onmessage = (ev) => {
      const frame = typeof ev.data === 'string' ? parseServerFrame(ev.data) : undefined;
      if (!frame) return;
      if (frame.type === 'pong') {
        clearTimeout(this.pongTimer);
        return;
      }
      if (frame.type === 'ready') {
        this.attempt = 0;
        this.startPings(ws);
        this.setStatus({ status: 'open' });
      }
      this.o.onFrame(frame);
    };
    // Browsers fire `error` then `close`; the close decides.
    ws.onerror = () => undefined;
    ws.onclose = (ev) => this.onClose(ws, ev.code, ev.reason);
  }

  private startPings(ws: WebSocketLike): void {
    clearInterval(this.pingTimer);
    this.pingTimer = setInterval(() => {
      if (ws.readyState !== OPEN) return;
      ws.send(JSON.stringify({ type: 'ping' }));
      clearTimeout(this.pongTimer);
      // No pong: the connection is dead without a close (a sleeping laptop, a dropped route).
      this.pongTimer = setTimeout(() => {
        this.abandonSocket();
        this.scheduleReconnect(undefined);
      }, this.pongTimeoutMs);
    }, this.pingIntervalMs);
  }

  private onClose(ws: WebSocketLike, code: number, reason: string): void {
    if (ws !== this.ws) return;
    this.ws = undefined;
    this.clearTimers();
    if (this.stopped) return;
    const action = closeAction(code);
    if (action === 'session_expired') {
      // Renewed while this socket was still open on the old token: just reconnect.
      if (this.token !== this.socketToken) return this.scheduleReconnect(code, 0);
      return this.setStatus({ status: 'session_expired', closeCode: code, reason: reason || 'the chat session expired' });
    }
    if (action === 'fatal') {
      return this.setStatus({ status: 'failed', closeCode: code, reason: reason || 'the chat service refused the connection' });
    }
    this.scheduleReconnect(code);
  }

  private scheduleReconnect(closeCode: number | undefined, delayOverride?: number): void {
    if (this.stopped) return;
    this.attempt += 1;
    const delayMs = delayOverride ?? backoffDelay(this.attempt, this.random);
    this.setStatus({ status: 'reconnecting', attempt: this.attempt, delayMs, ...(closeCode !== undefined ? { closeCode } : {}) });
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.connect('reconnecting'), delayMs);
  }
}
