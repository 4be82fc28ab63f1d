/**
 * A seeded generator of malformed requests for every public endpoint of the bridge: wrong types,
 * huge strings, invalid JSON, wrong content types, odd unicode (lone surrogates, RTL overrides,
 * NUL), strange ids, huge headers, deep nesting, prototype pollution. The same seed gives the
 * same requests, so a failure can be replayed (fuzz.test.ts prints the seed and the request).
 *
 * Every request is built to be refused, or to only read: requests that carry valid credentials
 * always carry a body with a definite defect (a missing required field, a wrong type, a field
 * the schema forbids...), so a run must leave the database and both upstreams untouched.
 */
import { seededRandom } from '@sbsf/emulators';

export interface FuzzRequest {
  /** Short label of what was generated (endpoint and mutation), for failure reports. */
  label: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface FuzzCredentials {
  /** A valid customer JWT (CUSTOMER_AUTH_MODE=jwt). */
  customerToken: string;
  /** BRIDGE_SHARED_SECRET. */
  sharedSecret: string;
}

/** Strings a careless parser, logger or database gets wrong. */
export const ODD_STRINGS: readonly string[] = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\uD800',
  'x\uDFFFy',
  '\uD83D',
  '\u202Eevil\u202C',
  '\u200B\u200D\uFEFF',
  '\uFFFF\uFFFE',
  'e\u0301\u0301\u0301',
  '\u{1F600}\u{1F4A9}',
  '\u0644\u0627 \u05E9\u05DC\u05D5\u05DD',
  '\r\n\r\nInjected: header',
  '<script>alert(1)</script>',
  "' OR 1=1 --",
  '"; DROP TABLE tickets; --',
  '${process.env.BRIDGE_SHARED_SECRET}',
  '{{7*7}}',
  '../../../../etc/passwd',
  '%00%2e%2e%2f',
  '__proto__',
  'constructor',
  '\\u0000',
  '0'.repeat(300),
];

export const STRANGE_IDS: readonly string[] = [
  '..',
  '../../etc/passwd',
  '%2e%2e%2f%2e%2e%2f',
  '%00',
  '%',
  '%E0%A4%A',
  '%FF%FE',
  "1'; DROP TABLE tickets;--",
  'x'.repeat(65),
  'x'.repeat(2000),
  '005000000000001AAA',
  '500000000000001AAA',
  '00000000-0000-0000-0000-000000000000',
  '-1',
  '1e309',
  'null',
  'undefined',
  '%F0%9F%98%80',
  '%E2%80%AE',
  '%20',
  '__proto__',
  'constructor',
];

const CONTENT_TYPES: readonly string[] = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=xyz',
  'application/xml',
  'application/jsonx',
  'application/json-patch+json',
  'text/json',
  'image/png',
  '*/*',
  'application/octet-stream',
];

const INVALID_JSON: readonly string[] = [
  '{',
  '}',
  '[',
  '{"case":',
  '{"case":{}',
  "{'case':{}}",
  '{"case":{},}',
  '{case:{}}',
  'nul',
  'tru',
  'undefined',
  'NaN',
  '{"a":1}{"b":2}',
  '\u0000',
  '{"Subject":"\u0000\u0001\u0002',
  '{"a":"\\uZZZZ"}',
  '{"a":"\\x41"}',
  '--',
  '<?xml version="1.0"?><case/>',
  'case=1&Subject=x',
  '{"a":01}',
  '{"a":.5}',
  '{"a":+1}',
  '\uFEFF\uFEFF{}',
];

const pick = <T>(r: () => number, list: readonly T[]): T => list[Math.floor(r() * list.length)] as T;
const int = (r: () => number, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));

/** A value of a type no schema here accepts where a string or object is expected. */
function wrongType(r: () => number): unknown {
  return pick(r, [0, -1, 1.5, 1e308, true, false, null, [], [1, 'a'], {}, { nested: { deep: [] } }, [[[]]]]);
}

