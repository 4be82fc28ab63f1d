import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { waitFor } from '@sbsf/testkit';
import { AppError } from '../src/errors.js';
import { createLogger } from '../src/logger.js';
import { createBridgeContext, type BridgeRoutes } from '../src/context.js';
import { buildServer } from '../src/server.js';
import { openSqliteStore } from '../src/open-store.js';
import { MIGRATIONS } from '../src/store/index.js';
import { SECRETS, testConfig } from './fixtures.js';

/** A route with a schema, and routes that fail in each way, to exercise the error handling. */
const testRoutes: BridgeRoutes = async (app) => {
  app.post(
    '/test/tickets',
    {
      schema: {
        headers: { type: 'object', required: ['idempotency-key'], properties: { 'idempotency-key': { type: 'string', minLength: 8 } } },
        body: {
          type: 'object',
          required: ['customer', 'case'],
          additionalProperties: false,
          properties: {
            customer: { type: 'object', required: ['userId'], properties: { userId: { type: 'string' } } },
            case: {
              type: 'object',
              required: ['Subject'],
              additionalProperties: false,
              properties: { Subject: { type: 'string', maxLength: 255 }, Priority: { type: 'string', enum: ['Low', 'Medium', 'High'] } },
            },
            tags: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' } } } },
          },
        },
      },
    },
    async (request) => ({ received: request.body }),
  );
  app.get('/test/items/:id', async (request) => ({ id: (request.params as { id: string }).id }));
  app.get('/test/app-error', async () => {
    throw new AppError(409, 'ticket_conflict', 'this Idempotency-Key was used with another body', { ticketId: 't-1' });
  });
  app.get('/test/crash', async () => {
    throw new Error(`database password ${SECRETS.BRIDGE_SHARED_SECRET} rejected at /srv/bridge/secret/path`);
  });
};

async function start(t: TestContext, env: Record<string, string | undefined> = {}) {
  const config = testConfig(t, env);
  assert.equal(config.store.kind, 'sqlite');
  const store = openSqliteStore({ file: config.store.file });
  const lines: string[] = [];
  const logger = createLogger({
    level: 'info',
    secrets: [SECRETS.BRIDGE_SHARED_SECRET],
    destination: { write: (s: string) => void lines.push(s) },
  });
  const app = await buildServer(config, { ctx: createBridgeContext(config, { store, logger }), features: [{ routes: testRoutes }] });
  await app.listen({ port: 0, host: '127.0.0.1' });
  t.after(async () => {
    await app.close();
    await store.close();
  });
  const address = app.server.address();
  assert.ok(address && typeof address === 'object');
  const base = `http://127.0.0.1:${address.port}`;
  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(base + path, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', 'idempotency-key': 'key-12345678', ...headers },
    });
  return { base, app, store, lines, post };
}

const json = async (r: Response) => (await r.json()) as { error: { code: string; message: string; field?: string; [k: string]: unknown } };

test('/healthz is up; /readyz is ready, then 503 with the reason once the database is closed', async (t) => {
  const { base, store } = await start(t);
  const health = await fetch(`${base}/healthz`);
  assert.equal(health.status, 200);
  assert.deepEqual(await health.json(), { status: 'ok' });
  const ready = await fetch(`${base}/readyz`);
  assert.equal(ready.status, 200);
  assert.deepEqual(await ready.json(), { status: 'ready', store: 'sqlite', schemaVersion: MIGRATIONS.length });

  await store.close();
  const down = await fetch(`${base}/readyz`);
  assert.equal(down.status, 503);
  const body = await json(down);
  assert.equal(body.error.code, 'not_ready');
  assert.match(body.error.message, /store not ready: database unreachable/);
  assert.equal((await fetch(`${base}/healthz`)).status, 200, 'liveness does not depend on the store');
});

