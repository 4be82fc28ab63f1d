/** Aura's answers as the container checks them. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAuraMessage, sameSession } from '../src/lcc/aura-message.js';
import { SESSION } from './fake-lcc.js';

test('a session keeps the known keys only', () => {
  const parsed = parseAuraMessage({ ...SESSION, apiHost: 'http://127.0.0.1:8082', extra: 'ignored' });
  assert.deepEqual(parsed, { kind: 'session', session: { ...SESSION, apiHost: 'http://127.0.0.1:8082' } });
});

test('the tutorial-era answer without expiresAt is a session; a numeric string expiry is read', () => {
  const { expiresAt: _drop, ...noExpiry } = SESSION;
  assert.deepEqual(parseAuraMessage(noExpiry), { kind: 'session', session: noExpiry });
  const parsed = parseAuraMessage({ ...SESSION, expiresAt: '1900000000000' });
  assert.equal(parsed.kind === 'session' && parsed.session.expiresAt, 1_900_000_000_000);
});

test('an empty nickname is allowed; an empty token or app id is not', () => {
  assert.equal(parseAuraMessage({ ...SESSION, nickname: '' }).kind, 'session');
  assert.equal(parseAuraMessage({ ...SESSION, accessToken: '' }).kind, 'invalid');
  assert.equal(parseAuraMessage({ ...SESSION, appId: undefined }).kind, 'invalid');
});

test('an apiHost that is not an http(s) URL is dropped', () => {
  const parsed = parseAuraMessage({ ...SESSION, apiHost: 'javascript:alert(1)' });
  assert.equal(parsed.kind === 'session' && parsed.session.apiHost, undefined);
});

test('errors and junk', () => {
  assert.deepEqual(parseAuraMessage({ error: 'down' }), { kind: 'error', message: 'down' });
  assert.equal(parseAuraMessage(null).kind, 'invalid');
  assert.equal(parseAuraMessage([SESSION]).kind, 'invalid');
  assert.equal(parseAuraMessage('READY').kind, 'invalid');
});

test('sameSession compares who, where and which token', () => {
  assert.equal(sameSession(SESSION, { ...SESSION }), true);
  assert.equal(sameSession(SESSION, { ...SESSION, accessToken: 'other' }), false);
  assert.equal(sameSession(undefined, SESSION), false);
});
