/**
 * One Idempotency-Key per submission: made when the person first submits, reused by every retry
 * of the same content (automatic or "try again", double clicks included), and replaced only when
 * the content changes or the ticket was created.
 */
export interface SubmissionKey {
  key: string;
  fingerprint: string;
}

export function keyFor(
  current: SubmissionKey | undefined,
  fingerprint: string,
  uuid: () => string = () => crypto.randomUUID(),
): SubmissionKey {
  return current && current.fingerprint === fingerprint ? current : { key: uuid(), fingerprint };
}
