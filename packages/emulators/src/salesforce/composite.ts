/**
 * POST /composite: up to 25 subrequests in one API call, run in order as the same user. A later
 * subrequest may use an earlier result through `@{referenceId.path}` (e.g. @{refCase.id},
 * @{refQuery.records[0].Id}) in its url or body. With allOrNone, the first failure rolls
 * everything back and every other subrequest answers 400 PROCESSING_HALTED; without it, only the
 * subrequests that depend on a failed one are skipped (REST API Developer Guide, "Composite").
 */
import { apiError } from './api-error.js';
import { jsonBody } from './context.js';
import type { RestContext, RestRequest, RestResponse } from './context.js';

export const MAX_SUBREQUESTS = 25;

export type Dispatch = (ctx: RestContext, req: RestRequest) => RestResponse & { route: string };

interface Subrequest {
  method: string;
  url: string;
  referenceId: string;
  body?: unknown;
  httpHeaders?: Record<string, string>;
}

interface Subresponse {
  body: unknown;
  httpHeaders: Record<string, string>;
  httpStatusCode: number;
  referenceId: string;
}

const REF_ID = /^[A-Za-z0-9_]+$/;
const REFERENCE = /@\{([A-Za-z0-9_]+)((?:\.[A-Za-z0-9_]+|\[\d+\])+)\}/g;

const halted = (referenceId: string, message: string): Subresponse => ({
  body: [{ errorCode: 'PROCESSING_HALTED', message }],
  httpHeaders: {},
  httpStatusCode: 400,
  referenceId,
});

class Unresolved extends Error {}

function lookup(results: Map<string, Subresponse>, ref: string, path: string): string {
  const res = results.get(ref);
  if (!res || res.httpStatusCode >= 400) throw new Unresolved(`${ref}${path}`);
  let v: unknown = res.body;
  for (const [, key, index] of path.matchAll(/\.([A-Za-z0-9_]+)|\[(\d+)\]/g)) {
    if (v === null || typeof v !== 'object') throw new Unresolved(`${ref}${path}`);
    v = key !== undefined ? (v as Record<string, unknown>)[key] : (v as unknown[])[Number(index)];
  }
  if (v === undefined || v === null || typeof v === 'object') throw new Unresolved(`${ref}${path}`);
  return String(v);
}

function substitute(value: unknown, results: Map<string, Subresponse>): unknown {
  if (typeof value === 'string') return value.replace(REFERENCE, (_m, ref: string, path: string) => lookup(results, ref, path));
  if (Array.isArray(value)) return value.map((v) => substitute(v, results));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, results)]));
  }
  return value;
}

function readRequest(req: RestRequest): { allOrNone: boolean; subs: Subrequest[] } {
  const body = jsonBody(req) as { allOrNone?: unknown; compositeRequest?: unknown } | null;
  const list = body && typeof body === 'object' ? body.compositeRequest : undefined;
  if (!Array.isArray(list) || list.length === 0) {
    throw apiError(400, 'JSON_PARSER_ERROR', 'compositeRequest is required and must be a non-empty array of subrequests');
  }
  if (list.length > MAX_SUBREQUESTS) {
    throw apiError(
      400,
      'LIMIT_EXCEEDED',
      `A composite request can have at most ${MAX_SUBREQUESTS} subrequests; this one has ${list.length}`,
    );
  }
  const seen = new Set<string>();
  for (const [i, s] of list.entries()) {
    const sub = s as Partial<Subrequest> | null;
    if (!sub || typeof sub.method !== 'string' || typeof sub.url !== 'string' || typeof sub.referenceId !== 'string') {
      throw apiError(400, 'JSON_PARSER_ERROR', `compositeRequest[${i}] needs method, url and referenceId`);
    }
    if (!REF_ID.test(sub.referenceId)) {
      throw apiError(400, 'JSON_PARSER_ERROR', `Invalid referenceId '${sub.referenceId}': use only letters, numbers and underscores`);
    }
    if (seen.has(sub.referenceId)) throw apiError(400, 'JSON_PARSER_ERROR', `Duplicate referenceId: ${sub.referenceId}`);
    seen.add(sub.referenceId);
  }
  return { allOrNone: body?.allOrNone === true, subs: list as Subrequest[] };
}

const URL_RE = /^\/services\/data\/v(\d+\.0)\/([^?]*)(?:\?(.*))?$/;

export function composite(ctx: RestContext, req: RestRequest, dispatch: Dispatch, versionOk: (v: string) => boolean): RestResponse {
  if (ctx.inComposite) throw apiError(400, 'INVALID_API_INPUT', 'A composite request cannot contain another composite request');
  const { allOrNone, subs } = readRequest(req);
  return ctx.state.savepoint((rollback) => {
    const results = new Map<string, Subresponse>();
    const out: Subresponse[] = [];
    let failedAt = -1;
    for (const sub of subs) {
      if (failedAt >= 0) {
        out.push(halted(sub.referenceId, 'The transaction was rolled back since another operation in the same transaction failed.'));
        continue;
      }
      let res: Subresponse;
      try {
        const url = substitute(sub.url, results) as string;
        const body = substitute(sub.body, results);
        const m = URL_RE.exec(url);
        if (!m || !versionOk(m[1]!)) {
          res = {
            body: [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }],
            httpHeaders: {},
            httpStatusCode: 404,
            referenceId: sub.referenceId,
          };
        } else {
          const headers = Object.fromEntries(Object.entries(sub.httpHeaders ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]));
          const r = dispatch(
            { ...ctx, version: m[1]!, inComposite: true, ...(allOrNone ? { forceAllOrNone: true } : {}) },
            {
              method: sub.method.toUpperCase(),
              segments: m[2]!.split('/').filter(Boolean).map(decodeURIComponent),
              query: new URLSearchParams(m[3] ?? ''),
              body: sub.body === undefined ? undefined : body,
              headers,
            },
          );
          res = { body: r.body ?? null, httpHeaders: r.headers ?? {}, httpStatusCode: r.status, referenceId: sub.referenceId };
        }
      } catch (err) {
        if (!(err instanceof Unresolved)) throw err;
        res = halted(
          sub.referenceId,
          `Invalid reference specified. No value for ${err.message} found in ${err.message.split(/[.[]/)[0]}. Provided referenceId ('${sub.referenceId}') depends on a failed or missing subrequest.`,
        );
      }
      results.set(sub.referenceId, res);
      out.push(res);
      if (allOrNone && res.httpStatusCode >= 400) failedAt = out.length - 1;
    }
    if (failedAt >= 0) {
      rollback();
      for (let i = 0; i < failedAt; i++) {
        out[i] = halted(out[i]!.referenceId, 'The transaction was rolled back since another operation in the same transaction failed.');
      }
    }
    return { status: 200, body: { compositeResponse: out } };
  });
}
