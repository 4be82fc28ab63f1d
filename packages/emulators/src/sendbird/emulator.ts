/**
 * Assembles the Sendbird emulator: Platform API v3 under `/v3`, the sandbox feed under `/sandbox`,
 * the admin API under `/__admin`. Hooks run in this order: call stats, sandbox CORS, faults,
 * Api-Token check, optional rate limits (endpoint caps and plan limits, one hook).
 */
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { FaultInjector } from '../common/faults.js';
import { listen, type ListenOptions } from '../common/server.js';
import { registerAdminRoutes } from './admin.js';
import { installApiTokenCheck } from './auth.js';
import { ApiError, sendError, sendbirdFaultResponder } from './errors.js';
import { registerFileRoutes, tooLarge } from './files.js';
import { installSandboxCors } from './feed/cors.js';
import { FEED_REST_PREFIX } from './feed/protocol.js';
import { registerSandboxRest, sendSandboxError } from './feed/rest.js';
import { FeedHub } from './feed/socket.js';
import { createChannel } from './ops-channels.js';
import { createUser } from './ops-users.js';
import type { RunningSendbirdEmulator, SendbirdEmulator } from './emulator-types.js';
import { DEFAULTS, type SendbirdEmulatorOptions } from './options.js';
import { PlanLimits } from './plan-limits.js';
import { RateCaps } from './rate-caps.js';
import { installRateLimits } from './rate-limits.js';
import { registerChannelRoutes } from './routes-channels.js';
import { registerMessageRoutes } from './routes-messages.js';
import { registerUserRoutes } from './routes-users.js';
import { channelJson, messageJson, userJson } from './shapes.js';
import { CallCounter } from './stats.js';
import { Store } from './store.js';
import { WebhookDispatcher } from './webhooks.js';
import { registerSettingsRoutes } from './routes-settings.js';

function applySeed(store: Store, seed: SendbirdEmulatorOptions['seed']): void {
  store.muted = true;
  try {
    for (const u of seed?.users ?? []) {
      createUser(store, { nickname: u.user_id, profile_url: '', ...u });
    }
    for (const c of seed?.channels ?? []) createChannel(store, { ...c });
  } finally {
    store.muted = false;
  }
}

/** Room for a multipart body's text fields and part headers besides the file itself. */
const MULTIPART_OVERHEAD_BYTES = 1024 * 1024;

function installBodyParser(app: FastifyInstance, fileUploadMaxBytes: number): void {
  // Sendbird clients send `Content-Type: application/json; charset=utf8` on every call, bodiless
  // DELETEs included, so an empty body must parse as "no body" instead of failing.
  app.removeContentTypeParser(['application/json']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(new ApiError(400103, 'The request body is not valid JSON.'), undefined);
    }
  });
  // FILE messages with their bytes (Platform API and the sandbox REST API); files.ts reads them.
  app.addContentTypeParser(
    'multipart/form-data',
    { parseAs: 'buffer', bodyLimit: fileUploadMaxBytes + MULTIPART_OVERHEAD_BYTES },
    (_req, body, done) => done(null, body),
  );
}

/** A refused upload up to this size is read to its end before the answer (see `drainRequest`). */
const DRAIN_MAX_BYTES = 64 * 1024 * 1024;

/**
 * Reads what is left of a request the emulator refuses, so the client, still sending, can read
 * the answer: a server that answers and closes mid-upload leaves the client with a broken pipe
 * instead of the error (newer Node clients see that). Bodies over DRAIN_MAX_BYTES are not read.
 */
function drainRequest(raw: NodeJS.ReadableStream & { readableEnded?: boolean }, contentLength: number): Promise<void> {
  if (raw.readableEnded || !(contentLength <= DRAIN_MAX_BYTES)) return Promise.resolve();
  return new Promise((resolve) => {
    raw.on('end', resolve);
    raw.on('error', () => resolve());
    raw.resume();
  });
}