test('/metrics serves the Prometheus text with request counts by route and status, and job counts', async (t) => {
  const { base, store } = await start(t);
  await fetch(`${base}/healthz`);
  await fetch(`${base}/no/such/page`);
  await store.enqueue('ticket.create', {});
  const res = await fetch(`${base}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
  const text = await res.text();
  assert.match(text, /bridge_http_requests_total\{method="GET",route="\/healthz",status="200"\} 1/);
  assert.match(text, /bridge_http_requests_total\{method="GET",route="unmatched",status="404"\} 1/, 'unknown URLs share one label');
  assert.match(text, /bridge_http_request_duration_seconds_bucket\{le="[0-9.]+",method="GET",route="\/healthz",status="200"\}/);
  assert.match(text, /bridge_jobs\{state="queued"\} 1/);
  assert.match(text, /bridge_jobs\{state="dead"\} 0/);
  assert.match(text, /# TYPE bridge_job_outcomes_total counter/);
  assert.match(text, /bridge_process_cpu_seconds_total/);
});

test('/docs serves Swagger UI and /docs/json the OpenAPI document built from the route schemas', async (t) => {
  const { base } = await start(t);
  const page = await fetch(`${base}/docs`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type') ?? '', /text\/html/);
  assert.match(await page.text(), /swagger-ui-bundle\.js/);
  const csp = page.headers.get('content-security-policy') ?? '';
  assert.match(csp, /script-src 'self'/, 'the docs page may load its own scripts');
  const asset = await fetch(`${base}/docs/static/swagger-initializer.js`);
  assert.equal(asset.status, 200);

  const doc = (await (await fetch(`${base}/docs/json`)).json()) as {
    openapi: string;
    paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { required: string[] } }> } }>>;
    components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
  };
  assert.match(doc.openapi, /^3\./);
  for (const p of ['/healthz', '/readyz', '/metrics', '/test/tickets']) assert.ok(doc.paths[p], `${p} is documented`);
  assert.deepEqual(doc.paths['/test/tickets']?.post?.requestBody?.content['application/json']?.schema.required, ['customer', 'case']);
  assert.ok(doc.components.schemas.ErrorResponse, 'the error shape is a named component');
  assert.ok(doc.components.securitySchemes.bridgeSecret);
  assert.ok(!('/docs/json' in doc.paths), 'the docs routes themselves are hidden');
});

test('unknown routes: 404 in the error shape', async (t) => {
  const { base } = await start(t);
  const res = await fetch(`${base}/nope?token=abc`);
  assert.equal(res.status, 404);
  assert.match(res.headers.get('content-type') ?? '', /application\/json/);
  assert.deepEqual(await res.json(), { error: { code: 'not_found', message: 'no route for GET /nope' } });
});

test('a body over BODY_LIMIT_BYTES: 413 in the error shape', async (t) => {
  const { post } = await start(t, { BODY_LIMIT_BYTES: '1024' });
  const res = await post('/test/tickets', JSON.stringify({ customer: { userId: 'c' }, case: { Subject: 'x'.repeat(2000) } }));
  assert.equal(res.status, 413);
  assert.deepEqual(await res.json(), {
    error: { code: 'payload_too_large', message: 'the request body is larger than the 1024-byte limit', limitBytes: 1024 },
  });
});

test('a body that is not JSON: 415 for another content type, 400 invalid_json for broken JSON', async (t) => {
  const { post } = await start(t);
  const text = await post('/test/tickets', 'Subject=hello', { 'content-type': 'text/plain' });
  assert.equal(text.status, 415);
  const body = await json(text);
  assert.equal(body.error.code, 'unsupported_media_type');
  assert.match(body.error.message, /send application\/json/);
  const form = await post('/test/tickets', 'a=b', { 'content-type': 'application/x-www-form-urlencoded' });
  assert.equal(form.status, 415);
  const broken = await post('/test/tickets', '{"case": ');
  assert.equal(broken.status, 400);
  assert.equal((await json(broken)).error.code, 'invalid_json');
});

test('schema errors: 400 invalid_request naming the field', async (t) => {
  const { base, post } = await start(t);
  const cases: [unknown, string, RegExp][] = [
    [{ customer: { userId: 'c' }, case: {} }, 'case.Subject', /^case\.Subject is required$/],
    [{ customer: { userId: 'c' }, case: { Subject: 42 } }, 'case.Subject', /^case\.Subject must be string$/],
    [{ customer: { userId: 'c' }, case: { Subject: 'x', OwnerId: '005' } }, 'case.OwnerId', /^case\.OwnerId is not allowed here$/],
    [
      { customer: { userId: 'c' }, case: { Subject: 'x', Priority: 'Urgent' } },
      'case.Priority',
      /^case\.Priority must be one of Low, Medium, High$/,
    ],
    [{ case: { Subject: 'x' } }, 'customer', /^customer is required$/],
    [{ customer: { userId: 'c' }, case: { Subject: 'x' }, tags: [{ name: 1 }] }, 'tags[0].name', /^tags\[0\]\.name must be string$/],
    [[1, 2], 'body', /^body must be object$/],
  ];
  for (const [body, field, message] of cases) {
    const res = await post('/test/tickets', JSON.stringify(body));
    assert.equal(res.status, 400, JSON.stringify(body));
    const err = await json(res);
    assert.equal(err.error.code, 'invalid_request');
    assert.equal(err.error.field, field);
    assert.match(err.error.message, message);
  }
  const valid = JSON.stringify({ customer: { userId: 'c' }, case: { Subject: 'x' } });
  const noKey = await fetch(`${base}/test/tickets`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: valid });
  assert.deepEqual((await json(noKey)).error, {
    code: 'invalid_request',
    field: 'idempotency-key',
    message: 'idempotency-key is required',
  });
  const ok = await post('/test/tickets', valid);
  assert.equal(ok.status, 200);
});

test('AppError keeps its status, code and extra; any other error is a bare 500 with no detail', async (t) => {
  const { base, lines } = await start(t);
  const conflict = await fetch(`${base}/test/app-error`);
  assert.equal(conflict.status, 409);
  assert.deepEqual(await conflict.json(), {
    error: { code: 'ticket_conflict', message: 'this Idempotency-Key was used with another body', ticketId: 't-1' },
  });

  const crash = await fetch(`${base}/test/crash`, { headers: { 'x-request-id': 'req-abc-123' } });
  assert.equal(crash.status, 500);
  assert.equal(crash.headers.get('x-request-id'), 'req-abc-123', 'a sane caller request id is kept');
  const text = await crash.text();
  assert.deepEqual(JSON.parse(text), {
    error: { code: 'internal', message: 'internal error; quote the request id when reporting it', requestId: 'req-abc-123' },
  });
  for (const leak of [SECRETS.BRIDGE_SHARED_SECRET, '/srv/bridge', 'at ', 'stack']) assert.ok(!text.includes(leak), `answer leaks ${leak}`);
  const logged = lines.find((l) => l.includes('unhandled error'));
  assert.ok(logged, 'the error is logged');
  assert.ok(!logged.includes(SECRETS.BRIDGE_SHARED_SECRET), 'and the log line is scrubbed');
  assert.match(logged, /req-abc-123/);

  const bad = await fetch(`${base}/healthz`, { headers: { 'x-request-id': 'bad id with spaces\u00e9' } });
  assert.match(bad.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/, 'an odd request id is replaced');
});

test('rate limit: 429 in the error shape with Retry-After after RATE_LIMIT_PER_MINUTE; probes are exempt', async (t) => {
  const { base } = await start(t, { RATE_LIMIT_PER_MINUTE: '3' });
  for (let i = 0; i < 3; i++) assert.equal((await fetch(`${base}/test/app-error`)).status, 409);
  const limited = await fetch(`${base}/test/app-error`);
  assert.equal(limited.status, 429);
  const retryAfter = Number(limited.headers.get('retry-after'));
  assert.ok(retryAfter > 0 && retryAfter <= 60, `Retry-After ${retryAfter}`);
  const body = await json(limited);
  assert.equal(body.error.code, 'rate_limited');
  assert.equal(body.error.retryAfterSeconds, retryAfter);
  assert.equal((await fetch(`${base}/nope`)).status, 429, 'unknown URLs count too');
  for (const probe of ['/healthz', '/readyz', '/metrics', '/docs/json']) assert.equal((await fetch(base + probe)).status, 200, probe);
});

test('CORS: only CORS_ORIGINS get CORS headers', async (t) => {
  const { base } = await start(t, { CORS_ORIGINS: 'https://app.example.com, http://localhost:5173' });
  const preflight = (origin: string) =>
    fetch(`${base}/test/tickets`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,idempotency-key' },
    });
  const allowed = await preflight('https://app.example.com');
  assert.equal(allowed.status, 204);
  assert.equal(allowed.headers.get('access-control-allow-origin'), 'https://app.example.com');
  assert.match(allowed.headers.get('access-control-allow-headers') ?? '', /idempotency-key/);
  assert.equal((await preflight('http://localhost:5173')).headers.get('access-control-allow-origin'), 'http://localhost:5173');
  const denied = await preflight('https://evil.example.com');
  assert.equal(denied.headers.get('access-control-allow-origin'), null);
  const simple = await fetch(`${base}/healthz`, { headers: { origin: 'https://evil.example.com' } });
  assert.equal(simple.headers.get('access-control-allow-origin'), null);
  const simpleOk = await fetch(`${base}/healthz`, { headers: { origin: 'https://app.example.com' } });
  assert.equal(simpleOk.headers.get('access-control-allow-origin'), 'https://app.example.com');

  const { base: closed } = await start(t);
  const none = await fetch(`${closed}/healthz`, { headers: { origin: 'https://app.example.com' } });
  assert.equal(none.headers.get('access-control-allow-origin'), null, 'no CORS_ORIGINS, no CORS');
});

test('URLs the router cannot read: 400 invalid_url or 414 uri_too_long in the error shape, with the security headers', async (t) => {
  const { base } = await start(t);
  const bad = await fetch(`${base}/test/items/%ZZ`);
  assert.equal(bad.status, 400);
  assert.deepEqual(await bad.json(), { error: { code: 'invalid_url', message: 'the URL path is not valid (bad percent-encoding)' } });
  const long = await fetch(`${base}/test/items/${'x'.repeat(200)}`, { headers: { 'x-request-id': 'long-param-1' } });
  assert.equal(long.status, 414);
  assert.deepEqual(await long.json(), { error: { code: 'uri_too_long', message: 'a part of the URL path is too long' } });
  assert.equal(long.headers.get('x-request-id'), 'long-param-1');
  for (const res of [bad, long]) {
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'/);
  }
  assert.equal((await fetch(`${base}/test/items/ok`)).status, 200, 'a readable URL reaches the route');
});

test('security headers are on every answer, errors included', async (t) => {
  const { base } = await start(t);
  for (const path of ['/healthz', '/nope']) {
    const res = await fetch(base + path);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff', path);
    assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'/, path);
    assert.match(res.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/, path);
    assert.equal(res.headers.get('x-frame-options'), 'SAMEORIGIN', path);
    assert.equal(res.headers.get('referrer-policy'), 'no-referrer', path);
    assert.match(res.headers.get('strict-transport-security') ?? '', /max-age=\d+/, path);
    assert.equal(res.headers.get('x-powered-by'), null, path);
  }
});

test('one access-log line per request: method, URL, status, time and request id', async (t) => {
  const { lines, post } = await start(t);
  const res = await post('/test/tickets', JSON.stringify({ customer: { userId: 'c-1' }, case: { Subject: 'logged' } }), {
    'x-request-id': 'access-log-check-1',
  });
  assert.equal(res.status, 200, await res.clone().text());
  const mine = () => lines.map((l) => JSON.parse(l) as Record<string, any>).filter((l) => l.reqId === 'access-log-check-1');
  // The line is written once the answer has left, which can be just after the client has it.
  await waitFor('the access-log line', () => mine().length > 0);
  assert.equal(mine().length, 1, JSON.stringify(lines.slice(-5)));
  const [line] = mine();
  assert.equal(line!.msg, 'request completed');
  assert.equal(line!.req.method, 'POST');
  assert.equal(line!.req.url, '/test/tickets');
  assert.equal(line!.req.remoteAddress, '127.0.0.1');
  assert.equal(line!.res.statusCode, 200);
  assert.equal(typeof line!.responseTime, 'number');
});
