/**
 * `buildServer(config, deps)`: the bridge's Fastify app over the process's one context, without
 * listening (startBridge, which builds the context and the features, and tests listen). It wires,
 * in this order (order matters: plugins that hook `onRoute` must come before the routes they apply
 * to):
 *
 *   logger and request ids -> error shape + 404 -> JSON only (415 otherwise) -> security headers
 *   -> Host required, UTF-8 JSON only (http/request-checks.ts)
 *   -> CORS (CORS_ORIGINS only) -> per-client rate limit -> OpenAPI + /docs -> metrics
 *   -> /healthz, /readyz, /metrics -> the routes of the features passed in `deps.features`.
 */
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyHttpOptions } from 'fastify';
import type { BridgeConfig } from './config.js';
import type { BridgeContext, BridgeFeature } from './context.js';
import { AppError, errorBody, errorResponseSchema } from './errors.js';
import { healthRoutes } from './http/health.js';
import { createErrorHandler, notFoundHandler, setRetryAfter } from './http/error-handler.js';
import { requireHost, requireUtf8Json } from './http/request-checks.js';
import type { Logger } from './logger.js';
import { registerSecretHooks } from './secret-hooks.js';

export interface ServerDeps {
  /** The process's one context (startBridge builds it); `/readyz` and `/metrics` read it. */
  ctx: BridgeContext;
  /** The features, built once from `ctx`: their routes are registered after the core plugins. */
  features?: readonly Pick<BridgeFeature, 'routes'>[];
}

export const DOCS_PREFIX = '/docs';
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Fastify logs two lines per request ("incoming request", then "request completed"); this logs
 * the second only, with the method, URL and client address of the first: one access-log line per
 * request (with its reqId), half the logging cost on the hot path. Errors are logged as before.
 */
class AccessLog extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (error) return super.requestCompleted(error, request, reply);
    request.log.info(
      // Fastify's serializers turn these into { method, url, host, remoteAddress, remotePort }
      // and { statusCode }.
      { req: request, res: reply, responseTime: reply.elapsedTime },
      'request completed',
    );
  }
}

/**
 * Swagger UI needs its own scripts, styles and data: images; the JSON API needs nothing, so
 * /docs gets this policy and everything else SECURITY_HEADERS' locked-down one. No
 * `upgrade-insecure-requests`: the sandbox serves /docs over plain http on 127.0.0.1.
 */
const DOCS_CSP =
  "default-src 'self'; base-uri 'self'; connect-src 'self'; font-src 'self' data:; frame-ancestors 'self'; img-src 'self' data:; " +
  "object-src 'none'; script-src 'self'; script-src-attr 'none'; style-src 'self' 'unsafe-inline'";

/**
 * The security headers of every answer: helmet's defaults for a JSON API with a locked-down CSP
 * (/docs gets DOCS_CSP from swagger-ui instead). Set from one fixed object in the first hook:
 * running helmet's dozen middlewares per request cost more than the rest of the hooks together.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'none';frame-ancestors 'none';base-uri 'none';form-action 'none'",
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'origin-agent-cluster': '?1',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-frame-options': 'SAMEORIGIN',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0',
};

/** The part of SECURITY_HEADERS also on answers written before any hook can run. */
export const BASELINE_SECURITY_HEADERS: Readonly<Record<string, string>> = Object.fromEntries(
  ['content-security-policy', 'x-content-type-options', 'referrer-policy', 'x-frame-options'].map((name) => [
    name,
    SECURITY_HEADERS[name]!,
  ]),
);

/** Answers a request the HTTP parser refused, straight on the socket, then closes it. */
export function writeClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed || !socket.writable) return;
  const [status, reason, code, message] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Request Header Fields Too Large', 'headers_too_large', 'the request headers are too large (16 KB at most)']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout', 'request_timeout', 'the request took too long to arrive']
        : [400, 'Bad Request', 'bad_request', 'the request is not valid HTTP'];
  const body = JSON.stringify(errorBody(code, message));
  const headers = Object.entries(BASELINE_SECURITY_HEADERS)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  const head = `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json; charset=utf-8\r\n`;
  socket.end(`${head}content-length: ${Buffer.byteLength(body)}\r\n${headers}connection: close\r\n\r\n${body}`);
}

export async function buildServer(config: BridgeConfig, deps: ServerDeps): Promise<FastifyInstance> {
  const { ctx } = deps;
  const app = Fastify(fastifyOptions(config, ctx.logger)) as unknown as FastifyInstance;
  addRequestChecks(app, config, ctx);
  await registerCorsAndRateLimit(app, config);
  await registerDocs(app, config);
  countRequests(app, ctx.metrics);

  // Unknown URLs count against the rate limit too, so scanning is slowed like anything else.
  app.setNotFoundHandler({ preHandler: app.rateLimit() }, notFoundHandler);

  await app.register(async (child) => healthRoutes(child, ctx));
  for (const { routes } of deps.features ?? []) {
    if (routes) await app.register(async (child) => routes(child));
  }
  return app;
}

