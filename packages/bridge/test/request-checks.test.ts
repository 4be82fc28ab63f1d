/**
 * Requests refused before any route runs: an HTTP/1.1 request without Host (raw sockets: fetch
 * always sends one), and a JSON body declared in a charset other than UTF-8. Both answered in
 * the one error shape, with the security headers.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { test } from 'node:test';
import { contentTypeParts } from '../src/http/request-checks.js';
import { SECURITY_HEADERS } from '../src/server.js';
import { startWorld } from './world.js';

/** Writes `raw` on a fresh connection and reads the whole answer (the server closes it or it ends). */
function rawRequest(url: string, raw: string): Promise<{ status: number; headers: Map<string, string>; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(raw));
    let data = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      data += d;
      // One answer is all these tests read: stop once its body is complete.
      const end = data.indexOf('\r\n\r\n');
      const length = /\r\ncontent-length: (\d+)/i.exec(data.slice(0, end));
      if (end >= 0 && length && Buffer.byteLength(data.slice(end + 4)) >= Number(length[1])) socket.end();
    });
    socket.on('error', reject);
    socket.on('close', () => {
      const end = data.indexOf('\r\n\r\n');
      const [statusLine, ...lines] = data.slice(0, end).split('\r\n');
      const headers = new Map(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      resolve({ status: Number(statusLine?.split(' ')[1]), headers, body: data.slice(end + 4) });
    });
  });
}

test('an HTTP/1.1 request without Host gets 400 missing_host as JSON with the security headers; HTTP/1.0 without Host and any request with it are served', async (t) => {
  const w = await startWorld(t);
  for (const path of ['/healthz', '/tickets', '/no-such-route']) {
    const res = await rawRequest(w.url, `GET ${path} HTTP/1.1\r\nConnection: close\r\n\r\n`);
    assert.equal(res.status, 400, `${path}: ${res.body}`);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/, path);
    const body = JSON.parse(res.body) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'missing_host', path);
    assert.match(body.error.message, /Host header is required/, path);
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) assert.equal(res.headers.get(name), value, `${path}: ${name}`);
    assert.ok(res.headers.get('x-request-id'), `${path}: a request id to quote`);
  }
  const post = await rawRequest(
    w.url,
    `POST /salesforce/events HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`,
  );
  assert.equal(post.status, 400);
  assert.equal(JSON.parse(post.body).error.code, 'missing_host', 'refused before the route (and its authentication) runs');

  const old = await rawRequest(w.url, 'GET /healthz HTTP/1.0\r\n\r\n');
  assert.equal(old.status, 200, 'HTTP/1.0 may omit Host');
  const withHost = await rawRequest(w.url, `GET /healthz HTTP/1.1\r\nHost: ${new URL(w.url).host}\r\nConnection: close\r\n\r\n`);
  assert.equal(withHost.status, 200);
  assert.deepEqual(JSON.parse(withHost.body), { status: 'ok' });
});

test('a JSON body declared in another charset than UTF-8 is refused with 415 unsupported_charset; utf-8, utf8 and no charset are read', async (t) => {
  const w = await startWorld(t);
  const token = w.customerToken(`cs-${randomUUID().slice(0, 8)}`);
  const body = JSON.stringify({
    case: { Subject: 'Zoë', Description: 'Ça marche pas', SuppliedName: 'Zoë', SuppliedEmail: 'zoe@example.com' },
  });
  const post = (contentType: string) =>
    fetch(`${w.url}/tickets`, {
      method: 'POST',
      headers: { 'content-type': contentType, authorization: `Bearer ${token}`, 'idempotency-key': randomUUID() },
      body,
    });
  for (const ct of [
    'application/json; charset=iso-8859-1',
    'application/json;charset=latin1',
    'application/json; charset="UTF-16"',
    'application/json; charset=windows-1252',
  ]) {
    const res = await post(ct);
    assert.equal(res.status, 415, ct);
    const err = ((await res.json()) as { error: { code: string; message: string; field: string } }).error;
    assert.equal(err.code, 'unsupported_charset', ct);
    assert.match(err.message, /must be UTF-8 JSON.*charset=utf-8 or no charset/, ct);
    assert.equal(err.field, 'Content-Type');
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff', `${ct}: security headers`);
  }
  const cases = () => w.sf.records('Case').length;
  const before = cases();
  for (const ct of [
    'application/json',
    'application/json; charset=utf-8',
    'application/json; charset=UTF-8',
    'application/json; charset=utf8',
    'application/json; charset="utf-8"',
  ]) {
    const res = await post(ct);
    assert.equal(res.status, 201, `${ct}: ${await res.text()}`);
  }
  assert.equal(cases(), before + 5, 'each accepted request made its Case');
  const subjects = w.sf
    .records('Case')
    .slice(-5)
    .map((c) => c.Subject);
  assert.deepEqual(subjects, Array(5).fill('Zoë'), 'read as UTF-8');
  // On the org's endpoint too, once the caller is authenticated: before the body is parsed.
  const events = await fetch(`${w.url}/salesforce/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=ascii', authorization: `Bearer ${w.config.sharedSecret}` },
    body: '{"events":[]}',
  });
  assert.equal(events.status, 415);
  assert.equal(((await events.json()) as { error: { code: string } }).error.code, 'unsupported_charset');
});

test('contentTypeParts: media type and charset, any case, quoted or not', () => {
  assert.deepEqual(contentTypeParts('application/json'), { mediaType: 'application/json', charset: undefined });
  assert.deepEqual(contentTypeParts('Application/JSON; Charset="UTF-8"'), { mediaType: 'application/json', charset: 'utf-8' });
  assert.deepEqual(contentTypeParts('application/json; boundary=x; charset=latin1'), { mediaType: 'application/json', charset: 'latin1' });
  assert.equal(contentTypeParts(undefined), null);
  assert.equal(contentTypeParts('  '), null);
});