/** A JSON text nested `depth` levels deep (arrays or objects). */
function deep(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array' ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

/** A big string of odd characters, `length` UTF-16 units. */
function huge(r: () => number, length: number): string {
  const unit = pick(r, ['A', '\u00e9', '\u{1F600}', '\uD800', '\u0000', '\u202E', ' ']);
  return unit.repeat(Math.ceil(length / unit.length)).slice(0, length);
}

/** The valid bodies the mutations start from. */
const VALID_CASE = { Subject: 'Broken', Description: 'It broke', SuppliedName: 'Kim', SuppliedEmail: 'kim@example.com' };

/** A `/tickets` or `/session` body with one definite defect. */
function badTicketBody(r: () => number): unknown {
  const field = pick(r, ['Subject', 'Description', 'SuppliedName', 'SuppliedEmail']);
  switch (int(r, 0, 9)) {
    case 0:
      return {};
    case 1:
      return { case: wrongType(r) };
    case 2:
      return { case: { ...VALID_CASE, [field]: wrongType(r) } };
    case 3:
      return { case: { ...VALID_CASE, [pick(r, ODD_STRINGS) || 'x']: 'extra field' } };
    case 4:
      return { case: { ...VALID_CASE, Subject: huge(r, int(r, 256, 20_000)) } };
    case 5:
      return { case: { ...VALID_CASE, Subject: undefined } };
    case 6:
      return { case: VALID_CASE, customer: { userId: wrongType(r) } };
    case 7:
      return { case: VALID_CASE, [pick(r, ['admin', 'isAdmin', 'ticketId', 'id', '__proto__x'])]: true };
    case 8:
      return { case: { ...VALID_CASE, Subject: pick(r, ['', '   ', '\n\t']) } };
    default:
      return wrongType(r);
  }
}

/** A `/salesforce/events` body with one definite defect. */
function badEventsBody(r: () => number): unknown {
  const event = {
    type: 'case.owner_changed',
    caseId: '500000000000001AAA',
    previousOwnerId: null,
    ownerId: '005000000000001AAA',
    occurredAt: '2026-01-01T00:00:00.000Z',
  };
  const key = pick(r, ['type', 'caseId', 'ownerId', 'occurredAt', 'previousOwnerId']);
  switch (int(r, 0, 8)) {
    case 0:
      return { events: [] };
    case 1:
      return { events: wrongType(r) };
    case 2:
      return { events: [{ ...event, [key]: wrongType(r) }] };
    case 3:
      return { events: [{ ...event, [key]: pick(r, ODD_STRINGS) }] };
    case 4:
      return { events: [{ ...event, type: pick(r, ['case.deleted', 'CASE.OWNER_CHANGED', '', '*']) }] };
    case 5:
      return {
        events: [
          {
            ...event,
            caseId: pick(
              r,
              STRANGE_IDS.filter((id) => !/^500[a-zA-Z0-9]{15}$/.test(id)),
            ),
          },
        ],
      };
    case 6:
      return { events: [event], extra: true };
    case 7:
      return { events: [{ ...event, extra: pick(r, ODD_STRINGS) }] };
    default:
      return { events: Array.from({ length: int(r, 2, 50) }, (_, i) => (i === 1 ? { ...event, occurredAt: 'yesterday' } : event)) };
  }
}

/** A `/agents/session` body with one definite defect. */
function badAgentBody(r: () => number): unknown {
  switch (int(r, 0, 6)) {
    case 0:
      return {
        userId: pick(
          r,
          STRANGE_IDS.filter((s) => !/^005/.test(s)),
        ),
        nickname: 'Ava',
      };
    case 1:
      return { userId: wrongType(r), nickname: 'Ava' };
    case 2:
      return { userId: '005000000000001AAA', nickname: pick(r, ['', '   ', huge(r, 500)]) };
    case 3:
      return { userId: '005000000000001AAA' };
    case 4:
      return { userId: '005000000000001AAA', nickname: 'Ava', role: 'admin' };
    case 5:
      return { userId: '005000000000001' + pick(r, ['\u0000AA', '\uD800AA', '   ']), nickname: 'Ava' };
    default:
      return wrongType(r);
  }
}

/** A tutorial `/createticket` body (any shape: these requests never carry valid credentials). */
function tutorialBody(r: () => number): unknown {
  switch (int(r, 0, 4)) {
    case 0:
      return {
        token_type: pick(r, ['Bearer', 'x', wrongType(r)]),
        case: pick(r, [VALID_CASE, wrongType(r), { Subject: pick(r, ODD_STRINGS) }]),
      };
    case 1:
      return { user_id: pick(r, [...STRANGE_IDS, ...ODD_STRINGS]) };
    case 2:
      return { case: { ...VALID_CASE, Subject: huge(r, 3_000) } };
    case 3:
      return {};
    default:
      return wrongType(r);
  }
}

type Auth = 'none' | 'valid' | 'wrong' | 'garbage' | 'huge';

function authHeader(r: () => number, kind: Auth, valid: string): Record<string, string> {
  switch (kind) {
    case 'none':
      return {};
    case 'valid':
      return { authorization: `Bearer ${valid}` };
    case 'wrong':
      return { authorization: `Bearer ${valid.slice(0, -2)}${valid.endsWith('A') ? 'BB' : 'AA'}` };
    case 'huge':
      return { authorization: `Bearer ${'x'.repeat(int(r, 4_000, 12_000))}` };
    default:
      return {
        authorization: pick(r, [
          'Bearer',
          'Bearer ',
          'Basic Zm9vOmJhcg==',
          'bearer  x y',
          'Token abc',
          'Bearer eyJhbGciOiJub25lIn0.e30.',
          'Bearer a.b.c',
          '\t',
        ]),
      };
  }
}

/** How the body of a JSON endpoint goes wrong (or not) on the wire. */
function encode(r: () => number, body: unknown): { body?: string; headers: Record<string, string>; how: string } {
  const roll = r();
  if (roll < 0.12) return { body: pick(r, INVALID_JSON), headers: { 'content-type': 'application/json' }, how: 'invalid-json' };
  if (roll < 0.22)
    return { body: JSON.stringify(body) ?? 'null', headers: { 'content-type': pick(r, CONTENT_TYPES) }, how: 'content-type' };
  if (roll < 0.26) return { body: JSON.stringify(body) ?? 'null', headers: {}, how: 'no-content-type' };
  if (roll < 0.3)
    return {
      body: deep(int(r, 500, 20_000), r() < 0.5 ? 'array' : 'object'),
      headers: { 'content-type': 'application/json' },
      how: 'deep',
    };
  if (roll < 0.34)
    return {
      body: `{"a":"${huge(r, int(r, 70_000, 200_000)).replace(/[\\"]/g, '')}"}`,
      headers: { 'content-type': 'application/json' },
      how: 'over-limit',
    };
  if (roll < 0.38)
    return {
      body: pick(r, ['{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{"admin":true}}}', '{"case":{"__proto__":{"x":1}}}']),
      headers: { 'content-type': 'application/json' },
      how: 'proto',
    };
  if (roll < 0.41) return { headers: { 'content-type': 'application/json' }, how: 'empty' };
  if (roll < 0.44) return { body: JSON.stringify(body), headers: { 'content-type': 'application/json; charset=utf-16' }, how: 'charset' };
  return { body: JSON.stringify(body) ?? 'null', headers: { 'content-type': 'application/json' }, how: 'json' };
}

/** Headers that are odd but still legal HTTP (fetch refuses what is not). */
function oddHeaders(r: () => number): Record<string, string> {
  const roll = r();
  if (roll < 0.04) return { 'x-huge': 'h'.repeat(int(r, 17_000, 40_000)) };
  if (roll < 0.08) return { 'x-request-id': pick(r, ['../../x', 'a'.repeat(500), 'id with spaces', '%00', '<script>']) };
  if (roll < 0.11) return Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`x-many-${i}`, 'v'.repeat(200)]));
  if (roll < 0.14) return { 'x-forwarded-for': pick(r, ['1.2.3.4, 5.6.7.8', 'garbage', '::1']), 'x-forwarded-host': 'evil.example' };
  if (roll < 0.17) return { origin: pick(r, ['https://evil.example', 'null', 'file://', 'https://app.example.com.evil.example']) };
  if (roll < 0.2) return { accept: pick(r, ['text/html', 'application/xml', '*/*;q=0', 'garbage']) };
  return {};
}

