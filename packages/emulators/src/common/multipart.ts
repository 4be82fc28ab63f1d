/**
 * A small `multipart/form-data` reader (RFC 7578) for the two emulators: the whole body is in
 * memory already (the routes have a body limit), so it only has to be cut into parts. Each part
 * keeps its name, its filename if it is a file, its Content-Type and its bytes.
 */

export interface FormPart {
  name: string;
  /** Set for a file part (`Content-Disposition: form-data; name="file"; filename="a.png"`). */
  filename?: string;
  /** The part's Content-Type, if it has one. */
  contentType?: string;
  data: Buffer;
}

/** The body is not the multipart form its Content-Type announces; `message` says why. */
export class MultipartError extends Error {}

/** The boundary of a `multipart/form-data` Content-Type, or undefined for any other type. */
export function multipartBoundary(contentType: string | undefined): string | undefined {
  if (!contentType || !/^multipart\/form-data\b/i.test(contentType)) return undefined;
  const m = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return m?.[1] ?? m?.[2];
}

function headerParam(value: string, name: string): string | undefined {
  const m = new RegExp(`;\\s*${name}=(?:"((?:[^"\\\\]|\\\\.)*)"|([^;\\s]*))`, 'i').exec(value);
  const raw = m?.[1] ?? m?.[2];
  return raw?.replace(/\\(.)/g, '$1');
}

/** Cuts a multipart body into its parts; throws MultipartError when it is not well formed. */
export function parseMultipart(body: Buffer, boundary: string): FormPart[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: FormPart[] = [];
  let at = body.indexOf(delimiter);
  if (at < 0) throw new MultipartError('the body has no part: the boundary of the Content-Type is not in it');
  for (;;) {
    at += delimiter.length;
    // "--" after a delimiter closes the body.
    if (body[at] === 0x2d && body[at + 1] === 0x2d) return parts;
    if (body[at] === 0x0d && body[at + 1] === 0x0a) at += 2;
    else if (body[at] === 0x0a) at += 1;
    else throw new MultipartError('a boundary line is not followed by a line break');
    const headEnd = body.indexOf('\r\n\r\n', at);
    if (headEnd < 0) throw new MultipartError('a part has no blank line after its headers');
    const headers = new Map<string, string>();
    for (const line of body.subarray(at, headEnd).toString('utf8').split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), headEnd + 4);
    if (next < 0) throw new MultipartError('the body ends before its closing boundary');
    const disposition = headers.get('content-disposition') ?? '';
    const name = headerParam(disposition, 'name');
    if (!/^form-data\b/i.test(disposition) || name === undefined) {
      throw new MultipartError('a part has no Content-Disposition: form-data; name="..." header');
    }
    const filename = headerParam(disposition, 'filename');
    const contentType = headers.get('content-type');
    parts.push({
      name,
      ...(filename !== undefined ? { filename } : {}),
      ...(contentType !== undefined ? { contentType } : {}),
      data: body.subarray(headEnd + 4, next),
    });
    at = next + 2;
  }
}
