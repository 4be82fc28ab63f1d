/**
 * sObject resources: create (POST /sobjects/T), rows by Id (GET/PATCH/DELETE /sobjects/T/id),
 * rows by External Id (GET, PATCH = upsert, DELETE /sobjects/T/field/value). Shapes follow the
 * REST API Developer Guide examples ("Create a Record", "Upsert a Record Using an External ID").
 */
import { isSalesforceId, to18 } from '@sbsf/salesforce';
import { apiError, methodNotAllowed, notFound } from './api-error.js';
import { jsonBody, writeCtx } from './context.js';
import { recordUrl } from './util.js';
import type { RestContext, RestRequest, RestResponse } from './context.js';
import { fieldDef } from './schema.js';
import type { FieldDef, ObjectDef } from './schema.js';
import type { SfRecord } from './state.js';
import { MultipleChoices, deleteRecord, insertRecord, updateRecord, upsertRecord } from './write.js';
import { blobUrl, checkJsonBlobSize } from './content.js';

/** A record as the API shows it: `attributes` first, then fields in describe order (or `fields`). */
export function apiRecord(def: ObjectDef, rec: SfRecord, version: string, fields?: FieldDef[]): Record<string, unknown> {
  const out: Record<string, unknown> = { attributes: { type: def.name, url: recordUrl(version, def.name, rec.Id) } };
  const list = fields ?? [...def.fields.values()];
  for (const fd of list) out[fd.name] = fieldOut(def, fd, rec, version);
  if (fields && !('Id' in out)) out.Id = rec.Id;
  return out;
}

/** A field's value as the API shows it: a blob (base64 field) as the URL it is read from. */
export function fieldOut(def: ObjectDef, fd: FieldDef, rec: SfRecord, version: string): unknown {
  if (fd.type === 'base64') return rec[fd.name] === null || rec[fd.name] === undefined ? null : blobUrl(version, def.name, rec.Id, fd.name);
  return rec[fd.name] ?? null;
}

/** `GET /sobjects/{type}/{id}/{blobField}`: the file itself (ContentVersion.VersionData). */
export function blobField(ctx: RestContext, req: RestRequest, def: ObjectDef, rawId: string, fd: FieldDef): RestResponse {
  if (req.method !== 'GET' && req.method !== 'HEAD') throw methodNotAllowed(req.method, ['HEAD', 'GET']);
  const rec = ctx.state.get(def, idFromUrl(def, rawId));
  if (!rec || !ctx.access.canRead(def, rec)) throw notFound();
  const bytes = typeof rec[fd.name] === 'string' ? Buffer.from(String(rec[fd.name]), 'base64') : Buffer.alloc(0);
  return { status: 200, body: bytes, headers: { 'Content-Type': 'application/octetstream' } };
}

function requestedFields(def: ObjectDef, req: RestRequest): FieldDef[] | undefined {
  const raw = req.query.get('fields');
  if (!raw) return undefined;
  return raw.split(',').map((name) => {
    const fd = fieldDef(def, name.trim());
    if (!fd) throw apiError(400, 'INVALID_FIELD', `No such column '${name.trim()}' on sobject of type ${def.name}`);
    return fd;
  });
}

/** The 18-character Id from a URL segment, or MALFORMED_ID as the API words it. */
function idFromUrl(def: ObjectDef, raw: string): string {
  if (!isSalesforceId(raw) || !raw.startsWith(def.keyPrefix)) {
    throw apiError(400, 'MALFORMED_ID', `${def.name} ID: id value of incorrect type: ${raw}`, ['Id']);
  }
  return to18(raw);
}

