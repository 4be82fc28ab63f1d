/**
 * The Sendbird checks: the app id against the API host (its region), the API token (a read call),
 * the webhook settings (`GET /v3/applications/settings/webhook`: on, pointed at this bridge, with
 * the categories the transcript needs), a signed sample verified, and rate-limit headroom.
 */
import { signWebhook, verifyWebhookSignature } from '@sbsf/sendbird';
import { MESSAGE_CATEGORIES } from '../transcript/webhook-payload.js';
import { SIGNATURE_HEADER, WEBHOOK_PATH } from '../transcript/webhook-route.js';
import { fail, pass, warn, type Check } from './check.js';
import { clockFrom, upstreamSignal, type DoctorContext } from './context.js';

/** The categories the transcript reads (transcript/webhook-payload.ts). */
export const NEEDED_CATEGORIES: readonly string[] = Object.values(MESSAGE_CATEGORIES);

/** Sendbird's API origin for an app: its id selects the region (`api-{app id}.sendbird.com`). */
export const sendbirdApiOrigin = (appId: string) => `https://api-${appId.toLowerCase()}.sendbird.com`;

/** The bridge's webhook URL, as Sendbird must call it. */
export const webhookUrl = (publicUrl: string) => `${publicUrl.replace(/\/+$/, '')}${WEBHOOK_PATH}`;

interface SendbirdAnswer {
  status: number;
  body: { code?: number; message?: string } & Record<string, unknown>;
  headers: Headers;
}

async function sendbirdGet(ctx: DoctorContext, path: string): Promise<SendbirdAnswer> {
  const sb = ctx.config.sendbird;
  const res = await ctx.fetch(`${sb.apiUrl}${path}`, {
    headers: { 'Api-Token': sb.apiToken, Accept: 'application/json' },
    signal: upstreamSignal(),
  });
  const clock = clockFrom(res.headers, ctx.now());
  if (clock) ctx.clocks.sendbird = clock;
  const text = await res.text();
  let body: SendbirdAnswer['body'] = {};
  try {
    body = JSON.parse(text) as SendbirdAnswer['body'];
  } catch {
    body = { message: text.slice(0, 200) };
  }
  if (res.status === 429) {
    const after = Number(res.headers.get('x-ratelimit-retryafter'));
    ctx.sendbirdRateLimited = { retryAfterMs: Number.isFinite(after) ? after * 1000 : undefined };
  }
  return { status: res.status, body, headers: res.headers };
}

const region: Check<DoctorContext> = {
  id: 'sendbird.region',
  title: 'Sendbird application id and region',
  async run(ctx) {
    const { appId, apiUrl } = ctx.config.sendbird;
    const expected = sendbirdApiOrigin(appId);
    const host = new URL(apiUrl).hostname.toLowerCase();
    if (!host.endsWith('.sendbird.com')) {
      return pass(`SENDBIRD_API_URL is ${apiUrl} (not Sendbird's own host: an emulator or a proxy); app id ${appId}`);
    }
    if (new URL(apiUrl).origin.toLowerCase() !== expected) {
      return fail(
        `SENDBIRD_API_URL is ${apiUrl}, but app ${appId} is served at ${expected}: the token and the webhooks are another app's, or another region's`,
        `unset SENDBIRD_API_URL (the bridge derives ${expected} from SENDBIRD_APP_ID), or set SENDBIRD_APP_ID to the app that URL serves`,
      );
    }
    return pass(`app ${appId} at ${apiUrl}`);
  },
};

const token: Check<DoctorContext> = {
  id: 'sendbird.token',
  title: 'Sendbird API token',
  needs: ['sendbird.region'],
  async run(ctx) {
    let res: SendbirdAnswer;
    try {
      res = await sendbirdGet(ctx, '/v3/group_channels?limit=1');
    } catch (err) {
      return fail(
        `no answer from ${ctx.config.sendbird.apiUrl} (${(err as Error).message})`,
        'check SENDBIRD_APP_ID (and SENDBIRD_API_URL if set) and that this machine reaches Sendbird',
      );
    }
    if (res.status === 200) return pass('a read call (GET /v3/group_channels) was answered');
    if (res.body.code === 400401) {
      return fail(
        `Sendbird refused the token (400401 ${res.body.message ?? ''})`.trim(),
        "set SENDBIRD_API_TOKEN to the app's master API token (Dashboard > Settings > Application > General > API tokens); " +
          'a revoked or secondary token of another app is refused',
      );
    }
    if (res.status === 429) return warn('Sendbird answered 429 (rate limited) to a read call', 'see "Sendbird rate-limit headroom"');
    return fail(
      `GET /v3/group_channels answered ${res.status} ${res.body.code ?? ''} ${res.body.message ?? ''}`.trim(),
      "check SENDBIRD_APP_ID and the token; Sendbird's status page if it answers 5xx",
    );
  },
};

