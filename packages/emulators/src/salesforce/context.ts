/** Types shared by the REST handlers. */
import { apiError } from './api-error.js';
import type { ResolvedOptions } from './options.js';
import type { CursorStore } from './cursors.js';
import type { RecordAccess } from './sharing.js';
import type { OrgState } from './state.js';
import type { WriteContext } from './write.js';

export interface RestContext {
  state: OrgState;
  opts: ResolvedOptions;
  cursors: CursorStore;
  /** The session's running user. */
  userId: string;
  /** What that user may see and change (sharing.ts). */
  access: RecordAccess;
  /** API version of the request URL, e.g. '62.0'. */
  version: string;
  /** Set by a Composite request with allOrNone: it overrides the collections' own flag. */
  forceAllOrNone?: boolean;
  /** True for Composite subrequests (a Composite may not nest). */
  inComposite?: boolean;
  /** The transaction's time (ms): every record it writes gets the same audit stamps. */
  now?: number;
  /** `Sforce-Duplicate-Rule-Header: allowSave=true`: an alert duplicate rule lets the insert through. */
  allowSave?: boolean;
}

export interface RestRequest {
  method: string;
  /** Decoded path segments after /services/data/vXX.X/ */
  segments: string[];
  query: URLSearchParams;
  /** Parsed JSON body, or undefined when there was none. */
  body: unknown;
  /** Why the body could not be parsed, if it could not. */
  bodyError?: string;
  headers: Record<string, string | undefined>;
  /** The body came as multipart/form-data (a blob's binary part, already in the JSON as base64). */
  multipart?: boolean;
}

export interface RestResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export const writeCtx = (ctx: RestContext): WriteContext => ({
  userId: ctx.userId,
  now: ctx.now ?? ctx.opts.now(),
  access: ctx.access,
  duplicateRules: { allowSave: ctx.allowSave === true, version: ctx.version },
});

/** The request's JSON body, or the JSON_PARSER_ERROR Salesforce gives for a bad or missing one. */
export function jsonBody(req: RestRequest): unknown {
  if (req.bodyError) throw apiError(400, 'JSON_PARSER_ERROR', req.bodyError);
  if (req.body === undefined) throw apiError(400, 'JSON_PARSER_ERROR', 'No content to map due to end-of-input at [line:1, column:0]');
  return req.body;
}
