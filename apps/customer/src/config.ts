/**
 * The app's runtime settings, read from `./config.json` next to index.html at start, so one build
 * serves every environment (see README.md). Problems are reported together, each saying what to
 * set.
 */

export type AuthMode = 'guest' | 'jwt';
export type ChatMode = 'sandbox' | 'uikit';

export interface AppConfig {
  /** Where the bridge is, e.g. `https://support-bridge.example.com`. */
  bridgeUrl: string;
  /** `jwt` (production): the customer's own backend vouches for them. `guest`: sandbox only. */
  auth: AuthMode;
  /** `jwt` only: an endpoint of the customer's backend answering `{"token":"<JWT>"}` (cookies sent). */
  tokenUrl?: string;
  /** `uikit`: Sendbird UIKit (real Sendbird). `sandbox`: the sandbox chat pane (the emulators). */
  chat: ChatMode;
}

const KEYS = new Set(['bridgeUrl', 'auth', 'tokenUrl', 'chat']);

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`[customer-app] config.json has ${problems.length === 1 ? 'a problem' : `${problems.length} problems`}: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

function httpUrl(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  try {
    const u = new URL(v);
    return u.protocol === 'http:' || u.protocol === 'https:' ? v.replace(/\/+$/, '') : undefined;
  } catch {
    return undefined;
  }
}

export function parseConfig(raw: unknown): AppConfig {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(['it must be a JSON object']);
  const o = raw as Record<string, unknown>;
  const problems: string[] = [];
  for (const k of Object.keys(o)) if (!KEYS.has(k)) problems.push(`unknown key "${k}" (known: ${[...KEYS].join(', ')})`);
  const bridgeUrl = httpUrl(o.bridgeUrl);
  if (!bridgeUrl) problems.push('bridgeUrl must be the http(s) URL of the bridge');
  const auth = o.auth ?? 'jwt';
  if (auth !== 'guest' && auth !== 'jwt') problems.push('auth must be "jwt" (production) or "guest" (sandbox)');
  const chat = o.chat ?? 'uikit';
  if (chat !== 'sandbox' && chat !== 'uikit') problems.push('chat must be "uikit" (Sendbird) or "sandbox" (the emulators)');
  let tokenUrl: string | undefined;
  if (o.tokenUrl !== undefined) {
    // Relative URLs are fine: the token endpoint is often on the page's own origin.
    if (typeof o.tokenUrl !== 'string' || !o.tokenUrl) problems.push('tokenUrl must be a URL');
    else tokenUrl = o.tokenUrl;
  }
  if (auth === 'jwt' && !tokenUrl)
    problems.push('tokenUrl is required with auth "jwt": your backend endpoint that answers {"token":"<JWT>"}');
  if (problems.length) throw new ConfigError(problems);
  return Object.freeze({
    bridgeUrl: bridgeUrl as string,
    auth: auth as AuthMode,
    chat: chat as ChatMode,
    ...(tokenUrl ? { tokenUrl } : {}),
  });
}

export async function loadConfig(fetchImpl: typeof fetch = fetch, url = './config.json'): Promise<AppConfig> {
  let res: Response;
  try {
    // Never cached: a deployment changes config.json without a new build. (`cache` is a browser
    // RequestInit field that Node's types leave out, hence the cast; Node accepts it.)
    res = await fetchImpl(url, { cache: 'no-store' } as RequestInit);
  } catch {
    throw new ConfigError([`it could not be loaded from ${url}`]);
  }
  if (!res.ok) throw new ConfigError([`${url} answered HTTP ${res.status}`]);
  let raw: unknown;
  try {
    raw = await res.json();
  } catch {
    throw new ConfigError(['it is not valid JSON']);
  }
  return parseConfig(raw);
}
