/**
 * The satisfaction survey and the customer's end of the chat: the customer's routes on a ticket's
 * Case, the jobs that carry a survey's state and a chat end to Salesforce and the chat, and the
 * periodic check that expires unanswered surveys. The survey is asked by the lifecycle job
 * (lifecycle/feature.ts builds its own CsatService over the same store: the service keeps no state).
 */
import type { BridgeContext, BridgeFeature } from '../context.js';
import { createCustomerAuthenticator } from '../identity/customer.js';
import { CaseDescribe } from '../tickets/case-describe.js';
import { CHAT_END_JOB, ChatEndService } from './chat-end.js';
import { caseRoutes } from './routes.js';
import { CSAT_SYNC_JOB, CsatService, csatExpiryCheckMs } from './service.js';

export function createCsatService(ctx: BridgeContext): CsatService {
  return new CsatService({
    store: ctx.store,
    salesforce: ctx.clients.salesforce,
    sendbird: ctx.clients.sendbird,
    logger: ctx.logger.child({ feature: 'csat' }),
    config: ctx.config.csat,
    clock: ctx.clock,
  });
}

export function createCsatFeature(ctx: BridgeContext): BridgeFeature {
  const { config, clients, store, logger, clock } = ctx;
  const csat = createCsatService(ctx);
  const chatEnd = new ChatEndService({
    store,
    salesforce: clients.salesforce,
    sendbird: clients.sendbird,
    config: config.endChat,
    describe: new CaseDescribe({ salesforce: clients.salesforce, logger: logger.child({ feature: 'csat' }), clock }),
    clock,
  });
  const authenticate = createCustomerAuthenticator(config.customerAuth, clients.sendbird, clock);
  return {
    name: 'csat',
    routes: caseRoutes({ store, authenticate, csat, chatEnd }),
    jobs: {
      [CSAT_SYNC_JOB]: async ({ job }) => csat.sync((job.payload as { caseId: string }).caseId),
      [CHAT_END_JOB]: async ({ job }) => chatEnd.run((job.payload as { caseId: string }).caseId),
    },
    start: () => {
      // Surveys created before CSAT was switched off still expire.
      const check = () =>
        void csat.expireDue().catch((err: unknown) => logger.warn({ err }, 'csat: the expiry check for unanswered surveys failed'));
      check();
      const timer = setInterval(check, csatExpiryCheckMs(config.csat.expiryMs));
      timer.unref();
      return () => clearInterval(timer);
    },
  };
}
