/**
 * Group channels and membership (https://sendbird.com/docs/chat/v3/platform-api/channel/creating-a-channel/create-a-group-channel,
 * .../inviting-a-user/invite-as-members-channel, .../managing-a-channel/leave-a-channel).
 */
import { createHash } from 'node:crypto';
import { ApiError, alreadyExists, invalidValue, missing, notFound } from './errors.js';
import { getUser } from './ops-users.js';
import type { ChannelRec, MemberRec, Store } from './store.js';
import { type Body, maxLength, optBool, optObject, optString, optStringList } from './validate.js';

/** Letters, digits, `_` and `-`, 4 to 100 characters (create-a-channel docs). */
export const CHANNEL_URL = /^[A-Za-z0-9_-]{4,100}$/;

export function getChannel(store: Store, url: string): ChannelRec {
  const c = store.channels.get(url);
  if (!c) throw notFound('Channel');
  return c;
}

/** `user_ids[]` or `users[{user_id}]`, which the docs say are interchangeable. */
function userIdsOf(body: Body): string[] | undefined {
  const ids = optStringList(body, 'user_ids');
  if (ids) return ids;
  const users = body.users;
  if (users === undefined || users === null) return undefined;
  if (!Array.isArray(users)) throw new ApiError(400102, '"users" should be a list.');
  return users.map((u, i) => {
    if (typeof u === 'string') return u;
    const id = (u as { user_id?: unknown } | null)?.user_id;
    if (typeof id !== 'string') throw new ApiError(400100, `"users[${i}].user_id" should be a string.`);
    return id;
  });
}

type InvitationStatus = 'joined' | 'invited_by_friend' | 'invited_by_non_friend';
const STATUSES: readonly string[] = ['joined', 'invited_by_friend', 'invited_by_non_friend'];

function invitationStatus(body: Body): Record<string, InvitationStatus> {
  const raw = optObject(body, 'invitation_status') ?? {};
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v !== 'string' || !STATUSES.includes(v)) throw invalidValue(`invitation_status.${k}`);
  }
  return raw as Record<string, InvitationStatus>;
}

function unique(ids: string[]): string[] {
  return [...new Set(ids)];
}

function sameMembers(c: ChannelRec, ids: string[]): boolean {
  return c.members.size === ids.length && ids.every((id) => c.members.has(id));
}

function generatedUrl(store: Store, seq: number): string {
  const hash = createHash('sha1').update(`${store.appId}:${seq}:${store.now()}:${Math.random()}`).digest('hex');
  return `sendbird_group_channel_${seq}_${hash}`;
}

export interface CreateResult {
  channel: ChannelRec;
  created: boolean;
}

export function createChannel(store: Store, body: Body): CreateResult {
  const url = optString(body, 'channel_url');
  const ids = unique(userIdsOf(body) ?? []);
  const name = optString(body, 'name') ?? 'group channel';
  const coverUrl = optString(body, 'cover_url') ?? '';
  const customType = optString(body, 'custom_type') ?? '';
  const data = optString(body, 'data') ?? '';
  const isDistinct = optBool(body, 'is_distinct') ?? false;
  const isPublic = optBool(body, 'is_public') ?? false;
  const isSuper = optBool(body, 'is_super') ?? false;
  const isEphemeral = optBool(body, 'is_ephemeral') ?? false;
  const inviterId = optString(body, 'inviter_id');
  const operatorIds = optStringList(body, 'operator_ids') ?? [];
  const statuses = invitationStatus(body);
  maxLength('name', name, 191);
  maxLength('custom_type', customType, 128);
  if (url !== undefined && !CHANNEL_URL.test(url)) {
    throw invalidValue('channel_url', 'Use 4 to 100 letters, digits, "_" or "-".');
  }
  if (isSuper && isDistinct) throw new ApiError(400112, '"is_super" and "is_distinct" cannot both be true.');
  for (const id of [...ids, ...operatorIds, ...(inviterId ? [inviterId] : [])]) getUser(store, id);
  if (url !== undefined && store.channels.has(url)) throw alreadyExists('Channel');
  if (isDistinct) {
    // Distinct: the channel with exactly these members is reused, not created again.
    const existing = [...store.channels.values()].find((c) => c.is_distinct && sameMembers(c, ids));
    if (existing) return { channel: existing, created: false };
  }
  const now = store.now();
  const seq = store.nextChannelSeq();
  const channel: ChannelRec = {
    id: seq,
    channel_url: url ?? generatedUrl(store, seq),
    name,
    cover_url: coverUrl,
    custom_type: customType,
    data,
    created_at: now,
    created_by: inviterId,
    is_distinct: isDistinct,
    is_public: isPublic,
    is_super: isSuper,
    is_ephemeral: isEphemeral,
    freeze: false,
    members: new Map(),
    operators: new Set(operatorIds),
    messages: [],
  };
  for (const id of ids) {
    const state = (statuses[id] ?? 'joined') === 'joined' ? 'joined' : 'invited';
    channel.members.set(id, { user_id: id, state, read_ts: store.tick(), joined_ts: now });
  }
  store.channels.set(channel.channel_url, channel);
  // Documented: initial members produce group_channel:create then group_channel:join, no :invite.
  store.emit({ type: 'channel_created', channel, inviterId, at: now });
  const joined = ids.filter((id) => channel.members.get(id)?.state === 'joined');
  if (joined.length) store.emit({ type: 'members_joined', channel, userIds: joined, at: now });
  const invited = ids.filter((id) => channel.members.get(id)?.state === 'invited');
  if (invited.length) store.emit({ type: 'members_invited', channel, userIds: invited, inviterId, at: now });
  return { channel, created: true };
}

