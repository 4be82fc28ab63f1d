/**
 * The `fetch` the bridge gives its Salesforce and Sendbird clients: undici's `request` on a
 * keep-alive pool, wrapped in the small part of the Response interface the clients read
 * (`status`, `ok`, `headers`, `text()`). Node's global fetch builds web streams and transferable
 * abort signals on every call; on the ticket path (three upstream calls per ticket) that was the
 * largest share of the bridge's CPU time (docs/performance.md). For the same reason the headers
 * are read in place (`RawHeaders`) instead of being copied into a `Headers` object.
 */
import { Agent, request } from 'undici';

export interface UpstreamFetchOptions {
  /** Sockets kept per origin. */
  connections?: number;
  keepAliveTimeoutMs?: number;
}

/**
 * The reading half of `Headers` over undici's header record (names already lower-case; repeated
 * headers are arrays, joined with ", " as `Headers.get` does).
 */
export class RawHeaders {
  constructor(private readonly raw: Record<string, string | string[] | undefined>) {}

  get(name: string): string | null {
    const v = this.raw[name.toLowerCase()];
    return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
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

type Init = { method?: string; headers?: Record<string, string>; body?: string; signal?: AbortSignal | null };

export function createUpstreamFetch(opts: UpstreamFetchOptions = {}): typeof fetch & { close(): Promise<void> } {
  const agent = new Agent({ connections: opts.connections ?? 64, keepAliveTimeout: opts.keepAliveTimeoutMs ?? 30_000, pipelining: 1 });
  const f = async (input: string | URL | Request, init: Init = {}): Promise<Response> => {
    const res = await request(typeof input === 'string' || input instanceof URL ? input : input.url, {
      method: (init.method ?? 'GET') as 'GET',
      headers: init.headers,
      body: init.body,
      signal: init.signal ?? undefined,
      dispatcher: agent,
    });
    const text = await res.body.text();
    const headers = new RawHeaders(res.headers);
    const status = res.statusCode;
    return { status, ok: status >= 200 && status < 300, headers, text: async () => text, json: async () => JSON.parse(text) as unknown } as unknown as Response;
  };
  return Object.assign(f as unknown as typeof fetch, { close: () => agent.close() });
}
