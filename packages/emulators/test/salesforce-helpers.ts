/** Helpers for the Salesforce emulator tests: start on port 0, make a client, raw HTTP calls. */
import type { TestContext } from 'node:test';
import { SalesforceClient } from '@sbsf/salesforce';
import type { SalesforceClientOptions } from '@sbsf/salesforce';
import { startSalesforceEmulator } from '../src/salesforce/index.js';
import type { RunningSalesforceEmulator, SalesforceEmulatorOptions } from '../src/salesforce/index.js';

export const V = '62.0';

export async function startSf(t: TestContext, options: SalesforceEmulatorOptions = {}): Promise<RunningSalesforceEmulator> {
  const emu = await startSalesforceEmulator(options);
  t.after(() => emu.close());
  return emu;
}

/** A client-credentials client with fast retries, unless `extra` says otherwise. */
export function clientFor(emu: RunningSalesforceEmulator, extra: Partial<SalesforceClientOptions> = {}): SalesforceClient {
  return new SalesforceClient({
    loginUrl: emu.url,
    auth: { kind: 'client_credentials', clientId: emu.options.clientId, clientSecret: emu.options.clientSecret },
    retry: { initialDelayMs: 1, maxDelayMs: 5 },
    ...extra,
  });
}

export interface Raw {
  status: number;
  headers: Headers;
  body: unknown;
}

export async function raw(url: string, init: RequestInit = {}): Promise<Raw> {
  const res = await fetch(url, init);
  const text = await res.text();
  let body: unknown = undefined;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  return { status: res.status, headers: res.headers, body };
}

export async function tokenFor(emu: RunningSalesforceEmulator): Promise<string> {
  const res = await raw(`${emu.url}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: emu.options.clientId,
      client_secret: emu.options.clientSecret,
    }),
  });
  return (res.body as { access_token: string }).access_token;
}

/** A REST call under /services/data/v62.0 with a bearer token. */
export async function api(
  emu: RunningSalesforceEmulator,
  token: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Raw> {
  return raw(`${emu.url}/services/data/v${V}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
}

/** The first REST error item of a response body. */
export function firstError(r: Raw): { message: string; errorCode: string; fields?: string[] } {
  const items = r.body as { message: string; errorCode: string; fields?: string[] }[];
  if (!Array.isArray(items) || !items[0]) throw new Error(`not an error array: ${JSON.stringify(r.body)}`);
  return items[0];
}
