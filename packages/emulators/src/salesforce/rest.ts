/**
 * The REST router: maps a path under /services/data/vXX.X/ to its handler and a route name for
 * statistics ("POST /sobjects/{type}"), and turns thrown ApiErrors into error responses. It is
 * called for top-level requests and for Composite subrequests alike.
 */
import { ApiError, methodNotAllowed, notFound } from './api-error.js';
import { createCollection, updateCollection, upsertCollection } from './collections.js';
import { composite } from './composite.js';
import type { RestContext, RestRequest, RestResponse } from './context.js';
import { allowSaveFromHeader } from './duplicate-rules.js';
import { describeGlobal, describeObject, resources } from './describe.js';
import { query, queryMore } from './query.js';
import { fieldDef, objectDef } from './schema.js';
import { blobField, createRow, rowByExternalId, rowById } from './sobjects.js';

export type Routed = RestResponse & { route: string };

type Handler = () => RestResponse;

export interface RouterHooks {
  versionOk(v: string): boolean;
  limits(): RestResponse;
}

function only(req: RestRequest, methods: string[], h: Handler): Handler {
  return () => {
    if (!methods.includes(req.method)) throw methodNotAllowed(req.method, methods);
    return h();
  };
}

function match(ctx: RestContext, req: RestRequest, hooks: RouterHooks): { route: string; run: Handler } {
  const s = req.segments;
  const [a, b, c, d] = s;
  const n = s.length;
  const def = () => {
    const found = objectDef(b!);
    if (!found) throw notFound();
    return found;
  };
  if (n === 0) return { route: '/', run: only(req, ['GET', 'HEAD'], () => resources(ctx)) };
  if (a === 'sobjects') {
    if (n === 1) return { route: '/sobjects', run: only(req, ['GET', 'HEAD'], () => describeGlobal(ctx)) };
    if (n === 2) return { route: '/sobjects/{type}', run: () => createRow(ctx, req, def()) };
    if (n === 3 && c === 'describe')
      return { route: '/sobjects/{type}/describe', run: only(req, ['GET', 'HEAD'], () => describeObject(ctx, def())) };
    if (n === 3) return { route: '/sobjects/{type}/{id}', run: () => rowById(ctx, req, def(), c!) };
    if (n === 4 && objectDef(b!) && fieldDef(objectDef(b!)!, d!)?.type === 'base64') {
      return { route: '/sobjects/{type}/{id}/{blobField}', run: () => blobField(ctx, req, def(), c!, fieldDef(def(), d!)!) };
    }
    if (n === 4) return { route: '/sobjects/{type}/{field}/{value}', run: () => rowByExternalId(ctx, req, def(), c!, d!) };
  }
  if (a === 'query' || a === 'queryAll') {
    if (n === 1) return { route: `/${a}`, run: only(req, ['GET', 'HEAD'], () => query(ctx, req)) };
    if (n === 2) return { route: `/${a}/{locator}`, run: only(req, ['GET', 'HEAD'], () => queryMore(ctx, b!)) };
  }
  if (a === 'composite') {
    if (n === 1) return { route: '/composite', run: only(req, ['POST'], () => composite(ctx, req, dispatch(hooks), hooks.versionOk)) };
    if (n === 2 && b === 'sobjects') {
      return {
        route: '/composite/sobjects',
        run: only(req, ['POST', 'PATCH'], () => (req.method === 'PATCH' ? updateCollection(ctx, req) : createCollection(ctx, req))),
      };
    }
    if (n === 4 && b === 'sobjects') {
      return { route: '/composite/sobjects/{type}/{field}', run: only(req, ['PATCH'], () => upsertCollection(ctx, req, c!, d!)) };
    }
  }
  if (a === 'limits' && n === 1) return { route: '/limits', run: only(req, ['GET', 'HEAD'], () => hooks.limits()) };
  return {
    route: '(unknown)',
    run: () => {
      throw notFound();
    },
  };
}

/** A dispatcher bound to the emulator's hooks. */
export function dispatch(hooks: RouterHooks): (ctx: RestContext, req: RestRequest) => Routed {
  return (outer, req) => {
    // Subrequests of a Composite call inherit the top-level header and may set their own.
    const allowSave = allowSaveFromHeader(req.headers['sforce-duplicate-rule-header']);
    const ctx = allowSave === undefined ? outer : { ...outer, allowSave };
    const { route, run } = match(ctx, req, hooks);
    const name = `${req.method} ${route}`;
    try {
      return { ...run(), route: name };
    } catch (err) {
      if (err instanceof ApiError) return { status: err.status, body: err.items, route: name };
      throw err;
    }
  };
}
