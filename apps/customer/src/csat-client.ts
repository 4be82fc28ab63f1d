/**
 * The survey's client for the chat (the sandbox pane and the UIKit glue share it): the bridge's
 * `GET`/`POST /tickets/{caseId}/csat` with the customer's own auth. A refusal keeps the bridge's
 * code (`csat_expired`, `csat_already_answered`...), which the survey reads.
 */
import type { CsatClient } from '@sbsf/sandbox-chat/csat-client';
import type { CustomerProfile } from './auth.js';
import type { BridgeClient } from './bridge-client.js';

export function csatClientFor(bridge: Pick<BridgeClient, 'getCsat' | 'answerCsat'>, profile: () => CustomerProfile): CsatClient {
  return {
    load: (caseId) => bridge.getCsat(caseId),
    submit: (caseId, answer) => bridge.answerCsat(caseId, answer, profile()),
  };
}
