/**
 * fast-check arbitraries of HTTP requests built from the bridge's own OpenAPI document (the one
 * it serves at /docs/json), so every route it documents is covered and a new route is fuzzed
 * without touching this file. For each operation: its path parameters and header parameters from
 * their schemas, a credential (none, a valid one of each kind, or a forged one), and a body that
 * is either valid-shaped with hostile values (from the request body's JSON schema) or malformed
 * (a required field dropped, a wrong type, an unknown field, broken JSON, a wrong content type).
 */
import fc from 'fast-check';
import { signWebhook } from '@sbsf/sendbird';
import { ODD_STRINGS, STRANGE_IDS } from './fuzz-requests.js';

type Schema = Record<string, any>;

export interface OpenApiDocument {
  paths: Record<
    string,
    Record<string, { parameters?: Schema[]; requestBody?: { content?: Record<string, { schema?: Schema }> }; security?: unknown[] }>
  >;
  components?: { schemas?: Record<string, Schema> };
}

export interface Operation {
  method: string;
  /** The OpenAPI path, e.g. `/tickets/{id}`. */
  path: string;
  parameters: Schema[];
  bodySchema: Schema | undefined;
}

export interface Credentials {
  customerJwt: string;
  sharedSecret: string;
  /** Signs webhook bodies as Sendbird does. */
  sendbirdApiToken: string;
}

export interface GeneratedRequest {
  /** `METHOD /openapi/path` plus what was done to it, for failure reports. */
  label: string;
  operation: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

const METHODS = new Set(['get', 'post', 'put', 'patch', 'delete']);

export function operationsOf(doc: OpenApiDocument): Operation[] {
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!METHODS.has(method)) continue;
      ops.push({
        method: method.toUpperCase(),
        path,
        parameters: op.parameters ?? [],
        bodySchema: op.requestBody?.content?.['application/json']?.schema,
      });
    }
  }
  return ops;
}

/** Strings a careless parser, logger, database or upstream gets wrong. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...ODD_STRINGS),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', minLength: 100, maxLength: 300 }),
  fc.constantFrom(
    '\u{1F600}'.repeat(64),
    '\u{1F600}'.repeat(128),
    'x'.repeat(256),
    'a@b',
    'not-an-email',
    'jo@example.com',
    ' jo@example.com ',
    '005000000000001',
    '005000000000001AAA',
    '500000000000001aaa',
  ),
);

function resolve(schema: Schema, doc: OpenApiDocument): Schema {
  let s = schema;
  for (let i = 0; i < 10 && typeof s.$ref === 'string'; i++) {
    const name = s.$ref.replace(/^#\/components\/schemas\//, '').replace(/#$/, '');
    s = doc.components?.schemas?.[name] ?? {};
  }
  return s;
}

/** A value of the schema's shape; with `hostile`, its strings often hostile (lengths and formats not honoured on purpose). */
export function valueOf(schema: Schema, doc: OpenApiDocument, depth = 0, hostile = true): fc.Arbitrary<unknown> {
  const s = resolve(schema, doc);
  if (Array.isArray(s.enum) && s.enum.length > 0)
    return hostile
      ? fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...s.enum) }, { weight: 1, arbitrary: hostileString })
      : fc.constantFrom(...s.enum);
  const alternatives = s.oneOf ?? s.anyOf;
  if (Array.isArray(alternatives) && alternatives.length > 0)
    return fc.oneof(...alternatives.map((a: Schema) => valueOf(a, doc, depth + 1, hostile)));
  const types: string[] = Array.isArray(s.type) ? s.type : s.type ? [s.type] : s.properties ? ['object'] : ['string'];
  return fc.oneof(...types.filter((t) => hostile || t !== 'null' || types.length === 1).map((t) => valueOfType(t, s, doc, depth, hostile)));
}

