/** Builds the Salesforce and Sendbird clients from the validated config (one of each per process). */
import { SalesforceClient, type SalesforceAuth } from '@sbsf/salesforce';
import { SendbirdClient } from '@sbsf/sendbird';
import type { BridgeConfig } from './config.js';
import type { Logger } from './logger.js';
import { createUpstreamFetch } from './upstream-fetch.js';

export interface Clients {
  salesforce: SalesforceClient;
  sendbird: SendbirdClient;
  /** Closes the upstream connection pool. */
  close?(): Promise<void>;
}

function salesforceAuth(c: BridgeConfig['salesforce']): SalesforceAuth {
  switch (c.authFlow) {
    case 'jwt_bearer':
      return { kind: 'jwt_bearer', clientId: c.clientId, username: c.username ?? '', privateKey: c.jwtPrivateKey ?? '' };
    case 'password':
      return { kind: 'password', clientId: c.clientId, clientSecret: c.clientSecret ?? '', username: c.username ?? '', password: c.password ?? '' };
    default:
      return { kind: 'client_credentials', clientId: c.clientId, clientSecret: c.clientSecret ?? '' };
  }
}

export function createClients(config: BridgeConfig, logger: Logger): Clients {
  const sfLog = logger.child({ upstream: 'salesforce' });
  const sbLog = logger.child({ upstream: 'sendbird' });
  const upstream = createUpstreamFetch();
  return {
    close: () => upstream.close(),
    salesforce: new SalesforceClient({
      loginUrl: config.salesforce.loginUrl,
      apiVersion: config.salesforce.apiVersion,
      fetch: upstream,
      ...(config.upstream.timeoutMs !== undefined ? { timeoutMs: config.upstream.timeoutMs } : {}),
      auth: salesforceAuth(config.salesforce),
      logger: { warn: (msg, meta) => sfLog.warn(meta ?? {}, msg), info: (msg, meta) => sfLog.info(meta ?? {}, msg) },
    }),
    sendbird: new SendbirdClient({
      appId: config.sendbird.appId,
      apiToken: config.sendbird.apiToken,
      baseUrl: config.sendbird.apiUrl,
      fetch: upstream,
      ...(config.upstream.timeoutMs !== undefined ? { timeoutMs: config.upstream.timeoutMs } : {}),
      limiter: config.sendbird.cappedPerSecond > 0 ? { perSecond: config.sendbird.cappedPerSecond } : { enabled: false },
      logger: { warn: (obj: object, msg?: string) => sbLog.warn(obj, msg), debug: (obj: object, msg?: string) => sbLog.debug(obj, msg) },
    }),
  };
}
