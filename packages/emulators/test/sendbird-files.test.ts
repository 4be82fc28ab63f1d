/**
 * File messages in the Sendbird emulator over real HTTP: the Platform API's multipart send, the
 * upload limit and its 400111, the URL the bytes are served from (require_auth), the webhook's
 * file fields, and the sandbox REST API's file send with its allow-list.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, test } from 'node:test';
import { SendbirdClient } from '@sbsf/sendbird';
import { startSendbirdEmulator, type RunningSendbirdEmulator } from '../src/sendbird/index.js';
import { startReceiver, type Receiver } from './sendbird-helpers.js';

const TOKEN = 'files-master-token';
const LIMIT = 64 * 1024;
let emu: RunningSendbirdEmulator;
let sb: SendbirdClient;
let receiver: Receiver | undefined;

before(async () => {
  emu = await startSendbirdEmulator({ apiToken: TOKEN, fileUploadMaxBytes: LIMIT });
  sb = new SendbirdClient({ appId: emu.appId, apiToken: TOKEN, baseUrl: emu.url, limiter: { enabled: false } });
});
after(() => emu.close());
beforeEach(async () => {
  emu.reset();
  await sb.createUser({ user_id: 'customer', nickname: 'Jane', profile_url: '' });
  await sb.createUser({ user_id: 'outsider', nickname: 'Olly', profile_url: '' });
  await sb.createGroupChannel({ channel_url: 'case-files', user_ids: ['customer'], custom_type: 'sf_case' });
});
afterEach(async () => {
  emu.webhooks.configure({});
  await emu.webhooks.idle();
  await receiver?.close();
  receiver = undefined;
});

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(200, 7)]);

function form(fields: Record<string, string>, file?: { name: string; type: string; data: Buffer }): FormData {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) f.append(k, v);
  if (file) f.append('file', new Blob([file.data], { type: file.type }), file.name);
  return f;
}

async function post(
  path: string,
  body: FormData,
  headers: Record<string, string>,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${emu.url}${path}`, { method: 'POST', headers, body });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const platformSend = (body: FormData) => post('/v3/group_channels/case-files/messages', body, { 'Api-Token': TOKEN });

test('a multipart FILE send keeps the bytes and serves them back from the message URL', async () => {
  const res = await platformSend(
    form(
      { message_type: 'FILE', user_id: 'customer', custom_type: 'photo', data: '{"k":1}', thumbnails: '[{"width":100,"height":80}]' },
      { name: 'receipt.png', type: 'image/png', data: PNG },
    ),
  );
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.type, 'FILE');
  assert.equal(res.body.custom_type, 'photo');
  const file = res.body.file as { url: string; name: string; type: string; size: number };
  assert.equal(file.name, 'receipt.png');
  assert.equal(file.type, 'image/png');
  assert.equal(file.size, PNG.length, 'the size is the bytes received, whatever the client says');
  assert.ok(file.url.startsWith(`${emu.url}/files/`), file.url);
  assert.deepEqual(res.body.thumbnails, [{ url: file.url, width: 100, height: 80, real_width: 100, real_height: 80 }]);
  assert.equal(res.body.require_auth, false);

  const served = await fetch(file.url);
  assert.equal(served.status, 200);
  assert.equal(served.headers.get('content-type'), 'image/png');
  assert.match(served.headers.get('content-disposition') ?? '', /filename="receipt\.png"/);
  assert.deepEqual(Buffer.from(await served.arrayBuffer()), PNG);

  // The message resource, read back, points at the same bytes.
  const listed = await sb.listMessages('case-files', { message_ts: 0, next_limit: 10, prev_limit: 0 });
  assert.equal((listed.messages[0] as unknown as { file: { url: string } }).file.url, file.url);
});

test('file_name, file_type given as fields win over the part; an unknown file answers 404', async () => {
  const res = await platformSend(
    form(
      { message_type: 'FILE', user_id: 'customer', file_name: 'Invoice 7.pdf', file_type: 'application/pdf', file_size: '1' },
      {
        name: 'upload.bin',
        type: 'application/octet-stream',
        data: Buffer.from('%PDF-1.4 tiny'),
      },
    ),
  );
  assert.equal(res.status, 200);
  const file = res.body.file as { url: string; name: string; type: string; size: number };
  assert.deepEqual([file.name, file.type, file.size], ['Invoice 7.pdf', 'application/pdf', 13]);
  assert.match(file.url, /\/Invoice%207\.pdf$/);
  const missing = await fetch(`${emu.url}/files/0000/none.pdf`);
  assert.equal(missing.status, 404);
  assert.equal(((await missing.json()) as { code: number }).code, 400201);
});

test('the upload limit: one byte over, and far over, answer 400111 with Sendbird words; nothing is sent', async () => {
  for (const size of [LIMIT + 1, LIMIT * 40]) {
    const res = await platformSend(
      form({ message_type: 'FILE', user_id: 'customer' }, { name: 'big.pdf', type: 'application/pdf', data: Buffer.alloc(size) }),
    );
    assert.equal(res.status, 400, `size ${size}`);
    assert.deepEqual(res.body, { error: true, code: 400111, message: 'Maximum filesize for uploading is 0.06Mb.' });
  }
  const exact = await platformSend(
    form({ message_type: 'FILE', user_id: 'customer' }, { name: 'ok.pdf', type: 'application/pdf', data: Buffer.alloc(LIMIT) }),
  );
  assert.equal(exact.status, 200, 'a file of exactly the limit goes through');
  assert.equal(emu.store.channels.get('case-files')!.messages.length, 1);
  assert.equal(emu.store.blobs.size, 1);
});

test('multipart mistakes: no file part, not a FILE message, a non-member sender', async () => {
  const noFile = await platformSend(form({ message_type: 'FILE', user_id: 'customer' }));
  assert.deepEqual([noFile.status, noFile.body.code], [400, 400105]);
  const mesg = await platformSend(
    form({ message_type: 'MESG', user_id: 'customer', message: 'hi' }, { name: 'a.txt', type: 'text/plain', data: Buffer.from('a') }),
  );
  assert.deepEqual([mesg.status, mesg.body.code], [400, 400111]);
  const outsider = await platformSend(
    form({ message_type: 'FILE', user_id: 'outsider' }, { name: 'a.txt', type: 'text/plain', data: Buffer.from('a') }),
  );
  assert.deepEqual([outsider.status, outsider.body.code], [400, 400108]);
  assert.equal(emu.store.blobs.size, 0, 'a refused send keeps no file');
});

test('require_auth: the file is served only with an Api-Token', async () => {
  const res = await platformSend(
    form(
      { message_type: 'FILE', user_id: 'customer', require_auth: 'true' },
      { name: 'secret.txt', type: 'text/plain', data: Buffer.from('s3cret') },
    ),
  );
  assert.equal(res.body.require_auth, true);
  const url = (res.body.file as { url: string }).url;
  const anonymous = await fetch(url);
  assert.equal(anonymous.status, 401);
  assert.equal(((await anonymous.json()) as { code: number }).code, 400401);
  assert.equal((await fetch(url, { headers: { 'Api-Token': 'wrong' } })).status, 401);
  const withToken = await fetch(url, { headers: { 'Api-Token': TOKEN } });
  assert.equal(withToken.status, 200);
  assert.equal(await withToken.text(), 's3cret');
});

test('the message_send webhook of a FILE message carries the file fields instead of the text', async () => {
  receiver = await startReceiver();
  emu.webhooks.configure({ url: receiver.url, retryDelayMs: 0 });
  const res = await platformSend(form({ message_type: 'FILE', user_id: 'customer' }, { name: 'photo.png', type: 'image/png', data: PNG }));
  await emu.webhooks.idle();
  const send = receiver.received.find((r) => r.body.category === 'group_channel:message_send');
  assert.ok(send);
  assert.equal(send.body.type, 'FILE');
  const payload = send.body.payload as Record<string, unknown>;
  assert.equal(payload.message_id, res.body.message_id);
  assert.equal(payload.url, (res.body.file as { url: string }).url);
  assert.equal(payload.filename, 'photo.png');
  assert.equal(payload.file_type, 'image/png');
  assert.equal(payload.file_size, PNG.length);
  assert.equal(payload.require_auth, false);
  assert.equal('message' in payload, false);
});

test('a JSON FILE send with a url still works (the file stays where it is)', async () => {
  const m = await sb.sendMessage('case-files', {
    message_type: 'FILE',
    user_id: 'customer',
    url: 'https://files.example.com/a.pdf',
    file_name: 'a.pdf',
    file_type: 'application/pdf',
    file_size: 10,
  } as never);
  assert.equal((m as unknown as { file: { url: string } }).file.url, 'https://files.example.com/a.pdf');
  assert.equal(emu.store.blobs.size, 0);
});

// ---- sandbox REST API ------------------------------------------------------------------------

async function sessionToken(userId: string): Promise<string> {
  return (await sb.issueSessionToken(userId, { expiresAt: Date.now() + 3_600_000 })).token;
}

const sandboxSend = async (token: string, file: { name: string; type: string; data: Buffer }, channel = 'case-files') =>
  post(`/sandbox/v1/channels/${channel}/files`, form({}, file), { Authorization: `Bearer ${token}` });

test('sandbox: a member sends an allowed file; the message is a FILE from the JavaScript sdk', async () => {
  receiver = await startReceiver();
  emu.webhooks.configure({ url: receiver.url, retryDelayMs: 0 });
  const token = await sessionToken('customer');
  const res = await sandboxSend(token, { name: 'scan.pdf', type: '', data: Buffer.from('%PDF-1.7 scan') });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const file = res.body.file as { url: string; name: string; type: string; size: number };
  assert.deepEqual([file.name, file.type, file.size], ['scan.pdf', 'application/pdf', 13], 'an unknown type takes the extension’s');
  assert.equal(await (await fetch(file.url)).text(), '%PDF-1.7 scan');
  await emu.webhooks.idle();
  const send = receiver.received.find((r) => r.body.category === 'group_channel:message_send');
  assert.equal(send?.body.sdk, 'JavaScript');
  assert.equal(send?.body.type, 'FILE');
});

test('sandbox: refused types answer 415, too large 413, both 400111 with what to do; nothing is sent', async () => {
  const token = await sessionToken('customer');
  const exe = await sandboxSend(token, { name: 'setup.exe', type: 'application/x-msdownload', data: Buffer.from('MZ') });
  assert.equal(exe.status, 415);
  assert.equal(exe.body.code, 400111);
  assert.match(String(exe.body.message), /"setup\.exe" cannot be sent: files of type \.exe .*Send an image/);
  const disguised = await sandboxSend(token, { name: 'invoice.pdf', type: 'application/x-msdownload', data: Buffer.from('MZ') });
  assert.equal(disguised.status, 415, 'a PDF name with an executable type is refused');
  const big = await sandboxSend(token, { name: 'big.png', type: 'image/png', data: Buffer.alloc(LIMIT + 10) });
  assert.equal(big.status, 413);
  assert.match(String(big.body.message), /"big\.png" is 65 KB: files up to 64 KB can be sent/);
  const huge = await sandboxSend(token, { name: 'huge.png', type: 'image/png', data: Buffer.alloc(LIMIT * 40) });
  assert.deepEqual([huge.status, huge.body.code], [413, 400111]);
  const empty = await sandboxSend(token, { name: 'empty.txt', type: 'text/plain', data: Buffer.alloc(0) });
  assert.deepEqual([empty.status, empty.body.code], [400, 400111]);
  assert.equal(emu.store.channels.get('case-files')!.messages.length, 0);
});

test('sandbox: no token 401, not a member 403, no file part 400105', async () => {
  const file = { name: 'a.txt', type: 'text/plain', data: Buffer.from('a') };
  assert.equal((await post('/sandbox/v1/channels/case-files/files', form({}, file), {})).status, 401);
  const outsider = await sandboxSend(await sessionToken('outsider'), file);
  assert.deepEqual([outsider.status, outsider.body.code], [403, 400108]);
  const none = await post('/sandbox/v1/channels/case-files/files', form({ note: 'x' }), {
    Authorization: `Bearer ${await sessionToken('customer')}`,
  });
  assert.deepEqual([none.status, none.body.code], [400, 400105]);
});

test('uploaded files survive a save and load of the state (the sandbox keeps them across restarts)', async () => {
  const res = await platformSend(
    form({ message_type: 'FILE', user_id: 'customer' }, { name: 'keep.txt', type: 'text/plain', data: Buffer.from('kept') }),
  );
  const saved = JSON.parse(JSON.stringify(emu.store.toJSON())) as ReturnType<typeof emu.store.toJSON>;
  emu.store.reset();
  assert.equal((await fetch((res.body.file as { url: string }).url)).status, 404);
  emu.store.load(saved);
  assert.equal(await (await fetch((res.body.file as { url: string }).url)).text(), 'kept');
});
