/**
 * The admin API under `/__admin` (never faulted, no Api-Token): state, reset, faults, call stats,
 * webhook configuration and delivery log, rate caps and plan limits. Tests and the sandbox drive the emulator here.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { FaultSettings } from '../common/faults.js';
import type { PlanLimitOptions, RateCapOptions, WebhookConfig } from './options.js';
import type { SendbirdEmulator } from './emulator-types.js';

function badRequest(reply: FastifyReply, err: unknown): FastifyReply {
  return reply.code(400).send({ error: (err as Error).message });
}

export function registerAdminRoutes(app: FastifyInstance, emu: SendbirdEmulator): void {
  app.get('/__admin/state', async () => emu.snapshot());
  app.post('/__admin/reset', async () => {
    emu.reset();
    return { ok: true };
  });

  // Test hook: expire a user's session tokens now (REST answers 401/400302 "expired", the feed
  // closes with 4002), so a client's token renewal can be tested without a real token lifetime.
  app.post('/__admin/sessions/expire', async (req, reply) => {
    const userId = (req.body as { user_id?: unknown } | undefined)?.user_id;
    if (typeof userId !== 'string' || userId === '') return reply.code(400).send({ error: 'user_id (string) is required' });
    return emu.expireSessions(userId);
  });

  app.get('/__admin/faults', async () => emu.faults.get());
  app.put('/__admin/faults', async (req, reply) => {
    try {
      emu.faults.set((req.body ?? {}) as FaultSettings);
      return emu.faults.get();
    } catch (err) {
      return badRequest(reply, err);
    }
  });
  app.delete('/__admin/faults', async () => {
    emu.faults.reset();
    return emu.faults.get();
  });

  app.get('/__admin/stats', async () => emu.stats.get());
  app.delete('/__admin/stats', async () => {
    emu.stats.reset();
    return emu.stats.get();
  });

  app.get('/__admin/webhooks', async () => emu.webhooks.config());
  app.put('/__admin/webhooks', async (req, reply) => {
    try {
      return emu.webhooks.configure((req.body ?? {}) as WebhookConfig);
    } catch (err) {
      return badRequest(reply, err);
    }
  });
  app.get('/__admin/webhooks/deliveries', async () => ({ deliveries: emu.webhooks.deliveries() }));
  app.delete('/__admin/webhooks/deliveries', async () => {
    emu.webhooks.clearLog();
    return { deliveries: [] };
  });

  app.get('/__admin/rate-caps', async () => emu.rateCaps.get());
  app.put('/__admin/rate-caps', async (req, reply) => {
    try {
      emu.rateCaps.set((req.body ?? {}) as RateCapOptions);
      return emu.rateCaps.get();
    } catch (err) {
      return badRequest(reply, err);
    }
  });

  app.get('/__admin/plan-limits', async () => emu.planLimits.get());
  app.put('/__admin/plan-limits', async (req, reply) => {
    try {
      emu.planLimits.set((req.body ?? {}) as PlanLimitOptions);
      return emu.planLimits.get();
    } catch (err) {
      return badRequest(reply, err);
    }
  });
}
