/**
 * The Salesforce emulator: a Fastify app serving the OAuth token endpoint and the REST API under
 * /services/data/vXX.X/, with per-org API limits, call statistics, fault injection and an admin API.
 * `createSalesforceEmulator` builds it; `startSalesforceEmulator` also listens.
 */
import { parseDuplicateRules } from './duplicate-rules.js';
import Fastify from 'fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { FaultInjector } from '../common/faults.js';
import { listen } from '../common/server.js';
import type { ListenOptions } from '../common/server.js';
import { registerAdmin } from './admin.js';
import { registerConsole } from './console/routes.js';
import type { RestRequest, RestResponse } from './context.js';
import type { ApiLimits, RunningSalesforceEmulator, SalesforceEmulator } from './emulator.js';
import { MIN_API_VERSION, limits as limitsBody, versionList } from './describe.js';
import { salesforceFaultResponder } from './faults.js';
import { loadVerificationKey } from './jwt-verify.js';
import { SessionStore, tokenRequest } from './oauth.js';
import { resolveOptions } from './options.js';
import type { SalesforceEmulatorOptions } from './options.js';
import { CursorStore } from './cursors.js';
import { dispatch } from './rest.js';
import { seedOrg } from './seed.js';
import { userAccess } from './sharing.js';
import { OrgState } from './state.js';
import { createOrg } from './org.js';
import { mintId } from './util.js';
import { ChangeDataCapture } from './pubsub/index.js';
import { type FormPart, type MultipartError, multipartBoundary, parseMultipart } from '../common/multipart.js';

const JSON_TYPE = 'application/json;charset=UTF-8';
/** Large enough for 200 records with long text areas. */
const BODY_LIMIT = 64 * 1024 * 1024;

function baseUrl(req: FastifyRequest): string {
  return `${req.protocol}://${req.headers.host ?? req.hostname}`;
}

function parseJson(raw: unknown): { body: unknown; bodyError?: string } {
  if (typeof raw !== 'string' || raw.trim() === '') return { body: undefined };
  try {
    return { body: JSON.parse(raw) };
  } catch (err) {
    const pos = /position (\d+)/.exec(String((err as Error).message))?.[1];
    return { body: undefined, bodyError: `Unexpected character in JSON body at [line:1, column:${pos ? Number(pos) + 1 : 1}]` };
  }
}

/**
 * A multipart body (REST API Developer Guide, "Insert or Update Blob Data"): one JSON part with
 * the fields (`entity_content` in the guide's ContentVersion example) and one binary part named
 * after the blob field (`VersionData`), read into the JSON body as base64.
 */
function parseMultipartBody(raw: Buffer, contentType: string | undefined): { body: unknown; bodyError?: string } {
  const boundary = multipartBoundary(contentType);
  if (!boundary) return { body: undefined, bodyError: 'Multipart message must include a boundary' };
  let parts: FormPart[];
  try {
    parts = parseMultipart(raw, boundary);
  } catch (err) {
    return { body: undefined, bodyError: `Multipart message is not well formed: ${(err as MultipartError).message}` };
  }
  const json = parts.find((p) => /^application\/json/i.test(p.contentType ?? '') || p.filename === undefined);
  if (!json)
    return {
      body: undefined,
      bodyError: 'Multipart message must include a non-binary part with the record fields (Content-Type: application/json)',
    };
  const fields = parseJson(json.data.toString('utf8'));
  if (fields.bodyError || !fields.body || typeof fields.body !== 'object') return fields;
  const body: Record<string, unknown> = { ...(fields.body as Record<string, unknown>) };
  for (const p of parts) {
    if (p === json) continue;
    body[p.name] = p.data.toString('base64');
  }
  return { body };
}

/**
 * ChangeEventHeader.changeOrigin of a REST call: `com/salesforce/api/rest/<version>`, plus
 * `;client=<id>` when the call names a client in its Sforce-Call-Options header.
 */
function changeOrigin(version: string, callOptions: string | string[] | undefined): string {
  const header = Array.isArray(callOptions) ? callOptions[0] : callOptions;
  const client = header ? /(?:^|,)\s*client=([^,]+)/.exec(header)?.[1]?.trim() : undefined;
  return `com/salesforce/api/rest/${version}${client ? `;client=${client}` : ''}`;
}

function send(reply: FastifyReply, res: RestResponse, extra: Record<string, string> = {}): FastifyReply {
  void reply.code(res.status).headers({ ...extra, ...res.headers });
  if (res.body === undefined || res.status === 204) return reply.send();
  // A blob (GET .../VersionData) goes out as its bytes.
  if (Buffer.isBuffer(res.body)) return reply.send(res.body);
  return reply.header('content-type', JSON_TYPE).send(JSON.stringify(res.body));
}