/** One malformed request, for request number `n` of the run seeded by `seed`. */
export function generateRequest(seed: number, n: number, creds: FuzzCredentials): FuzzRequest {
  const r = seededRandom((seed * 1_000_003 + n) >>> 0);
  const extra = oddHeaders(r);
  const endpoint = int(r, 0, 12);
  const jsonPost = (
    path: string,
    label: string,
    body: unknown,
    auth: Record<string, string>,
    more: Record<string, string> = {},
  ): FuzzRequest => {
    const enc = encode(r, body);
    return {
      label: `${label} ${enc.how}`,
      method: 'POST',
      path,
      headers: { ...extra, ...auth, ...more, ...enc.headers },
      ...(enc.body !== undefined ? { body: enc.body } : {}),
    };
  };
  switch (endpoint) {
    case 0:
    case 1: {
      // POST /tickets: valid credentials with a bad body, or bad credentials with any body.
      const authKind = pick<Auth>(r, ['valid', 'valid', 'none', 'wrong', 'garbage', 'huge']);
      const body = authKind === 'valid' ? badTicketBody(r) : r() < 0.5 ? { case: VALID_CASE } : badTicketBody(r);
      const key = pick(r, ['k-1', '', 'x'.repeat(300), ...ODD_STRINGS.filter((s) => /^[\x20-\x7e]*$/.test(s))]);
      return jsonPost(
        '/tickets',
        `POST /tickets auth=${authKind}`,
        body,
        authHeader(r, authKind, creds.customerToken),
        key === '' && r() < 0.5 ? {} : { 'idempotency-key': key || 'k' },
      );
    }
    case 2: {
      const id = pick(r, STRANGE_IDS);
      const authKind = pick<Auth>(r, ['valid', 'none', 'wrong', 'garbage']);
      return {
        label: `GET /tickets/:id auth=${authKind}`,
        method: 'GET',
        path: `/tickets/${id}${r() < 0.2 ? `?${pick(r, ['a[]=1&a[]=2', '__proto__[x]=1', `q=${'z'.repeat(5_000)}`, '%%%'])}` : ''}`,
        headers: { ...extra, ...authHeader(r, authKind, creds.customerToken) },
      };
    }
    case 3: {
      const authKind = pick<Auth>(r, ['valid', 'none', 'wrong', 'garbage']);
      // With valid credentials `{}` would be a valid request: only defective bodies then.
      const body =
        authKind === 'valid'
          ? pick(r, [
              { customer: { userId: wrongType(r) } },
              { extra: 1 },
              pick(r, [0, 1.5, true, null, [], [1], 'str']),
              { customer: { userId: 'other-customer' } },
            ])
          : {};
      return jsonPost('/session', `POST /session auth=${authKind}`, body, authHeader(r, authKind, creds.customerToken));
    }
    case 4: {
      const headers: Record<string, string> =
        r() < 0.5 ? { user: pick(r, [...STRANGE_IDS, 'cust-1']), token: pick(r, ['', 'nope', 'x'.repeat(3_000)]) } : {};
      return jsonPost('/createticket', 'POST /createticket', tutorialBody(r), headers);
    }
    case 5:
    case 6: {
      const authKind = pick<Auth>(r, ['valid', 'valid', 'none', 'wrong', 'garbage', 'huge']);
      const body =
        authKind === 'valid'
          ? badEventsBody(r)
          : pick(r, [
              badEventsBody(r),
              {
                events: [
                  {
                    type: 'case.owner_changed',
                    caseId: '500000000000001AAA',
                    previousOwnerId: null,
                    ownerId: '005000000000001AAA',
                    occurredAt: '2026-01-01T00:00:00.000Z',
                  },
                ],
              },
            ]);
      return jsonPost('/salesforce/events', `POST /salesforce/events auth=${authKind}`, body, authHeader(r, authKind, creds.sharedSecret));
    }
    case 7: {
      const authKind = pick<Auth>(r, ['valid', 'none', 'wrong', 'garbage']);
      const body = authKind === 'valid' ? badAgentBody(r) : { userId: '005000000000001AAA', nickname: 'Ava' };
      return jsonPost('/agents/session', `POST /agents/session auth=${authKind}`, body, authHeader(r, authKind, creds.sharedSecret));
    }
    case 8: {
      // Never validly signed: a signature that is missing, empty, of another key, or of another body.
      const sig = pick(r, [undefined, '', 'deadbeef', 'z'.repeat(64), '0'.repeat(64), 'sha256=abc', 'x'.repeat(5_000)]);
      const body = pick(r, [
        JSON.stringify({ category: 'group_channel:message_send', payload: { message_id: 1 } }),
        ...INVALID_JSON,
        huge(r, 2_000),
      ]);
      return {
        label: 'POST /sendbird/webhooks',
        method: 'POST',
        path: '/sendbird/webhooks',
        headers: {
          ...extra,
          'content-type': pick(r, ['application/json', 'text/plain', 'application/octet-stream']),
          ...(sig !== undefined ? { 'x-sendbird-signature': sig } : {}),
        },
        body: r() < 0.05 ? huge(r, 1_200_000) : body,
      };
    }
    case 9: {
      const path = pick(r, [
        '/healthz',
        '/readyz',
        '/metrics',
        '/docs',
        '/docs/json',
        '/docs/static/index.html',
        '/docs/../../etc/passwd',
        '/docs/%2e%2e/%2e%2e/',
      ]);
      const method = pick(r, ['GET', 'GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH']);
      return {
        label: `${method} ${path}`,
        method,
        path,
        headers: { ...extra, ...(r() < 0.3 ? authHeader(r, 'garbage', '') : {}) },
        ...(method === 'POST' || method === 'PUT' ? { body: '{}' } : {}),
      };
    }
    case 10: {
      const method = pick(r, ['PUT', 'DELETE', 'PATCH', 'GET']);
      const path = pick(r, ['/tickets', '/session', '/createticket', '/salesforce/events', '/agents/session', '/sendbird/webhooks']);
      return { label: `${method} ${path} (wrong method)`, method, path, headers: extra, ...(method === 'GET' ? {} : { body: '{}' }) };
    }
    default: {
      const path = pick(r, [
        '/',
        '/admin',
        '/admin/jobs',
        '/jobs/dead',
        '/.env',
        '/.git/config',
        '/api/v1/tickets',
        '/tickets/',
        '//tickets',
        '/TICKETS',
        '/tickets%2F..',
        `/${'a'.repeat(3_000)}`,
        '/%E2%80%AE',
        '/%F0%9F%98%80',
        '/%ZZ',
        '/server-status',
        '/wp-login.php',
      ]);
      const method = pick(r, ['GET', 'POST', 'DELETE', 'OPTIONS', 'PATCH']);
      return {
        label: `${method} unknown route`,
        method,
        path,
        headers: extra,
        ...(method === 'POST' || method === 'PATCH' ? { body: JSON.stringify(wrongType(r)) } : {}),
      };
    }
  }
}

/** Raw HTTP that no well-behaved client sends (refused by the HTTP parser, not by a route). */
export const RAW_REQUESTS: readonly string[] = [
  'GARBAGE\r\n\r\n',
  'GET / HTTP/9.9\r\n\r\n',
  'GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n',
  'GET /healthz HTTP/1.1\r\nHost: x\r\nX: a\u0000b\r\n\r\n',
  'POST /tickets HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello',
  'POST /tickets HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n',
  'POST /tickets HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\nxx\r\n0\r\n\r\n',
  `GET /${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
  `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`,
  'GET /healthz HTTP/1.1\r\nHo st: x\r\n\r\n',
  '\u0000\u0001\u0002\u0003\r\n\r\n',
  'GET\r\n\r\n',
];