function valueOfType(type: string, s: Schema, doc: OpenApiDocument, depth: number, hostile: boolean): fc.Arbitrary<unknown> {
  switch (type) {
    case 'null':
      return fc.constant(null);
    case 'boolean':
      return fc.boolean();
    case 'integer':
      return fc.oneof(fc.integer(), fc.constantFrom(0, -1, 2 ** 53, Number.MAX_SAFE_INTEGER + 2));
    case 'number':
      return fc.oneof(fc.double({ noNaN: true }), fc.constantFrom(0, -0, 1e308, -1e-308));
    case 'array':
      return depth > 4 ? fc.constant([]) : fc.array(valueOf(s.items ?? {}, doc, depth + 1, hostile), { maxLength: 4 });
    case 'object': {
      if (depth > 4 || !s.properties) return fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 });
      const required: string[] = s.required ?? [];
      // Plain values fill the required fields only: any optional one is a chance to be refused.
      const fields = Object.entries(s.properties as Record<string, Schema>).filter(([k]) => hostile || required.includes(k));
      const model = Object.fromEntries(fields.map(([k, v]) => [k, valueOf(v, doc, depth + 1, hostile)]));
      return fc.record(model, { requiredKeys: required.filter((k) => k in model) });
    }
    default: {
      const plain = /email/i.test(`${s.format ?? ''} ${s.description ?? ''}`)
        ? fc.emailAddress()
        : fc.string({ unit: 'grapheme-ascii', minLength: Math.max(s.minLength ?? 0, 1), maxLength: Math.min(s.maxLength ?? 40, 40) });
      return hostile ? fc.oneof({ weight: 3, arbitrary: plain }, { weight: 2, arbitrary: hostileString }) : plain;
    }
  }
}

/** A value of another JSON type than the schema's (for "wrong type" mutations). */
const anyJson = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.string({ maxLength: 10 }),
  fc.constant([]),
  fc.constant({}),
  fc.constant([{ a: 1 }]),
);

/** A malformed body for an operation: mutations of a valid-shaped one, or text that is not the JSON asked for. */
function malformedBody(op: Operation, doc: OpenApiDocument): fc.Arbitrary<{ label: string; text: string; contentType?: string }> {
  const shaped = op.bodySchema ? valueOf(op.bodySchema, doc) : fc.jsonValue({ maxDepth: 3 });
  const mutated = fc
    .tuple(shaped, fc.nat(), anyJson, fc.constantFrom('drop', 'retype', 'extra', 'proto'))
    .map(([value, pick, other, how]) => {
      const v: Record<string, unknown> =
        value && typeof value === 'object' && !Array.isArray(value) ? { ...(value as Record<string, unknown>) } : { value };
      const keys = Object.keys(v);
      const key = keys.length > 0 ? keys[pick % keys.length]! : 'case';
      if (how === 'drop') delete v[key];
      else if (how === 'retype') v[key] = other;
      else if (how === 'extra') v[`unexpected_${pick % 7}`] = other;
      const text =
        how === 'proto'
          ? JSON.stringify(v)
              .replace(/^\{/, '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},')
              .replace(/,\}$/, '}')
          : JSON.stringify(v);
      return { label: `body:${how}:${key}`, text };
    });
  const broken = fc
    .constantFrom(
      '{',
      '{"case":',
      '[',
      'null',
      '[]',
      '"text"',
      '1e999',
      '{"a":1}}',
      '\u0000',
      '{"a":"\\ud800"}',
      '{"a":' + '['.repeat(2000),
    )
    .map((text) => ({ label: 'body:broken-json', text }));
  const raw = fc.string({ unit: 'binary', maxLength: 60 }).map((text) => ({ label: 'body:random-text', text }));
  const otherType = fc
    .tuple(
      shaped,
      fc.constantFrom(
        'text/plain',
        'application/x-www-form-urlencoded',
        'application/json; charset=latin1',
        'multipart/form-data; boundary=x',
        'application/xml',
      ),
    )
    .map(([v, contentType]) => ({ label: `content-type:${contentType}`, text: JSON.stringify(v) ?? '', contentType }));
  return fc.oneof(mutated, broken, raw, otherType);
}

