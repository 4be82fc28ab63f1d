/**
 * Typed client for the sandbox REST API (`/sandbox/v1` on the emulator). The session token goes
 * in `Authorization: Bearer`, never in a URL (URLs end up in logs). One `request()` core; reads
 * (GET, and PUT .../read, which is idempotent) are retried on network errors, 429 and 5xx with
 * backoff; a send is never retried automatically, since the feed has no dedup key and a retry
 * could post the message twice: the pane offers "retry" to the person instead.
 */
import { backoffDelay } from './backoff.js';
import { SandboxConnectionError, SandboxApiError, sandboxErrorFrom } from './errors.js';
import { FEED_REST_PREFIX, type FeedChannelSummary, type FeedMessage, type FeedUser } from './protocol.js';

/** Attempts for an idempotent request (the first try included). */
export const MAX_READ_ATTEMPTS = 3;

export interface SandboxRestOptions {
  /** The emulator's origin, e.g. `http://127.0.0.1:8081` (the bridge's `apiHost`). */
  apiHost: string;
  /** The user's Sendbird session token. */
  token: string;
  fetch?: typeof fetch;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT';
  /** JSON, or a form (a file upload: the browser sets the multipart Content-Type). */
  body?: unknown;
  /** Safe to send again after a failure. */
  idempotent?: boolean;
  signal?: AbortSignal;
}

/** Whether to try again after attempt number `attempt` failed. Rules in order. */
export function shouldRetry(attempt: number, idempotent: boolean, err: SandboxApiError): boolean {
  if (!idempotent) return false;
  if (attempt >= MAX_READ_ATTEMPTS) return false;
  if (err instanceof SandboxConnectionError) return true;
  return err.status === 429 || err.status >= 500;
}

export class SandboxRestClient {
  private readonly base: string;
  private token: string;
  private readonly fetchImpl: typeof fetch;
  private readonly random: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(o: SandboxRestOptions) {
    if (!o.apiHost) throw new Error('[sandbox-chat] apiHost is required (the bridge answers it as sendbird.apiHost)');
    if (!/^https?:\/\//.test(o.apiHost)) throw new Error('[sandbox-chat] apiHost must be an http(s) URL');
    if (!o.token) throw new Error('[sandbox-chat] a session token is required');
    this.base = o.apiHost.replace(/\/+$/, '') + FEED_REST_PREFIX;
    this.token = o.token;
    this.fetchImpl = o.fetch ?? ((...args) => fetch(...args));
    this.random = o.random ?? Math.random;
    this.sleep = o.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /** Use a renewed session token from now on. */
  setToken(token: string): void {
    if (!token) throw new Error('[sandbox-chat] a session token is required');
    this.token = token;
  }

  private async request<T>(path: string, opts: RequestOptions = {}): Promise<T> {
    const method = opts.method ?? 'GET';
    const idempotent = opts.idempotent ?? method === 'GET';
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.once<T>(method, path, opts);
      } catch (err) {
        const e = err instanceof SandboxApiError ? err : new SandboxConnectionError(`[sandbox-chat] ${method} ${path} failed`);
        if (!shouldRetry(attempt, idempotent, e) || opts.signal?.aborted) throw e;
        await this.sleep(backoffDelay(attempt, this.random));
      }
    }
  }

  private async once<T>(method: string, path: string, opts: RequestOptions): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}` };
    const form = typeof FormData !== 'undefined' && opts.body instanceof FormData;
    if (opts.body !== undefined && !form) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await this.fetchImpl(this.base + path, {
        method,
        headers,
        ...(opts.body !== undefined ? { body: form ? (opts.body as FormData) : JSON.stringify(opts.body) } : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
    } catch {
      // The browser's message says nothing useful and must not leak into the UI verbatim.
      throw new SandboxConnectionError(`[sandbox-chat] the chat service did not answer (${method} ${path.split('?')[0]})`);
    }
    const text = await res.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    if (!res.ok) throw sandboxErrorFrom(res.status, body);
    return body as T;
  }

  me(signal?: AbortSignal): Promise<FeedUser> {
    return this.request('/me', { signal });
  }

  async channels(signal?: AbortSignal): Promise<FeedChannelSummary[]> {
    return (await this.request<{ channels: FeedChannelSummary[] }>('/channels', { signal })).channels;
  }

  channel(url: string, signal?: AbortSignal): Promise<FeedChannelSummary> {
    return this.request(`/channels/${encodeURIComponent(url)}`, { signal });
  }

  /** Oldest first: the latest `limit`, or the `limit` before `before` (ms). */
  async messages(url: string, opts: { limit?: number; before?: number; signal?: AbortSignal } = {}): Promise<FeedMessage[]> {
    const q = new URLSearchParams();
    if (opts.limit !== undefined) q.set('limit', String(opts.limit));
    if (opts.before !== undefined) q.set('before', String(opts.before));
    const qs = q.toString();
    const path = `/channels/${encodeURIComponent(url)}/messages${qs ? `?${qs}` : ''}`;
    return (await this.request<{ messages: FeedMessage[] }>(path, { signal: opts.signal })).messages;
  }

  sendMessage(url: string, message: string, extra: { custom_type?: string; data?: string } = {}): Promise<FeedMessage> {
    return this.request(`/channels/${encodeURIComponent(url)}/messages`, { method: 'POST', body: { message, ...extra } });
  }

  /**
   * Sends a file (multipart, the part named `file`); never retried automatically, like a send.
   * The emulator refuses a type off the allow-list (415) or too large a file (413), code 400111.
   */
  sendFile(url: string, file: Blob, name: string): Promise<FeedMessage> {
    const form = new FormData();
    form.append('file', file, name);
    return this.request(`/channels/${encodeURIComponent(url)}/files`, { method: 'POST', body: form });
  }

  markRead(url: string): Promise<{ unread_message_count: number; total_unread_count: number }> {
    return this.request(`/channels/${encodeURIComponent(url)}/read`, { method: 'PUT', idempotent: true });
  }

  async unread(signal?: AbortSignal): Promise<number> {
    return (await this.request<{ total_unread_count: number }>('/unread', { signal })).total_unread_count;
  }
}
