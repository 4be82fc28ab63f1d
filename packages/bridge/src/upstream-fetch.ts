/**
 * The `fetch` the bridge gives its Salesforce and Sendbird clients: undici's dispatcher on a
 * keep-alive pool, wrapped in the small part of the Response interface the clients read
 * (`status`, `ok`, `headers`, `text()`). Node's global fetch builds web streams and transferable
 * abort signals on every call; undici's `request` a Readable stream per answer. On the ticket
 * path (three upstream calls per ticket) each was a large share of the bridge's CPU time
 * (docs/performance.md), so the answer is collected by a handler of our own straight from the
 * dispatcher: its chunks into one buffer, its headers kept as undici hands them over and read in
 * place (`RawHeaders`) when a client asks for one.
 */
import { FETCH_DEADLINE } from '@sbsf/salesforce';
import { Agent, type Dispatcher } from 'undici';

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

/**
 * The reading half of `Headers` over the header lines undici hands over (name, value, name,
 * value, ... as raw bytes). They are decoded on the first read, as a record of lower-case names
 * (repeated headers joined with ", " as `Headers.get` joins them): most answers are never asked
 * for a header at all.
 */
export class RawHeaders {
  private record?: Record<string, string>;

  constructor(private readonly lines: readonly (Buffer | string)[]) {}

  private get raw(): Record<string, string> {
    if (this.record) return this.record;
    const record: Record<string, string> = Object.create(null) as Record<string, string>;
    for (let i = 0; i + 1 < this.lines.length; i += 2) {
      const name = this.lines[i]!.toString('latin1').toLowerCase();
      const value = this.lines[i + 1]!.toString('latin1');
      record[name] = name in record ? `${record[name]}, ${value}` : value;
    }
    return (this.record = record);
  }

  get(name: string): string | null {
    return this.raw[name.toLowerCase()] ?? null;
  }

  has(name: string): boolean {
    return this.raw[name.toLowerCase()] !== undefined;
  }

  *entries(): IterableIterator<[string, string]> {
    for (const name of Object.keys(this.raw).sort()) {
      const v = this.get(name);
      if (v !== null) yield [name, v];
    }
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }

  forEach(fn: (value: string, name: string) => void): void {
    for (const [name, value] of this.entries()) fn(value, name);
  }
}

type Init = { method?: string; headers?: Record<string, string>; body?: string; signal?: AbortSignal | null; timeoutMs?: number };

/** An answer not complete within the request's `timeoutMs` (name `TimeoutError`, as an aborted fetch's). */
export class UpstreamTimeoutError extends Error {
  readonly code = 'UPSTREAM_TIMEOUT';
  constructor(readonly timeoutMs: number) {
    super(`no complete answer within ${timeoutMs} ms`);
    this.name = 'TimeoutError';
  }
}

interface DeadlineSlot {
  at: number;
  handler: CollectingHandler | undefined;
}

/**
 * The deadlines of the requests made with one `timeoutMs`, in the order they started (so also in
 * the order they fall due): one timer for the whole queue, armed for the oldest request still
 * under way, instead of an AbortController, a timer and an abort listener per request (about 7 us
 * each, on every upstream call). A request that finishes only clears its slot; slots are reused.
 */
class DeadlineQueue {
  private readonly slots: DeadlineSlot[] = [];
  private readonly free: DeadlineSlot[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly timeoutMs: number) {}

  add(handler: CollectingHandler): DeadlineSlot {
    const slot = this.free.pop() ?? { at: 0, handler: undefined };
    slot.at = performance.now() + this.timeoutMs;
    slot.handler = handler;
    this.slots.push(slot);
    if (!this.timer) this.arm(this.timeoutMs);
    return slot;
  }

  private arm(ms: number): void {
    this.timer = setTimeout(this.due, Math.max(1, Math.ceil(ms)));
    // In-flight requests keep the process alive by their sockets; this timer need not.
    this.timer.unref();
  }

  private readonly due = (): void => {
    this.timer = undefined;
    const now = performance.now();
    while (this.head < this.slots.length) {
      const slot = this.slots[this.head]!;
      const handler = slot.handler;
      if (handler && slot.at > now) break;
      slot.handler = undefined;
      this.head++;
      this.free.push(slot);
      handler?.timeout(this.timeoutMs);
    }
    if (this.head > 1024 && this.head * 2 > this.slots.length) {
      this.slots.splice(0, this.head);
      this.head = 0;
    }
    if (this.head < this.slots.length) this.arm(this.slots[this.head]!.at - now);
  };
}

