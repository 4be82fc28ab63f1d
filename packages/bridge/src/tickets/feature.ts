/** The tickets feature: routes, the job that finishes a ticket, and what a dead job means. */
import type { BridgeFeature } from '../features.js';
import { createCustomerAuthenticator, type CustomerAuthenticator } from '../identity/customer.js';
import type { BridgeContext } from '../server.js';
import type { Store } from '../store/types.js';
import { TicketFlow } from './flow.js';
import { ticketRoutes } from './routes.js';
import { TICKET_JOB, TicketService, TicketStepError } from './service.js';

interface Parts {
  service: TicketService;
  flow: TicketFlow;
  authenticate: CustomerAuthenticator;
}

// Routes and job handlers get different context objects around the same store; the service (and
// its per-ticket single flight) must be one per process.
const perStore = new WeakMap<Store, Parts>();

function parts(ctx: BridgeContext): Parts {
  let p = perStore.get(ctx.store);
  if (!p) {
    const { config, clients, store, logger, clock } = ctx;
    const service = new TicketService({
      store,
      salesforce: clients.salesforce,
      sendbird: clients.sendbird,
      logger: logger.child({ feature: 'tickets' }),
      appId: config.sendbird.appId,
      apiHost: config.sendbird.apiUrl,
      apiVersion: config.salesforce.apiVersion,
      sessionTtlSeconds: config.sendbird.sessionTtlSeconds,
      caseOrigin: config.salesforce.caseOrigin,
      clock,
      safetyDelayMs: config.tickets.safetyDelayMs,
    });
    p = { service, flow: new TicketFlow(store, service), authenticate: createCustomerAuthenticator(config.customerAuth, clients.sendbird, clock) };
    perStore.set(ctx.store, p);
  }
  return p;
}

export const ticketsFeature: BridgeFeature = {
  name: 'tickets',
  routes: async (app, ctx) => {
    const p = parts(ctx);
    await ticketRoutes({ ...p, sendbird: ctx.clients.sendbird, store: ctx.store })(app);
  },
  jobs: (ctx) => ({
    [TICKET_JOB]: async ({ job }) => {
      const { ticketId } = job.payload as { ticketId: string };
      try {
        await parts(ctx).service.advance(ticketId);
      } catch (err) {
        // A refused Case will not be accepted on a retry; the ticket is marked failed and the
        // customer was told (422). Nothing is left for this job to do.
        if (err instanceof TicketStepError && err.failure.kind === 'rejected') return;
        throw err;
      }
    },
  }),
  onJobDead: async (job, error, ctx) => {
    if (job.kind !== TICKET_JOB) return;
    const { ticketId } = job.payload as { ticketId: string };
    const t = await ctx.store.getTicket(ticketId);
    if (t && t.state !== 'completed' && t.state !== 'failed') {
      await ctx.store.updateTicket(ticketId, { state: 'failed', lastError: `gave up: ${error}`.slice(0, 1000) });
    }
  },
};
