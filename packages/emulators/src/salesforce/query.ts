/**
 * GET /query?q= and GET /query/{locator}. Results larger than the batch size come back in
 * batches with `nextRecordsUrl: /services/data/vXX.X/query/01g...-2000` (REST API Developer Guide,
 * "Execute a SOQL Query"). The batch size is 2000 unless `Sforce-Query-Options: batchSize=N`
 * (200..2000) asks otherwise ("Query Options Header"), or the emulator option changes the default.
 */
import { apiError } from './api-error.js';
import type { RestContext, RestRequest, RestResponse } from './context.js';
import type { Cursor } from './cursors.js';
import { runSoql } from './soql/execute.js';

const MIN_BATCH = 200;
const MAX_BATCH = 2000;
function batchSize(ctx: RestContext, req: RestRequest): number {
  const m = /batchSize\s*=\s*(\d+)/i.exec(req.headers['sforce-query-options'] ?? '');
  if (!m) return ctx.opts.queryBatchSize;
  return Math.min(MAX_BATCH, Math.max(MIN_BATCH, Number(m[1])));
}

function page(ctx: RestContext, id: string, c: Cursor): RestResponse {
  const records = c.records.slice(c.next, c.next + c.batchSize);
  c.next += records.length;
  const done = c.next >= c.records.length;
  if (done) ctx.cursors.close(id);
  return {
    status: 200,
    body: {
      totalSize: c.totalSize,
      done,
      ...(done ? {} : { nextRecordsUrl: `/services/data/v${c.version}/query/${id}-${c.next}` }),
      records,
    },
  };
}

export function query(ctx: RestContext, req: RestRequest): RestResponse {
  const q = req.query.get('q');
  if (!q) throw apiError(400, 'MALFORMED_QUERY', 'A query string has to be specified');
  const out = runSoql(ctx.state, q, ctx.version, (def, rec) => ctx.access.canRead(def, rec));
  const size = batchSize(ctx, req);
  if (out.records.length <= size) return { status: 200, body: { totalSize: out.totalSize, done: true, records: out.records } };
  const cursor: Cursor = { records: out.records, totalSize: out.totalSize, next: 0, batchSize: size, version: ctx.version };
  return page(ctx, ctx.cursors.open(cursor), cursor);
}

export function queryMore(ctx: RestContext, locator: string): RestResponse {
  const m = /^(01g[A-Za-z0-9]{12,15})-(\d+)$/.exec(locator);
  const c = m ? ctx.cursors.get(m[1]!) : undefined;
  if (!m || !c || Number(m[2]) !== c.next) throw apiError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
  return page(ctx, m[1]!, c);
}
