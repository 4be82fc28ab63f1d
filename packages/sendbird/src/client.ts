/**
 * Sendbird Platform API v3 client on fetch: one `request()` core (pacing, timeout, typed errors,
 * retries) and thin typed methods. Endpoints and fields:
 * https://sendbird.com/docs/chat/v3/platform-api (see also docs/emulator-sendbird.md).
 */
import type { RequestRetryDecision } from '@sbsf/retry';
import { SendbirdConnectionError, SendbirdError, SendbirdRateLimitError, sendbirdErrorFromResponse } from './errors.js';
import { resolveOptions, type ResolvedOptions, type SendbirdClientOptions } from './options.js';
import { currentSendbirdPriority, DEFAULT_PRIORITY_CLASS, type SendbirdPriority } from './priority.js';
import { decideRetry, MAX_RETRY_AFTER_MS } from './retry.js';
import { EndpointScheduler } from './scheduler.js';
import type {
  ChannelPage,
  CreateGroupChannelParams,
  CreateUserParams,
  InviteOptions,
  LeaveOptions,
  ListGroupChannelsParams,
  ListMessagesParams,
  MemberPage,
  Membership,
  SendbirdGroupChannel,
  SendbirdMessage,
  SendbirdUser,
  SendMessageParams,
  SessionToken,
  UpdateGroupChannelParams,
  UpdateMessageParams,
  UpdateUserParams,
} from './types.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';
type QueryValue = string | number | boolean | readonly string[] | undefined;

export interface RequestSpec {
  method: HttpMethod;
  /** Path template such as `/v3/group_channels/{channel_url}`; also the pacing and log key. */
  route: string;
  /** Values for the `{name}` placeholders; each is URL-encoded. */
  params?: Record<string, string | number>;
  query?: Record<string, QueryValue>;
  body?: unknown;
}

const CONTENT_TYPE = 'application/json; charset=utf8';

/**
 * The class and turn key of a capped call: from the work it runs in (`withSendbirdPriority`),
 * else the default class; the key defaults to the channel (the Case), else the user.
 */
function priorityOf(spec: RequestSpec): Required<SendbirdPriority> {
  const p = currentSendbirdPriority();
  const body = spec.body as { channel_url?: unknown } | undefined;
  const key =
    p?.key ?? String(spec.params?.channel_url ?? spec.params?.user_id ?? (typeof body?.channel_url === 'string' ? body.channel_url : ''));
  return { class: p?.class ?? DEFAULT_PRIORITY_CLASS, key };
}

export class SendbirdClient {
  private readonly opts: ResolvedOptions;
  /** The schedulers of the rate-capped endpoints (queue depths and waits for metrics). */
  readonly pacing: EndpointScheduler;

  constructor(options: SendbirdClientOptions) {
    this.opts = resolveOptions(options);
    this.pacing = new EndpointScheduler(this.opts.limiter, { now: this.opts.now, sleep: this.opts.sleep });
  }

  get appId(): string {
    return this.opts.appId;
  }

  get baseUrl(): string {
    return this.opts.baseUrl;
  }

  /** The one request core. Public so callers can reach endpoints without a typed method. */
  async request<T>(spec: RequestSpec): Promise<T> {
    const url = this.buildUrl(spec);
    // A capped call waits for its slot in the class of the work it is made for (priority.ts).
    const priority = this.pacing.paces(spec.method, spec.route) ? priorityOf(spec) : undefined;
    for (let attempt = 1; ; attempt++) {
      if (priority) {
        const waitMs = await this.pacing.acquire(spec.method, spec.route, priority.class, priority.key);
        if (waitMs > 0) {
          this.opts.logger.debug?.({ route: spec.route, class: priority.class, waitMs }, '[sendbird] paced a rate-capped endpoint');
        }
      }
      try {
        return await this.once<T>(spec, url);
      } catch (err) {
        const decision = decideRetry(err, attempt, this.opts.retry, this.opts.random);
        // On a capped endpoint a 429 pauses the endpoint's scheduler, for every caller: the retry
        // then waits for its slot there (one at a time after the pause), not on its own timer.
        const paused = priority !== undefined && err instanceof SendbirdRateLimitError && this.pauseAfter(spec, err, decision);
        if (!decision.retry) throw err;
        this.opts.logger.warn?.(
          {
            method: spec.method,
            route: spec.route,
            attempt,
            delayMs: decision.delayMs,
            code: err instanceof SendbirdError ? err.code : undefined,
            status: err instanceof SendbirdError ? err.status : undefined,
          },
          `[sendbird] retrying: ${decision.reason}`,
        );
        if (!paused) await this.opts.sleep(decision.delayMs);
      }
    }
  }

