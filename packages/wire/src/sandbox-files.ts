/**
 * Which files the sandbox chat pane may send, shared by the pane (checked before the upload) and
 * the Sendbird emulator's sandbox REST API (checked again on the upload): images, PDF, plain text
 * and CSV, and common office documents. Anything else (executables, scripts, archives, HTML that
 * a browser would run) is refused with a message that says what may be sent.
 *
 * A file is accepted when its extension is on the list and its declared type is the one that
 * extension stands for, or a type browsers give when they do not know better
 * (`application/octet-stream` or none): a `.pdf` declared `application/x-msdownload` is refused.
 */

/** Extension (lower case, no dot) -> the MIME types it may be declared as. */
export const SANDBOX_FILE_TYPES: Readonly<Record<string, readonly string[]>> = {
  png: ['image/png'],
  jpg: ['image/jpeg'],
  jpeg: ['image/jpeg'],
  gif: ['image/gif'],
  webp: ['image/webp'],
  pdf: ['application/pdf'],
  txt: ['text/plain'],
  csv: ['text/csv', 'application/vnd.ms-excel'],
  doc: ['application/msword'],
  docx: ['application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
  xls: ['application/vnd.ms-excel'],
  xlsx: ['application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
  ppt: ['application/vnd.ms-powerpoint'],
  pptx: ['application/vnd.openxmlformats-officedocument.presentationml.presentation'],
  odt: ['application/vnd.oasis.opendocument.text'],
  ods: ['application/vnd.oasis.opendocument.spreadsheet'],
  odp: ['application/vnd.oasis.opendocument.presentation'],
  rtf: ['application/rtf', 'text/rtf'],
};

/** Declared types that say nothing about the file; the extension decides. */
const UNKNOWN_TYPES = new Set(['', 'application/octet-stream']);

/** What the refusal says may be sent. */
export const SANDBOX_FILE_KINDS = 'an image (PNG, JPEG, GIF, WebP), a PDF, a text or CSV file, or an office document';

/** The `accept` attribute of the pane's file input: the same list. */
export const SANDBOX_FILE_ACCEPT = Object.keys(SANDBOX_FILE_TYPES)
  .map((ext) => `.${ext}`)
  .join(',');

/** The file's extension in lower case, without the dot ('' when it has none). */
export function fileExtension(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot <= 0 || dot === name.length - 1 ? '' : name.slice(dot + 1).toLowerCase();
}

export type SandboxFileCheck = { ok: true; type: string } | { ok: false; reason: 'type' | 'size' | 'empty'; message: string };

function sizeText(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1).replace(/\.0$/, '')} MB` : `${Math.ceil(bytes / 1024)} KB`;
}

/**
 * Whether the sandbox takes this file, and the type it is stored as (the declared one, or the
 * extension's when the browser did not know). `maxBytes` is the emulator's upload limit.
 */
export function checkSandboxFile(file: { name: string; type: string; size: number }, maxBytes: number): SandboxFileCheck {
  const ext = fileExtension(file.name);
  const types = SANDBOX_FILE_TYPES[ext];
  const declared = file.type.split(';')[0]!.trim().toLowerCase();
  if (!types || !(UNKNOWN_TYPES.has(declared) || types.includes(declared))) {
    const what = ext ? `.${ext}` : 'without an extension';
    return {
      ok: false,
      reason: 'type',
      message: `"${file.name}" cannot be sent: files ${ext ? `of type ${what}` : what}${declared && !UNKNOWN_TYPES.has(declared) ? ` (${declared})` : ''} are not accepted. Send ${SANDBOX_FILE_KINDS}.`,
    };
  }
  if (file.size === 0) return { ok: false, reason: 'empty', message: `"${file.name}" is empty: choose a file with something in it.` };
  if (file.size > maxBytes) {
    return {
      ok: false,
      reason: 'size',
      message: `"${file.name}" is ${sizeText(file.size)}: files up to ${sizeText(maxBytes)} can be sent.`,
    };
  }
  return { ok: true, type: UNKNOWN_TYPES.has(declared) ? types[0]! : declared };
}

/** The sandbox REST route that sends a file (multipart/form-data with a `file` part). */
export const SANDBOX_FILE_ROUTE = (channelUrl: string): string => `/sandbox/v1/channels/${encodeURIComponent(channelUrl)}/files`;

/** The emulator's default upload limit: Sendbird's 25 MB (docs/emulator-sendbird.md, "Files"). */
export const DEFAULT_FILE_UPLOAD_MAX_BYTES = 25 * 1024 * 1024;
