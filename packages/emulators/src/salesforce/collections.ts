/**
 * sObject Collections: POST /composite/sobjects (create), PATCH /composite/sobjects (update by
 * Id) and PATCH /composite/sobjects/{type}/{externalIdField} (upsert), up to 200 records, one API
 * call. Each
 * record gets `{id, success, errors:[{statusCode, message, fields}]}` (plus `created` for upsert);
 * with allOrNone, any failure rolls all back and the others report ALL_OR_NONE_OPERATION_ROLLED_BACK
 * (REST API Developer Guide, "sObject Collections" and "allOrNone Parameters").
 */
import { ApiError, apiError, toCollectionErrors } from './api-error.js';
import { jsonBody, writeCtx } from './context.js';
import type { RestContext, RestRequest, RestResponse } from './context.js';
import { fieldDef, objectDef } from './schema.js';
import { isSalesforceId, to18 } from '@sbsf/salesforce';
import { insertRecord, updateRecord, upsertRecord } from './write.js';

export const MAX_COLLECTION_RECORDS = 200;

interface CollectionResult {
  id?: string;
  success: boolean;
  errors: { statusCode: string; message: string; fields: string[] }[];
  created?: boolean;
}

const ROLLED_BACK = {
  statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK',
  message: 'Record rolled back because not all records were valid and the request was using AllOrNone header',
  fields: [],
};

function readBatch(req: RestRequest): { allOrNone: boolean; records: unknown[] } {
  const body = jsonBody(req) as { allOrNone?: unknown; records?: unknown } | null;
  if (!body || typeof body !== 'object' || !Array.isArray(body.records)) {
    throw apiError(400, 'JSON_PARSER_ERROR', 'Cannot deserialize the request: "records" must be an array of sObjects');
  }
  if (body.records.length > MAX_COLLECTION_RECORDS) {
    throw apiError(
      400,
      'EXCEEDED_ID_LIMIT',
      `record limit reached. cannot submit more than ${MAX_COLLECTION_RECORDS} records into this call`,
    );
  }
  return { allOrNone: body.allOrNone === true, records: body.records };
}

/**
 * Runs `each` per record, as one DML statement (its triggers see the records together); with
 * allOrNone, a failure rolls every record back. Without it, a failed record is never written, so
 * only the saved records reach the triggers (the pass Salesforce commits after a partial failure).
 */
function runBatch(
  ctx: RestContext,
  allOrNone: boolean,
  records: unknown[],
  each: (r: Record<string, unknown>, i: number) => CollectionResult,
): RestResponse {
  const all = allOrNone || ctx.forceAllOrNone === true;
  return ctx.state.statement(() =>
    ctx.state.savepoint((rollback) => {
      const results = records.map((r, i): CollectionResult => {
        try {
          if (!r || typeof r !== 'object' || Array.isArray(r))
            throw apiError(400, 'JSON_PARSER_ERROR', 'Each record must be a JSON object');
          return each(r as Record<string, unknown>, i);
        } catch (err) {
          if (err instanceof ApiError) return { success: false, errors: toCollectionErrors(err) };
          throw err;
        }
      });
      if (all && results.some((r) => !r.success)) {
        rollback();
        return { status: 200, body: results.map((r) => (r.success ? { success: false, errors: [ROLLED_BACK] } : r)) };
      }
      return { status: 200, body: results };
    }),
  );
}

function typeOf(r: Record<string, unknown>): string | undefined {
  const t = (r.attributes as { type?: unknown } | undefined)?.type;
  return typeof t === 'string' ? t : undefined;
}

export function createCollection(ctx: RestContext, req: RestRequest): RestResponse {
  const { allOrNone, records } = readBatch(req);
  return runBatch(ctx, allOrNone, records, (r) => {
    const type = typeOf(r);
    const def = type ? objectDef(type) : undefined;
    if (!def) throw apiError(400, 'INVALID_TYPE', type ? `sObject type '${type}' is not supported.` : 'Each record needs attributes.type');
    if (Object.keys(r).some((k) => k.toLowerCase() === 'id')) {
      throw apiError(400, 'INVALID_FIELD_FOR_INSERT_UPDATE', 'cannot specify Id in an insert call', ['Id']);
    }
    const rec = insertRecord(ctx.state, def, r, writeCtx(ctx));
    return { id: rec.Id, success: true, errors: [] };
  });
}

/** PATCH /composite/sobjects: each record names its type and Id ("Update Multiple Records"). */
export function updateCollection(ctx: RestContext, req: RestRequest): RestResponse {
  const { allOrNone, records } = readBatch(req);
  return runBatch(ctx, allOrNone, records, (r) => {
    const type = typeOf(r);
    const def = type ? objectDef(type) : undefined;
    if (!def) throw apiError(400, 'INVALID_TYPE', type ? `sObject type '${type}' is not supported.` : 'Each record needs attributes.type');
    const idKey = Object.keys(r).find((k) => k.toLowerCase() === 'id');
    const id = idKey === undefined ? undefined : r[idKey];
    if (typeof id !== 'string' || id === '') throw apiError(400, 'MISSING_ARGUMENT', 'Id not specified in an update call', ['Id']);
    if (!isSalesforceId(id) || !id.startsWith(def.keyPrefix))
      throw apiError(400, 'MALFORMED_ID', `${def.name} ID: id value of incorrect type: ${id}`, ['Id']);
    const rec = updateRecord(ctx.state, def, to18(id), r, writeCtx(ctx));
    return { id: rec.Id, success: true, errors: [] };
  });
}

export function upsertCollection(ctx: RestContext, req: RestRequest, type: string, field: string): RestResponse {
  const def = objectDef(type);
  if (!def) throw apiError(404, 'NOT_FOUND', 'The requested resource does not exist');
  const fd = fieldDef(def, field);
  if (!fd) throw apiError(404, 'NOT_FOUND', `Provided external ID field does not exist or is not accessible: ${field}`);
  if (!fd.externalId) throw apiError(400, 'INVALID_FIELD', `Field ${fd.name} is not an External ID or indexed field for ${def.name}`);
  const { allOrNone, records } = readBatch(req);
  const valueOf = (r: unknown): unknown => {
    if (!r || typeof r !== 'object') return undefined;
    const key = Object.keys(r).find((k) => k.toLowerCase() === fd.name.toLowerCase());
    return key === undefined ? undefined : (r as Record<string, unknown>)[key];
  };
  // The same External Id twice in one call is an error for both records (SOAP API upsert()).
  const counts = new Map<string, number>();
  for (const r of records) {
    const v = valueOf(r);
    if (typeof v === 'string') counts.set(v.toLowerCase(), (counts.get(v.toLowerCase()) ?? 0) + 1);
  }
  return runBatch(ctx, allOrNone, records, (r) => {
    const t = typeOf(r);
    if (t && t.toLowerCase() !== def.name.toLowerCase()) {
      throw apiError(400, 'INVALID_TYPE', `Record type ${t} does not match the sObject type ${def.name} of the request URL`);
    }
    const v = valueOf(r);
    if (typeof v !== 'string' || v === '') throw apiError(400, 'MISSING_ARGUMENT', `${fd.name} not specified`, [fd.name]);
    if ((counts.get(v.toLowerCase()) ?? 0) > 1) {
      throw apiError(400, 'DUPLICATE_EXTERNAL_ID', `Duplicate external id specified: ${v}`, [fd.name]);
    }
    const { record, created } = upsertRecord(ctx.state, def, fd.name, v, r, writeCtx(ctx));
    return { id: record.Id, success: true, errors: [], created };
  });
}
