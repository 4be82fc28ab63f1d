import assert from 'node:assert/strict';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, type TestContext } from 'node:test';
import { SalesforceClient, SalesforceConnectionError } from '@sbsf/salesforce';
import { SendbirdClient, SendbirdConnectionError } from '@sbsf/sendbird';
import { createUpstreamFetch, type UpstreamFetchOptions } from '../src/upstream-fetch.js';

/** Listens on port 0; an upstream fetch for it; both closed after the test. */
async function serve(t: TestContext, server: Server, opts?: UpstreamFetchOptions) {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const f = createUpstreamFetch(opts);
  t.after(async () => {
    await f.close();
    server.closeAllConnections();
    server.close();
  });
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, f };
}

test('upstream fetch: status, headers, body, keep-alive reuse, abort and refused connections', async (t) => {
  const sockets = new Set<unknown>();
  const server = createServer((req, res) => {
    sockets.add(req.socket);
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      if (req.url === '/slow') return void setTimeout(() => res.end('late'), 2_000);
      res.setHeader('set-cookie', ['a=1', 'b=2']);
      res.setHeader('sforce-limit-info', 'api-usage=5/100');
      res.statusCode = req.url === '/missing' ? 404 : 200;
      res.end(JSON.stringify({ method: req.method, body, auth: req.headers.authorization }));
    });
  });
  const { base, f } = await serve(t, server);

  const res = await f(`${base}/x`, {
    method: 'POST',
    headers: { authorization: 'Bearer t', 'content-type': 'application/json' },
    body: '{"a":1}',
  });
  assert.equal(res.status, 200);
  assert.equal(res.ok, true);
  assert.equal(res.headers.get('sforce-limit-info'), 'api-usage=5/100');
  assert.equal(res.headers.get('Sforce-Limit-Info'), 'api-usage=5/100', 'names are case-insensitive');
  assert.equal(res.headers.get('set-cookie'), 'a=1, b=2', 'repeated headers are joined as Headers.get joins them');
  assert.equal(res.headers.has('x-absent'), false);
  assert.equal(res.headers.get('x-absent'), null);
  assert.deepEqual(new Map(res.headers.entries()).get('sforce-limit-info'), 'api-usage=5/100');
  assert.deepEqual(JSON.parse(await res.text()), { method: 'POST', body: '{"a":1}', auth: 'Bearer t' });
  const missing = await f(new URL(`${base}/missing`));
  assert.equal(missing.status, 404);
  assert.equal(missing.ok, false);
  const before = sockets.size;
  for (let i = 0; i < 5; i++) await (await f(`${base}/again`)).text();
  assert.equal(sockets.size, before, 'sequential calls reuse a kept-alive connection');

  await assert.rejects(f(`${base}/slow`, { signal: AbortSignal.timeout(50) }), (err: Error) =>
    /abort|timeout/i.test(`${err.name} ${err.message}`),
  );
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const closedPort = (closed.address() as AddressInfo).port;
  await new Promise((r) => closed.close(r));
  await assert.rejects(
    f(`http://127.0.0.1:${closedPort}/`),
    (err: { code?: string }) => err.code === 'ECONNREFUSED',
    'the network error, with its code',
  );
});

