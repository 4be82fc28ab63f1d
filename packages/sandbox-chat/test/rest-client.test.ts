/** The sandbox REST client against the real Sendbird emulator. */
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { SendbirdClient } from '@sbsf/sendbird';
import { startSendbirdEmulator, type RunningSendbirdEmulator } from '@sbsf/emulators/sendbird';
import {
  SandboxApiError,
  SandboxConnectionError,
  SandboxForbiddenError,
  SandboxNotFoundError,
  SandboxSessionError,
} from '../src/errors.js';
import { SandboxRestClient, shouldRetry } from '../src/rest-client.js';

let emu: RunningSendbirdEmulator;
let sb: SendbirdClient;

before(async () => {
  emu = await startSendbirdEmulator({});
  sb = new SendbirdClient({ appId: emu.appId, apiToken: emu.apiToken, baseUrl: emu.url, limiter: { enabled: false } });
});
after(() => emu.close());
beforeEach(async () => {
  emu.reset();
  emu.faults.reset();
  await sb.createUser({ user_id: 'guest-1', nickname: 'Jane', profile_url: '' });
  await sb.createUser({ user_id: 'agent', nickname: 'Alex', profile_url: '' });
  await sb.createUser({ user_id: 'stranger', nickname: 'S', profile_url: '' });
  await sb.createGroupChannel({ channel_url: 'case-1', user_ids: ['guest-1', 'agent'], name: 'Case 1' });
});

const token = async (userId = 'guest-1'): Promise<string> =>
  (await sb.issueSessionToken(userId, { expiresAt: Date.now() + 3600_000 })).token;
const client = async (userId = 'guest-1') => new SandboxRestClient({ apiHost: emu.url, token: await token(userId), sleep: async () => {} });

test('me, channels, send, messages, unread and read', async () => {
  const jane = await client();
  const alex = await client('agent');
  assert.equal((await jane.me()).nickname, 'Jane');
  const sent = await jane.sendMessage('case-1', 'My printer is on fire');
  assert.equal(sent.user?.user_id, 'guest-1');
  await sb.sendMessage('case-1', { message_type: 'ADMM', message: 'Alex joined the conversation' });
  const msgs = await alex.messages('case-1', { limit: 10 });
  assert.deepEqual(
    msgs.map((m) => [m.type, m.message]),
    [
      ['MESG', 'My printer is on fire'],
      ['ADMM', 'Alex joined the conversation'],
    ],
  );
  assert.deepEqual(
    (await alex.messages('case-1', { limit: 10, before: msgs[1]!.created_at })).map((m) => m.message_id).includes(msgs[1]!.message_id),
    false,
  );
  const [summary] = await alex.channels();
  assert.equal(summary?.unread_message_count, 2);
  assert.equal(await alex.unread(), 2);
  assert.deepEqual(await alex.markRead('case-1'), { unread_message_count: 0, total_unread_count: 0 });
  assert.equal((await alex.channel('case-1')).unread_message_count, 0);
});

test('errors are typed: expired or unknown token, not a member, no such channel', async () => {
  const jane = await client();
  emu.expireSessions('guest-1');
  const err = await jane.channels().catch((e: unknown) => e);
  assert.ok(err instanceof SandboxSessionError);
  assert.equal(err.status, 401);
  assert.equal(err.code, 400302);
  assert.equal(err.expired, true);
  jane.setToken('made-up-token');
  const unknown = await jane.channels().catch((e: unknown) => e);
  assert.ok(unknown instanceof SandboxSessionError && !unknown.expired);
  assert.ok(!String((unknown as Error).message).includes('made-up-token'), 'the token is never in a message');
  jane.setToken(await token());
  assert.equal((await jane.channels()).length, 1, 'a renewed token works on the same client');
  const stranger = await client('stranger');
  await assert.rejects(stranger.messages('case-1'), SandboxForbiddenError);
  await assert.rejects(jane.channel('no-such-channel'), SandboxNotFoundError);
});

test('reads are retried on a 5xx; a send is not (it could post twice)', async () => {
  const jane = await client();
  emu.faults.set({ rules: [{ action: 'error', method: 'GET', path: '^/sandbox/v1/channels$', times: 2 }] });
  assert.equal((await jane.channels()).length, 1);
  emu.faults.set({ rules: [{ action: 'error', method: 'POST', path: '/messages$', times: 1 }] });
  await assert.rejects(jane.sendMessage('case-1', 'once'), (e: unknown) => (e as { status?: number }).status === 500);
  assert.equal((await jane.messages('case-1')).length, 0);
  assert.equal(shouldRetry(1, true, new SandboxConnectionError('x')), true);
  assert.equal(shouldRetry(3, true, new SandboxConnectionError('x')), false);
  assert.equal(shouldRetry(1, false, new SandboxConnectionError('x')), false);
});

test('an unreachable host is a SandboxConnectionError; bad options are refused with a clear message', async () => {
  const dead = new SandboxRestClient({ apiHost: 'http://127.0.0.1:9', token: 't', sleep: async () => {} });
  await assert.rejects(dead.me(), SandboxConnectionError);
  assert.throws(() => new SandboxRestClient({ apiHost: '', token: 't' }), /\[sandbox-chat\] apiHost is required/);
  assert.throws(() => new SandboxRestClient({ apiHost: 'ftp://x', token: 't' }), /http\(s\)/);
  assert.throws(() => new SandboxRestClient({ apiHost: 'http://x', token: '' }), /session token is required/);
});

test('sendFile uploads as multipart and comes back as a FILE message; a refusal keeps the emulator’s words; it is not retried', async () => {
  const jane = await client();
  const sent = await jane.sendFile('case-1', new Blob(['hello file'], { type: 'text/plain' }), 'hello.txt');
  assert.equal(sent.type, 'FILE');
  assert.deepEqual([sent.file?.name, sent.file?.type, sent.file?.size], ['hello.txt', 'text/plain', 10]);
  assert.equal(await (await fetch(sent.file!.url)).text(), 'hello file');
  const refused = await jane.sendFile('case-1', new Blob(['MZ'], { type: 'application/x-msdownload' }), 'run.exe').catch((e: unknown) => e);
  assert.ok(refused instanceof SandboxApiError);
  assert.deepEqual([refused.status, refused.code], [415, 400111]);
  assert.match(refused.message, /"run\.exe" cannot be sent/);
  emu.faults.set({ rules: [{ action: 'error', method: 'POST', path: '/files$', times: 1 }] });
  await assert.rejects(
    jane.sendFile('case-1', new Blob(['x'], { type: 'text/plain' }), 'x.txt'),
    (e: unknown) => (e as { status?: number }).status === 500,
  );
  assert.equal(
    emu.store.channels.get('case-1')?.messages.filter((m) => m.type === 'FILE').length,
    1,
    'the failed upload was not sent again',
  );
});
