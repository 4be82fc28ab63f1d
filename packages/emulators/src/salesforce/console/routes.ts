/**
 * The console simulator's routes: the page (`/console`), its scripts, the agent panel as the
 * static resource (`/console/panel/...`), its JSON API (`/__console/api/...`) and the emulated
 * Aura server actions (`/__console/aura/...`). Docs: docs/console-simulator.md.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../api-error.js';
import { CASE_STATUSES } from '../schema.js';
import type { ConsoleHandle, SalesforceEmulator } from '../emulator.js';
import { loadAuraBundle } from './aura-bundle.js';
import { ConsoleData } from './data.js';
import { resolveConsoleOptions, type ConsoleOptions } from './options.js';
import { consolePage } from './page.js';
import { contentType, LCC_HOST_PATH, readPanelFile } from './panel-files.js';

const CLIENT_DIR = join(import.meta.dirname, 'client');
/** The browser files the page loads, by the name it asks for. */
const CLIENT_FILES = new Set(['console-page.js', 'aura-shim.js', 'console.css']);
/** Where the page finds the static resource the container's src names. */
export const PANEL_PATH = '/console/panel';

function body(raw: unknown): Record<string, unknown> {
  if (typeof raw !== 'string' || raw.trim() === '') return {};
  const v: unknown = JSON.parse(raw);
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('the body must be a JSON object');
  return v as Record<string, unknown>;
}

function requiredId(b: Record<string, unknown>, name: string): string {
  const v = b[name];
  if (typeof v !== 'string' || v === '') throw new Error(`${name} is required`);
  return v;
}

function fail(reply: FastifyReply, err: unknown): FastifyReply {
  const message =
    err instanceof ApiError
      ? err.items.map((i) => `${i.errorCode}: ${i.message}`).join('; ')
      : err instanceof Error
        ? err.message
        : String(err);
  return reply.code(err instanceof ApiError ? err.status : 400).send({ error: message });
}

const noStore = (reply: FastifyReply): FastifyReply => reply.header('cache-control', 'no-store');