export function updateChannel(store: Store, url: string, body: Body): ChannelRec {
  const c = getChannel(store, url);
  const name = optString(body, 'name');
  const coverUrl = optString(body, 'cover_url');
  const customType = optString(body, 'custom_type');
  const data = optString(body, 'data');
  const isDistinct = optBool(body, 'is_distinct');
  const isPublic = optBool(body, 'is_public');
  const operatorIds = optStringList(body, 'operator_ids');
  maxLength('name', name, 191);
  if (operatorIds) for (const id of operatorIds) getUser(store, id);
  if (name !== undefined) c.name = name;
  if (coverUrl !== undefined) c.cover_url = coverUrl;
  if (customType !== undefined) c.custom_type = customType;
  if (data !== undefined) c.data = data;
  if (isDistinct !== undefined) c.is_distinct = isDistinct;
  if (isPublic !== undefined) c.is_public = isPublic;
  if (operatorIds) for (const id of operatorIds) c.operators.add(id);
  store.emit({ type: 'channel_updated', channel: c, at: store.now() });
  return c;
}

export function deleteChannel(store: Store, url: string): void {
  const c = getChannel(store, url);
  store.channels.delete(url);
  store.emit({ type: 'channel_deleted', channel: c, at: store.now() });
}

export function invite(store: Store, url: string, body: Body): ChannelRec {
  const c = getChannel(store, url);
  const ids = userIdsOf(body);
  if (!ids || ids.length === 0) throw missing('user_ids');
  if (ids.length > 100) throw invalidValue('user_ids', 'Up to 100 users can be invited at a time.');
  const inviterId = optString(body, 'inviter_id');
  const statuses = invitationStatus(body);
  for (const id of [...ids, ...(inviterId ? [inviterId] : [])]) getUser(store, id);
  const now = store.now();
  const invited: string[] = [];
  const joined: string[] = [];
  for (const id of unique(ids)) {
    const existing = c.members.get(id);
    const wantJoined = (statuses[id] ?? 'joined') === 'joined';
    if (existing?.state === 'joined') continue;
    if (existing && !wantJoined) continue;
    if (!existing) invited.push(id);
    const rec: MemberRec = existing ?? { user_id: id, state: 'invited', read_ts: now, joined_ts: now };
    if (wantJoined) {
      rec.state = 'joined';
      rec.joined_ts = now;
      rec.read_ts = store.tick();
      joined.push(id);
    }
    c.members.set(id, rec);
  }
  // "If a user is invited as a new member ... the distinct property is automatically disabled."
  if (invited.length && c.is_distinct) c.is_distinct = false;
  if (invited.length) store.emit({ type: 'members_invited', channel: c, userIds: invited, inviterId, at: now });
  if (joined.length) store.emit({ type: 'members_joined', channel: c, userIds: joined, at: now });
  return c;
}

export function leave(store: Store, url: string, body: Body): void {
  const c = getChannel(store, url);
  const all = optBool(body, 'should_leave_all') ?? false;
  const removeOperator = optBool(body, 'should_remove_operator_status') ?? false;
  optString(body, 'reason');
  const ids = all ? [...c.members.keys()] : optStringList(body, 'user_ids');
  if (!ids || (!all && ids.length === 0)) throw missing('user_ids');
  const left = unique(ids).filter((id) => c.members.has(id));
  for (const id of left) {
    c.members.delete(id);
    if (removeOperator) c.operators.delete(id);
  }
  if (left.length && c.is_distinct) c.is_distinct = false;
  if (left.length) store.emit({ type: 'members_left', channel: c, userIds: left, at: store.now() });
}

export function freeze(store: Store, url: string, body: Body): ChannelRec {
  const c = getChannel(store, url);
  const value = optBool(body, 'freeze');
  if (value === undefined) throw missing('freeze');
  c.freeze = value;
  store.emit({ type: 'channel_frozen', channel: c, freeze: value, at: store.now() });
  return c;
}

export function membership(store: Store, url: string, userId: string): { is_member: boolean; state: string } {
  const c = getChannel(store, url);
  const m = c.members.get(userId);
  return m ? { is_member: true, state: m.state } : { is_member: false, state: 'none' };
}

export interface ChannelFilter {
  customTypes?: string[];
  channelUrls?: string[];
  membersIncludeIn?: string[];
  /** How `membersIncludeIn` combines: `AND` (Sendbird's default) or `OR`. */
  queryType?: 'AND' | 'OR';
}

export function filterChannels(store: Store, f: ChannelFilter): ChannelRec[] {
  // Sets: a list of 100 URLs over tens of thousands of channels is one lookup per channel.
  const urls = f.channelUrls ? new Set(f.channelUrls) : undefined;
  const types = f.customTypes ? new Set(f.customTypes) : undefined;
  return [...store.channels.values()].filter(
    (c) =>
      (!types || types.has(c.custom_type)) &&
      (!urls || urls.has(c.channel_url)) &&
      (!f.membersIncludeIn ||
        (f.queryType === 'OR' ? f.membersIncludeIn.some((id) => c.members.has(id)) : f.membersIncludeIn.every((id) => c.members.has(id)))),
  );
}
