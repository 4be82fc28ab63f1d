/**
 * The container's side of the LCC protocol, driven through a fake port and clock: the READY
 * handshake (Aura listening late, or early, or never), renewals, the unread signal, the
 * availability signal and the channel signal.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CHAT_DOWN_GRACE_MS, PanelLink, RENEW_RESEND_DELAYS_MS, type LinkStatus } from '../src/lcc/panel-link.js';
import { READY_GIVE_UP_AFTER_MS, readyDelayMs } from '../src/lcc/ready-backoff.js';
import { FakePort, FakeScheduler, SESSION, isEvent, isReady } from './fake-lcc.js';

function setup() {
  const port = new FakePort();
  const clock = new FakeScheduler();
  const statuses: LinkStatus[] = [];
  const invalid: string[] = [];
  const containerErrors: string[] = [];
  const link = new PanelLink({
    port,
    scheduler: clock,
    onStatus: (s) => statuses.push(s),
    onInvalidMessage: (r) => invalid.push(r),
    onContainerError: (d) => containerErrors.push(d),
  });
  return { port, clock, link, statuses, invalid, containerErrors };
}

test('READY is sent at once and repeated, backing off, until Aura answers (Aura listening late)', () => {
  const { port, clock, link } = setup();
  link.start();
  assert.deepEqual(port.sent, ['READY']);
  assert.equal(link.status.state, 'waiting');
  // Aura is not listening yet: the READYs are lost, and the container keeps asking.
  clock.advance(readyDelayMs(1));
  assert.equal(port.count(isReady), 2);
  clock.advance(readyDelayMs(2));
  assert.equal(port.count(isReady), 3);
  clock.advance(readyDelayMs(3) - 1);
  assert.equal(port.count(isReady), 3, 'not before the backed-off delay');
  clock.advance(1);
  assert.equal(port.count(isReady), 4);
  port.deliver({ ...SESSION });
  assert.deepEqual(link.status, { state: 'connected', session: SESSION, renewing: false });
  clock.advance(READY_GIVE_UP_AFTER_MS);
  assert.equal(port.count(isReady), 4, 'no READY after the answer');
  assert.equal(clock.pending, 0);
});

test('Aura listening before the container loads answers the first READY', () => {
  const { port, clock, link } = setup();
  link.start();
  port.deliver({ ...SESSION });
  clock.advance(READY_GIVE_UP_AFTER_MS);
  assert.deepEqual(port.sent, ['READY']);
  assert.equal(link.status.state, 'connected');
});

test('the delays back off to a ceiling, and the handshake gives up after a bounded time', () => {
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7].map(readyDelayMs), [250, 500, 1000, 2000, 4000, 4000, 4000]);
  const { port, clock, link, statuses } = setup();
  link.start();
  clock.advance(READY_GIVE_UP_AFTER_MS - 1);
  assert.equal(statuses.at(-1)?.state, 'waiting');
  clock.advance(1);
  assert.equal(statuses.at(-1)?.state, 'no_answer');
  const sent = port.count(isReady);
  // READYs at 0, 250, 750 and 1750 ms, then every 4 s from 3750 to 59750 ms: 19 in all.
  assert.equal(sent, 19);
  clock.advance(10 * READY_GIVE_UP_AFTER_MS);
  assert.equal(port.count(isReady), sent, 'nothing more after giving up');
  assert.equal(clock.pending, 0);
  assert.equal(statuses.at(-1)?.state, 'no_answer');
  // Try again: a new, bounded round.
  link.retry();
  assert.equal(port.count(isReady), sent + 1);
  port.deliver(SESSION);
  assert.equal(link.status.state, 'connected');
});

test('several answers to several READYs with the same session cause one connection', () => {
  const { port, clock, link, statuses } = setup();
  link.start();
  clock.advance(1000);
  port.deliver({ ...SESSION });
  port.deliver({ ...SESSION });
  port.deliver({ ...SESSION });
  assert.equal(statuses.filter((s) => s.state === 'connected').length, 1);
});

test('an error from Aura stops the handshake and shows the message; retry asks again', () => {
  const { port, clock, link } = setup();
  link.start();
  port.deliver({ error: 'Sendbird chat is unavailable right now.' });
  assert.deepEqual(link.status, { state: 'failed', message: 'Sendbird chat is unavailable right now.' });
  clock.advance(READY_GIVE_UP_AFTER_MS);
  assert.equal(port.count(isReady), 1);
  link.retry();
  assert.equal(port.count(isReady), 2);
  port.deliver(SESSION);
  assert.equal(link.status.state, 'connected');
});

test('malformed messages are reported without their values and change nothing', () => {
  const { port, link, invalid } = setup();
  link.start();
  port.deliver('hello');
  port.deliver({ userId: 'u', nickname: 'n', appId: 'a', accessToken: '' });
  port.deliver({ userId: 'u', nickname: 'n', appId: 'a', accessToken: 42 });
  assert.equal(link.status.state, 'waiting');
  assert.equal(invalid.length, 3);
  assert.ok(invalid.every((r) => !r.includes('42')));
});

test('container errors go to the error callback', () => {
  const { port, link, containerErrors } = setup();
  link.start();
  port.fail('iframe crashed');
  assert.deepEqual(containerErrors, ['iframe crashed']);
});

test('a renewal sends SESSION_EXPIRED once for concurrent callers and resolves with the next session', async () => {
  const { port, link } = setup();
  link.start();
  port.deliver(SESSION);
  const a = link.requestSession();
  const b = link.requestSession();
  assert.equal(port.count(isEvent('SESSION_EXPIRED')), 1);
  assert.equal(link.status.state === 'connected' && link.status.renewing, true);
  port.deliver({ ...SESSION, accessToken: 'token-2' });
  assert.equal((await a).accessToken, 'token-2');
  assert.equal((await b).accessToken, 'token-2');
  assert.equal(link.status.state === 'connected' && link.status.session.accessToken, 'token-2');
  assert.equal(link.status.state === 'connected' && link.status.renewing, false);
  // The next expiry is a new request.
  void link.requestSession();
  assert.equal(port.count(isEvent('SESSION_EXPIRED')), 2);
});

test('a renewal without an answer is re-sent, then fails with a message', async () => {
  const { port, clock, link } = setup();
  link.start();
  port.deliver(SESSION);
  const renewal = link.requestSession();
  const total = RENEW_RESEND_DELAYS_MS.reduce((a, b) => a + b, 0);
  clock.advance(total - 1);
  assert.equal(port.count(isEvent('SESSION_EXPIRED')), RENEW_RESEND_DELAYS_MS.length);
  clock.advance(1);
  await assert.rejects(renewal, /did not send a new chat session/);
  assert.equal(link.status.state, 'failed');
  assert.equal(clock.pending, 0);
});

test('a renewal answered with an error fails with that error', async () => {
  const { port, link } = setup();
  link.start();
  port.deliver(SESSION);
  const renewal = link.requestSession();
  port.deliver({ error: 'Sendbird chat is unavailable right now.' });
  await assert.rejects(renewal, /unavailable right now/);
  assert.deepEqual(link.status, { state: 'failed', message: 'Sendbird chat is unavailable right now.' });
});

test('CURRENTCHANNEL is sent on every pick, the same channel again included; no channel sends nothing', () => {
  const { port, link } = setup();
  link.start();
  port.deliver(SESSION);
  link.selectChannel('500EM0000000001YAA');
  link.selectChannel('500EM0000000001YAA');
  link.selectChannel(null);
  link.selectChannel(undefined);
  link.selectChannel('');
  link.selectChannel('500EM0000000002YAA');
  link.selectChannel('500EM0000000001YAA');
  assert.deepEqual(
    port.sent.filter(isEvent('CURRENTCHANNEL')),
    [
      { event: 'CURRENTCHANNEL', channelUrl: '500EM0000000001YAA' },
      { event: 'CURRENTCHANNEL', channelUrl: '500EM0000000001YAA' },
      { event: 'CURRENTCHANNEL', channelUrl: '500EM0000000002YAA' },
      { event: 'CURRENTCHANNEL', channelUrl: '500EM0000000001YAA' },
    ],
    'one message per pick',
  );
});

test('NEWMESSAGE carries the total of all conversations and the highlight, which looking at the panel clears', () => {
  const { port, link } = setup();
  link.start();
  port.deliver(SESSION);
  link.setAttention(false);
  link.reportUnread(0);
  link.reportUnread(2);
  link.setAttention(true);
  link.reportUnread(1);
  assert.deepEqual(port.sent.filter(isEvent('NEWMESSAGE')), [
    { event: 'NEWMESSAGE', unreadCount: 2, highlighted: true },
    { event: 'NEWMESSAGE', unreadCount: 2, highlighted: false },
    { event: 'NEWMESSAGE', unreadCount: 1, highlighted: false },
  ]);
});

test('AVAILABILITY: a chat connection down past the grace makes chat unavailable, back up makes it available', () => {
  const { port, clock, link } = setup();
  link.start();
  port.deliver(SESSION);
  const availability = () => port.sent.filter(isEvent('AVAILABILITY'));
  link.reportChatConnection(false);
  clock.advance(CHAT_DOWN_GRACE_MS - 1);
  link.reportChatConnection(true);
  link.reportChatConnection(false);
  clock.advance(CHAT_DOWN_GRACE_MS - 1);
  assert.deepEqual(availability(), [], 'a short reconnect says nothing');
  clock.advance(1);
  assert.equal(link.unavailableReason, 'disconnected');
  link.reportChatConnection(false);
  link.reportChatConnection(true);
  assert.deepEqual(availability(), [
    { event: 'AVAILABILITY', available: false, reason: 'disconnected' },
    { event: 'AVAILABILITY', available: true },
  ]);
});

test('AVAILABILITY: a session that cannot be fetched or renewed makes chat unavailable at once; a new session makes it available', async () => {
  const { port, clock, link } = setup();
  link.start();
  port.deliver(SESSION);
  const renewal = link.requestSession();
  for (const ms of RENEW_RESEND_DELAYS_MS) clock.advance(ms);
  await assert.rejects(renewal);
  link.retry();
  assert.equal(port.sent.filter(isEvent('AVAILABILITY')).length, 1, 'retrying (waiting) keeps the warning');
  port.deliver({ error: 'Sendbird chat is unavailable right now.' });
  port.deliver({ ...SESSION, accessToken: 'token-2' });
  assert.deepEqual(port.sent.filter(isEvent('AVAILABILITY')), [
    { event: 'AVAILABILITY', available: false, reason: 'session_failed' },
    { event: 'AVAILABILITY', available: true },
  ]);
});

test('AVAILABILITY: Aura never answering READY is unavailable too', () => {
  const { port, clock, link } = setup();
  link.start();
  clock.advance(READY_GIVE_UP_AFTER_MS);
  assert.deepEqual(port.sent.filter(isEvent('AVAILABILITY')), [{ event: 'AVAILABILITY', available: false, reason: 'no_answer' }]);
});

test('stop unsubscribes, clears timers and rejects a pending renewal', async () => {
  const { port, clock, link } = setup();
  link.start();
  link.start();
  assert.equal(port.subscriptions, 1, 'start is idempotent');
  const renewal = link.requestSession();
  link.stop();
  await assert.rejects(renewal, /stopped/);
  assert.equal(port.subscriptions, 0);
  assert.equal(clock.pending, 0);
});

test("the customer history: HISTORY asks for a Case, Aura's answer (history or error) reaches the listeners and never the session; OPENCASE opens a Case", () => {
  const { port, link, statuses, invalid } = setup();
  link.start();
  port.deliver({ ...SESSION });
  const answers: unknown[] = [];
  const stop = link.onHistory((a) => answers.push(a));
  link.requestHistory('500EM0000000001YAA');
  link.openCase('500EM0000000002YAA');
  assert.deepEqual(port.sent.slice(-2), [
    { event: 'HISTORY', caseId: '500EM0000000001YAA' },
    { event: 'OPENCASE', caseId: '500EM0000000002YAA' },
  ]);
  const cases = [
    {
      id: '500EM0000000002YAA',
      caseNumber: '00001002',
      subject: 'Printer',
      status: 'Closed',
      isClosed: true,
      createdAt: null,
      lastMessage: null,
    },
  ];
  port.deliver({ event: 'HISTORY', caseId: '500EM0000000001YAA', history: { caseId: '500EM0000000001YAA', cases } });
  port.deliver({
    event: 'HISTORY',
    caseId: '500EM0000000001YAA',
    error: { code: 'salesforce_unavailable', message: 'retry', retryAfterSeconds: 5 },
  });
  port.deliver({ event: 'HISTORY', caseId: '500EM0000000001YAA', error: 'text only' });
  assert.deepEqual(answers, [
    { event: 'HISTORY', caseId: '500EM0000000001YAA', history: { caseId: '500EM0000000001YAA', cases } },
    { event: 'HISTORY', caseId: '500EM0000000001YAA', error: { code: 'salesforce_unavailable', message: 'retry', retryAfterSeconds: 5 } },
  ]);
  assert.deepEqual(invalid, ['HISTORY without history or error']);
  assert.equal(link.status.state, 'connected', 'a history error is not a session error');
  assert.equal(statuses.filter((s) => s.state === 'failed').length, 0);
  stop();
  port.deliver({ event: 'HISTORY', caseId: '500EM0000000001YAA', history: { caseId: '500EM0000000001YAA', cases: [] } });
  assert.equal(answers.length, 2, 'an unsubscribed listener hears nothing');
});
