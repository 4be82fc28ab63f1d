/**
 * Shapes of the Sendbird Platform API v3 objects this project uses. Field names follow the
 * documented resources (see the OpenAPI models of sendbird/sendbird-platform-sdk-typescript, which
 * are public domain, and https://sendbird.com/docs/chat/v3/platform-api). Only the fields we read are
 * typed strictly; the rest of each object passes through as `[key: string]: unknown`.
 */

export type SendbirdMetadata = Record<string, string>;

export interface SendbirdUser {
  user_id: string;
  nickname: string;
  profile_url: string;
  access_token?: string;
  is_online: boolean;
  is_active: boolean;
  last_seen_at: number;
  has_ever_logged_in?: boolean;
  /** Unix ms. */
  created_at: number;
  metadata: SendbirdMetadata;
  [key: string]: unknown;
}

export interface CreateUserParams {
  user_id: string;
  /** Required by Sendbird; `""` is allowed. */
  nickname: string;
  /** Required by Sendbird; `""` is allowed. Defaults to `""` in this client. */
  profile_url?: string;
  metadata?: SendbirdMetadata;
  issue_access_token?: boolean;
  [key: string]: unknown;
}

export interface UpdateUserParams {
  nickname?: string;
  profile_url?: string;
  is_active?: boolean;
  issue_access_token?: boolean;
  [key: string]: unknown;
}

export interface SessionToken {
  token: string;
  /** Unix ms. */
  expires_at: number;
}

export type MemberState = 'joined' | 'invited';

export interface SendbirdMember {
  user_id: string;
  nickname: string;
  profile_url: string;
  state: MemberState;
  role?: string;
  is_active?: boolean;
  is_online?: boolean;
  last_seen_at?: number;
  read_ts?: number;
  metadata?: SendbirdMetadata;
  [key: string]: unknown;
}

export interface SendbirdGroupChannel {
  channel_url: string;
  name: string;
  cover_url: string;
  custom_type: string;
  data: string;
  created_at: number;
  is_distinct: boolean;
  is_public: boolean;
  is_super: boolean;
  is_ephemeral: boolean;
  freeze: boolean;
  member_count: number;
  joined_member_count: number;
  /** Present when asked for (`show_member`) and on create/invite answers. */
  members?: SendbirdMember[];
  last_message?: SendbirdMessage | null;
  [key: string]: unknown;
}

export interface CreateGroupChannelParams {
  channel_url?: string;
  user_ids?: string[];
  users?: { user_id: string }[];
  name?: string;
  cover_url?: string;
  custom_type?: string;
  data?: string;
  /** Keep `false` for support channels: `true` reuses any channel with the same member set. */
  is_distinct?: boolean;
  is_public?: boolean;
  is_super?: boolean;
  is_ephemeral?: boolean;
  inviter_id?: string;
  operator_ids?: string[];
  invitation_status?: Record<string, 'joined' | 'invited_by_friend' | 'invited_by_non_friend'>;
  [key: string]: unknown;
}

export interface UpdateGroupChannelParams {
  name?: string;
  cover_url?: string;
  custom_type?: string;
  data?: string;
  is_distinct?: boolean;
  is_public?: boolean;
  operator_ids?: string[];
  [key: string]: unknown;
}

export interface ListGroupChannelsParams {
  custom_types?: string[];
  channel_urls?: string[];
  members_include_in?: string[];
  limit?: number;
  token?: string;
  show_member?: boolean;
}

export interface ChannelPage {
  channels: SendbirdGroupChannel[];
  /** Token of the next page; `""` when there is none. */
  next: string;
}

export interface InviteOptions {
  inviter_id?: string;
  invitation_status?: Record<string, 'joined' | 'invited_by_friend' | 'invited_by_non_friend'>;
}

export interface LeaveOptions {
  should_leave_all?: boolean;
  should_remove_operator_status?: boolean;
  reason?: 'admin_removed' | 'admin_deleted' | 'admin_deactivated' | 'left_by_own_choice' | 'channel_operator_removed';
}

export interface MemberPage {
  members: SendbirdMember[];
  next: string;
}

export interface Membership {
  is_member: boolean;
  state: 'joined' | 'invited' | 'none';
}

export type MessageType = 'MESG' | 'FILE' | 'ADMM';

export interface MessageUser {
  user_id: string;
  nickname: string;
  profile_url: string;
  metadata: SendbirdMetadata;
  [key: string]: unknown;
}

export interface SendbirdFile {
  url: string;
  name: string;
  type: string;
  size: number;
  data?: string;
}

export interface SendbirdMessage {
  message_id: number;
  type: MessageType;
  message: string;
  custom_type: string;
  data: string;
  channel_url: string;
  channel_type: 'group';
  /** Unix ms. */
  created_at: number;
  /** Unix ms; 0 until the message is edited. */
  updated_at: number;
  /** Absent on admin messages (ADMM), which have no sender. */
  user?: MessageUser;
  mention_type: string;
  mentioned_users: MessageUser[];
  translations: Record<string, string>;
  is_removed: boolean;
  silent: boolean;
  file?: SendbirdFile | Record<string, never>;
  [key: string]: unknown;
}

interface SendMessageCommon {
  custom_type?: string;
  data?: string;
  dedup_id?: string;
  is_silent?: boolean;
  send_push?: boolean;
  mark_as_read?: boolean;
  mention_type?: 'users' | 'channel';
  mentioned_user_ids?: string[];
  [key: string]: unknown;
}

export interface SendTextMessageParams extends SendMessageCommon {
  message_type: 'MESG';
  user_id: string;
  message: string;
}

export interface SendAdminMessageParams extends SendMessageCommon {
  message_type: 'ADMM';
  message: string;
  user_id?: undefined;
}

export interface SendFileMessageParams extends SendMessageCommon {
  message_type: 'FILE';
  user_id: string;
  url: string;
  file_name?: string;
  file_type?: string;
  file_size?: number;
}

export type SendMessageParams = SendTextMessageParams | SendAdminMessageParams | SendFileMessageParams;

export interface ListMessagesParams {
  /** One of `message_ts` or `message_id` is required by Sendbird. */
  message_ts?: number;
  message_id?: number;
  prev_limit?: number;
  next_limit?: number;
  include?: boolean;
  reverse?: boolean;
  message_type?: MessageType;
  custom_types?: string[];
  sender_ids?: string[];
  /**
   * Which thread replies are listed: NONE (Sendbird's default) leaves every reply out, ALL lists
   * parents and replies in order, ONLY_REPLY_TO_CHANNEL only the replies also sent to the channel.
   */
  include_reply_type?: 'NONE' | 'ALL' | 'ONLY_REPLY_TO_CHANNEL';
}

export interface UpdateMessageParams {
  message_type?: MessageType;
  message?: string;
  custom_type?: string;
  data?: string;
  [key: string]: unknown;
}
