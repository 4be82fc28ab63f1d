/**
 * The job membership queues and the Case lifecycle runs: Salesforce said these Cases were closed
 * or reopened, so their chats are frozen / unfrozen (or told). Both features import it from here.
 */
export const CASE_STATUS_JOB = 'lifecycle.case_status';

export interface CaseStatusJobPayload {
  caseIds: string[];
}
