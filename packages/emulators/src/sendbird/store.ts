/**
 * The emulator's in-memory state (nothing is persisted) and the domain events it emits. Webhooks
 * and the sandbox feed listen to the events; routes change state only through the ops modules.
 */

export interface UserRec {
  user_id: string;
  nickname: string;
  profile_url: string;
  metadata: Record<string, string>;
  is_active: boolean;
  access_token: string;
  created_at: number;
}

export type MemberStateName = 'joined' | 'invited';

export interface MemberRec {
  user_id: string;
  state: MemberStateName;
  /** Messages at or before this time count as read. */
  read_ts: number;
  joined_ts: number;
}

export interface FileRec {
  url: string;
  name: string;
  type: string;
  size: number;
  /** Sent with `require_auth: true`: the emulator serves an uploaded file only with an Api-Token. */
  require_auth?: boolean;
  /** Thumbnails asked for (`thumbnails` of a multipart send), each served from the original's URL. */
  thumbnails?: { width: number; height: number; url: string }[];
}

/** An uploaded file's bytes, served at `/files/{id}/{name}` as Sendbird's CDN serves uploads. */
export interface BlobRec {
  id: string;
  name: string;
  type: string;
  data: Buffer;
  require_auth: boolean;
  created_at: number;
}

export interface MessageRec {
  message_id: number;
  type: 'MESG' | 'FILE' | 'ADMM';
  message: string;
  custom_type: string;
  data: string;
  created_at: number;
  updated_at: number;
  /** Sender; none for ADMM. */
  user_id?: string;
  mention_type: string;
  mentioned_user_ids: string[];
  silent: boolean;
  file?: FileRec;
  dedup_id?: string;
  /** `API` (Platform API) or `JavaScript` (the sandbox feed), as in webhook payloads. */
  sdk: 'API' | 'JavaScript';
}

export interface ChannelRec {
  /** Sendbird's numeric channel id. */
  id: number;
  channel_url: string;
  name: string;
  cover_url: string;
  custom_type: string;
  data: string;
  created_at: number;
  created_by?: string;
  is_distinct: boolean;
  is_public: boolean;
  is_super: boolean;
  is_ephemeral: boolean;
  freeze: boolean;
  /** In the order members were added. */
  members: Map<string, MemberRec>;
  operators: Set<string>;
  /** Ascending by message_id (and created_at). */
  messages: MessageRec[];
}

export interface TokenRec {
  user_id: string;
  expires_at: number;
}

export type EmulatorEvent =
  | { type: 'channel_created'; channel: ChannelRec; inviterId?: string; at: number }
  | { type: 'members_joined'; channel: ChannelRec; userIds: string[]; at: number }
  | { type: 'members_invited'; channel: ChannelRec; userIds: string[]; inviterId?: string; at: number }
  | { type: 'members_left'; channel: ChannelRec; userIds: string[]; at: number }
  | { type: 'channel_deleted'; channel: ChannelRec; at: number }
  | { type: 'channel_frozen'; channel: ChannelRec; freeze: boolean; at: number }
  /** `PUT /v3/group_channels/{url}` changed the channel's properties (no webhook: the feed only). */
  | { type: 'channel_updated'; channel: ChannelRec; at: number }
  | { type: 'message_sent'; channel: ChannelRec; message: MessageRec; senderIp: string }
  | { type: 'message_updated'; channel: ChannelRec; message: MessageRec }
  | { type: 'message_deleted'; channel: ChannelRec; message: MessageRec; at: number }
  | { type: 'read'; channel: ChannelRec; userId: string; at: number };

export interface SavedStore {
  users: UserRec[];
  channels: (Omit<ChannelRec, 'members' | 'operators'> & { members: MemberRec[]; operators: string[] })[];
  tokens: (TokenRec & { token: string })[];
  /** Uploaded files, bytes in base64 (absent in state saved before files existed). */
  blobs?: (Omit<BlobRec, 'data'> & { data: string })[];
  counters: { nextMessageId: number; lastMessageTs: number; channelSeq: number };
}

export type EventListener = (event: EmulatorEvent) => void;

