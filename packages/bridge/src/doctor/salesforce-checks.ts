/**
 * The Salesforce checks: login with the configured flow, the API version, the package's objects
 * and fields as the integration user sees them (describe), the Case allow-list writable, Change
 * Data Capture when chosen, and the daily API budget.
 */
import * as grpc from '@grpc/grpc-js';
import { SalesforceAuthError, SalesforceConnectionError, SalesforceError, SalesforceNotFoundError } from '@sbsf/salesforce';
import { CASE_CHANGE_TOPIC } from '@sbsf/salesforce/pubsub';
import { PubSubConnection, pubSubFailure } from '../membership/pubsub-connection.js';
import { CUSTOMER_ENDED_FIELD } from '../csat/chat-end.js';
import { CSAT_CASE_FIELDS } from '../csat/service.js';
import { CASE_FIELD_ALLOW_LIST, REQUIRED_CASE_FIELDS } from '../tickets/case-schema.js';
import { CONTACT_CREATE_FIELDS } from '../tickets/contacts.js';
import { fail, pass, skip, warn, type Check, type CheckOutcome } from './check.js';
import { clockFrom, DOCTOR_UPSTREAM_TIMEOUT_MS, upstreamSignal, type DescribeResult, type DoctorContext } from './context.js';

const DEPLOY_FIX =
  'deploy the package (`npm run salesforce:deploy`, see docs/salesforce-setup.md), then give the integration user ' +
  'the permission set Sendbird_Bridge_Integration (it grants read and edit on these fields)';

/** The fields of the package the bridge writes, by object (what `npm run salesforce:deploy` adds). */
export function requiredFields(ctx: DoctorContext): Record<string, string[]> {
  const t = ctx.config.transcript;
  const out: Record<string, string[]> = {
    Case: [
      'Sendbird_Ticket_Id__c',
      'Sendbird_User_Id__c',
      // The satisfaction survey's fields (CSAT=on), and End chat's mark (CUSTOMER_END_ACTION=mark).
      ...(ctx.config.csat.enabled ? Object.values(CSAT_CASE_FIELDS) : []),
      ...(ctx.config.endChat.action === 'mark' ? [CUSTOMER_ENDED_FIELD] : []),
    ],
  };
  if (t.mode === 'object') {
    out.Sendbird_Message__c = [
      'Sendbird_Message_Id__c',
      'Case__c',
      'Channel_Url__c',
      'Is_Deleted_In_Chat__c',
      'Message_Type__c',
      'Body__c',
      'Sender_Id__c',
      'Sender_Name__c',
      'Sender_Role__c',
      'Sent_At__c',
      'Edited_At__c',
      'File_Url__c',
      'File_Name__c',
      'File_Type__c',
      ...(t.files.enabled ? ['File_Id__c'] : []),
    ];
  } else {
    out.CaseComment = ['ParentId', 'CommentBody'];
  }
  if (t.files.enabled) out.ContentVersion = ['Sendbird_Message_Id__c'];
  // Contact matching: the External Id it matches on, and what a created Contact gets.
  const c = ctx.config.tickets.contacts;
  const contact = [...(c.create === 'contact' ? CONTACT_CREATE_FIELDS : []), ...(c.match === 'external_id' ? [c.field] : [])];
  if (contact.length > 0) out.Contact = contact;
  // A Person Account's fields exist only where Person Accounts are enabled; its External Id is
  // the Contact field's `__pc` twin.
  if (c.create === 'person_account') {
    out.Account = ['FirstName', 'LastName', 'PersonEmail', ...(c.match === 'external_id' ? [`${c.field.slice(0, -3)}__pc`] : [])];
  }
  return out;
}

function loginFix(ctx: DoctorContext, err: SalesforceError): string {
  const flow = ctx.config.salesforce.authFlow;
  if (err instanceof SalesforceConnectionError) {
    return `check SALESFORCE_LOGIN_URL (${ctx.config.salesforce.loginUrl}): it must be your org's My Domain URL, reachable from this machine`;
  }
  switch (err.errorCode) {
    case 'invalid_client_id':
      return 'SALESFORCE_CLIENT_ID is not a consumer key of this org: copy it from the External Client App (Settings > OAuth Settings > Consumer Key)';
    case 'invalid_client':
      return flow === 'jwt_bearer'
        ? 'the connected app refused the client: check SALESFORCE_CLIENT_ID and that the app has "Use digital signatures" with the certificate of SALESFORCE_JWT_PRIVATE_KEY'
        : 'SALESFORCE_CLIENT_SECRET does not match SALESFORCE_CLIENT_ID: copy the consumer secret from the External Client App (Settings > OAuth Settings > Consumer Secret)';
    case 'invalid_grant':
      if (flow === 'client_credentials')
        return 'enable the Client Credentials Flow on the External Client App and set its "Run As" user (the integration user), then wait a few minutes';
      if (flow === 'jwt_bearer')
        return (
          "check that the app's certificate (Use digital signatures) is the one of SALESFORCE_JWT_PRIVATE_KEY, that SALESFORCE_USERNAME " +
          "is pre-authorized for the app (Admin approved users, via a profile or permission set), and that this machine's clock is right"
        );
      return 'check SALESFORCE_USERNAME and SALESFORCE_PASSWORD (password followed by the security token); better, move to SALESFORCE_AUTH_FLOW=client_credentials';
    case 'unsupported_grant_type':
      return `the org does not allow the ${flow} flow for this app: enable it on the External Client App`;
    default:
      return `see the error above and docs/salesforce-setup.md ("The bridge's Salesforce login")`;
  }
}