test('upstream fetch: a body in many chunks, a byte order mark, a body over the limit, aborts before and during an answer', async (t) => {
  const server = createServer((req, res) => {
    if (req.url === '/chunks') {
      // "é" (two bytes in UTF-8) split across two chunks, after a byte order mark.
      const text = Buffer.from('\ufeff{"name":"Ren\u00e9e"}', 'utf8');
      res.write(text.subarray(0, 14));
      setTimeout(() => res.end(text.subarray(14)), 10);
      return;
    }
    if (req.url === '/big') return void res.end(Buffer.alloc(2_000, 0x61));
    if (req.url === '/big-chunked') {
      // No Content-Length: the limit is found while reading.
      res.write(Buffer.alloc(800, 0x61));
      setTimeout(() => res.end(Buffer.alloc(800, 0x61)), 10);
      return;
    }
    if (req.url === '/stall') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"partial":');
      return; // never ends
    }
    res.end('ok');
  });
  const { base, f } = await serve(t, server, { maxBodyBytes: 1_000 });

  const res = await f(`${base}/chunks`);
  assert.deepEqual(JSON.parse(await res.text()), { name: 'Ren\u00e9e' }, 'chunks joined before decoding; the byte order mark dropped');

  for (const path of ['/big', '/big-chunked']) {
    await assert.rejects(
      f(`${base}${path}`),
      (err: { code?: string; message?: string }) => err.code === 'UPSTREAM_BODY_TOO_LARGE' && /1000 bytes/.test(err.message ?? ''),
    );
  }

  const early = new AbortController();
  early.abort(new Error('gave up before sending'));
  await assert.rejects(f(`${base}/ok`, { signal: early.signal }), /gave up before sending/);

  const late = new AbortController();
  setTimeout(() => late.abort(new DOMException('timed out after 50 ms', 'TimeoutError')), 50);
  await assert.rejects(
    f(`${base}/stall`, { signal: late.signal }),
    (err: Error) => err.name === 'TimeoutError',
    "an answer cut off mid-body rejects with the signal's reason",
  );

  // The pool still works after all of that.
  assert.equal(await (await f(`${base}/ok`)).text(), 'ok');
});

test('upstream fetch: a signal bounds the whole exchange (waiting for a connection, headers, a stalled body)', async (t) => {
  let stalled = 0;
  const server = createServer((req, res) => {
    if (req.url === '/slow') return void setTimeout(() => res.end('late'), 3_000);
    if (req.url === '/stall') {
      stalled++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"partial":');
      return;
    }
    res.end(req.url);
  });
  const { base, f } = await serve(t, server, { connections: 1 });
  const timeout = (ms: number) => {
    const c = new AbortController();
    setTimeout(() => c.abort(new DOMException(`timed out after ${ms} ms`, 'TimeoutError')), ms);
    return { signal: c.signal };
  };
  const timedOut = (ms: number) => (err: Error) => err.name === 'TimeoutError' && err.message === `timed out after ${ms} ms`;

  // Answers in time are untouched, before and after one that runs out.
  for (let i = 0; i < 5; i++) assert.equal(await (await f(`${base}/fast${i}`, timeout(2_000))).text(), `/fast${i}`);
  await assert.rejects(f(`${base}/slow`, timeout(100)), timedOut(100), 'no headers in time');
  await assert.rejects(f(`${base}/stall`, timeout(100)), timedOut(100), 'headers, then a body that never ends');
  assert.equal(stalled, 1);

  // The pool has one connection: held by an answer that never comes, the next request never gets
  // one, and still fails when its signal fires.
  const holder = f(`${base}/stall`, timeout(400));
  await assert.rejects(f(`${base}/queued`, timeout(150)), timedOut(150), 'no connection in time');
  await assert.rejects(holder, timedOut(400));
  assert.equal(await (await f(`${base}/after`, timeout(1_000))).text(), '/after', 'the pool still works');
});

for (const [what, answer] of [
  ['no answer', () => {}],
  [
    'headers, then a body that never ends',
    (res: ServerResponse) => void (res.writeHead(200, { 'content-type': 'application/json' }), res.write('{"partial":')),
  ],
] as const) {
  test(`the Salesforce and Sendbird clients time out with the upstream fetch and report it as a timeout: ${what}`, async (t) => {
    const server = createServer((_req, res) => answer(res));
    const { base, f } = await serve(t, server);
    const sendbird = new SendbirdClient({
      appId: 'app',
      apiToken: 'token-0123456789',
      baseUrl: base,
      fetch: f,
      timeoutMs: 100,
      limiter: { enabled: false },
      retry: { maxAttempts: 1 },
    });
    await assert.rejects(
      sendbird.getUser('u1'),
      (err: Error) => err instanceof SendbirdConnectionError && /no answer within 100 ms/.test(err.message),
    );
    const auth = { kind: 'client_credentials', clientId: 'id', clientSecret: 'secret' } as const;
    const salesforce = new SalesforceClient({ loginUrl: base, auth, fetch: f, timeoutMs: 100, retry: { maxAttempts: 1 } });
    await assert.rejects(
      salesforce.query('SELECT Id FROM Case'),
      (err: Error) => err instanceof SalesforceConnectionError && err.timedOut && /timed out after 100 ms/.test(err.message),
    );
  });
}
