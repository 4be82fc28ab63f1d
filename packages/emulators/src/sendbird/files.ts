/**
 * File messages sent with the bytes (`multipart/form-data`, as the Platform API takes them:
 * https://sendbird.com/docs/chat/platform-api/v3/message/messaging-basics/send-a-message), and
 * the URL they are served back from, as Sendbird's CDN serves uploads (`GET /files/{id}/{name}`).
 *
 * Upload limit: Sendbird caps a file uploaded to its servers by plan ("Maximum filesize for
 * uploading is 25Mb. Code = 400111", https://sendbird.com/developer/tutorials/designing-message-objects);
 * the emulator's `fileUploadMaxBytes` option (default 25 MB) plays that cap.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { MultipartError } from '../common/multipart.js';
import { type FormPart, multipartBoundary, parseMultipart } from '../common/multipart.js';
import { ApiError, missing } from './errors.js';
import type { BlobRec, Store } from './store.js';
import type { Body } from './validate.js';

/** Multipart fields that are booleans, numbers or JSON lists in the JSON form of the same call. */
const BOOL_FIELDS = new Set(['is_silent', 'mark_as_read', 'require_auth', 'send_push']);
const NUMBER_FIELDS = new Set(['file_size', 'created_at']);
const LIST_FIELDS = new Set(['mentioned_user_ids', 'thumbnails', 'sorted_metaarray']);

export function tooLarge(maxBytes: number): ApiError {
  return new ApiError(400111, `Maximum filesize for uploading is ${Number((maxBytes / (1024 * 1024)).toFixed(2))}Mb.`);
}

/** A multipart body, parsed; the request must carry a multipart Content-Type. */
export function formParts(req: FastifyRequest): FormPart[] {
  const boundary = multipartBoundary(req.headers['content-type']);
  if (!boundary || !Buffer.isBuffer(req.body)) throw new ApiError(400111, 'The multipart body has no boundary.');
  try {
    return parseMultipart(req.body, boundary);
  } catch (err) {
    throw new ApiError(400111, `The multipart body is not well formed: ${(err as MultipartError).message}.`);
  }
}

function fieldValue(name: string, text: string): unknown {
  if (BOOL_FIELDS.has(name) && (text === 'true' || text === 'false')) return text === 'true';
  if (NUMBER_FIELDS.has(name) && /^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  if (LIST_FIELDS.has(name)) {
    if (text.startsWith('[')) {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw new ApiError(400102, `"${name}" should be a list.`);
      }
    }
    return name === 'mentioned_user_ids' ? text.split(',').filter(Boolean) : text;
  }
  return text;
}

export interface Upload {
  name: string;
  type: string;
  data: Buffer;
}

/** The text fields of a form as a body with the JSON types, and its `file` part if any. */
export function formBody(parts: FormPart[]): { body: Body; file?: Upload } {
  const body: Body = {};
  let file: Upload | undefined;
  for (const p of parts) {
    if (p.name === 'file' && p.filename !== undefined) {
      file = { name: p.filename, type: p.contentType ?? 'application/octet-stream', data: p.data };
      continue;
    }
    body[p.name] = fieldValue(p.name, p.data.toString('utf8'));
  }
  return { body, ...(file ? { file } : {}) };
}

/** The requested thumbnail sizes: up to 3 of `{width, height}` (Sendbird makes them for images). */
export function thumbnailSizes(raw: unknown): { width: number; height: number }[] {
  if (raw === undefined || raw === null || raw === '') return [];
  if (!Array.isArray(raw)) throw new ApiError(400102, '"thumbnails" should be a list.');
  if (raw.length > 3) throw new ApiError(400111, 'Invalid value: "thumbnails". At most 3 sizes.');
  return raw.map((t: unknown) => {
    const o = (typeof t === 'object' && t !== null ? t : {}) as Record<string, unknown>;
    const width = Number(o.width);
    const height = Number(o.height);
    if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
      throw new ApiError(400111, 'Invalid value: "thumbnails". Each needs a positive "width" and "height".');
    }
    return { width, height };
  });
}

/** Where an uploaded file will be served: `{origin}/files/{id}/{name}`. */
export function newBlobUrl(req: FastifyRequest, name: string): { id: string; url: string } {
  const id = randomBytes(12).toString('hex');
  const origin = `${req.protocol}://${req.headers.host ?? req.hostname}`;
  return { id, url: `${origin}/files/${id}/${encodeURIComponent(name || 'file')}` };
}

export function keepBlob(store: Store, id: string, upload: Upload, requireAuth: boolean): void {
  store.blobs.set(id, { id, name: upload.name, type: upload.type, data: upload.data, require_auth: requireAuth, created_at: store.now() });
}

/** The upload of a multipart FILE send, checked against the limit; `missing('file')` without one. */
export function checkedUpload(file: Upload | undefined, maxBytes: number): Upload {
  if (!file) throw missing('file');
  if (file.data.length > maxBytes) throw tooLarge(maxBytes);
  return file;
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * `GET /files/{id}/{name}`: the bytes with their type. A file sent with `require_auth: true` is
 * served only with a valid `Api-Token` header (Sendbird's answer for server-side downloads of such
 * files; check on a real app), else HTTP 401 with 400401.
 */
export function registerFileRoutes(app: FastifyInstance, store: Store, tokens: () => readonly string[]): void {
  app.get<{ Params: { id: string; name: string } }>('/files/:id/:name', async (req, reply) => {
    const blob: BlobRec | undefined = store.blobs.get(req.params.id);
    // A CDN answers a missing file with 404 (not the API's HTTP 400).
    if (!blob) throw new ApiError(400201, '"File" not found.', 404);
    if (blob.require_auth) {
      const given = req.headers['api-token'];
      const value = Array.isArray(given) ? given[0] : given;
      if (!value || !tokens().some((t) => same(t, value))) {
        throw new ApiError(400401, 'Not valid Api-Token. This file was sent with require_auth.', 401);
      }
    }
    const ascii = blob.name.replace(/[^\x20-\x7e]|["\\]/g, '_');
    return (
      reply
        .header('content-type', blob.type || 'application/octet-stream')
        .header('content-length', String(blob.data.length))
        .header('content-disposition', `inline; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(blob.name)}`)
        .header('x-content-type-options', 'nosniff')
        // Served from the emulator's origin: nothing uploaded may run there as a page.
        .header('content-security-policy', "sandbox; default-src 'none'")
        .send(blob.data)
    );
  });
}