/** Fastify's own settings: logging, body limit, proxies, request ids, and the answers to requests no route sees. */
function fastifyOptions(config: BridgeConfig, logger: Logger): FastifyHttpOptions<Server, Logger> {
  return {
    loggerInstance: logger,
    // One line per request, when it is answered, instead of Fastify's two.
    logController: new AccessLog(),
    bodyLimit: config.http.bodyLimitBytes,
    // Fastify accepts a hop count at run time though its types omit it.
    trustProxy: (Array.isArray(config.http.trustProxy) ? [...config.http.trustProxy] : config.http.trustProxy) as boolean | string[],
    // A caller's X-Request-Id is kept when it is sane, so logs can be joined across systems.
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    // A request without Host gets the JSON error with the security headers (http/request-checks.ts),
    // not Node's bare 400.
    http: { requireHostHeader: false },
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    // Requests Node's HTTP parser refuses (headers over 16 KB, a malformed request line) never
    // reach a route: answer them in the one error shape too, not Fastify's default body.
    clientErrorHandler: writeClientError,
    frameworkErrors: answerFrameworkError,
    ajv: {
      customOptions: {
        // Unknown fields are refused (400 naming the field), not silently dropped: the Case field
        // allow-list must be visible to the client.
        removeAdditional: false,
        coerceTypes: false,
        allErrors: false,
      },
    },
  };
}

/**
 * URLs the router cannot decode (`/%ZZ`) or whose parameter is over maxParamLength: they are
 * answered before any hook runs, hence the headers set here by hand.
 */
const answerFrameworkError: NonNullable<FastifyHttpOptions<Server, Logger>['frameworkErrors']> = (error, request, reply) => {
  const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH';
  const body = tooLong
    ? errorBody('uri_too_long', 'a part of the URL path is too long')
    : errorBody('invalid_url', 'the URL path is not valid (bad percent-encoding)');
  void (reply as FastifyReply)
    .headers({ ...BASELINE_SECURITY_HEADERS, 'x-request-id': request.id })
    .code(tooLong ? 414 : 400)
    .send(body);
};

/** Security headers, Host and UTF-8 checks, secret scrubbing, the error shape and JSON-only bodies. */
function addRequestChecks(app: FastifyInstance, config: BridgeConfig, ctx: BridgeContext): void {
  app.addHook('onRequest', (request, reply, done) => {
    reply.headers(SECURITY_HEADERS);
    reply.header('x-request-id', request.id);
    done();
  });
  app.addHook('onRequest', requireHost);
  // Before any body is parsed: a JSON body in another charset than UTF-8 is refused (415).
  app.addHook('preParsing', requireUtf8Json);
  // Credentials callers present are learned before any handler runs; error answers are scrubbed.
  if (ctx.scrubber) registerSecretHooks(app, ctx.scrubber);
  app.setErrorHandler(createErrorHandler({ bodyLimitBytes: config.http.bodyLimitBytes }));
  // Every 503 says when to come back, whichever handler wrote it (/readyz, a feature's own).
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (reply.statusCode === 503) setRetryAfter(reply, undefined);
    done(null, payload);
  });

  // JSON only: without a text/plain parser, any other body type is a 415 (Fastify's default).
  app.removeContentTypeParser('text/plain');
}

async function registerCorsAndRateLimit(app: FastifyInstance, config: BridgeConfig): Promise<void> {
  await app.register(cors, {
    // No origins configured = no CORS headers at all (browsers on other origins are refused).
    origin: config.http.corsOrigins.length > 0 ? [...config.http.corsOrigins] : false,
    methods: ['GET', 'POST', 'OPTIONS'],
    allowedHeaders: ['content-type', 'authorization', 'idempotency-key', 'x-request-id', 'user', 'token'],
    exposedHeaders: ['x-request-id', 'retry-after', 'server-timing', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset'],
    maxAge: 600,
    // An OPTIONS request that is not a real preflight gets the plain answer (no CORS headers), not
    // the plugin's text/plain 400: every refusal here is JSON.
    strictPreflight: false,
  });

  await app.register(rateLimit, {
    global: true,
    max: config.http.rateLimitPerMinute,
    timeWindow: 60_000,
    // Per client IP (behind a proxy, set TRUST_PROXY so request.ip is the client's). The docs
    // page is static and loads several files at once, so it is not counted.
    allowList: (request) => request.url === DOCS_PREFIX || request.url.startsWith(`${DOCS_PREFIX}/`),
    errorResponseBuilder: (_request, context) =>
      new AppError(429, 'rate_limited', `too many requests: the limit is ${context.max} per minute; retry in ${context.after}`, {
        retryAfterSeconds: Math.ceil(context.ttl / 1000),
      }),
  });
}

/** The OpenAPI document built from the route schemas (`/docs/json`) and Swagger UI (`/docs`). */
async function registerDocs(app: FastifyInstance, config: BridgeConfig): Promise<void> {
  app.addSchema(errorResponseSchema);
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Sendbird-Salesforce bridge',
        version: '0.1.0',
        description:
          'Tickets, Salesforce events, Sendbird webhooks and agent sessions. Every error answer is `{"error":{"code","message",...}}`.',
      },
      servers: [{ url: config.http.publicUrl }],
      components: {
        securitySchemes: {
          bridgeSecret: { type: 'http', scheme: 'bearer', description: 'BRIDGE_SHARED_SECRET, sent by the Salesforce Named Credential' },
          adminToken: { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN (the admin endpoints exist only when it is set)' },
        },
      },
    },
    // Shared schemas appear in components.schemas under their $id.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });
  await app.register(swaggerUi, {
    routePrefix: DOCS_PREFIX,
    staticCSP: DOCS_CSP,
    uiConfig: { validatorUrl: null, docExpansion: 'list', deepLinking: false },
  });
}

/** Request count and duration per method, route pattern and status. */
function countRequests(app: FastifyInstance, metrics: BridgeContext['metrics']): void {
  app.addHook('onResponse', (request, reply, done) => {
    // The route pattern, not the URL, keeps label cardinality bounded; unmatched URLs share one label.
    const route = request.routeOptions.url ?? 'unmatched';
    const labels = { method: request.method, route, status: String(reply.statusCode) };
    metrics.httpRequests.inc(labels);
    metrics.httpDuration.observe(labels, reply.elapsedTime / 1000);
    done();
  });
}