/** A URL is UTF-8: a lone surrogate cannot be percent-encoded, so it is sent as U+FFFD. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

type Auth = 'none' | 'customer' | 'shared' | 'forged' | 'signature' | 'bad-signature';

function headersFor(auth: Auth, creds: Credentials, body: string | undefined): Record<string, string> {
  switch (auth) {
    case 'customer':
      return { authorization: `Bearer ${creds.customerJwt}` };
    case 'shared':
      return { authorization: `Bearer ${creds.sharedSecret}` };
    case 'forged':
      return { authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9.', user: 'admin', token: 'forged-token-0000000000' };
    case 'signature':
      return { 'x-sendbird-signature': signWebhook(body ?? '', creds.sendbirdApiToken) };
    case 'bad-signature':
      return { 'x-sendbird-signature': 'f'.repeat(64) };
    default:
      return {};
  }
}

/** One request to one operation; a path parameter is sometimes one of `knownIds` (read when generated, so ids made during the run count). */
export function requestFor(
  op: Operation,
  doc: OpenApiDocument,
  creds: Credentials,
  knownIds: readonly string[] = [],
): fc.Arbitrary<GeneratedRequest> {
  const pathParams = op.parameters.filter((p) => p.in === 'path');
  const headerParams = op.parameters.filter((p) => p.in === 'header');
  const params = fc.record(
    Object.fromEntries(
      pathParams.map((p) => [
        p.name as string,
        fc.oneof(
          valueOf(p.schema ?? {}, doc).map(String),
          fc.constantFrom(...STRANGE_IDS),
          fc.uuid(),
          fc.nat().map((i) => knownIds[i % Math.max(knownIds.length, 1)] ?? 'none'),
        ),
      ]),
    ) as Record<string, fc.Arbitrary<string>>,
  );
  const headerValues = fc.record(
    Object.fromEntries(
      headerParams.map((p) => [
        p.name as string,
        fc.oneof(
          { weight: 4, arbitrary: fc.uuid() },
          { weight: 1, arbitrary: fc.constant(undefined) },
          { weight: 1, arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 300 }) },
        ),
      ]),
    ) as Record<string, fc.Arbitrary<string | undefined>>,
  );
  const hasBody = op.method !== 'GET' && op.method !== 'DELETE';
  const body: fc.Arbitrary<{ label: string; text?: string; contentType?: string }> = hasBody
    ? fc.oneof(
        {
          weight: 3,
          arbitrary: (op.bodySchema ? valueOf(op.bodySchema, doc) : fc.jsonValue({ maxDepth: 3 })).map((v) => ({
            label: 'body:shaped',
            text: JSON.stringify(v) ?? 'null',
          })),
        },
        {
          weight: 2,
          arbitrary: (op.bodySchema ? valueOf(op.bodySchema, doc, 0, false) : fc.jsonValue({ maxDepth: 3 })).map((v) => ({
            label: 'body:plain',
            text: JSON.stringify(v) ?? 'null',
          })),
        },
        { weight: 3, arbitrary: malformedBody(op, doc) },
        { weight: 1, arbitrary: fc.constant({ label: 'body:none' }) },
      )
    : fc.oneof(
        { weight: 5, arbitrary: fc.constant({ label: 'no body' }) },
        { weight: 1, arbitrary: fc.constant({ label: 'body on a GET', text: '{"a":1}', contentType: 'application/json' }) },
      );
  const auth = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom<Auth>('customer', 'shared', 'signature') },
    { weight: 1, arbitrary: fc.constantFrom<Auth>('none', 'forged', 'bad-signature') },
  );
  return fc.tuple(params, headerValues, body, auth).map(([p, hv, b, a]) => {
    let url = op.path;
    for (const [name, value] of Object.entries(p))
      url = url.replace(`{${name}}`, encodeURIComponent(value.replace(LONE_SURROGATE, '\uFFFD')));
    const headers: Record<string, string> = { ...headersFor(a, creds, b.text) };
    for (const [name, value] of Object.entries(hv)) if (value !== undefined) headers[name] = value;
    if (b.text !== undefined) headers['content-type'] = b.contentType ?? 'application/json';
    return {
      label: `${op.method} ${op.path} auth:${a} ${b.label}`,
      operation: `${op.method} ${op.path}`,
      method: op.method,
      url,
      headers,
      ...(b.text !== undefined ? { body: b.text } : {}),
    };
  });
}
