/** Discovery resources: the version list, the resource list of a version, describes, /limits. */
import type { RestContext, RestResponse } from './context.js';
import { allObjects } from './schema.js';
import type { ObjectDef } from './schema.js';

export const MIN_API_VERSION = 31;

/** Release name of an API version: 62.0 = Winter '25, 63.0 = Spring '25, 64.0 = Summer '25... */
export function releaseLabel(major: number): string {
  const offset = major - 62;
  const year = 25 + Math.floor(offset / 3);
  const season = ['Winter', 'Spring', 'Summer'][((offset % 3) + 3) % 3];
  return `${season} '${String(year).padStart(2, '0')}`;
}

/** GET /services/data/: every version from 31.0 to the newest served. */
export function versionList(maxVersion: number): { label: string; url: string; version: string }[] {
  const out = [];
  for (let v = MIN_API_VERSION; v <= maxVersion; v++) {
    out.push({ label: releaseLabel(v), url: `/services/data/v${v}.0`, version: `${v}.0` });
  }
  return out;
}

export function resources(ctx: RestContext): RestResponse {
  const base = `/services/data/v${ctx.version}`;
  const names = ['sobjects', 'query', 'queryAll', 'composite', 'limits'];
  return { status: 200, body: Object.fromEntries(names.map((n) => [n, `${base}/${n}`])) };
}

function objectSummary(ctx: RestContext, def: ObjectDef): Record<string, unknown> {
  return {
    name: def.name,
    keyPrefix: def.keyPrefix,
    custom: def.name.endsWith('__c'),
    createable: true,
    updateable: true,
    deletable: true,
    queryable: true,
    urls: { sobject: `/services/data/v${ctx.version}/sobjects/${def.name}` },
  };
}

export function describeGlobal(ctx: RestContext): RestResponse {
  return { status: 200, body: { encoding: 'UTF-8', maxBatchSize: 200, sobjects: allObjects().map((d) => objectSummary(ctx, d)) } };
}

export function describeObject(ctx: RestContext, def: ObjectDef): RestResponse {
  const hidden = (name: string) => ctx.state.hiddenFields.has(`${def.name}.${name}`.toLowerCase());
  const fields = [...def.fields.values()]
    .filter((f) => !hidden(f.name) && (!f.personAccount || ctx.state.personAccounts))
    .map((f) => ({
      name: f.name,
      label: f.label,
      type: f.type,
      length: f.length ?? 0,
      createable: f.createable,
      updateable: f.updateable,
      nillable: !f.required && f.type !== 'boolean' && f.name !== 'Id',
      externalId: f.externalId === true,
      unique: f.unique === true,
      referenceTo: f.referenceTo ?? [],
      cascadeDelete: f.masterDetail !== undefined,
      writeRequiresMasterRead: f.masterDetail?.writeRequiresMasterRead ?? false,
      picklistValues: (f.picklist ?? []).map((v) => ({ active: true, defaultValue: v === f.defaultValue, label: v, value: v })),
      restrictedPicklist: f.restricted === true,
    }));
  return { status: 200, body: { ...objectSummary(ctx, def), fields } };
}

export function limits(used: number, max: number): RestResponse {
  return { status: 200, body: { DailyApiRequests: { Max: max, Remaining: Math.max(0, max - used) } } };
}