  /**
   * Pauses a capped endpoint after a 429: until `X-RateLimit-RetryAfter` (at most
   * MAX_RETRY_AFTER_MS), or the backoff delay when Sendbird gave no hint. Returns whether it did.
   */
  private pauseAfter(spec: RequestSpec, err: SendbirdRateLimitError, decision: RequestRetryDecision): boolean {
    const ms =
      err.retryAfterMs !== undefined ? Math.min(err.retryAfterMs, MAX_RETRY_AFTER_MS) : decision.retry ? decision.delayMs : undefined;
    if (ms === undefined) return false;
    this.pacing.pauseUntil(spec.method, spec.route, this.opts.now() + ms);
    return true;
  }

  private buildUrl(spec: RequestSpec): string {
    const path = spec.route.replace(/\{(\w+)\}/g, (_m, name: string) => {
      const v = spec.params?.[name];
      if (v === undefined || v === '') throw new Error(`[sendbird] ${name} is required for ${spec.method} ${spec.route}`);
      return encodeURIComponent(String(v));
    });
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(spec.query ?? {})) {
      if (v === undefined) continue;
      qs.set(k, Array.isArray(v) ? v.join(',') : String(v));
    }
    const q = qs.toString();
    return `${this.opts.baseUrl}${path}${q ? `?${q}` : ''}`;
  }

  private async once<T>(spec: RequestSpec, url: string): Promise<T> {
    // The timer runs until the body is read, so it bounds the whole exchange.
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.opts.timeoutMs);
    let res: Response;
    let text: string;
    try {
      const init = {
        method: spec.method,
        headers: { 'Api-Token': this.opts.apiToken, 'Content-Type': CONTENT_TYPE, Accept: 'application/json' },
        body: spec.body === undefined ? undefined : JSON.stringify(spec.body),
      };
      res = await this.opts.fetch(url, { ...init, signal: controller.signal });
      text = await res.text();
    } catch (err) {
      const timedOut = controller.signal.aborted;
      throw new SendbirdConnectionError({
        status: 0,
        code: 0,
        message: timedOut
          ? `no answer within ${this.opts.timeoutMs} ms (${spec.method} ${spec.route})`
          : `request failed: ${(err as Error).message} (${spec.method} ${spec.route})`,
        method: spec.method,
        path: spec.route,
        cause: err,
      });
    } finally {
      clearTimeout(timer);
    }
    let body: unknown = {};
    if (text.trim() !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        body = { message: `non-JSON answer (HTTP ${res.status})` };
      }
    }
    const isError = !res.ok || (typeof body === 'object' && body !== null && (body as { error?: unknown }).error === true);
    if (isError) {
      throw sendbirdErrorFromResponse({ status: res.status, body, headers: res.headers, method: spec.method, path: spec.route });
    }
    return body as T;
  }

  // ---- users -------------------------------------------------------------------------------

  createUser(params: CreateUserParams): Promise<SendbirdUser> {
    return this.request({ method: 'POST', route: '/v3/users', body: { profile_url: '', ...params } });
  }

  getUser(userId: string): Promise<SendbirdUser> {
    return this.request({ method: 'GET', route: '/v3/users/{user_id}', params: { user_id: userId } });
  }

  updateUser(userId: string, fields: UpdateUserParams): Promise<SendbirdUser> {
    return this.request({ method: 'PUT', route: '/v3/users/{user_id}', params: { user_id: userId }, body: fields });
  }

  deleteUser(userId: string): Promise<Record<string, never>> {
    return this.request({ method: 'DELETE', route: '/v3/users/{user_id}', params: { user_id: userId } });
  }

  /** Session token for the Chat SDK; `expiresAt` in Unix ms (Sendbird's default: 7 days). */
  issueSessionToken(userId: string, opts: { expiresAt?: number } = {}): Promise<SessionToken> {
    return this.request({
      method: 'POST',
      route: '/v3/users/{user_id}/token',
      params: { user_id: userId },
      body: opts.expiresAt === undefined ? {} : { expires_at: opts.expiresAt },
    });
  }

  // ---- group channels ----------------------------------------------------------------------

  createGroupChannel(params: CreateGroupChannelParams): Promise<SendbirdGroupChannel> {
    return this.request({ method: 'POST', route: '/v3/group_channels', body: params });
  }

  getGroupChannel(channelUrl: string, opts: { showMember?: boolean } = {}): Promise<SendbirdGroupChannel> {
    return this.request({
      method: 'GET',
      route: '/v3/group_channels/{channel_url}',
      params: { channel_url: channelUrl },
      query: { show_member: opts.showMember },
    });
  }

  updateGroupChannel(channelUrl: string, fields: UpdateGroupChannelParams): Promise<SendbirdGroupChannel> {
    return this.request({
      method: 'PUT',
      route: '/v3/group_channels/{channel_url}',
      params: { channel_url: channelUrl },
      body: fields,
    });
  }

  deleteGroupChannel(channelUrl: string): Promise<Record<string, never>> {
    return this.request({ method: 'DELETE', route: '/v3/group_channels/{channel_url}', params: { channel_url: channelUrl } });
  }

  async listGroupChannels(params: ListGroupChannelsParams = {}): Promise<ChannelPage> {
    const page = await this.request<Partial<ChannelPage>>({
      method: 'GET',
      route: '/v3/group_channels',
      query: {
        custom_types: params.custom_types,
        channel_urls: params.channel_urls,
        members_include_in: params.members_include_in,
        limit: params.limit,
        token: params.token,
        show_member: params.show_member,
      },
    });
    return { channels: page.channels ?? [], next: page.next ?? '' };
  }

  /** Freezes (`true`) or unfreezes a channel: only operators may then send. */
  freezeChannel(channelUrl: string, freeze: boolean): Promise<SendbirdGroupChannel> {
    return this.request({
      method: 'PUT',
      route: '/v3/group_channels/{channel_url}/freeze',
      params: { channel_url: channelUrl },
      body: { freeze },
    });
  }

  // ---- membership --------------------------------------------------------------------------

  inviteMembers(channelUrl: string, userIds: string[], opts: InviteOptions = {}): Promise<SendbirdGroupChannel> {
    return this.request({
      method: 'POST',
      route: '/v3/group_channels/{channel_url}/invite',
      params: { channel_url: channelUrl },
      body: { ...opts, user_ids: userIds },
    });
  }

  leaveMembers(channelUrl: string, userIds: string[], opts: LeaveOptions = {}): Promise<Record<string, never>> {
    return this.request({
      method: 'PUT',
      route: '/v3/group_channels/{channel_url}/leave',
      params: { channel_url: channelUrl },
      body: { ...opts, user_ids: userIds },
    });
  }

  async listMembers(channelUrl: string, opts: { limit?: number; token?: string } = {}): Promise<MemberPage> {
    const page = await this.request<Partial<MemberPage>>({
      method: 'GET',
      route: '/v3/group_channels/{channel_url}/members',
      params: { channel_url: channelUrl },
      query: { limit: opts.limit, token: opts.token },
    });
    return { members: page.members ?? [], next: page.next ?? '' };
  }

  isMember(channelUrl: string, userId: string): Promise<Membership> {
    return this.request({
      method: 'GET',
      route: '/v3/group_channels/{channel_url}/members/{user_id}',
      params: { channel_url: channelUrl, user_id: userId },
    });
  }

  // ---- messages ----------------------------------------------------------------------------

  sendMessage(channelUrl: string, params: SendMessageParams): Promise<SendbirdMessage> {
    return this.request({
      method: 'POST',
      route: '/v3/group_channels/{channel_url}/messages',
      params: { channel_url: channelUrl },
      body: params,
    });
  }

  async listMessages(channelUrl: string, params: ListMessagesParams): Promise<{ messages: SendbirdMessage[] }> {
    if (params.message_ts === undefined && params.message_id === undefined) {
      throw new Error('[sendbird] listMessages needs message_ts or message_id (Sendbird requires one of them)');
    }
    const page = await this.request<{ messages?: SendbirdMessage[] }>({
      method: 'GET',
      route: '/v3/group_channels/{channel_url}/messages',
      params: { channel_url: channelUrl },
      query: { ...params },
    });
    return { messages: page.messages ?? [] };
  }

  getMessage(channelUrl: string, messageId: number): Promise<SendbirdMessage> {
    return this.request({
      method: 'GET',
      route: '/v3/group_channels/{channel_url}/messages/{message_id}',
      params: { channel_url: channelUrl, message_id: messageId },
    });
  }

  updateMessage(channelUrl: string, messageId: number, fields: UpdateMessageParams): Promise<SendbirdMessage> {
    return this.request({
      method: 'PUT',
      route: '/v3/group_channels/{channel_url}/messages/{message_id}',
      params: { channel_url: channelUrl, message_id: messageId },
      body: fields,
    });
  }

  deleteMessage(channelUrl: string, messageId: number): Promise<Record<string, never>> {
    return this.request({
      method: 'DELETE',
      route: '/v3/group_channels/{channel_url}/messages/{message_id}',
      params: { channel_url: channelUrl, message_id: messageId },
    });
  }
}