interface Answer {
  status: number;
  headers: RawHeaders;
  text: string;
}

/**
 * Collects one answer from the dispatcher. Undici calls `onError` exactly once when the request
 * fails at any point (including after `abort`), otherwise `onComplete` once.
 */
class CollectingHandler implements Dispatcher.DispatchHandlers {
  private status = 0;
  private lines: Buffer[] = [];
  private chunks: Buffer[] = [];
  private size = 0;
  private abort?: (err?: Error) => void;
  private readonly onAbort?: () => void;
  private settled = false;
  /** Set by the deadline queue when the request has a `timeoutMs`. */
  deadline?: DeadlineSlot;

  constructor(
    private readonly resolve: (a: Answer) => void,
    private readonly reject: (err: unknown) => void,
    private readonly maxBodyBytes: number,
    private readonly signal?: AbortSignal,
  ) {
    if (signal) {
      this.onAbort = () => this.abort?.(signal.reason as Error);
      signal.addEventListener('abort', this.onAbort, { once: true });
    }
  }

  onConnect(abort: (err?: Error) => void): void {
    // Also called again when undici retries the request on a fresh connection: start over.
    this.abort = abort;
    this.status = 0;
    this.chunks = [];
    this.size = 0;
    if (this.signal?.aborted) abort(this.signal.reason as Error);
  }

  onHeaders(status: number, lines: Buffer[]): boolean {
    // 1xx answers are informational; the real one follows.
    if (status >= 200) {
      this.status = status;
      this.lines = lines;
    }
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.size += chunk.length;
    if (this.size > this.maxBodyBytes) {
      this.abort?.(new UpstreamBodyTooLargeError(this.maxBodyBytes));
      return false;
    }
    this.chunks.push(chunk);
    return true;
  }

  /** The deadline passed: abort the exchange, or fail at once if it never got a connection. */
  timeout(timeoutMs: number): void {
    const err = new UpstreamTimeoutError(timeoutMs);
    if (this.abort) this.abort(err);
    else this.onError(err);
  }

  onComplete(): void {
    if (this.settled) return;
    this.done();
    const body = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.size);
    // As Response.text() decodes: UTF-8, a leading byte order mark dropped.
    const start = body.length >= 3 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf ? 3 : 0;
    this.resolve({ status: this.status, headers: new RawHeaders(this.lines), text: body.toString('utf8', start) });
  }

  onError(err: Error): void {
    if (this.settled) return;
    this.done();
    this.reject(err);
  }

  private done(): void {
    this.settled = true;
    if (this.onAbort) this.signal!.removeEventListener('abort', this.onAbort);
    if (this.deadline?.handler === this) this.deadline.handler = undefined;
  }
}

/**
 * Besides `signal`, the fetch takes `timeoutMs` (and says so with `FETCH_DEADLINE`, which the
 * Salesforce and Sendbird clients look for): the whole exchange, connection included, must be
 * done by then, or it fails with `UpstreamTimeoutError` (name `TimeoutError`).
 */
export function createUpstreamFetch(opts: UpstreamFetchOptions = {}): typeof fetch & { close(): Promise<void>; [FETCH_DEADLINE]: true } {
  const agent = new Agent({ connections: opts.connections ?? 64, keepAliveTimeout: opts.keepAliveTimeoutMs ?? 30_000, pipelining: 1 });
  const maxBodyBytes = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const deadlines = new Map<number, DeadlineQueue>();
  const f = async (input: string | URL | Request, init: Init = {}): Promise<Response> => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    const signal = init.signal ?? undefined;
    if (signal?.aborted) throw signal.reason;
    const timeoutMs = init.timeoutMs;
    const { status, headers, text } = await new Promise<Answer>((resolve, reject) => {
      const handler = new CollectingHandler(resolve, reject, maxBodyBytes, signal);
      if (timeoutMs !== undefined && timeoutMs > 0) {
        let queue = deadlines.get(timeoutMs);
        if (!queue) deadlines.set(timeoutMs, (queue = new DeadlineQueue(timeoutMs)));
        handler.deadline = queue.add(handler);
      }
      agent.dispatch(
        { origin: url.origin, path: url.pathname + url.search, method: (init.method ?? 'GET') as Dispatcher.HttpMethod, headers: init.headers, body: init.body ?? null },
        handler,
      );
    });
    return { status, ok: status >= 200 && status < 300, headers, text: async () => text, json: async () => JSON.parse(text) as unknown } as unknown as Response;
  };
  return Object.assign(f as unknown as typeof fetch, { close: () => agent.close(), [FETCH_DEADLINE]: true as const });
}
