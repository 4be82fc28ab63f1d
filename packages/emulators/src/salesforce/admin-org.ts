/**
 * Admin routes for the org's behaviour (org.ts), the same operations as `emulator.org`:
 * console owner changes, emulated Omni-Channel, the bridge the Apex calls and its delivery log
 * (one SendbirdCallOuts job per subscriber batch), the platform-event counters (what the Apex
 * costs: events, EventBus.publish calls, subscriber batches, Queueables, callouts), and the
 * agent-session Aura action. Errors of the console actions answer as the REST API would
 * (`[{message, errorCode, fields}]` with its status).
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { bad, parse } from './admin-body.js';
import { ApiError } from './api-error.js';
import { AgentSessionError } from './org.js';
import type { SalesforceEmulator } from './emulator.js';

function fail(reply: FastifyReply, err: unknown): FastifyReply {
  if (err instanceof ApiError) return reply.code(err.status).send(err.items);
  return bad(reply, err);
}

function str(b: Record<string, unknown>, name: string): string {
  const v = b[name];
  if (typeof v !== 'string' || v === '') throw new Error(`${name} is required`);
  return v;
}

export function registerOrgAdmin(app: FastifyInstance, emu: () => SalesforceEmulator): void {
  const org = () => emu().org;

  app.post('/__admin/cases/:id/owner', async (req, reply) => {
    try {
      return org().changeCaseOwner((req.params as { id: string }).id, str(parse(req.body), 'ownerId'));
    } catch (err) {
      return fail(reply, err);
    }
  });

  app.post('/__admin/omni/route', async (req, reply) => {
    try {
      const b = parse(req.body);
      return reply.code(201).send(org().omniRoute(str(b, 'caseId'), str(b, 'userId')));
    } catch (err) {
      return fail(reply, err);
    }
  });
  app.post('/__admin/omni/agent-work/:id/accept', async (req, reply) => {
    try {
      return org().omniAccept((req.params as { id: string }).id);
    } catch (err) {
      return fail(reply, err);
    }
  });
  app.post('/__admin/omni/agent-work/:id/decline', async (req, reply) => {
    try {
      return org().omniDecline((req.params as { id: string }).id);
    } catch (err) {
      return fail(reply, err);
    }
  });

  app.get('/__admin/bridge', async () => ({ url: org().bridge()?.url ?? null }));
  app.put('/__admin/bridge', async (req, reply) => {
    try {
      const b = parse(req.body);
      org().setBridge({ url: str(b, 'url'), secret: str(b, 'secret') });
      return { url: org().bridge()?.url ?? null };
    } catch (err) {
      return bad(reply, err);
    }
  });
  app.delete('/__admin/bridge', async () => {
    org().setBridge(null);
    return { url: null };
  });
  app.get('/__admin/bridge/deliveries', async () => ({ deliveries: org().bridgeDeliveries() }));
  app.delete('/__admin/bridge/deliveries', async () => {
    org().clearBridgeDeliveries();
    return { deliveries: [] };
  });
  // The three sync switches of Sendbird_Config__mdt: off, the triggers publish nothing.
  app.get('/__admin/apex-case-events', async () => ({ enabled: org().apexCaseEvents() }));
  app.put('/__admin/apex-case-events', async (req, reply) => {
    try {
      const enabled = parse(req.body).enabled;
      if (typeof enabled !== 'boolean') throw new Error('enabled must be true or false');
      org().setApexCaseEvents(enabled);
      return { enabled: org().apexCaseEvents() };
    } catch (err) {
      return bad(reply, err);
    }
  });
  app.get('/__admin/events', async () => ({ events: org().platformEvents() }));
  app.get('/__admin/events/stats', async () => org().eventStats());
  app.delete('/__admin/events/stats', async () => {
    org().resetEventStats();
    return org().eventStats();
  });

  // The Aura action `SendbirdAgentSession.getAgentSession` for one user (the console simulator's
  // agent): 200 with the session, or 502 with the Apex's safe message and nothing else.
  app.post('/__admin/agent-session', async (req, reply) => {
    let userId: string;
    try {
      userId = str(parse(req.body), 'userId');
    } catch (err) {
      return bad(reply, err);
    }
    try {
      return await org().getAgentSession(userId);
    } catch (err) {
      if (err instanceof AgentSessionError) return reply.code(502).send({ error: err.message });
      return fail(reply, err);
    }
  });
}
