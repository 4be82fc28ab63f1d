/** The Case lifecycle feature: the job that freezes / unfreezes (or messages) a Case's chat. */
import type { BridgeFeature } from '../features.js';
import type { BridgeContext } from '../server.js';
import type { Store } from '../store/types.js';
import { CASE_STATUS_JOB, CaseLifecycle, type CaseStatusJobPayload } from './service.js';

// One service per store, as in the other features: routes and jobs get different contexts.
const perStore = new WeakMap<Store, CaseLifecycle>();

export function caseLifecycle(ctx: BridgeContext): CaseLifecycle {
  let s = perStore.get(ctx.store);
  if (!s) {
    const t = ctx.config.transcript;
    s = new CaseLifecycle({
      store: ctx.store,
      salesforce: ctx.clients.salesforce,
      sendbird: ctx.clients.sendbird,
      logger: ctx.logger.child({ feature: 'lifecycle' }),
      action: t.caseClosedAction,
      closedMessage: t.caseClosedMessage,
      reopenedMessage: t.caseReopenedMessage,
    });
    perStore.set(ctx.store, s);
  }
  return s;
}

export const lifecycleFeature: BridgeFeature = {
  name: 'lifecycle',
  jobs: (ctx) => ({
    [CASE_STATUS_JOB]: async ({ job }) => {
      await caseLifecycle(ctx).run((job.payload as CaseStatusJobPayload).caseIds);
    },
  }),
};
