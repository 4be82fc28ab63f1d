/**
 * The sandbox REST API under /sandbox/v1, authenticated with a user's SESSION token (issued by
 * `POST /v3/users/{id}/token`) as `Authorization: Bearer <token>`. Errors use Sendbird's codes in
 * the usual `{error, code, message}` body, with a fitting HTTP status: 401 for a bad or expired
 * token (400302), 403 for a channel the user may not use (400108, 900050 frozen), 404 (400201).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, notFound } from '../errors.js';
import { listMessages, markAsRead, sendMessage } from '../ops-messages.js';
import { checkSessionToken } from '../ops-users.js';
import { messageJson } from '../shapes.js';
import type { ChannelRec, Store } from '../store.js';
import { asBody, optString, reqString, type Query, qInt } from '../validate.js';
import { checkSandboxFile } from '@sbsf/wire/sandbox-files';
import { checkedUpload, formBody, formParts, keepBlob, newBlobUrl } from '../files.js';
import { FEED_REST_PREFIX } from './protocol.js';
import { channelSummary } from './summary.js';

const HTTP_FOR: Record<number, number> = { 400302: 401, 400108: 403, 900050: 403, 400201: 404 };

export function sendSandboxError(reply: FastifyReply, err: ApiError): FastifyReply {
  return reply.code(HTTP_FOR[err.code] ?? err.status).send({ error: true, code: err.code, message: err.message });
}

function bearer(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  const m = h ? /^Bearer\s+(\S+)$/i.exec(h) : null;
  return m?.[1];
}

function authenticate(store: Store, req: FastifyRequest): string {
  const check = checkSessionToken(store, bearer(req));
  if (!check.ok) throw check.error;
  return check.session.user_id;
}

function memberChannel(store: Store, url: string, userId: string): ChannelRec {
  const c = store.channels.get(url);
  if (!c) throw notFound('Channel');
  if (c.members.get(userId)?.state !== 'joined') {
    throw new ApiError(400108, 'Not authorized. You are not a member of this channel.');
  }
  return c;
}

type UrlParams = { channel_url: string };

export function registerSandboxRest(app: FastifyInstance, store: Store, fileUploadMaxBytes: number): void {
  const p = FEED_REST_PREFIX;

  app.get(`${p}/me`, async (req) => {
    const userId = authenticate(store, req);
    const u = store.users.get(userId);
    return { user_id: userId, nickname: u?.nickname ?? '', profile_url: u?.profile_url ?? '' };
  });

  /** My channels (joined or invited), most recent activity first, with unread counts. */
  app.get(`${p}/channels`, async (req) => {
    const userId = authenticate(store, req);
    const activity = (c: ChannelRec): number => store.lastMessage(c)?.created_at ?? c.created_at;
    const channels = store.channelsOf(userId).sort((a, b) => activity(b) - activity(a));
    return { channels: channels.map((c) => channelSummary(store, c, userId)) };
  });

  app.get<{ Params: UrlParams }>(`${p}/channels/:channel_url`, async (req) => {
    const userId = authenticate(store, req);
    return channelSummary(store, memberChannel(store, req.params.channel_url, userId), userId);
  });

  /** Messages, oldest first: the latest `limit` (default 50), or those before `before` (ms). */
  app.get<{ Params: UrlParams; Querystring: Query }>(`${p}/channels/:channel_url/messages`, async (req) => {
    const userId = authenticate(store, req);
    const c = memberChannel(store, req.params.channel_url, userId);
    const limit = qInt(req.query, 'limit', 50, 1, 200);
    const before = qInt(req.query, 'before', Number.MAX_SAFE_INTEGER, 0, Number.MAX_SAFE_INTEGER);
    const msgs = listMessages(store, c.channel_url, {
      message_ts: String(before),
      prev_limit: String(limit),
      next_limit: '0',
      include: 'false',
    });
    return { messages: msgs.map((m) => messageJson(store, c, m)) };
  });

  /** Send as the token's user; fires group_channel:message_send with `sdk: "JavaScript"`. */
  app.post<{ Params: UrlParams }>(`${p}/channels/:channel_url/messages`, async (req) => {
    const userId = authenticate(store, req);
    memberChannel(store, req.params.channel_url, userId);
    const body = asBody(req.body);
    const { channel, message } = sendMessage(
      store,
      req.params.channel_url,
      {
        message_type: 'MESG',
        user_id: userId,
        message: reqString(body, 'message'),
        custom_type: optString(body, 'custom_type'),
        data: optString(body, 'data'),
      },
      { sdk: 'JavaScript', senderIp: req.ip },
    );
    return messageJson(store, channel, message);
  });

  /**
   * Send a file as the token's user: multipart/form-data with a `file` part (and optional
   * `custom_type`, `data`). The sandbox takes only the types of @sbsf/wire's allow-list (415
   * otherwise) up to the upload limit (413), both with code 400111 and a message that says what
   * may be sent. Fires group_channel:message_send (type FILE, `sdk: "JavaScript"`).
   */
  app.post<{ Params: UrlParams }>(`${p}/channels/:channel_url/files`, async (req) => {
    const userId = authenticate(store, req);
    memberChannel(store, req.params.channel_url, userId);
    const { body, file } = formBody(formParts(req));
    if (!file) throw new ApiError(400105, '"file" is required: send the file as the multipart part named "file".');
    const check = checkSandboxFile({ name: file.name, type: file.type, size: file.data.length }, fileUploadMaxBytes);
    // A refused type answers 415 and too large a file 413, both with Sendbird's 400111.
    if (!check.ok) throw new ApiError(400111, check.message, check.reason === 'type' ? 415 : check.reason === 'size' ? 413 : 400);
    const upload = checkedUpload({ ...file, type: check.type }, fileUploadMaxBytes);
    const blob = newBlobUrl(req, upload.name);
    const { channel, message } = sendMessage(
      store,
      req.params.channel_url,
      {
        message_type: 'FILE',
        user_id: userId,
        url: blob.url,
        file_name: upload.name,
        file_type: upload.type,
        file_size: upload.data.length,
        custom_type: typeof body.custom_type === 'string' ? body.custom_type : undefined,
        data: typeof body.data === 'string' ? body.data : undefined,
      },
      { sdk: 'JavaScript', senderIp: req.ip },
    );
    keepBlob(store, blob.id, upload, false);
    return messageJson(store, channel, message);
  });

  app.put<{ Params: UrlParams }>(`${p}/channels/:channel_url/read`, async (req) => {
    const userId = authenticate(store, req);
    const c = memberChannel(store, req.params.channel_url, userId);
    markAsRead(store, c, userId);
    return { unread_message_count: 0, total_unread_count: store.totalUnread(userId) };
  });

  app.get(`${p}/unread`, async (req) => ({ total_unread_count: store.totalUnread(authenticate(store, req)) }));
}