export class Store {
  users = new Map<string, UserRec>();
  channels = new Map<string, ChannelRec>();
  tokens = new Map<string, TokenRec>();
  blobs = new Map<string, BlobRec>();
  private nextMessageId = 1_000_001;
  private lastMessageTs = 0;
  private channelSeq = 0;
  private readonly listeners = new Set<EventListener>();

  constructor(
    readonly appId: string,
    readonly now: () => number,
  ) {}

  reset(): void {
    this.users.clear();
    this.channels.clear();
    this.tokens.clear();
    this.blobs.clear();
    this.nextMessageId = 1_000_001;
    this.lastMessageTs = 0;
    this.channelSeq = 0;
  }

  /** Everything as plain JSON, for the sandbox to keep across restarts. */
  toJSON(): SavedStore {
    return {
      users: [...this.users.values()],
      channels: [...this.channels.values()].map((c) => ({ ...c, members: [...c.members.values()], operators: [...c.operators] })),
      tokens: [...this.tokens].map(([token, rec]) => ({ token, ...rec })),
      blobs: [...this.blobs.values()].map((b) => ({ ...b, data: b.data.toString('base64') })),
      counters: { nextMessageId: this.nextMessageId, lastMessageTs: this.lastMessageTs, channelSeq: this.channelSeq },
    };
  }

  /** Replaces the state with one `toJSON()` produced. Fires no events. */
  load(saved: SavedStore): void {
    this.reset();
    for (const u of saved.users) this.users.set(u.user_id, u);
    for (const c of saved.channels) {
      this.channels.set(c.channel_url, { ...c, members: new Map(c.members.map((m) => [m.user_id, m])), operators: new Set(c.operators) });
    }
    for (const { token, ...rec } of saved.tokens) this.tokens.set(token, rec);
    for (const b of saved.blobs ?? []) this.blobs.set(b.id, { ...b, data: Buffer.from(b.data, 'base64') });
    this.nextMessageId = saved.counters.nextMessageId;
    this.lastMessageTs = saved.counters.lastMessageTs;
    this.channelSeq = saved.counters.channelSeq;
  }

  on(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** While true (seeding), events are not emitted: seed data fires no webhooks. */
  muted = false;

  /** Listeners run synchronously so they see the state of the moment; they must not throw. */
  emit(event: EmulatorEvent): void {
    if (this.muted) return;
    for (const l of this.listeners) {
      try {
        l(event);
      } catch (err) {
        console.error('[sendbird-emulator] event listener failed:', err);
      }
    }
  }

  newMessageId(): number {
    return this.nextMessageId++;
  }

  /**
   * Times of messages and read marks strictly increase, so "created after read_ts" is exact even
   * when a join and a message fall in the same millisecond.
   */
  tick(): number {
    this.lastMessageTs = Math.max(this.now(), this.lastMessageTs + 1);
    return this.lastMessageTs;
  }

  nextChannelSeq(): number {
    return ++this.channelSeq;
  }

  /**
   * Unread messages of `userId` in one channel: after their read mark, not sent by them, not
   * silent (`is_silent` sends leave the unread count and `last_message` as they were).
   */
  unreadCount(channel: ChannelRec, userId: string): number {
    const member = channel.members.get(userId);
    if (!member || member.state !== 'joined') return 0;
    let n = 0;
    for (const m of channel.messages) if (m.created_at > member.read_ts && m.user_id !== userId && !m.silent) n++;
    return n;
  }

  /** The channel's `last_message`: the newest message that was not sent silently. */
  lastMessage(channel: ChannelRec): MessageRec | undefined {
    for (let i = channel.messages.length - 1; i >= 0; i--) if (!channel.messages[i]!.silent) return channel.messages[i];
    return undefined;
  }

  totalUnread(userId: string): number {
    let n = 0;
    for (const c of this.channels.values()) n += this.unreadCount(c, userId);
    return n;
  }

  /** Channels where the user is a member (joined or invited), in creation order. */
  channelsOf(userId: string): ChannelRec[] {
    return [...this.channels.values()].filter((c) => c.members.has(userId));
  }
}
