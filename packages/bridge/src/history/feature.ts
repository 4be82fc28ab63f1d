/** The customer history for the agent panel: `POST /agents/history`. */
import type { BridgeContext, BridgeFeature } from '../context.js';
import { historyRoutes } from './routes.js';
import { CaseHistoryService } from './service.js';

export function createHistoryFeature(ctx: BridgeContext): BridgeFeature {
  const { config, clients, clock, store } = ctx;
  const service = new CaseHistoryService({
    sf: clients.salesforce,
    store,
    cacheTtlMs: config.history.cacheTtlMs,
    cacheMaxEntries: config.history.cacheMaxEntries,
    clock,
  });
  return {
    name: 'history',
    routes: async (app) => {
      await historyRoutes({ service, sharedSecret: config.sharedSecret })(app);
    },
  };
}
