/**
 * What counts as a secret, in one place: the logger redacts these headers and fields, and the
 * ledger masks these fields before it writes (it is kept forever).
 */
export const REDACTED = '[REDACTED]';

/** Headers that carry credentials (lower case: Node lower-cases incoming header names). */
export const SECRET_HEADERS: readonly string[] = [
  'authorization',
  'proxy-authorization',
  'api-token',
  'token',
  'session-key',
  'access-token',
  'x-sendbird-signature',
  'cookie',
  'set-cookie',
];

/** Body / object fields that carry credentials. */
export const SECRET_FIELDS: readonly string[] = [
  'accessToken',
  'access_token',
  'refreshToken',
  'refresh_token',
  'sessionToken',
  'session_token',
  'token',
  'apiToken',
  'api_token',
  'client_secret',
  'clientSecret',
  'password',
  'assertion',
  'privateKey',
  'private_key',
  'secret',
  'sharedSecret',
];

const SECRET_FIELD_SET = new Set(SECRET_FIELDS.map((f) => f.toLowerCase()));

export function isSecretField(name: string): boolean {
  return SECRET_FIELD_SET.has(name.toLowerCase());
}

/** A deep copy with the value of every secret-named field replaced by `[REDACTED]`. */
export function maskSecretFields(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskSecretFields);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, isSecretField(k) ? REDACTED : maskSecretFields(v)]));
  }
  return value;
}
