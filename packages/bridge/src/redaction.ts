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

/** Every secret header and field name, lower case. */
export const SECRET_NAMES: readonly string[] = [...new Set([...SECRET_HEADERS, ...SECRET_FIELDS].map((n) => n.toLowerCase()))];
const SECRET_NAME_SET = new Set(SECRET_NAMES);

/** A secret header or field name (what the logger censors). */
export function isSecretName(name: string): boolean {
  return SECRET_NAME_SET.has(name.toLowerCase());
}

/** A deep copy with the value of every secret-named field (by `isSecret`) replaced by `[REDACTED]`. */
export function maskSecretFields(value: unknown, isSecret: (name: string) => boolean = isSecretField): unknown {
  if (Array.isArray(value)) return value.map((v) => maskSecretFields(v, isSecret));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, isSecret(k) ? REDACTED : maskSecretFields(v, isSecret)]));
  }
  return value;
}
