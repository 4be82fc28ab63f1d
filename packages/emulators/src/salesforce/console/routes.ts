/**
 * The console simulator's routes: the page (`/console`), its scripts, the agent panel as the
 * static resource (`/console/panel/...`), its JSON API (`/__console/api/...`) and the emulated
 * Aura server actions (`/__console/aura/...`). Docs: docs/console-simulator.md.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { ApiError } from '../api-error.js';
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

export function registerConsole(app: FastifyInstance, emu: () => SalesforceEmulator, options: ConsoleOptions): ConsoleHandle {
  const opts = resolveConsoleOptions(options);
  const data = new ConsoleData(emu().state, () => emu().seed);
  let current: string | undefined;
  const currentUserId = (): string => {
    if (!current || !data.user(current)) current = data.defaultUserId();
    return current;
  };
  const login = (userId: string): void => {
    const user = data.user(userId);
    if (!user) throw new Error(`no active user ${userId}`);
    current = user.Id;
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

  app.get('/__console/api/state', async (_req, reply) => noStore(reply).send(data.snapshot(currentUserId())));
  app.post('/__console/api/login', async (req, reply) => {
    try {
      login(requiredId(body(req.body), 'userId'));
      return data.snapshot(currentUserId());
    } catch (err) {
      return fail(reply, err);
    }
  });
  app.get('/__console/api/cases/:id', async (req, reply) => {
    const view = data.caseView((req.params as { id: string }).id);
    return view ? noStore(reply).send(view) : reply.code(404).send({ error: 'no such Case' });
  });
  app.post('/__console/api/cases/:id/owner', async (req, reply) => {
    try {
      emu().org.changeCaseOwner((req.params as { id: string }).id, requiredId(body(req.body), 'ownerId'));
      return data.snapshot(currentUserId());
    } catch (err) {
      return fail(reply, err);
    }
  });
  app.post('/__console/api/cases/:id/route', async (req, reply) => {
    try {
      const work = emu().org.omniRoute((req.params as { id: string }).id, requiredId(body(req.body), 'userId'));
      return { workId: work.Id, state: data.snapshot(currentUserId()) };
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
      return data.snapshot(currentUserId());
    } catch (err) {
      return fail(reply, err);
    }
  });

  app.get('/__console/aura/bundle', async (_req, reply) => {
    try {
      return noStore(reply).send({
        ...loadAuraBundle(opts.auraBundleDir),
        resources: { sendbird_bar: PANEL_PATH },
        currentUserId: currentUserId(),
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
    if (action !== 'getAgentSession') return { state: 'ERROR', error: [{ message: `Unknown controller action '${action}'` }] };
    try {
      const session = await emu().org.getAgentSession(currentUserId());
      const apiHost = opts.sendbirdApiHost();
      return { state: 'SUCCESS', returnValue: apiHost ? { ...session, apiHost } : session };
    } catch (err) {
      return { state: 'ERROR', error: [{ message: err instanceof Error ? err.message : String(err) }] };
    }
  });

  return { currentUserId, login };
}
