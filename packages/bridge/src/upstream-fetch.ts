/**
 * The `fetch` the bridge gives its Salesforce and Sendbird clients: undici's `request` on a
 * keep-alive pool, wrapped in the small part of the Response interface the clients read
 * (`status`, `ok`, `headers`, `text()`). Node's global fetch builds web streams and transferable
 * abort signals on every call; on the ticket path (three upstream calls per ticket) that was the
 * largest share of the bridge's CPU time (docs/performance.md).
 */
import { Agent, request } from 'undici';

export interface UpstreamFetchOptions {
  /** Sockets kept per origin. */
  connections?: number;
  keepAliveTimeoutMs?: number;
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
    const headers = new Headers();
    for (const [k, v] of Object.entries(res.headers)) {
      if (Array.isArray(v)) for (const x of v) headers.append(k, x);
      else if (v !== undefined) headers.set(k, v);
    }
    const status = res.statusCode;
    return { status, ok: status >= 200 && status < 300, headers, text: async () => text, json: async () => JSON.parse(text) as unknown } as Response;
  };
  return Object.assign(f as unknown as typeof fetch, { close: () => agent.close() });
}
