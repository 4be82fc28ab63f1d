/** `/v3/group_channels/{channel_url}/messages` routes. */
import type { FastifyInstance } from 'fastify';
import { invalidValue } from './errors.js';
import { checkedUpload, formBody, formParts, keepBlob, newBlobUrl, thumbnailSizes } from './files.js';
import { multipartBoundary } from '../common/multipart.js';
import { getChannel } from './ops-channels.js';
import { deleteMessage, getMessage, listMessages, markAsRead, sendMessage, updateMessage } from './ops-messages.js';
import { getUser } from './ops-users.js';
import { messageJson } from './shapes.js';
import type { Store } from './store.js';
import { asBody, type Query, reqString } from './validate.js';

type ChannelParams = { channel_url: string };
type MessageParams = ChannelParams & { message_id: string };

function messageId(raw: string): number {
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n <= 0) throw invalidValue('message_id');
  return n;
}

export function registerMessageRoutes(app: FastifyInstance, store: Store, fileUploadMaxBytes: number): void {
  app.post<{ Params: ChannelParams }>('/v3/group_channels/:channel_url/messages', async (req) => {
    if (multipartBoundary(req.headers['content-type']) === undefined) {
      const { channel, message } = sendMessage(store, req.params.channel_url, asBody(req.body), { sdk: 'API', senderIp: req.ip });
      return messageJson(store, channel, message);
    }
    // A FILE message with its bytes: the `file` part is kept and served from the emulator's URL.
    const { body, file } = formBody(formParts(req));
    if (body.message_type !== 'FILE') throw invalidValue('message_type', 'A multipart body sends a FILE message.');
    const upload = checkedUpload(file, fileUploadMaxBytes);
    const name = typeof body.file_name === 'string' && body.file_name !== '' ? body.file_name : upload.name;
    const blob = newBlobUrl(req, name);
    const { channel, message } = sendMessage(
      store,
      req.params.channel_url,
      {
        ...body,
        url: blob.url,
        file_name: name,
        file_type: typeof body.file_type === 'string' && body.file_type !== '' ? body.file_type : upload.type,
        file_size: upload.data.length,
      },
      { sdk: 'API', senderIp: req.ip, thumbnails: thumbnailSizes(body.thumbnails) },
    );
    keepBlob(store, blob.id, upload, message.file?.require_auth ?? false);
    return messageJson(store, channel, message);
  });

  app.get<{ Params: ChannelParams; Querystring: Query }>('/v3/group_channels/:channel_url/messages', async (req) => {
    const c = getChannel(store, req.params.channel_url);
    return { messages: listMessages(store, req.params.channel_url, req.query).map((m) => messageJson(store, c, m)) };
  });

  app.get<{ Params: ChannelParams }>('/v3/group_channels/:channel_url/messages/total_count', async (req) => ({
    total: getChannel(store, req.params.channel_url).messages.length,
  }));

  app.put<{ Params: ChannelParams }>('/v3/group_channels/:channel_url/messages/mark_as_read', async (req) => {
    const c = getChannel(store, req.params.channel_url);
    const userId = reqString(asBody(req.body), 'user_id');
    getUser(store, userId);
    markAsRead(store, c, userId);
    return {};
  });

  app.get<{ Params: MessageParams }>('/v3/group_channels/:channel_url/messages/:message_id', async (req) => {
    const c = getChannel(store, req.params.channel_url);
    return messageJson(store, c, getMessage(c, messageId(req.params.message_id)));
  });

  app.put<{ Params: MessageParams }>('/v3/group_channels/:channel_url/messages/:message_id', async (req) => {
    const { channel, message } = updateMessage(store, req.params.channel_url, messageId(req.params.message_id), asBody(req.body));
    return messageJson(store, channel, message);
  });

  app.delete<{ Params: MessageParams }>('/v3/group_channels/:channel_url/messages/:message_id', async (req) => {
    deleteMessage(store, req.params.channel_url, messageId(req.params.message_id));
    return {};
  });
}
