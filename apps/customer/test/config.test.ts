/** config.json parsing: one build, every environment. */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { ConfigError, loadConfig, parseConfig } from '../src/config.js';

test('a sandbox config and a production config are accepted; defaults are the production ones', () => {
  assert.deepEqual(parseConfig({ bridgeUrl: 'http://127.0.0.1:8080/', auth: 'guest', chat: 'sandbox' }), {
    bridgeUrl: 'http://127.0.0.1:8080',
    auth: 'guest',
    chat: 'sandbox',
  });
  assert.deepEqual(parseConfig({ bridgeUrl: 'https://bridge.example.com', tokenUrl: '/api/support-token' }), {
    bridgeUrl: 'https://bridge.example.com',
    auth: 'jwt',
    chat: 'uikit',
    tokenUrl: '/api/support-token',
  });
});

test('every problem is reported at once, saying what to set', () => {
  const err = (() => {
    try {
      parseConfig({ bridgeURL: 'x', auth: 'password', chat: 'slack' });
    } catch (e) {
      return e;
    }
  })();
  assert.ok(err instanceof ConfigError);
  assert.equal(err.problems.length, 4);
  assert.match(err.message, /unknown key "bridgeURL"/);
  assert.match(err.message, /bridgeUrl must be the http\(s\) URL of the bridge/);
  assert.match(err.message, /auth must be "jwt" \(production\) or "guest" \(sandbox\)/);
  assert.match(err.message, /chat must be "uikit"/);
  assert.throws(() => parseConfig({ bridgeUrl: 'https://b.example.com', auth: 'jwt' }), /tokenUrl is required with auth "jwt"/);
  assert.throws(() => parseConfig({ bridgeUrl: 'ftp://b.example.com', auth: 'guest' }), /bridgeUrl/);
  assert.throws(() => parseConfig([]), /JSON object/);
});

test('loadConfig reads config.json over HTTP and explains a missing or broken file', async (t) => {
  const files: Record<string, string> = {
    '/config.json': JSON.stringify({ bridgeUrl: 'http://127.0.0.1:1', auth: 'guest', chat: 'sandbox' }),
    '/broken.json': '{ not json',
  };
  const server = createServer((req, res) => {
    const body = files[req.url ?? ''];
    if (body === undefined) res.writeHead(404).end();
    else res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  assert.equal((await loadConfig(fetch, `${base}/config.json`)).chat, 'sandbox');
  await assert.rejects(loadConfig(fetch, `${base}/missing.json`), /answered HTTP 404/);
  await assert.rejects(loadConfig(fetch, `${base}/broken.json`), /not valid JSON/);
});
