/**
 * A model of the tutorial's `/createticket` server (its second version, the Heroku-deployable
 * Node/Express app), for benchmarks only: NOT product code. It does per request what that server
 * does, in the same order and with nothing added: (a) authenticate the customer by reading their
 * Sendbird user (`GET /v3/users/{user}`) and comparing the `token` header with its access token
 * (token_type 0) or its session tokens (token_type 1); (b) log in to Salesforce anew, no token
 * kept; (c) create the Case; (d) create the group channel whose URL is the Case Id with the
 * customer as its member; (e) answer 200 with the channel. No retry, no cache, no rollback (a
 * failed channel leaves its Case behind), as in the tutorial.
 *
 * - Salesforce login: the OAuth username-password grant (`POST /services/oauth2/token`,
 *   grant_type=password). The tutorial logs in with node-salesforce's SOAP login; the Salesforce
 *   emulator has no SOAP endpoint, and the password grant is the REST form of the same
 *   username + password-and-security-token login: one round trip per request either way.
 * - HTTP: node:http for the server (express.json() and the CORS header, without Express), and
 *   Node's global `fetch` for upstream calls, which keeps connections alive by default, as the
 *   calls of an Express app on today's Node do. A new connection per call would only add to this
 *   side's cost.
 * - The channel is created with `Content-Type: application/json`; the tutorial sends its JSON as
 *   text/plain, which Sendbird accepted and the emulator refuses.
 *
 * Run as its own process (so that its CPU can be read from /proc):
 *   node --import tsx bench/lib/tutorial-server.ts
 * with PORT (0: any free port), SALESFORCE_URL, SALESFORCE_CLIENT_ID, SALESFORCE_CLIENT_SECRET,
 * SALESFORCE_USERNAME, SALESFORCE_PASSWORD (password + security token), SALESFORCE_API_VERSION
 * (default 41.0, the tutorial's), SENDBIRD_API_URL, SENDBIRD_API_TOKEN. It prints one JSON line,
 * `{"url": ...}`, once it listens.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { pathToFileURL } from 'node:url';

export interface TutorialConfig {
  salesforceUrl: string;
  salesforceApiVersion: string;
  clientId: string;
  clientSecret: string;
  username: string;
  /** The password with the security token appended. */
  password: string;
  sendbirdApiUrl: string;
  sendbirdApiToken: string;
}

// The tutorial's allow-list of Case fields, and the ones it requires.
const CASE_FIELDS = new Set(
  'ContactId AccountId AssetId SuppliedName SuppliedEmail SuppliedPhone SuppliedCompany Type Status Reason Origin Subject Priority Description Comments'.split(
    ' ',
  ),
);
const REQUIRED = ['Subject', 'Description', 'SuppliedName', 'SuppliedEmail'];

type Answer = [status: number, body: unknown];

function validate(body: any): string | undefined {
  if (typeof body?.token_type !== 'number' || (body.token_type !== 0 && body.token_type !== 1)) return "'token_type' must be 0 or 1";
  const c = body.case;
  if (typeof c !== 'object' || c === null || Array.isArray(c)) return "'case' must be an object";
  for (const k of REQUIRED) if (!(k in c)) return `'case' must contain '${k}'`;
  for (const k of Object.keys(c)) if (!CASE_FIELDS.has(k)) return `'${k}' is not an allowed Case field`;
  return undefined;
}

