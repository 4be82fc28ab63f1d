/**
 * How injected faults look on the wire: 5xx with a REST error body (503 SERVER_UNAVAILABLE by
 * default, the "server is too busy" answer of "Status Codes and Error Responses"), and 429 with a
 * Retry-After header in seconds.
 */
import type { FaultResponder } from '../common/faults.js';

export const salesforceFaultResponder: FaultResponder = {
  defaultErrorStatus: 503,
  error(reply, status) {
    const body =
      status === 503
        ? [{ errorCode: 'SERVER_UNAVAILABLE', message: 'Server is temporarily unavailable (injected fault)' }]
        : [{ errorCode: 'UNKNOWN_EXCEPTION', message: 'An unexpected error occurred (injected fault)' }];
    void reply.code(status).header('content-type', 'application/json;charset=UTF-8').send(body);
  },
  rateLimited(reply, retryAfterMs) {
    void reply
      .code(429)
      .header('Retry-After', String(Math.max(1, Math.ceil(retryAfterMs / 1000))))
      .header('content-type', 'application/json;charset=UTF-8')
      .send([{ errorCode: 'REQUEST_LIMIT_EXCEEDED', message: 'Too many requests (injected fault)' }]);
  },
};