const webhook: Check<DoctorContext> = {
  id: 'sendbird.webhook',
  title: 'Sendbird webhook to this bridge',
  needs: ['sendbird.token'],
  async run(ctx) {
    const want = webhookUrl(ctx.config.http.publicUrl);
    const res = await sendbirdGet(ctx, '/v3/applications/settings/webhook');
    const dashboard = 'Sendbird Dashboard > Settings > Chat > Webhooks';
    if (res.status !== 200) {
      return fail(
        `the webhook settings could not be read (${res.status} ${res.body.code ?? ''} ${res.body.message ?? ''})`.trim(),
        `check them by hand in ${dashboard}: URL ${want}, events ${NEEDED_CATEGORIES.join(', ')}`,
      );
    }
    const w = (res.body.webhook ?? {}) as { enabled?: boolean; url?: string; enabled_events?: string[] };
    const events = w.enabled_events ?? [];
    const missing = events.includes('*') ? [] : NEEDED_CATEGORIES.filter((c) => !events.includes(c));
    const setIt = `turn the webhook on with URL ${want}`;
    const problems: string[] = [];
    const fixes: string[] = [];
    if (!w.enabled || !w.url) {
      problems.push('the webhook is off or has no URL');
      fixes.push(setIt);
    } else if (w.url.replace(/\/+$/, '') !== want) {
      problems.push(`the webhook goes to ${w.url}, not to this bridge (${want})`);
      fixes.push(`set the webhook URL to ${want} (PUBLIC_URL + ${WEBHOOK_PATH})`);
    }
    if (missing.length > 0) {
      problems.push(`the categories ${missing.join(', ')} are not subscribed`);
      fixes.push(`subscribe to ${missing.join(', ')}`);
    }
    if (problems.length > 0) {
      return fail(`${problems.join('; ')}: no transcript reaches Salesforce`, `in ${dashboard}: ${fixes.join('; ')}`);
    }
    return pass(`on, to ${want}, with ${events.includes('*') ? 'every category' : NEEDED_CATEGORIES.join(', ')}`);
  },
};

const signature: Check<DoctorContext> = {
  id: 'sendbird.signature',
  title: 'A signed sample webhook verified',
  async run(ctx) {
    const sb = ctx.config.sendbird;
    // A category the bridge ignores after checking the signature: nothing is stored.
    const body = JSON.stringify({ category: 'doctor:signature_check', app_id: sb.appId, sent_at: ctx.now() });
    const sig = signWebhook(body, sb.apiToken);
    if (!verifyWebhookSignature({ rawBody: body, signature: sig, apiToken: sb.apiToken, previousApiTokens: sb.previousApiTokens })) {
      return fail('a sample signed with SENDBIRD_API_TOKEN does not verify', 'SENDBIRD_API_TOKEN must be a non-empty token');
    }
    const url = webhookUrl(ctx.config.http.publicUrl);
    let status: number;
    try {
      const res = await ctx.fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: sig, 'user-agent': 'SendBird' },
        signal: upstreamSignal(),
        body,
      });
      status = res.status;
      await res.text();
    } catch (err) {
      return warn(
        `signed and verified here; the bridge at ${url} did not answer from this machine (${(err as Error).message})`,
        'run the doctor where the bridge runs, or start the bridge, to check its answer too',
      );
    }
    if (status === 200) return pass(`the bridge at ${url} verified a sample signed with SENDBIRD_API_TOKEN`);
    if (status === 401) {
      return fail(
        `the bridge at ${url} refused a sample signed with this SENDBIRD_API_TOKEN (401)`,
        'the running bridge has another SENDBIRD_API_TOKEN: give it the master token of this app (list the old one in SENDBIRD_PREVIOUS_API_TOKENS while rotating) and restart it',
      );
    }
    return warn(
      `the bridge at ${url} answered ${status} to a signed sample`,
      `check that PUBLIC_URL (${ctx.config.http.publicUrl}) is this bridge`,
    );
  },
};

const rateLimit: Check<DoctorContext> = {
  id: 'sendbird.rate_limit',
  title: 'Sendbird rate-limit headroom',
  needs: ['sendbird.token'],
  async run(ctx) {
    const limited = ctx.sendbirdRateLimited;
    const capped = ctx.config.sendbird.cappedPerSecond;
    if (limited) {
      const after = limited.retryAfterMs !== undefined ? ` (retry after ${Math.ceil(limited.retryAfterMs / 1000)} s)` : '';
      return warn(
        `Sendbird answered 429 to the doctor's few calls${after}: the app is at its limit now`,
        'see what else calls this app (another bridge, scripts); lower SENDBIRD_CAPPED_PER_SECOND if several bridges share it, or raise the plan',
      );
    }
    if (capped === 0) {
      return warn(
        'no 429 seen; SENDBIRD_CAPPED_PER_SECOND=0: the bridge does not pace the capped endpoints',
        'set SENDBIRD_CAPPED_PER_SECOND (e.g. 5)',
      );
    }
    return pass(
      `no 429 on the doctor's calls; the bridge paces channel creation, invites and sends at ${capped}/s ` +
        '(Sendbird reports no remaining quota on successful calls, so the headroom itself is not readable)',
    );
  },
};

export const SENDBIRD_CHECKS: readonly Check<DoctorContext>[] = [region, token, webhook, signature, rateLimit];