const login: Check<DoctorContext> = {
  id: 'salesforce.login',
  title: 'Salesforce login',
  async run(ctx) {
    const flow = ctx.config.salesforce.authFlow;
    try {
      const s = await ctx.salesforce.session();
      ctx.session = { instanceUrl: s.instanceUrl, orgId: s.orgId };
      const detail = `logged in with the ${flow} flow to org ${s.orgId} at ${s.instanceUrl}`;
      if (flow === 'password') {
        return warn(
          `${detail}; the username-password flow is deprecated by Salesforce and blocked by default in orgs created since Summer '23`,
          'move to SALESFORCE_AUTH_FLOW=client_credentials (help.salesforce.com article 000886201) before Salesforce retires the flow for your org',
        );
      }
      return pass(detail);
    } catch (err) {
      if (!(err instanceof SalesforceError)) throw err;
      const what = err instanceof SalesforceAuthError || err.status > 0 ? `${err.errorCode}: ${err.message}` : err.message;
      return fail(`the ${flow} login was refused (${what})`, loginFix(ctx, err));
    }
  },
};

const apiVersion: Check<DoctorContext> = {
  id: 'salesforce.api_version',
  title: 'Salesforce API version',
  needs: ['salesforce.login'],
  async run(ctx) {
    const wanted = ctx.config.salesforce.apiVersion;
    const res = await ctx.fetch(`${ctx.session!.instanceUrl}/services/data/`, {
      headers: { Accept: 'application/json' },
      signal: upstreamSignal(),
    });
    const clock = clockFrom(res.headers, ctx.now());
    if (clock) ctx.clocks.salesforce = clock;
    if (!res.ok)
      return fail(`GET /services/data/ answered ${res.status}`, 'check that the instance URL of the login answer serves the REST API');
    const versions = ((await res.json()) as { version?: string }[]).map((v) => String(v.version));
    const newest = versions.at(-1) ?? '?';
    if (!versions.includes(wanted)) {
      return fail(
        `API version ${wanted} is not served by this org (it serves up to ${newest})`,
        `set SALESFORCE_API_VERSION to ${newest} or an earlier version it lists`,
      );
    }
    return pass(`v${wanted} is served (the org's newest is v${newest})`);
  },
};

async function describe(ctx: DoctorContext, object: string): Promise<DescribeResult | null> {
  if (ctx.describes.has(object)) return ctx.describes.get(object)!;
  let result: DescribeResult | null;
  try {
    const body = await ctx.salesforce.request<{ name: string; fields: DescribeResult['fields'] }>('GET', `/sobjects/${object}/describe`);
    result = { name: body.name, fields: body.fields };
  } catch (err) {
    if (!(err instanceof SalesforceNotFoundError)) throw err;
    result = null;
  }
  ctx.describes.set(object, result);
  return result;
}

const objects: Check<DoctorContext> = {
  id: 'salesforce.package',
  title: "The package's objects and fields, as the integration user sees them",
  needs: ['salesforce.login'],
  async run(ctx) {
    const missing: string[] = [];
    const readOnly: string[] = [];
    let count = 0;
    for (const [object, fields] of Object.entries(requiredFields(ctx))) {
      const d = await describe(ctx, object);
      if (!d) {
        missing.push(`${object} (the whole object)`);
        continue;
      }
      const byName = new Map(d.fields.map((f) => [f.name.toLowerCase(), f]));
      for (const name of fields) {
        count++;
        const f = byName.get(name.toLowerCase());
        if (!f) missing.push(`${object}.${name}`);
        else if (!f.createable) readOnly.push(`${object}.${name}`);
      }
    }
    if (missing.length > 0) {
      return fail(`not deployed or not visible to the integration user: ${missing.join(', ')}`, DEPLOY_FIX);
    }
    if (readOnly.length > 0) {
      return fail(`visible but not writable by the integration user: ${readOnly.join(', ')}`, DEPLOY_FIX);
    }
    return pass(`${count} fields on ${Object.keys(requiredFields(ctx)).join(', ')} are visible and writable`);
  },
};

