/** Agent sessions for the Service Console panel: `POST /agents/session`. */
import type { BridgeContext, BridgeFeature } from '../context.js';
import { agentRoutes } from './routes.js';
import { AgentSessionService } from './service.js';

export function createAgentsFeature(ctx: BridgeContext): BridgeFeature {
  const { config, clients, clock } = ctx;
  const service = new AgentSessionService({
    sendbird: clients.sendbird,
    agents: ctx.agents,
    appId: config.sendbird.appId,
    apiHost: config.sendbird.apiUrl,
    sessionTtlSeconds: config.sendbird.sessionTtlSeconds,
    clock,
  });
  return {
    name: 'agents',
    routes: async (app) => {
      await agentRoutes({ service, sharedSecret: config.sharedSecret })(app);
    },
  };
}
