/** `/v3/group_channels` routes: channels and membership. */
import type { FastifyInstance } from 'fastify';
import {
  createChannel,
  deleteChannel,
  filterChannels,
  freeze,
  getChannel,
  invite,
  leave,
  membership,
  updateChannel,
} from './ops-channels.js';
import { channelJson, memberJson } from './shapes.js';
import type { Store } from './store.js';
import { asBody, decodePageToken, encodePageToken, type Query, qBool, qInt, qList } from './validate.js';
import { invalidValue } from './errors.js';

type ChannelParams = { channel_url: string };

function page<T>(items: T[], q: Query, fallbackLimit: number): { items: T[]; next: string } {
  const limit = qInt(q, 'limit', fallbackLimit, 1, 100);
  const offset = decodePageToken(q.token);
  const slice = items.slice(offset, offset + limit);
  return { items: slice, next: offset + limit < items.length ? encodePageToken(offset + limit) : '' };
}

export function registerChannelRoutes(app: FastifyInstance, store: Store): void {
  // Create answers always carry members, as the docs' examples do.
  app.post('/v3/group_channels', async (req) => {
    const { channel } = createChannel(store, asBody(req.body));
    return channelJson(store, channel, { showMember: true });
  });

  app.get<{ Querystring: Query }>('/v3/group_channels', async (req) => {
    const q = req.query;
    const queryType = (q.query_type ?? 'AND').toUpperCase();
    if (queryType !== 'AND' && queryType !== 'OR') throw invalidValue('query_type', 'Use AND or OR.');
    const all = filterChannels(store, {
      customTypes: qList(q, 'custom_types'),
      channelUrls: qList(q, 'channel_urls'),
      membersIncludeIn: qList(q, 'members_include_in'),
      queryType,
    });
    const showMember = qBool(q, 'show_member', false);
    const { items, next } = page(all, q, 10);
    return { channels: items.map((c) => channelJson(store, c, { showMember })), next, ts: store.now() };
  });

  app.get<{ Params: ChannelParams; Querystring: Query }>('/v3/group_channels/:channel_url', async (req) =>
    channelJson(store, getChannel(store, req.params.channel_url), { showMember: qBool(req.query, 'show_member', false) }),
  );

  app.put<{ Params: ChannelParams }>('/v3/group_channels/:channel_url', async (req) =>
    channelJson(store, updateChannel(store, req.params.channel_url, asBody(req.body)), { showMember: false }),
  );

  app.delete<{ Params: ChannelParams }>('/v3/group_channels/:channel_url', async (req) => {
    deleteChannel(store, req.params.channel_url);
    return {};
  });

  app.post<{ Params: ChannelParams }>('/v3/group_channels/:channel_url/invite', async (req) =>
    channelJson(store, invite(store, req.params.channel_url, asBody(req.body)), { showMember: true }),
  );

  app.put<{ Params: ChannelParams }>('/v3/group_channels/:channel_url/leave', async (req) => {
    leave(store, req.params.channel_url, asBody(req.body));
    return {};
  });

  app.put<{ Params: ChannelParams }>('/v3/group_channels/:channel_url/freeze', async (req) =>
    channelJson(store, freeze(store, req.params.channel_url, asBody(req.body)), { showMember: false }),
  );

  app.get<{ Params: ChannelParams; Querystring: Query }>('/v3/group_channels/:channel_url/members', async (req) => {
    const c = getChannel(store, req.params.channel_url);
    const filter = req.query.member_state_filter ?? 'all';
    const members = [...c.members.values()].filter(
      (m) => filter === 'all' || (filter === 'joined_only' && m.state === 'joined') || (filter === 'invited_only' && m.state === 'invited'),
    );
    const { items, next } = page(members, req.query, 10);
    return { members: items.map((m) => memberJson(store, c, m)), next };
  });

  app.get<{ Params: ChannelParams & { user_id: string } }>('/v3/group_channels/:channel_url/members/:user_id', async (req) =>
    membership(store, req.params.channel_url, req.params.user_id),
  );
}
