/** Users and session tokens (https://sendbird.com/docs/chat/v3/platform-api/user/creating-users/create-a-user). */
import { randomBytes } from 'node:crypto';
import { ApiError, alreadyExists, invalidValue, notFound } from './errors.js';
import { DEFAULTS } from './options.js';
import type { Store, TokenRec, UserRec } from './store.js';
import { type Body, maxLength, optBool, optNumber, optString, optStringMap, reqString } from './validate.js';

export function getUser(store: Store, userId: string): UserRec {
  const u = store.users.get(userId);
  if (!u) throw notFound('User');
  return u;
}

function checkMetadata(meta: Record<string, string> | undefined): void {
  if (meta && Object.keys(meta).length > 5) throw invalidValue('metadata', 'At most 5 items are allowed.');
}

/** nickname and profile_url are required on create; `""` is accepted for both. */
export function createUser(store: Store, body: Body): UserRec {
  const userId = reqString(body, 'user_id');
  const nickname = reqString(body, 'nickname');
  const profileUrl = reqString(body, 'profile_url');
  const metadata = optStringMap(body, 'metadata');
  const issueAccessToken = optBool(body, 'issue_access_token') ?? false;
  if (userId === '') throw invalidValue('user_id');
  maxLength('user_id', userId, 80);
  maxLength('nickname', nickname, 80);
  maxLength('profile_url', profileUrl, 2048);
  checkMetadata(metadata);
  if (store.users.has(userId)) throw alreadyExists('User');
  const user: UserRec = {
    user_id: userId,
    nickname,
    profile_url: profileUrl,
    metadata: metadata ?? {},
    is_active: true,
    access_token: issueAccessToken ? randomBytes(20).toString('hex') : '',
    created_at: store.now(),
  };
  store.users.set(userId, user);
  return user;
}

export function updateUser(store: Store, userId: string, body: Body): UserRec {
  const user = getUser(store, userId);
  const nickname = optString(body, 'nickname');
  const profileUrl = optString(body, 'profile_url');
  const isActive = optBool(body, 'is_active');
  const issueAccessToken = optBool(body, 'issue_access_token');
  maxLength('nickname', nickname, 80);
  maxLength('profile_url', profileUrl, 2048);
  if (nickname !== undefined) user.nickname = nickname;
  if (profileUrl !== undefined) user.profile_url = profileUrl;
  if (isActive !== undefined) user.is_active = isActive;
  if (issueAccessToken) user.access_token = randomBytes(20).toString('hex');
  return user;
}

export function deleteUser(store: Store, userId: string): void {
  getUser(store, userId);
  store.users.delete(userId);
  for (const c of store.channels.values()) {
    c.members.delete(userId);
    c.operators.delete(userId);
  }
  for (const [t, rec] of store.tokens) if (rec.user_id === userId) store.tokens.delete(t);
}

/**
 * An opaque token shaped like Sendbird's (a JWT-like string of 119-168 characters, per the
 * create-a-user page). Only its existence and expiry matter to the emulator.
 */
function newSessionToken(expiresAt: number): string {
  const header = Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url');
  const claims = { e: Math.floor(expiresAt / 1000), u: randomBytes(4).readUInt32BE(0), v: 1, n: randomBytes(6).toString('hex') };
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${header}.${payload}.${randomBytes(32).toString('base64url')}`;
}

export function issueSessionToken(store: Store, userId: string, body: Body): { token: string; expires_at: number } {
  getUser(store, userId);
  const now = store.now();
  const expiresAt = optNumber(body, 'expires_at') ?? now + DEFAULTS.sessionTokenTtlMs;
  if (!Number.isInteger(expiresAt)) throw invalidValue('expires_at', 'Use Unix milliseconds.');
  if (expiresAt <= now) throw invalidValue('expires_at', 'It should be in the future (Unix milliseconds).');
  const token = newSessionToken(expiresAt);
  store.tokens.set(token, { user_id: userId, expires_at: expiresAt });
  return { token, expires_at: expiresAt };
}

export type SessionCheck = { ok: true; session: TokenRec } | { ok: false; error: ApiError; expired: boolean };

/** The sandbox feed's authentication: a session token issued by `/v3/users/{id}/token`. */
export function checkSessionToken(store: Store, token: string | undefined): SessionCheck {
  const rec = token ? store.tokens.get(token) : undefined;
  if (!rec || !store.users.has(rec.user_id)) {
    return { ok: false, expired: false, error: new ApiError(400302, 'Invalid session token.') };
  }
  if (rec.expires_at <= store.now()) {
    return { ok: false, expired: true, error: new ApiError(400302, 'Session token expired. Issue a new one and reconnect.') };
  }
  return { ok: true, session: rec };
}