/** `attachment` with the name in ASCII (quotes and backslashes dropped) and in full (RFC 6266, RFC 8187). */
export function contentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '');
  const full = encodeURIComponent(fileName).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${full}`;
}

/** The HttpOnly cookie naming a browser's console login (a session id the server maps to a user). */
export const SESSION_COOKIE = 'sbsf_console_session';
/** Logins kept; past this the oldest is forgotten (that browser is back to the default agent). */
const MAX_SESSIONS = 10_000;

function sessionIdOf(req: FastifyRequest): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function registerConsole(app: FastifyInstance, emu: () => SalesforceEmulator, options: ConsoleOptions): ConsoleHandle {
  const opts = resolveConsoleOptions(options);
  const data = new ConsoleData(emu().state, () => emu().seed);
  // The agent of a browser without a console login (the first agent unless login() said otherwise).
  let current: string | undefined;
  const currentUserId = (): string => {
    if (!current || !data.user(current)) current = data.defaultUserId();
    return current;
  };
  const activeUser = (userId: string): string => {
    const user = data.user(userId);
    if (!user) throw new Error(`no active user ${userId}`);
    return user.Id;
  };
  const login = (userId: string): void => {
    current = activeUser(userId);
  };
  // Each browser's login: session id (its cookie) -> User Id. A browser without one, or with an
  // unknown one, is the default agent.
  const sessions = new Map<string, string>();
  const userOf = (req: FastifyRequest): string => {
    const id = sessionIdOf(req);
    const userId = id === undefined ? undefined : sessions.get(id);
    return userId !== undefined && data.user(userId) ? userId : currentUserId();
  };
  const loginBrowser = (req: FastifyRequest, reply: FastifyReply, userId: string): string => {
    const user = activeUser(userId);
    const old = sessionIdOf(req);
    if (old !== undefined) sessions.delete(old);
    if (sessions.size >= MAX_SESSIONS) sessions.delete(sessions.keys().next().value!);
    const id = randomBytes(18).toString('base64url');
    sessions.set(id, user);
    reply.header('set-cookie', `${SESSION_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Lax`);
    return user;
  };

  app.get('/console', async (_req, reply) => noStore(reply).type('text/html; charset=utf-8').send(consolePage()));
  app.get('/console/assets/:file', async (req, reply) => {
    const file = (req.params as { file: string }).file;
    if (!CLIENT_FILES.has(file)) return reply.code(404).type('text/plain').send('not found');
    return noStore(reply)
      .type(contentType(file))
      .send(readFileSync(join(CLIENT_DIR, file)));
  });
  app.get(LCC_HOST_PATH, async (_req, reply) =>
    noStore(reply)
      .type('text/javascript; charset=utf-8')
      .send(readFileSync(join(CLIENT_DIR, 'lcc-host.js'))),
  );
  app.get(`${PANEL_PATH}/*`, async (req, reply) => {
    const path = (req.url.split('?')[0] ?? '').slice(PANEL_PATH.length + 1);
    const file = readPanelFile(opts.agentPanelDir, path);
    // Salesforce serves the resource with Cache Control Public; the simulator must show a new
    // build at once, so nothing is cached.
    return noStore(reply).code(file.status).type(file.type).send(file.body);
  });

  app.get('/__console/api/state', async (req, reply) => noStore(reply).send(data.snapshot(userOf(req))));
  app.post('/__console/api/login', async (req, reply) => {
    try {
      return data.snapshot(loginBrowser(req, reply, requiredId(body(req.body), 'userId')));
    } catch (err) {
      return fail(reply, err);
    }
  });
  app.get('/__console/api/cases/:id', async (req, reply) => {
    const view = data.caseView((req.params as { id: string }).id);
    return view ? noStore(reply).send(view) : reply.code(404).send({ error: 'no such Case' });
  });
  // A File as a record page links it (the transcript's files): its bytes, to save. Like the rest
  // of the page, system mode: the simulator has no login of its own.
  const download = async (req: FastifyRequest, reply: FastifyReply) => {
    const file = data.file((req.params as { id: string }).id);
    if (!file) return reply.code(404).type('text/plain').send('no such file');
    return noStore(reply)
      .type(contentType(file.fileName))
      .header('content-disposition', contentDisposition(file.fileName))
      .send(file.bytes);
  };
  app.get('/sfc/servlet.shepherd/document/download/:id', download);
  app.get('/sfc/servlet.shepherd/version/download/:id', download);
  app.post('/__console/api/cases/:id/owner', async (req, reply) => {
    try {
      emu().org.changeCaseOwner((req.params as { id: string }).id, requiredId(body(req.body), 'ownerId'));
      return data.snapshot(userOf(req));
    } catch (err) {
      return fail(reply, err);
    }
  });
  app.post('/__console/api/cases/:id/status', async (req, reply) => {
    try {
      const b = body(req.body);
      // The record page offers the picklist's values only (the REST API is left as lenient as it is).
      if (typeof b.status !== 'string' || !(CASE_STATUSES as readonly string[]).includes(b.status))
        throw new Error(`status must be one of ${CASE_STATUSES.join(', ')}`);
      emu().org.changeCaseStatus((req.params as { id: string }).id, b.status);
      return data.snapshot(userOf(req));
    } catch (err) {
      return fail(reply, err);
    }
  });
  app.post('/__console/api/cases/:id/route', async (req, reply) => {
    try {
      const work = emu().org.omniRoute((req.params as { id: string }).id, requiredId(body(req.body), 'userId'));
      return { workId: work.Id, state: data.snapshot(userOf(req)) };
    } catch (err) {
      return fail(reply, err);
    }
  });
  app.post('/__console/api/agent-work/:id/:decision', async (req, reply) => {
    const { id, decision } = req.params as { id: string; decision: string };
    try {
      if (decision === 'accept') emu().org.omniAccept(id);
      else if (decision === 'decline') emu().org.omniDecline(id);
      else return reply.code(404).send({ error: `unknown decision ${decision} (accept or decline)` });
      return data.snapshot(userOf(req));
    } catch (err) {
      return fail(reply, err);
    }
  });

  app.get('/__console/aura/bundle', async (req, reply) => {
    try {
      return noStore(reply).send({
        ...loadAuraBundle(opts.auraBundleDir),
        resources: { sendbird_bar: PANEL_PATH },
        currentUserId: userOf(req),
      });
    } catch (err) {
      return reply.code(500).send({ error: err instanceof Error ? err.message : String(err) });
    }
  });
  // The component's Apex controller actions, as Aura's server round-trip answers them: the
  // action's state and its return value or errors (an AuraHandledException's safe message).
  app.post('/__console/aura/:action', async (req, reply) => {
    const action = (req.params as { action: string }).action;
    noStore(reply);
    if (action === 'getCaseHistory') {
      const params = body(req.body).params as { caseId?: unknown } | undefined;
      const caseId = typeof params?.caseId === 'string' ? params.caseId : '';
      return { state: 'SUCCESS', returnValue: await emu().org.getCaseHistory(userOf(req), caseId) };
    }
    if (action !== 'getAgentSession') return { state: 'ERROR', error: [{ message: `Unknown controller action '${action}'` }] };
    try {
      const session = await emu().org.getAgentSession(userOf(req));
      const apiHost = opts.sendbirdApiHost();
      return { state: 'SUCCESS', returnValue: apiHost ? { ...session, apiHost } : session };
    } catch (err) {
      return { state: 'ERROR', error: [{ message: err instanceof Error ? err.message : String(err) }] };
    }
  });

  return { currentUserId, login };
}