async function createTicket(cfg: TutorialConfig, headers: IncomingMessage['headers'], body: any): Promise<Answer> {
  for (const h of ['token', 'user'])
    if (typeof headers[h] !== 'string') return [401, { error: true, code: 401, message: `Not Authorized! -- '${h}' not supplied` }];
  const problem = validate(body);
  if (problem) return [400, { error: true, code: 400, message: problem }];
  const userId = headers.user as string;
  const token = headers.token as string;
  const sendbird = { 'Api-Token': cfg.sendbirdApiToken };

  // (a) The customer's Sendbird user, read with the app's API token.
  const userRes = await fetch(`${cfg.sendbirdApiUrl}/v3/users/${encodeURIComponent(userId)}`, { headers: sendbird });
  if (!userRes.ok) {
    await userRes.body?.cancel();
    return [401, 'Authentication Error!'];
  }
  const user = (await userRes.json()) as { access_token?: string; session_tokens?: { session_token: string; expires_at: number }[] };
  const known =
    body.token_type === 0
      ? !!user.access_token && user.access_token === token
      : (user.session_tokens ?? []).some((s) => s.session_token === token && s.expires_at > Date.now());
  if (!known) return [400, 'Not authorized'];

  // (b) A new Salesforce login for every ticket.
  const login = await fetch(`${cfg.salesforceUrl}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'password',
      client_id: cfg.clientId,
      client_secret: cfg.clientSecret,
      username: cfg.username,
      password: cfg.password,
    }),
  });
  // The tutorial ignores a failed login and goes on without a token; the Case call then fails.
  const accessToken = login.ok ? ((await login.json()) as { access_token: string }).access_token : (await login.body?.cancel(), '');

  // (c) The Case, with the fields as received.
  const caseRes = await fetch(`${cfg.salesforceUrl}/services/data/v${cfg.salesforceApiVersion}/sobjects/Case`, {
    method: 'POST',
    headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body.case),
  });
  const created = (await caseRes.json()) as { id?: string };
  if (!caseRes.ok || !created.id) return [400, 'Case not created!'];

  // (d) The channel, named after the Case.
  const channelRes = await fetch(`${cfg.sendbirdApiUrl}/v3/group_channels`, {
    method: 'POST',
    headers: { ...sendbird, 'content-type': 'application/json' },
    body: JSON.stringify({ channel_url: created.id, user_ids: [userId] }),
  });
  const channel: unknown = await channelRes.json();
  if (!channelRes.ok) return [400, 'Channel not created!'];
  // (e) The channel object as Sendbird answered it.
  return [200, channel];
}

function send(res: ServerResponse, [status, body]: Answer): void {
  const json = typeof body !== 'string';
  res.writeHead(status, {
    'content-type': json ? 'application/json; charset=utf-8' : 'text/plain; charset=utf-8',
    'access-control-allow-origin': '*',
  });
  res.end(json ? JSON.stringify(body) : body);
}

export function createTutorialServer(cfg: TutorialConfig): Server {
  return createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/') return send(res, [200, 'Server up and running!']);
    if (req.method !== 'POST' || req.url !== '/createticket') return send(res, [404, 'Not found']);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: unknown;
      try {
        body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
      } catch {
        return send(res, [400, 'Bad JSON']);
      }
      createTicket(cfg, req.headers, body).then(
        (answer) => send(res, answer),
        () => send(res, [500, 'Internal Server Error']),
      );
    });
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const env = (name: string, fallback?: string): string => {
    const v = process.env[name] ?? fallback;
    if (!v) throw new Error(`[tutorial-server] ${name} is required`);
    return v;
  };
  const server = createTutorialServer({
    salesforceUrl: env('SALESFORCE_URL'),
    salesforceApiVersion: env('SALESFORCE_API_VERSION', '41.0'),
    clientId: env('SALESFORCE_CLIENT_ID'),
    clientSecret: env('SALESFORCE_CLIENT_SECRET'),
    username: env('SALESFORCE_USERNAME'),
    password: env('SALESFORCE_PASSWORD'),
    sendbirdApiUrl: env('SENDBIRD_API_URL'),
    sendbirdApiToken: env('SENDBIRD_API_TOKEN'),
  });
  server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
    const { port } = server.address() as { port: number };
    console.log(JSON.stringify({ url: `http://127.0.0.1:${port}` }));
  });
  process.on('SIGTERM', () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