export function createRow(ctx: RestContext, req: RestRequest, def: ObjectDef): RestResponse {
  if (req.method === 'GET' || req.method === 'HEAD') {
    const recentItems = ctx.state
      .all(def)
      .filter((r) => ctx.access.canRead(def, r))
      .slice(-10)
      .reverse()
      .map((r) => ({ attributes: { type: def.name, url: recordUrl(ctx.version, def.name, r.Id) }, Id: r.Id }));
    return {
      status: 200,
      body: { objectDescribe: { name: def.name, keyPrefix: def.keyPrefix, custom: def.name.endsWith('__c') }, recentItems },
    };
  }
  if (req.method !== 'POST') throw methodNotAllowed(req.method, ['HEAD', 'GET', 'POST']);
  const body = jsonBody(req);
  const blob = (body as Record<string, unknown> | null)?.VersionData;
  // A blob in a JSON body has a lower limit than one in a multipart body (content.ts).
  if (!req.multipart && typeof blob === 'string') checkJsonBlobSize(Math.floor((blob.replace(/\s+/g, '').length * 3) / 4));
  const rec = insertRecord(ctx.state, def, body, writeCtx(ctx));
  return {
    status: 201,
    body: { id: rec.Id, success: true, errors: [] },
    headers: { Location: recordUrl(ctx.version, def.name, rec.Id) },
  };
}

export function rowById(ctx: RestContext, req: RestRequest, def: ObjectDef, rawId: string): RestResponse {
  const id = idFromUrl(def, rawId);
  switch (req.method) {
    case 'GET':
    case 'HEAD': {
      const fields = requestedFields(def, req);
      const rec = ctx.state.get(def, id);
      // A record the user may not see answers as one that does not exist.
      if (!rec || !ctx.access.canRead(def, rec)) throw notFound();
      return { status: 200, body: apiRecord(def, rec, ctx.version, fields) };
    }
    case 'PATCH':
      updateRecord(ctx.state, def, id, jsonBody(req), writeCtx(ctx));
      return { status: 204 };
    case 'DELETE':
      deleteRecord(ctx.state, def, id, ctx.access);
      return { status: 204 };
    default:
      throw methodNotAllowed(req.method, ['HEAD', 'GET', 'PATCH', 'DELETE']);
  }
}

export function rowByExternalId(ctx: RestContext, req: RestRequest, def: ObjectDef, field: string, value: string): RestResponse {
  if (req.method === 'PATCH') {
    // ?updateOnly=true: update a match, never create (REST API Developer Guide, upsert).
    if (
      req.query.get('updateOnly') === 'true' &&
      fieldDef(def, field)?.externalId &&
      ctx.state.findBy(def, fieldDef(def, field)!.name, value).length === 0
    ) {
      throw notFound();
    }
    try {
      const { record, created } = upsertRecord(ctx.state, def, field, value, jsonBody(req), writeCtx(ctx));
      // `created` is in the body from API version 46.0 on (REST API Developer Guide, upsert).
      const body = { id: record.Id, success: true, errors: [], created };
      return created ? { status: 201, body, headers: { Location: recordUrl(ctx.version, def.name, record.Id) } } : { status: 200, body };
    } catch (err) {
      if (err instanceof MultipleChoices) return { status: 300, body: err.ids.map((id) => recordUrl(ctx.version, def.name, id)) };
      throw err;
    }
  }
  if (req.method !== 'GET' && req.method !== 'HEAD' && req.method !== 'DELETE') {
    throw methodNotAllowed(req.method, ['HEAD', 'GET', 'PATCH', 'DELETE']);
  }
  const fd = fieldDef(def, field);
  if (!fd?.externalId && fd?.name !== 'Id') {
    throw apiError(404, 'NOT_FOUND', `Provided external ID field does not exist or is not accessible: ${field}`);
  }
  const found =
    fd.name === 'Id'
      ? [ctx.state.get(def, idFromUrl(def, value))].filter((r): r is SfRecord => !!r)
      : ctx.state.findBy(def, fd.name, value);
  const matches = found.filter((r) => ctx.access.canRead(def, r));
  if (matches.length > 1) return { status: 300, body: matches.map((m) => recordUrl(ctx.version, def.name, m.Id)) };
  const rec = matches[0];
  if (!rec) throw notFound();
  if (req.method === 'DELETE') {
    deleteRecord(ctx.state, def, rec.Id, ctx.access);
    return { status: 204 };
  }
  return { status: 200, body: apiRecord(def, rec, ctx.version, requestedFields(def, req)) };
}
