/**
 * Privacy erasure: the admin endpoints (only with ADMIN_TOKEN set) and the job that runs an
 * erasure step by step, so a crash resumes it where its journal stopped.
 */
import type { BridgeContext, BridgeFeature } from '../context.js';
import { erasureRoutes } from './routes.js';
import { ERASURE_JOB, ErasureService } from './service.js';

export function createErasureFeature(ctx: BridgeContext): BridgeFeature {
  const service = new ErasureService({
    store: ctx.store,
    salesforce: ctx.clients.salesforce,
    sendbird: ctx.clients.sendbird,
    logger: ctx.logger.child({ feature: 'erasure' }),
    transcriptMode: ctx.config.transcript.mode,
    clock: ctx.clock,
  });
  const adminToken = ctx.config.adminToken;
  return {
    name: 'erasure',
    ...(adminToken ? { routes: erasureRoutes({ service, store: ctx.store, adminToken }) } : {}),
    jobs: {
      [ERASURE_JOB]: async ({ job }) => {
        await service.run((job.payload as { erasureId: string }).erasureId);
      },
    },
  };
}
