/**
 * Admin API under /__admin (never faulted, never counted): read state, reset to the seed, manage
 * faults, read call statistics, expire tokens, set the daily limit, and (admin-pubsub.ts) the
 * Pub/Sub API's counters, faults, gap events and purges. The same operations are
 * methods of the emulator object for TypeScript callers.
 */
import type { FastifyInstance } from 'fastify';
import { bad, parse } from './admin-body.js';
import { registerOrgAdmin } from './admin-org.js';
import { registerPubSubAdmin } from './admin-pubsub.js';
import type { SalesforceEmulator } from './emulator.js';

export function registerAdmin(app: FastifyInstance, emu: () => SalesforceEmulator): void {
  registerOrgAdmin(app, emu);
  registerPubSubAdmin(app, emu);
  app.get('/__admin/state', async () => emu().snapshot());
  app.post('/__admin/reset', async () => {
    emu().reset();
    return { ok: true, seed: emu().seed };
  });
  app.get('/__admin/faults', async () => emu().faults.get());
  app.put('/__admin/faults', async (req, reply) => {
    try {
      emu().faults.set(parse(req.body));
      return emu().faults.get();
    } catch (err) {
      return bad(reply, err);
    }
  });
  app.delete('/__admin/faults', async () => {
    emu().faults.reset();
    return emu().faults.get();
  });
  app.get('/__admin/stats', async () => emu().stats());
  app.delete('/__admin/stats', async () => {
    emu().resetStats();
    return emu().stats();
  });
  app.post('/__admin/tokens/expire', async () => ({ expired: emu().expireTokens() }));
  app.get('/__admin/tokens', async () => ({ tokens: emu().issuedTokens() }));
  app.get('/__admin/fields/hidden', async () => ({ fields: emu().hiddenFields() }));
  app.put('/__admin/fields/hidden', async (req, reply) => {
    try {
      const fields = parse(req.body).fields;
      if (!Array.isArray(fields) || fields.some((f) => typeof f !== 'string'))
        throw new Error('fields must be a list such as ["Case.Sendbird_User_Id__c"]');
      return { fields: emu().hideFields(fields as string[]) };
    } catch (err) {
      return bad(reply, err);
    }
  });
  app.get('/__admin/duplicate-rules', async () => ({ rules: emu().duplicateRules() }));
  app.put('/__admin/duplicate-rules', async (req, reply) => {
    try {
      return { rules: emu().setDuplicateRules(parse(req.body).rules as never) };
    } catch (err) {
      return bad(reply, err);
    }
  });
  app.put('/__admin/person-accounts', async (req, reply) => {
    try {
      const enabled = parse(req.body).enabled;
      if (typeof enabled !== 'boolean') throw new Error('enabled must be true or false');
      return { enabled: emu().setPersonAccounts(enabled) };
    } catch (err) {
      return bad(reply, err);
    }
  });
  app.get('/__admin/limits', async () => emu().limits());
  app.put('/__admin/limits', async (req, reply) => {
    try {
      const b = parse(req.body);
      return emu().setLimits({
        ...(b.dailyLimit !== undefined ? { dailyLimit: b.dailyLimit as number } : {}),
        ...(b.used !== undefined ? { used: b.used as number } : {}),
      });
    } catch (err) {
      return bad(reply, err);
    }
  });
}
