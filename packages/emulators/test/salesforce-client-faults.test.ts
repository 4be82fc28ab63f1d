/** @sbsf/salesforce under injected faults: 5xx and drops are retried, 4xx fail fast, timeouts. */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { SalesforceClient, SalesforceConnectionError } from '@sbsf/salesforce';
import type { SalesforceError } from '@sbsf/salesforce';
import { clientFor, startSf } from './salesforce-helpers.js';

describe('client under faults', () => {
  it('a share of 503s and dropped connections still ends in success, through retries', async (t) => {
    const emu = await startSf(t);
    const c = clientFor(emu, { retry: { maxAttempts: 10, initialDelayMs: 1, maxDelayMs: 4 } });
    await c.query('SELECT Id FROM Case'); // log in before the faults start
    emu.faults.set({
      seed: 7,
      rules: [
        { action: 'error', path: '^/services/data/', probability: 0.3 },
        { action: 'drop', path: '^/services/data/', probability: 0.2 },
      ],
    });
    const n = 30;
    for (let i = 0; i < n; i++) {
      await c.upsert('Case', 'Sendbird_Ticket_Id__c', `flaky-${i}`, { Subject: `flaky ${i}` });
      const rows = await c.query<{ Id: string }>(`SELECT Id FROM Case WHERE Sendbird_Ticket_Id__c = 'flaky-${i}'`);
      assert.equal(rows.totalSize, 1);
    }
    const fired = emu.faults.get().fired;
    assert.ok(fired.error > 0 && fired.drop > 0, JSON.stringify(fired));
    // Upsert is idempotent: however often it was retried, each ticket has exactly one Case.
    assert.equal(emu.records('Case').filter((r) => String(r.Sendbird_Ticket_Id__c).startsWith('flaky-')).length, n);
  });

  it('gives up after maxAttempts with the last 5xx', async (t) => {
    const emu = await startSf(t);
    const c = clientFor(emu, { retry: { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 2 } });
    await c.query('SELECT Id FROM Case');
    emu.faults.set({ rules: [{ action: 'error', status: 500, path: '/query' }] });
    await assert.rejects(c.query('SELECT Id FROM Case'), { name: 'SalesforceError', status: 500, errorCode: 'UNKNOWN_EXCEPTION' });
    assert.equal(emu.faults.get().fired.error, 3);
  });

  it('4xx fails fast with the right class: no retry', async (t) => {
    const emu = await startSf(t);
    const c = clientFor(emu, { retry: { maxAttempts: 5, initialDelayMs: 1 } });
    await assert.rejects(c.update('Case', emu.seed.caseIds[0]!, { Status: null, Subjekt: 'x' }), { errorCode: 'INVALID_FIELD' });
    assert.equal(emu.stats().byRoute['PATCH /sobjects/{type}/{id}'], 1);
    emu.faults.set({ rules: [{ action: 'rateLimit', retryAfterMs: 2000, times: 1 }] });
    await assert.rejects(c.query('SELECT Id FROM Case'), { name: 'SalesforceRequestLimitError', status: 429 });
    assert.equal(emu.faults.get().fired.rateLimit, 1);
    assert.equal(emu.stats().byRoute['GET /query'], undefined);
  });

  it('create() is not repeated after a dropped connection (it may have been applied); upsert is', async (t) => {
    const emu = await startSf(t);
    const c = clientFor(emu, { retry: { maxAttempts: 4, initialDelayMs: 1 } });
    await c.query('SELECT Id FROM Case');
    const before = emu.records('Case').length;
    emu.faults.set({ rules: [{ action: 'drop', method: 'POST', path: '/sobjects/Case$', times: 1 }] });
    await assert.rejects(c.create('Case', { Subject: 'maybe' }), (err: SalesforceConnectionError) => {
      assert.ok(err instanceof SalesforceConnectionError);
      assert.equal(err.requestSent, true);
      assert.equal(err.status, 0);
      return true;
    });
    assert.equal(emu.faults.get().fired.drop, 1);
    assert.equal(emu.records('Case').length, before);

    emu.faults.set({ rules: [{ action: 'drop', method: 'PATCH', times: 2 }] });
    const up = await c.upsert('Case', 'Sendbird_Ticket_Id__c', 'after-drop', { Subject: 'safe' });
    assert.equal(up.created, true);
    assert.equal(emu.faults.get().fired.drop, 3);
  });

  it('times out a held request, and succeeds when the retry is answered', async (t) => {
    const emu = await startSf(t);
    const c = clientFor(emu, { timeoutMs: 300, retry: { maxAttempts: 1 } });
    await c.query('SELECT Id FROM Case');
    emu.faults.set({ rules: [{ action: 'timeout', timeoutMs: 5000, path: '/query', times: 1 }] });
    await assert.rejects(c.query('SELECT Id FROM Case'), (err: SalesforceConnectionError) => {
      assert.ok(err instanceof SalesforceConnectionError);
      assert.equal(err.timedOut, true);
      assert.equal(err.errorCode, 'TIMEOUT');
      return true;
    });
    const patient = clientFor(emu, { timeoutMs: 300, retry: { maxAttempts: 2, initialDelayMs: 1 } });
    emu.faults.set({ rules: [{ action: 'timeout', timeoutMs: 5000, path: '/query', times: 1 }] });
    const res = await patient.query('SELECT Id FROM Case');
    assert.equal(res.totalSize, emu.records('Case').length);
  });

  it('a refused connection (nothing sent) is retried even for create, then reported', async () => {
    // A port that was free a moment ago: nothing listens there.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const warnings: string[] = [];
    const c = new SalesforceClient({
      loginUrl: `http://127.0.0.1:${port}`,
      auth: { kind: 'client_credentials', clientId: 'id', clientSecret: 'secret-xyz' },
      retry: { maxAttempts: 3, initialDelayMs: 1 },
      logger: { warn: (m) => warnings.push(m) },
    });
    await assert.rejects(c.create('Case', { Subject: 'x' }), (err: SalesforceError) => {
      assert.ok(err instanceof SalesforceConnectionError);
      assert.equal(err.requestSent, false);
      assert.match(err.message, /ECONNREFUSED/);
      return true;
    });
    assert.equal(warnings.length, 2);
    assert.ok(warnings.every((w) => !w.includes('secret-xyz')));
  });
});
