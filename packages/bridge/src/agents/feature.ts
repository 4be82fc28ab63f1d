/** Agent sessions for the Service Console panel: `POST /agents/session`. */
import type { BridgeFeature } from '../features.js';
import type { BridgeContext } from '../server.js';
import { agentDirectoryFor } from './directory.js';
import { agentRoutes } from './routes.js';
import { AgentSessionService } from './service.js';

export function agentSessionService(ctx: BridgeContext): AgentSessionService {
  const { config, clients, store, clock } = ctx;
  return new AgentSessionService({
    sendbird: clients.sendbird,
    agents: agentDirectoryFor(clients.sendbird, store),
    appId: config.sendbird.appId,
    apiHost: config.sendbird.apiUrl,
    sessionTtlSeconds: config.sendbird.sessionTtlSeconds,
    clock,
  });
}

export const agentsFeature: BridgeFeature = {
  name: 'agents',
  routes: async (app, ctx) => {
    await agentRoutes({ service: agentSessionService(ctx), sharedSecret: ctx.config.sharedSecret })(app);
  },
};
