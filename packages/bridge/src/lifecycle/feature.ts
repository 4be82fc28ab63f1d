/** The Case lifecycle feature: the job that freezes / unfreezes (or messages) a Case's chat. */
import type { BridgeContext, BridgeFeature } from '../context.js';
import { CASE_STATUS_JOB, type CaseStatusJobPayload } from '../case-status-job.js';
import { createCsatService } from '../csat/feature.js';
import { CaseLifecycle } from './service.js';

export function createLifecycleFeature(ctx: BridgeContext): BridgeFeature {
  const t = ctx.config.transcript;
  const lifecycle = new CaseLifecycle({
    store: ctx.store,
    salesforce: ctx.clients.salesforce,
    sendbird: ctx.clients.sendbird,
    logger: ctx.logger.child({ feature: 'lifecycle' }),
    action: t.caseClosedAction,
    closedMessage: t.caseClosedMessage,
    reopenedMessage: t.caseReopenedMessage,
    survey: createCsatService(ctx),
  });
  return {
    name: 'lifecycle',
    jobs: {
      [CASE_STATUS_JOB]: async ({ job }) => {
        await lifecycle.run((job.payload as CaseStatusJobPayload).caseIds);
      },
    },
  };
}