const caseFields: Check<DoctorContext> = {
  id: 'salesforce.case_fields',
  title: 'The Case fields a ticket may set are writable',
  needs: ['salesforce.login'],
  async run(ctx) {
    const d = await describe(ctx, 'Case');
    if (!d) return fail('the integration user cannot see the Case object', 'give the integration user read, create and edit on Case');
    const byName = new Map(d.fields.map((f) => [f.name.toLowerCase(), f]));
    const notWritable = CASE_FIELD_ALLOW_LIST.filter((n) => !byName.get(n.toLowerCase())?.createable);
    const required = notWritable.filter((n) => REQUIRED_CASE_FIELDS.includes(n));
    const fix =
      'give the integration user edit access to these Case fields: the permission set Sendbird_Bridge_Integration grants it ' +
      'for the allow-list; otherwise field-level security in its own permission set';
    if (required.length > 0) return fail(`every ticket sets ${required.join(', ')}, which the integration user cannot write`, fix);
    if (notWritable.length > 0) return warn(`tickets that set ${notWritable.join(', ')} will be refused: not writable`, fix);
    return pass(`all ${CASE_FIELD_ALLOW_LIST.length} fields of the allow-list are writable`);
  },
};

const cdc: Check<DoctorContext> = {
  id: 'salesforce.cdc',
  title: 'Change Data Capture for Case',
  needs: ['salesforce.login'],
  async run(ctx) {
    const ev = ctx.config.membership.caseEvents;
    if (ev.mode !== 'cdc') return skip("CASE_EVENTS=apex: Case changes arrive from the org's triggers, not Change Data Capture");
    const conn = new PubSubConnection({
      endpoint: ev.pubsubEndpoint,
      caPem: ev.pubsubCaPem,
      salesforce: ctx.salesforce,
      timeoutMs: DOCTOR_UPSTREAM_TIMEOUT_MS,
    });
    try {
      const topic = await conn.getTopic(ev.topic);
      if (!topic.canSubscribe) {
        return fail(
          `${ev.topic} exists, but the integration user may not subscribe to it`,
          'give the integration user the permissions change events need: "View All Data", or "View All" on Case (Setup > Permission Sets)',
        );
      }
      return pass(`${ev.topic} is served by ${ev.pubsubEndpoint} and the integration user may subscribe to it`);
    } catch (err) {
      const f = pubSubFailure(err);
      const where = `${ev.pubsubEndpoint} answered ${grpc.status[f.code] ?? f.code}${f.errorCode ? ` (${f.errorCode})` : ''}: ${f.message}`;
      if (f.code === grpc.status.NOT_FOUND) {
        return fail(
          `${ev.topic} is not a change-event channel of this org (${where})`,
          ev.topic === CASE_CHANGE_TOPIC
            ? 'select Case in Setup > Change Data Capture (Selected Entities), or set CASE_EVENTS=apex'
            : `check SALESFORCE_CDC_TOPIC: the custom channel must exist and hold Case's change events, or unset it for ${CASE_CHANGE_TOPIC}`,
        );
      }
      if (f.code === grpc.status.PERMISSION_DENIED || f.code === grpc.status.UNAUTHENTICATED) {
        return fail(
          where,
          'give the integration user "View All Data" (or "View All" on Case); the Pub/Sub API needs the org to allow API access',
        );
      }
      return fail(
        where,
        'check SALESFORCE_PUBSUB_ENDPOINT (api.pubsub.salesforce.com:7443) and that this machine reaches it (gRPC over TLS, port 7443)',
      );
    } finally {
      conn.close();
    }
  },
};

const apiBudget: Check<DoctorContext> = {
  id: 'salesforce.api_budget',
  title: 'Remaining daily API requests',
  needs: ['salesforce.login'],
  async run(ctx) {
    let max: number | undefined;
    let remaining: number | undefined;
    let source = 'GET /limits';
    try {
      const body = await ctx.salesforce.request<{ DailyApiRequests?: { Max?: number; Remaining?: number } }>('GET', '/limits');
      max = body.DailyApiRequests?.Max;
      remaining = body.DailyApiRequests?.Remaining;
    } catch (err) {
      if (!(err instanceof SalesforceError) || err.status !== 403) throw err;
      // /limits needs "View Setup and Configuration"; every answer's Sforce-Limit-Info says the same.
      const info = ctx.salesforce.limitInfo;
      if (info) {
        max = info.limit;
        remaining = info.limit - info.used;
        source = 'the Sforce-Limit-Info header';
      }
    }
    if (max === undefined || remaining === undefined) {
      return skip('the org did not tell (no /limits access, no Sforce-Limit-Info header)');
    }
    return budgetOutcome(remaining, max, ctx.config.transcript.budgetReserve, source);
  },
};

export function budgetOutcome(remaining: number, max: number, reserve: number, source: string): CheckOutcome {
  const share = max > 0 ? remaining / max : 0;
  const detail = `${remaining} of ${max} left today (${Math.round(share * 100)}%, from ${source})`;
  const fix =
    "find what spends the allowance (Setup > System Overview, or the bridge's /metrics salesforce_api_usage), " +
    'or ask Salesforce for more; the transcript slows down below SALESFORCE_BUDGET_RESERVE';
  if (remaining <= 0) return fail(`${detail}: every call is refused until the 24-hour window moves on`, fix);
  if (share < reserve) return warn(`${detail}: below the reserve of ${Math.round(reserve * 100)}%, so the transcript is slowed`, fix);
  return pass(detail);
}

export const SALESFORCE_CHECKS: readonly Check<DoctorContext>[] = [login, apiVersion, objects, caseFields, cdc, apiBudget];