export function createSalesforceEmulator(options: SalesforceEmulatorOptions = {}): SalesforceEmulator {
  const opts = resolveOptions(options);
  const jwtKey = loadVerificationKey(opts.jwtPublicKey, opts.jwtCertificate);
  const state = new OrgState(mintId('00D', 1), 'Sendbird Support (emulator)');
  const sessions = new SessionStore();
  const cursors = new CursorStore(state);
  const faults = new FaultInjector();
  const counts = new Map<string, number>();
  const apiLimits: ApiLimits = { dailyLimit: opts.dailyApiLimit, used: 0 };
  let seed = seedOrg(state, opts);
  // Change events are kept only when someone can read them: the Pub/Sub API is served.
  const cdc = opts.pubsub
    ? new ChangeDataCapture({
        orgId: state.orgId,
        now: opts.now,
        userOf: (token) => sessions.check(token, opts.now()),
        integrationUserId: () => seed.integrationUserId,
        objects: opts.changeDataCapture,
        overflowThreshold: opts.cdcOverflowThreshold,
        retentionMs: opts.cdcRetentionMs,
        keepaliveMs: opts.pubsubKeepaliveMs,
      })
    : undefined;
  const org = createOrg({
    state,
    now: opts.now,
    integrationUserId: () => seed.integrationUserId,
    subscriberBatchSize: opts.subscriberBatchSize,
    apexCaseEvents: opts.apexCaseEvents,
    ...(cdc ? { onCommit: (changes, commit) => cdc.commit(changes, commit) } : {}),
    ...(opts.bridge ? { bridge: opts.bridge } : {}),
    ...(opts.bridgeDelivery ? { delivery: opts.bridgeDelivery } : {}),
  });

  const count = (key: string) => counts.set(key, (counts.get(key) ?? 0) + 1);
  const versionOk = (v: string) => {
    const m = /^(\d+)\.0$/.exec(v);
    return !!m && Number(m[1]) >= MIN_API_VERSION && Number(m[1]) <= opts.maxApiVersion;
  };
  const route = dispatch({ versionOk, limits: () => limitsBody(apiLimits.used, apiLimits.dailyLimit) });
  const limitHeader = () => ({ 'Sforce-Limit-Info': `api-usage=${apiLimits.used}/${apiLimits.dailyLimit}` });

  // forceCloseConnections: close() must not wait for requests a 'timeout' fault is holding.
  const app = Fastify({ logger: false, bodyLimit: BODY_LIMIT, forceCloseConnections: true });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  app.addContentTypeParser('multipart/form-data', { parseAs: 'buffer', bodyLimit: opts.blobMultipartMaxBytes }, (_req, body, done) =>
    done(null, body),
  );
  faults.install(app, salesforceFaultResponder);
  app.setNotFoundHandler((_req, reply) =>
    send(reply, { status: 404, body: [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }] }),
  );
  app.setErrorHandler((err, _req, reply) =>
    (err as { code?: string }).code === 'FST_ERR_CTP_BODY_TOO_LARGE'
      ? send(reply, {
          status: 413,
          body: [
            {
              errorCode: 'REQUEST_ENTITY_TOO_LARGE',
              message: `The request body is larger than the ${opts.blobMultipartMaxBytes} bytes a multipart upload may have (2 GB for ContentVersion on Salesforce); JSON bodies may have 50 MB`,
            },
          ],
        })
      : send(reply, {
          status: 500,
          body: [{ errorCode: 'UNKNOWN_EXCEPTION', message: `An unexpected error occurred: ${(err as Error).message}` }],
        }),
  );

  app.post('/services/oauth2/token', async (req, reply) => {
    count('POST /services/oauth2/token');
    const form = new URLSearchParams(typeof req.body === 'string' ? req.body : '');
    const m = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? '');
    const decoded = m ? Buffer.from(m[1]!, 'base64').toString('utf8') : undefined;
    const basic = decoded?.includes(':')
      ? { id: decoded.slice(0, decoded.indexOf(':')), secret: decoded.slice(decoded.indexOf(':') + 1) }
      : undefined;
    const answer = tokenRequest({ opts, state, sessions, jwtKey, baseUrl: baseUrl(req) }, form, basic);
    return send(
      reply,
      { status: answer.status, body: answer.body },
      { 'Cache-Control': 'no-cache,must-revalidate,max-age=0,no-store,private' },
    );
  });

  app.route({
    method: ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'],
    url: '/services/data/*',
    handler: async (req, reply) => {
      const [path = '', qs = ''] = req.url.split('?');
      const parts = path.slice('/services/data/'.length).split('/').filter(Boolean);
      if (parts.length === 0) {
        // The version list needs no session and does not count against the API limit.
        count(`${req.method} /services/data/`);
        return send(reply, { status: 200, body: versionList(opts.maxApiVersion) });
      }
      const version = /^v(\d+\.0)$/.exec(parts[0]!)?.[1];
      if (!version || !versionOk(version)) {
        count(`${req.method} (rejected: NOT_FOUND)`);
        return send(reply, { status: 404, body: [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }] });
      }
      const auth = /^(?:Bearer|OAuth)\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
      const userId = sessions.check(auth, opts.now());
      if (!userId) {
        count(`${req.method} (rejected: INVALID_SESSION_ID)`);
        return send(reply, { status: 401, body: [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }] });
      }
      if (apiLimits.used >= apiLimits.dailyLimit) {
        count(`${req.method} (rejected: REQUEST_LIMIT_EXCEEDED)`);
        return send(
          reply,
          { status: 403, body: [{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }] },
          limitHeader(),
        );
      }
      apiLimits.used += 1;
      let segments: string[];
      try {
        segments = parts.slice(1).map(decodeURIComponent);
      } catch {
        return send(
          reply,
          { status: 404, body: [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }] },
          limitHeader(),
        );
      }
      const restReq: RestRequest = {
        method: req.method,
        segments,
        query: new URLSearchParams(qs),
        ...(Buffer.isBuffer(req.body) ? parseMultipartBody(req.body, req.headers['content-type']) : parseJson(req.body)),
        headers: req.headers as Record<string, string | undefined>,
        multipart: Buffer.isBuffer(req.body),
      };
      // One REST call is one transaction: its writes fire the triggers once, after it commits, and
      // share one timestamp (LastModifiedDate), as the records of one Salesforce transaction do.
      const res = org.transaction(
        () => route({ state, opts, cursors, userId, access: userAccess(state, userId), version, now: opts.now() }, restReq),
        { userId, changeOrigin: changeOrigin(version, req.headers['sforce-call-options']) },
      );
      count(res.route);
      return send(reply, res, limitHeader());
    },
  });

  const emulator: SalesforceEmulator = {
    app,
    state,
    faults,
    options: opts,
    org,
    get seed() {
      return seed;
    },
    stats() {
      const byRoute = Object.fromEntries([...counts].sort(([a], [b]) => a.localeCompare(b)));
      return { total: [...counts.values()].reduce((a, b) => a + b, 0), byRoute };
    },
    resetStats() {
      counts.clear();
    },
    reset() {
      org.clearBridgeDeliveries();
      org.resetEventStats();
      seed = seedOrg(state, opts);
      state.hiddenFields.clear();
      state.duplicateRules = [];
      state.personAccounts = false;
      cursors.clear();
      apiLimits.used = 0;
    },
    expireTokens() {
      const n = sessions.expireAll();
      // Open Subscribe streams end with the auth error: the client must come back with a new token.
      cdc?.checkSessions();
      return n;
    },
    issuedTokens: () => sessions.issued(),
    limits: () => ({ ...apiLimits }),
    hideFields(fields) {
      for (const f of fields)
        if (!/^\w+\.\w+$/.test(f)) throw new Error(`fields must be Object.Field, e.g. Case.Sendbird_User_Id__c (got "${f}")`);
      state.hiddenFields.clear();
      for (const f of fields) state.hiddenFields.add(f.toLowerCase());
      return emulator.hiddenFields();
    },
    hiddenFields: () => [...state.hiddenFields],
    setDuplicateRules(rules) {
      state.duplicateRules = parseDuplicateRules(rules);
      return emulator.duplicateRules();
    },
    duplicateRules: () => state.duplicateRules.map((r) => ({ ...r })),
    setPersonAccounts(enabled) {
      state.personAccounts = enabled;
      return state.personAccounts;
    },
    setLimits(l) {
      for (const [k, v] of Object.entries(l)) {
        if (v !== undefined && !(Number.isInteger(v) && v >= 0)) throw new Error(`${k} must be a non-negative integer`);
      }
      if (l.dailyLimit !== undefined) apiLimits.dailyLimit = l.dailyLimit;
      if (l.used !== undefined) apiLimits.used = l.used;
      return { ...apiLimits };
    },
    records: (object) => state.all(object),
    snapshot: () => ({ org: { Id: state.orgId, Name: state.orgName }, seed, limits: { ...apiLimits }, records: state.dump() }),
  };
  if (cdc) emulator.pubsub = cdc;
  registerAdmin(app, () => emulator);
  if (opts.console) emulator.console = registerConsole(app, () => emulator, opts.console);
  return emulator;
}

export async function startSalesforceEmulator(options: SalesforceEmulatorOptions & ListenOptions = {}): Promise<RunningSalesforceEmulator> {
  const { port, host, ...rest } = options;
  const emu = createSalesforceEmulator(rest);
  const url = await listen(emu.app, { ...(port !== undefined ? { port } : {}), ...(host !== undefined ? { host } : {}) });
  const cdc = emu.pubsub as ChangeDataCapture | undefined;
  if (cdc) {
    try {
      await cdc.listen(emu.options.pubsub ?? {});
    } catch (err) {
      await emu.app.close();
      throw err;
    }
  }
  return Object.assign(emu, {
    url,
    async close() {
      emu.org.close();
      emu.faults.close();
      await Promise.all([cdc?.close(), emu.app.close()]);
    },
  });
}
