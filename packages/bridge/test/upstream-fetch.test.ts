import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { createUpstreamFetch } from '../src/upstream-fetch.js';

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
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const f = createUpstreamFetch();
  t.after(async () => {
    await f.close();
    server.closeAllConnections();
    server.close();
  });

  const res = await f(`${base}/x`, { method: 'POST', headers: { authorization: 'Bearer t', 'content-type': 'application/json' }, body: '{"a":1}' });
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

  await assert.rejects(f(`${base}/slow`, { signal: AbortSignal.timeout(50) }), (err: Error) => /abort|timeout/i.test(`${err.name} ${err.message}`));
  await assert.rejects(f('http://127.0.0.1:1/'), (err: { code?: string }) => err.code === 'ECONNREFUSED');
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
    if (req.url === '/stall') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"partial":');
      return; // never ends
    }
    res.end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const f = createUpstreamFetch({ maxBodyBytes: 1_000 });
  t.after(async () => {
    await f.close();
    server.closeAllConnections();
    server.close();
  });

  const res = await f(`${base}/chunks`);
  assert.deepEqual(JSON.parse(await res.text()), { name: 'Ren\u00e9e' }, 'chunks joined before decoding; the byte order mark dropped');

  await assert.rejects(f(`${base}/big`), (err: { code?: string; message?: string }) => err.code === 'UPSTREAM_BODY_TOO_LARGE' && /1000 bytes/.test(err.message ?? ''));

  const early = new AbortController();
  early.abort(new Error('gave up before sending'));
  await assert.rejects(f(`${base}/ok`, { signal: early.signal }), /gave up before sending/);

  const late = new AbortController();
  setTimeout(() => late.abort(new DOMException('timed out after 50 ms', 'TimeoutError')), 50);
  await assert.rejects(f(`${base}/stall`, { signal: late.signal }), (err: Error) => err.name === 'TimeoutError', 'an answer cut off mid-body rejects with the signal\'s reason');

  // The pool still works after all of that.
  assert.equal(await (await f(`${base}/ok`)).text(), 'ok');
});
