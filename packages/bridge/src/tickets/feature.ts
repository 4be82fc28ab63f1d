/**
 * The tickets feature: routes, the job that finishes a ticket, the sweep that hands unfinished
 * tickets to that job, and what a dead job means.
 */
import { truncateText } from '@sbsf/wire';
import type { BridgeContext, BridgeFeature } from '../context.js';
import { createCustomerAuthenticator } from '../identity/customer.js';
import { CaseDescribe } from './case-describe.js';
import { ContactLinker } from './contact-link.js';
import { CONTACT_JOB, type ContactJobPayload } from './contacts.js';
import { TicketFlow } from './flow.js';
import { ticketRoutes } from './routes.js';
import { TICKET_JOB, TicketService, TicketStepError, ticketJobKey } from './service.js';

/** Tickets queued per sweep pass; a longer backlog is taken in the following passes. */
const SWEEP_BATCH = 200;

/** How often the sweep looks: often enough that a stale ticket waits at most about 1.5 x the delay. */
export function ticketSweepIntervalMs(safetyDelayMs: number): number {
  return Math.min(10_000, Math.max(100, Math.round(safetyDelayMs / 2)));
}

/**
 * Queues a finishing job for every ticket left unfinished for `safetyDelayMs` (its process died
 * mid-way, or a request is stuck) that has none. Instances sweep side by side; the job's dedupe
 * key (and, on PostgreSQL, SKIP LOCKED) keeps it to one job per ticket.
 */
export async function sweepUnfinishedTickets(ctx: BridgeContext): Promise<number> {
  const now = ctx.clock();
  let queued = 0;
  for (;;) {
    const ids = await ctx.store.queueUnfinishedTickets(now - ctx.config.tickets.safetyDelayMs, SWEEP_BATCH, {
      kind: TICKET_JOB,
      dedupePrefix: ticketJobKey(''),
      runAt: now,
    });
    queued += ids.length;
    if (ids.length < SWEEP_BATCH) break;
  }
  if (queued > 0) ctx.logger.info({ queued }, 'tickets: unfinished tickets handed to jobs');
  return queued;
}

export function createTicketsFeature(ctx: BridgeContext): BridgeFeature {
  const { config, clients, store, logger, clock } = ctx;
  // One service per process: its per-ticket single flight covers routes and jobs alike.
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
    contacts: config.tickets.contacts,
  });
  const linker = new ContactLinker({
    store,
    salesforce: clients.salesforce,
    config: config.tickets.contacts,
    apiVersion: config.salesforce.apiVersion,
    logger: logger.child({ feature: 'tickets', part: 'contacts' }),
    clock,
  });
  const describe = new CaseDescribe({ salesforce: clients.salesforce, logger: logger.child({ feature: 'tickets' }), clock });
  const flow = new TicketFlow(store, service, describe);
  const authenticate = createCustomerAuthenticator(config.customerAuth, clients.sendbird, clock);
  return {
    name: 'tickets',
    routes: async (app) => {
      await ticketRoutes({ flow, authenticate, store })(app);
    },
    jobs: {
      [TICKET_JOB]: async ({ job }) => {
        const { ticketId } = job.payload as { ticketId: string };
        try {
          await service.advance(ticketId);
        } catch (err) {
          // A refused Case will not be accepted on a retry; the ticket is marked failed and the
          // customer was told (422). Nothing is left for this job to do.
          if (err instanceof TicketStepError && err.failure.kind === 'rejected') return;
          throw err;
        }
      },
      [CONTACT_JOB]: async ({ job }) => linker.run(job.payload as ContactJobPayload, job.attempts),
    },
    start: () => {
      const sweep = () =>
        void sweepUnfinishedTickets(ctx).catch((err: unknown) => logger.warn({ err }, 'tickets: the sweep for unfinished tickets failed'));
      // At once too: tickets a crashed process left behind are finished soon after a restart.
      sweep();
      const timer = setInterval(sweep, ticketSweepIntervalMs(config.tickets.safetyDelayMs));
      timer.unref();
      return () => clearInterval(timer);
    },
    onJobDead: async (job, error) => {
      if (job.kind !== TICKET_JOB) return;
      const { ticketId } = job.payload as { ticketId: string };
      const t = await store.getTicket(ticketId);
      if (t && t.state !== 'completed' && t.state !== 'failed') {
        await store.updateTicket(ticketId, { state: 'failed', lastError: truncateText(`gave up: ${error}`, 1000) });
      }
    },
  };
}
