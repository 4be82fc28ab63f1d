/** Helpers for the Sendbird emulator tests: a real webhook receiver and a feed client. */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket } from 'ws';
import { waitFor } from '@sbsf/testkit';

export interface ReceivedWebhook {
  headers: IncomingMessage['headers'];
  rawBody: string;
  body: Record<string, unknown>;
}

export interface Receiver {
  url: string;
  received: ReceivedWebhook[];
  close(): Promise<void>;
}

/**
 * A local HTTP receiver on port 0. `answer` decides each reply from the request number (1-based)
 * and may delay; default 200.
 */
export async function startReceiver(
  answer: (n: number, hook: ReceivedWebhook) => { status: number; delayMs?: number } = () => ({ status: 200 }),
): Promise<Receiver> {
  const received: ReceivedWebhook[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const hook = { headers: req.headers, rawBody, body: JSON.parse(rawBody) as Record<string, unknown> };
      received.push(hook);
      const { status, delayMs } = answer(received.length, hook);
      const reply = (): void => {
        if (!res.destroyed) res.writeHead(status, { 'content-type': 'text/plain' }).end('ok');
      };
      if (delayMs) {
        const t = setTimeout(reply, delayMs);
        timers.add(t);
      } else reply();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/sendbird/webhooks`,
    received,
    async close() {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface FeedClient {
  frames: Record<string, unknown>[];
  closed: Promise<{ code: number; reason: string }>;
  send(frame: unknown): void;
  next(type: string, match?: (f: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  close(): void;
}

/** Connects to the sandbox feed and authenticates with `token` (first frame). */
export async function connectFeed(feedUrl: string, token: string | null, origin?: string): Promise<FeedClient> {
  const ws = new WebSocket(feedUrl, origin ? { headers: { origin } } : {});
  const frames: Record<string, unknown>[] = [];
  ws.on('message', (d) => frames.push(JSON.parse(d.toString()) as Record<string, unknown>));
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  if (token !== null) ws.send(JSON.stringify({ type: 'auth', token }));
  const seen = new Set<Record<string, unknown>>();
  return {
    frames,
    closed,
    send: (frame) => ws.send(JSON.stringify(frame)),
    async next(type, match = () => true) {
      const f = await waitFor(`a "${type}" frame`, () => frames.find((x) => x.type === type && !seen.has(x) && match(x)), {
        timeoutMs: 5000,
      });
      seen.add(f);
      return f;
    },
    close: () => ws.close(),
  };
}
