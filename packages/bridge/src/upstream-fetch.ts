/**
 * The `fetch` the bridge gives its Salesforce and Sendbird clients: undici's `request` on an undici
 * `Agent` of its own (a keep-alive pool with a bounded number of sockets per origin, one request
 * at a time on each), wrapped in the part of the Response interface the clients read (`status`,
 * `ok`, `headers`, `text()`). Not undici's `fetch`: on the ticket path (three upstream calls per
 * ticket) its web streams and Response objects nearly double the bridge's CPU per ticket
 * (docs/decisions.md). The answer's body is read whole, up to `maxBodyBytes`, before the promise
 * resolves, so a client's signal bounds the whole exchange: waiting for a pooled connection, the
 * headers and the body.
 */
import { Agent, Headers, type Dispatcher } from 'undici';

export interface UpstreamFetchOptions {
  /** Sockets kept per origin. */
  connections?: number;
  keepAliveTimeoutMs?: number;
  /** An answer with a larger body fails with `UPSTREAM_BODY_TOO_LARGE` (default 64 MiB). */
  maxBodyBytes?: number;
}

export const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024;

/** An upstream answer's body was larger than `maxBodyBytes`; the connection is dropped. */
export class UpstreamBodyTooLargeError extends Error {
  readonly code = 'UPSTREAM_BODY_TOO_LARGE';
  constructor(limit: number) {
    super(`the upstream answer's body is larger than ${limit} bytes`);
    this.name = 'UpstreamBodyTooLargeError';
  }
}

type Init = { method?: string; headers?: Record<string, string>; body?: string; signal?: AbortSignal | null };

/** The answer's header record as `Headers` (repeated headers joined with ", " by `get`). */
function toHeaders(record: Dispatcher.ResponseData['headers']): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(record)) {
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else if (value !== undefined) headers.append(name, value);
  }
  return headers;
}

/**
 * Rejects with the signal's reason as soon as it aborts. undici reports an abort only once the
 * request has a connection, so a request still waiting for a pooled one would otherwise outlive
 * its deadline (undici drops it when its turn comes).
 */
function whenAborted(signal: AbortSignal): { promise: Promise<never>; stop(): void } {
  let onAbort!: () => void;
  const promise = new Promise<never>((_, reject) =>
    signal.addEventListener('abort', (onAbort = () => reject(signal.reason)), { once: true }),
  );
  return { promise, stop: () => signal.removeEventListener('abort', onAbort) };
}

/** undici's `request` on a pool of its own, as a `fetch`; `close()` closes the pool. */
export function createUpstreamFetch(opts: UpstreamFetchOptions = {}): typeof fetch & { close(): Promise<void> } {
  const maxBodyBytes = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  // undici drops the connection of an answer whose body passes maxResponseSize.
  const agent = new Agent({
    connections: opts.connections ?? 64,
    keepAliveTimeout: opts.keepAliveTimeoutMs ?? 30_000,
    pipelining: 1,
    maxResponseSize: maxBodyBytes,
  });

  const exchange = async (url: URL, init: Init, signal: AbortSignal | undefined) => {
    const res = await agent.request({
      origin: url.origin,
      path: url.pathname + url.search,
      method: (init.method ?? 'GET') as Dispatcher.HttpMethod,
      headers: init.headers,
      body: init.body ?? null,
      signal,
    });
    // UTF-8, a leading byte order mark dropped, as Response.text() decodes.
    return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
  };

  const f = async (input: string | URL | Request, init: Init = {}): Promise<Response> => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    const signal = init.signal ?? undefined;
    if (signal?.aborted) throw signal.reason;
    const abort = signal && whenAborted(signal);
    let answer: Awaited<ReturnType<typeof exchange>>;
    try {
      const pending = exchange(url, init, signal);
      if (abort) pending.catch(() => {}); // it fails too, once undici drops the request
      answer = await (abort ? Promise.race([pending, abort.promise]) : pending);
    } catch (err) {
      // An aborted request fails with the signal's reason (as fetch does), whenever it came.
      if (signal?.aborted) throw signal.reason;
      throw (err as { code?: unknown } | null)?.code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE'
        ? new UpstreamBodyTooLargeError(maxBodyBytes)
        : err;
    } finally {
      abort?.stop();
    }
    const { status, text } = answer;
    let headers: Headers | undefined;
    return {
      status,
      ok: status >= 200 && status < 300,
      // Made when first read: the Sendbird client reads headers only from a refusal.
      get headers() {
        return (headers ??= toHeaders(answer.headers));
      },
      text: async () => text,
      json: async () => JSON.parse(text) as unknown,
    } as unknown as Response;
  };
  return Object.assign(f as unknown as typeof fetch, { close: () => agent.close() });
}
