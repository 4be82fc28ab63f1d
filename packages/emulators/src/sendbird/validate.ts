/**
 * Parameter checks with Sendbird's codes: 400100..400104 for a wrong type (string, number, list,
 * JSON, boolean, in that order), 400105 for a missing field, 400111 for an invalid value.
 */
import { ApiError, invalidValue, missing } from './errors.js';

export type Body = Record<string, unknown>;

export function asBody(raw: unknown): Body {
  if (raw === undefined || raw === null || raw === '') return {};
  if (Buffer.isBuffer(raw)) throw new ApiError(400111, 'This endpoint takes a JSON body: multipart/form-data is for FILE messages.');
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new ApiError(400103, 'The request body should be a JSON object.');
  return raw as Body;
}

const typeError = (code: number, field: string, kind: string): ApiError => new ApiError(code, `"${field}" should be ${kind}.`);

export function optString(body: Body, field: string): string | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw typeError(400100, field, 'a string');
  return v;
}

export function reqString(body: Body, field: string): string {
  const v = optString(body, field);
  if (v === undefined) throw missing(field);
  return v;
}

export function optNumber(body: Body, field: string): number | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw typeError(400101, field, 'a number');
  return v;
}

export function optBool(body: Body, field: string): boolean | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw typeError(400104, field, 'a boolean');
  return v;
}

export function optStringList(body: Body, field: string): string[] | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw typeError(400102, field, 'a list');
  for (const item of v) if (typeof item !== 'string') throw typeError(400100, `${field}[]`, 'a string');
  return v as string[];
}

export function optObject(body: Body, field: string): Record<string, unknown> | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw typeError(400103, field, 'a JSON object');
  return v as Record<string, unknown>;
}

export function optStringMap(body: Body, field: string): Record<string, string> | undefined {
  const obj = optObject(body, field);
  if (!obj) return undefined;
  for (const [k, v] of Object.entries(obj)) if (typeof v !== 'string') throw typeError(400100, `${field}.${k}`, 'a string');
  return obj as Record<string, string>;
}

export function maxLength(field: string, value: string | undefined, max: number): void {
  if (value !== undefined && value.length > max) {
    throw new ApiError(400110, `"${field}" is too long (max ${max} characters).`);
  }
}

// ---- query strings ------------------------------------------------------------------------

export type Query = Record<string, string | undefined>;

export function qBool(q: Query, field: string, fallback: boolean): boolean {
  const v = q[field];
  if (v === undefined || v === '') return fallback;
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw typeError(400104, field, 'a boolean');
}

export function qInt(q: Query, field: string, fallback: number, min: number, max: number): number {
  const v = q[field];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n)) throw typeError(400101, field, 'a number');
  if (n < min || n > max) throw invalidValue(field, `It should be between ${min} and ${max}.`);
  return n;
}

export function qList(q: Query, field: string): string[] | undefined {
  const v = q[field];
  if (v === undefined || v === '') return undefined;
  return v
    .split(',')
    .map((s) => decodeURIComponent(s.trim()))
    .filter(Boolean);
}

/** Opaque page tokens: base64url of the offset. */
export function encodePageToken(offset: number): string {
  return Buffer.from(`o:${offset}`).toString('base64url');
}

export function decodePageToken(token: string | undefined): number {
  if (!token) return 0;
  const m = /^o:(\d+)$/.exec(Buffer.from(token, 'base64url').toString());
  if (!m?.[1]) throw new ApiError(400109, 'The page token is invalid or has expired.');
  return Number(m[1]);
}