function installErrorHandling(app: FastifyInstance, fileUploadMaxBytes: number): void {
  app.setErrorHandler(async (err: FastifyError | ApiError, req, reply) => {
    const sandbox = req.url.startsWith(FEED_REST_PREFIX);
    let apiErr: ApiError;
    if (err instanceof ApiError) apiErr = err;
    else if ((err as FastifyError).code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      apiErr = new ApiError(400111, 'The emulator accepts JSON bodies, and multipart/form-data for FILE messages.');
    } else if (
      (err as FastifyError).code === 'FST_ERR_CTP_BODY_TOO_LARGE' &&
      /^multipart\/form-data/i.test(req.headers['content-type'] ?? '')
    ) {
      // The sandbox API answers it 413, as it answers a file over the limit (feed/rest.ts).
      const big = tooLarge(fileUploadMaxBytes);
      await drainRequest(req.raw, Number(req.headers['content-length'] ?? Infinity));
      apiErr = sandbox ? new ApiError(big.code, big.message, 413) : big;
    } else if ((err as FastifyError).statusCode === 400 || (err as FastifyError).statusCode === 413) {
      apiErr = new ApiError(400111, err.message);
    } else {
      req.log.error({ err }, 'sendbird emulator: unexpected error');
      apiErr = new ApiError(500901, 'An unexpected error has occurred.');
    }
    return sandbox ? sendSandboxError(reply, apiErr) : sendError(reply, apiErr);
  });
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({ error: true, code: 404, message: `The emulator has no ${req.method} ${req.url.split('?')[0]}.` }),
  );
}

export function createSendbirdEmulator(options: SendbirdEmulatorOptions = {}): SendbirdEmulator {
  const appId = options.appId ?? DEFAULTS.appId;
  const apiToken = options.apiToken ?? DEFAULTS.apiToken;
  if (!apiToken) throw new Error('[sendbird-emulator] apiToken must not be empty');
  const secondary = [...(options.secondaryApiTokens ?? [])];
  const now = options.now ?? Date.now;
  const fileUploadMaxBytes = options.fileUploadMaxBytes ?? DEFAULTS.fileUploadMaxBytes;
  if (!(Number.isInteger(fileUploadMaxBytes) && fileUploadMaxBytes > 0)) {
    throw new Error('[sendbird-emulator] fileUploadMaxBytes must be a positive integer (bytes)');
  }

  const app = Fastify({ logger: options.logger ?? false, bodyLimit: 5 * 1024 * 1024 });
  const store = new Store(appId, now);
  applySeed(store, options.seed);
  const faults = new FaultInjector();
  if (options.faults) faults.set(options.faults);
  const stats = new CallCounter();
  const rateCaps = new RateCaps(options.rateCaps);
  const planLimits = new PlanLimits(options.planLimits);
  const webhooks = new WebhookDispatcher(store, apiToken, options.webhook);
  const feed = new FeedHub(store);

  installBodyParser(app, fileUploadMaxBytes);
  installErrorHandling(app, fileUploadMaxBytes);
  stats.install(app);
  installSandboxCors(app, '/sandbox');
  faults.install(app, sendbirdFaultResponder);
  installApiTokenCheck(app, () => [apiToken, ...secondary]);
  // The caps first: on a tie the endpoint's own cap answers.
  installRateLimits(app, [rateCaps, planLimits], now);
  feed.attach(app.server);

  registerUserRoutes(app, store);
  registerChannelRoutes(app, store);
  registerMessageRoutes(app, store, fileUploadMaxBytes);
  registerSandboxRest(app, store, fileUploadMaxBytes);
  registerFileRoutes(app, store, () => [apiToken, ...secondary]);
  registerSettingsRoutes(app, webhooks);

  const emu: SendbirdEmulator = {
    app,
    appId,
    apiToken,
    fileUploadMaxBytes,
    store,
    state: store,
    faults,
    webhooks,
    stats,
    rateCaps,
    planLimits,
    feed,
    snapshot() {
      return {
        app_id: appId,
        users: [...store.users.values()].map(userJson),
        channels: [...store.channels.values()].map((c) => ({
          ...channelJson(store, c, { showMember: true }),
          messages: c.messages.map((m) => messageJson(store, c, m)),
        })),
        session_tokens: store.tokens.size,
        feed_connections: feed.connections(),
      };
    },
    reset() {
      store.reset();
      applySeed(store, options.seed);
      stats.reset();
      webhooks.clearLog();
      feed.disconnectAll();
    },
    expireSessions(userId) {
      const now = store.now();
      let tokens = 0;
      for (const rec of store.tokens.values()) {
        if (rec.user_id === userId && rec.expires_at > now) {
          rec.expires_at = now;
          tokens++;
        }
      }
      return { tokens, closed: feed.expireUser(userId) };
    },
  };
  registerAdminRoutes(app, emu);
  return emu;
}

export async function startSendbirdEmulator(options: SendbirdEmulatorOptions & ListenOptions = {}): Promise<RunningSendbirdEmulator> {
  const emu = createSendbirdEmulator(options);
  const url = await listen(emu.app, { port: options.port, host: options.host });
  let closed = false;
  return {
    ...emu,
    url,
    feedUrl: `${url.replace(/^http/, 'ws')}/sandbox/feed`,
    async close() {
      if (closed) return;
      closed = true;
      emu.webhooks.close();
      emu.faults.close();
      emu.feed.close();
      await emu.app.close();
    },
  };
}
