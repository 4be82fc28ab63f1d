/**
 * Who the customer is, as the bridge is told:
 * - `guest` (sandbox only): a stable id made here and kept in the browser (`guest-<uuid>`), named in
 *   the body (`customer.userId`) and, for GET, in the `user` header;
 * - `jwt`: a token from the customer's own backend (`tokenUrl`, cookies sent), as
 *   `Authorization: Bearer`. The token is fetched again shortly before it expires.
 * No secret lives in the browser beyond the customer's own tokens.
 */
import type { TicketCustomer } from '@sbsf/wire';
import { STORAGE_PREFIX, type KeyValueStore } from './storage.js';

export const GUEST_ID_KEY = `${STORAGE_PREFIX}guestId`;
/** Fetch a new JWT this long before the current one expires. */
export const JWT_REFRESH_MARGIN_MS = 30_000;

export interface CustomerProfile {
  nickname?: string;
  email?: string;
}

export interface Credentials {
  headers: Record<string, string>;
  /** The `customer` object for request bodies. */
  customer?: TicketCustomer;
}

export interface AuthProvider {
  readonly mode: 'guest' | 'jwt';
  /** A stable key for this customer (their ticket list is kept under it). */
  customerKey(): Promise<string>;
  credentials(profile?: CustomerProfile): Promise<Credentials>;
}

export class AuthError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuthError';
  }
}

export function newGuestId(uuid: () => string = () => crypto.randomUUID()): string {
  return `guest-${uuid()}`;
}

/** The guest id kept in the browser, made on first use. */
export function guestId(store: KeyValueStore, uuid?: () => string): string {
  const existing = store.getItem(GUEST_ID_KEY);
  if (existing && /^guest-[A-Za-z0-9-]{8,64}$/.test(existing)) return existing;
  const id = newGuestId(uuid);
  try {
    store.setItem(GUEST_ID_KEY, id);
  } catch {
    /* not remembered: a new id next visit */
  }
  return id;
}

export class GuestAuth implements AuthProvider {
  readonly mode = 'guest' as const;
  private readonly id: string;
  constructor(store: KeyValueStore, uuid?: () => string) {
    this.id = guestId(store, uuid);
  }
  async customerKey(): Promise<string> {
    return this.id;
  }
  async credentials(profile: CustomerProfile = {}): Promise<Credentials> {
    const customer: TicketCustomer = { userId: this.id };
    if (profile.nickname) customer.nickname = profile.nickname;
    if (profile.email) customer.email = profile.email;
    return { headers: { user: this.id }, customer };
  }
}

/** The claims of a JWT, without checking it (the bridge checks; we only read `sub` and `exp`). */
export function readJwtClaims(token: string): { sub?: string; exp?: number } {
  const part = token.split('.')[1];
  if (!part) throw new AuthError('[customer-app] the token from tokenUrl is not a JWT');
  try {
    const b64 = part
      .replace(/-/g, '+')
      .replace(/_/g, '/')
      .padEnd(Math.ceil(part.length / 4) * 4, '=');
    const json = decodeURIComponent(Array.from(atob(b64), (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join(''));
    return JSON.parse(json) as { sub?: string; exp?: number };
  } catch {
    throw new AuthError('[customer-app] the token from tokenUrl is not a readable JWT');
  }
}

export class JwtAuth implements AuthProvider {
  readonly mode = 'jwt' as const;
  private cached: { token: string; sub: string; expMs: number } | undefined;
  private inflight: Promise<{ token: string; sub: string }> | undefined;

  constructor(
    private readonly tokenUrl: string,
    private readonly fetchImpl: typeof fetch = (...a) => fetch(...a),
    private readonly now: () => number = Date.now,
  ) {}

  private async token(): Promise<{ token: string; sub: string }> {
    const c = this.cached;
    if (c && c.expMs - JWT_REFRESH_MARGIN_MS > this.now()) return c;
    this.inflight ??= this.fetchToken().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async fetchToken(): Promise<{ token: string; sub: string }> {
    let res: Response;
    try {
      res = await this.fetchImpl(this.tokenUrl, { credentials: 'include', headers: { accept: 'application/json' } });
    } catch {
      throw new AuthError('We could not reach your account service to sign you in. Try again in a moment.');
    }
    if (res.status === 401 || res.status === 403) throw new AuthError('Please sign in to your account first, then open support again.');
    if (!res.ok) throw new AuthError(`Your account service answered HTTP ${res.status}. Try again in a moment.`);
    const body = (await res.json().catch(() => ({}))) as { token?: unknown };
    if (typeof body.token !== 'string' || !body.token) throw new AuthError('[customer-app] tokenUrl must answer {"token":"<JWT>"}');
    const claims = readJwtClaims(body.token);
    if (!claims.sub) throw new AuthError('[customer-app] the token from tokenUrl has no `sub` (the customer id)');
    const expMs = typeof claims.exp === 'number' ? claims.exp * 1000 : this.now() + 5 * 60_000;
    this.cached = { token: body.token, sub: claims.sub, expMs };
    return this.cached;
  }

  async customerKey(): Promise<string> {
    return (await this.token()).sub;
  }

  async credentials(profile: CustomerProfile = {}): Promise<Credentials> {
    const { token } = await this.token();
    // The token names the customer; the body may only add display details.
    const customer: TicketCustomer = {};
    if (profile.nickname) customer.nickname = profile.nickname;
    if (profile.email) customer.email = profile.email;
    return { headers: { authorization: `Bearer ${token}` }, ...(Object.keys(customer).length ? { customer } : {}) };
  }
}
