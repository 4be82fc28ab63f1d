/** `/v3/group_channels/{channel_url}/messages` routes. */
import type { FastifyInstance } from 'fastify';
import { invalidValue } from './errors.js';
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

export function registerMessageRoutes(app: FastifyInstance, store: Store): void {
  app.post<{ Params: ChannelParams }>('/v3/group_channels/:channel_url/messages', async (req) => {
    const { channel, message } = sendMessage(store, req.params.channel_url, asBody(req.body), { sdk: 'API', senderIp: req.ip });
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
