/**
 * The Aura half of the LCC protocol: the real sendbird_utilities_bar controller and helper, run
 * on Node over a tiny fake component (the browser version of this is the console simulator).
 * Routing, the deduped Apex call, the unread label, the unavailable warning, opening the Case on every pick (console tab,
 * or record page outside console apps) and the error answers.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const BUNDLE = join(import.meta.dirname, '../../../salesforce/force-app/main/default/aura/sendbird_utilities_bar');
const AGENT = '005EM0000000002YAA';
const CASE = '500EM0000000004YAA';
const SESSION = { appId: 'APP', userId: AGENT, nickname: 'Ava Agent', accessToken: 'tok', expiresAt: 1 };

type Answer = { state: 'SUCCESS'; returnValue: unknown } | { state: 'ERROR'; error: { message: string }[] } | { state: 'INCOMPLETE' };

function evaluate(file: string, $A: unknown): Record<string, (...args: any[]) => any> {
  const source = readFileSync(join(BUNDLE, file), 'utf8').trim();
  return new Function('$A', `"use strict"; return (\n${source}\n);`)($A);
}

/** A component with the markup's attributes and fake console APIs; Apex answers from `answers`. */
function harness(opts: { answers?: Answer[]; console?: boolean; currentUserId?: string; openTabFails?: number } = {}) {
  const answers = [...(opts.answers ?? [{ state: 'SUCCESS', returnValue: SESSION }])];
  const calls: string[] = [];
  const sent: unknown[] = [];
  const pending: (() => void)[] = [];
  let openTabFails = opts.openTabFails ?? 0;
  // The markup's defaults.
  const attrs: Record<string, unknown> = {
    label: 'Chat',
    icon: 'chat',
    unreadCount: 0,
    highlighted: false,
    available: true,
    sessionLoading: false,
    errorMessage: null,
  };
  const $A = {
    get: (expr: string) => (expr === '$SObjectType.CurrentUser.Id' ? (opts.currentUserId ?? AGENT) : undefined),
    getCallback: (fn: (...a: unknown[]) => unknown) => fn,
    enqueueAction: (action: { run: () => void }) => pending.push(() => action.run()),
  };
  const component = {
    get(expr: string) {
      if (expr.startsWith('v.')) return attrs[expr.slice(2)];
      const name = expr.slice(2);
      let callback: ((response: unknown) => void) | undefined;
      let scope: unknown;
      return {
        setCallback(s: unknown, fn: (response: unknown) => void) {
          scope = s;
          callback = fn;
        },
        run() {
          calls.push(`apex:${name}`);
          const a = answers.shift() ?? { state: 'INCOMPLETE' };
          callback?.call(scope, {
            getState: () => a.state,
            getReturnValue: () => (a.state === 'SUCCESS' ? a.returnValue : null),
            getError: () => (a.state === 'ERROR' ? a.error : []),
          });
        },
      };
    },
    set(expr: string, value: unknown) {
      attrs[expr.slice(2)] = value;
    },
    find(id: string) {
      const ok = (what: string) => (p?: unknown) => {
        calls.push(`${what} ${JSON.stringify(p ?? null)}`);
        return Promise.resolve(true);
      };
      if (id === 'SendBird_Bar') return { message: (m: unknown) => sent.push(m) };
      if (id === 'utilitybar')
        return {
          setUtilityLabel: ok('setUtilityLabel'),
          setUtilityHighlighted: ok('setUtilityHighlighted'),
          setUtilityIcon: ok('setUtilityIcon'),
        };
      if (id === 'workspace') {
        const openTab = (p: unknown) => {
          const result = ok('openTab')(p);
          return openTabFails-- > 0 ? Promise.reject(new Error('no tab')) : result;
        };
        return { isConsoleNavigation: () => Promise.resolve(opts.console ?? true), openTab };
      }
      if (id === 'navService') return { navigate: ok('navigate') };
      return undefined;
    },
  };
  const controller = evaluate('sendbird_utilities_barController.js', $A);
  const helper = evaluate('sendbird_utilities_barHelper.js', $A);
  const message = (payload: unknown) => controller.handleMessage!(component, { getParams: () => ({ payload }) }, helper);
  const flush = async () => {
    while (pending.length) pending.shift()!();
    await new Promise((r) => setImmediate(r));
  };
  return {
    attrs,
    calls,
    sent,
    message,
    flush,
    error: (d: string) => controller.handleError!(component, { getParams: () => ({ description: d }) }, helper),
  };
}

test('READY fetches the session once however many READYs arrive, and sends it to the container', async () => {
  const h = harness();
  h.message('READY');
  h.message('READY');
  h.message('READY');
  await h.flush();
  assert.deepEqual(h.calls, ['apex:getAgentSession']);
  assert.deepEqual(h.sent, [SESSION]);
  h.message('READY');
  await h.flush();
  assert.equal(h.calls.length, 2, 'a READY after the answer asks again (a reloaded container)');
});

test('SESSION_EXPIRED fetches a new session', async () => {
  const h = harness({
    answers: [
      { state: 'SUCCESS', returnValue: SESSION },
      { state: 'SUCCESS', returnValue: { ...SESSION, accessToken: 'tok2' } },
    ],
  });
  h.message('READY');
  await h.flush();
  h.message({ event: 'SESSION_EXPIRED' });
  await h.flush();
  assert.deepEqual(h.sent, [SESSION, { ...SESSION, accessToken: 'tok2' }]);
});

test("Apex errors reach the container as {error} with the exception's safe message", async () => {
  const h = harness({
    answers: [{ state: 'ERROR', error: [{ message: 'Sendbird chat is unavailable right now.' }] }, { state: 'INCOMPLETE' }],
  });
  h.message('READY');
  await h.flush();
  h.message('READY');
  await h.flush();
  assert.deepEqual(h.sent, [
    { error: 'Sendbird chat is unavailable right now.' },
    { error: 'Sendbird chat is unavailable right now. Try again in a minute.' },
  ]);
});

test('a session for another user is not passed on (15-character Ids match the 18-character ones)', async () => {
  const other = harness({ answers: [{ state: 'SUCCESS', returnValue: { ...SESSION, userId: '005EM0000000003YAA' } }] });
  other.message('READY');
  await other.flush();
  assert.deepEqual(other.sent, [{ error: 'Sendbird chat is unavailable right now. Try again in a minute.' }]);
  const short = harness({ currentUserId: AGENT.slice(0, 15) });
  short.message('READY');
  await short.flush();
  assert.deepEqual(short.sent, [SESSION]);
});

test('NEWMESSAGE shows "Chat (N)" with the highlight, resets at 0, and skips repeats', async () => {
  const h = harness();
  h.message({ event: 'NEWMESSAGE', unreadCount: 2 });
  h.message({ event: 'NEWMESSAGE', unreadCount: 2 });
  h.message({ event: 'NEWMESSAGE', unreadCount: 0 });
  h.message({ event: 'NEWMESSAGE', unreadCount: 'junk' });
  await h.flush();
  assert.deepEqual(h.calls, [
    'setUtilityLabel {"label":"Chat (2)"}',
    'setUtilityHighlighted {"highlighted":true}',
    'setUtilityLabel {"label":"Chat"}',
    'setUtilityHighlighted {"highlighted":false}',
  ]);
});

test('NEWMESSAGE with `highlighted`: the total stays in the label when the highlight goes off', async () => {
  const h = harness();
  h.message({ event: 'NEWMESSAGE', unreadCount: 3, highlighted: true });
  h.message({ event: 'NEWMESSAGE', unreadCount: 3, highlighted: false });
  h.message({ event: 'NEWMESSAGE', unreadCount: 3, highlighted: false });
  h.message({ event: 'NEWMESSAGE', unreadCount: 0, highlighted: true });
  await h.flush();
  assert.deepEqual(h.calls, [
    'setUtilityLabel {"label":"Chat (3)"}',
    'setUtilityHighlighted {"highlighted":true}',
    'setUtilityLabel {"label":"Chat (3)"}',
    'setUtilityHighlighted {"highlighted":false}',
    'setUtilityLabel {"label":"Chat"}',
    'setUtilityHighlighted {"highlighted":false}',
  ]);
});

test('AVAILABILITY false: "Chat unavailable", the warning icon, highlighted; true: the count, icon and highlight come back', async () => {
  const h = harness();
  h.message({ event: 'NEWMESSAGE', unreadCount: 2, highlighted: false });
  h.message({ event: 'AVAILABILITY', available: false, reason: 'disconnected' });
  h.message({ event: 'AVAILABILITY', available: false, reason: 'disconnected' });
  h.message({ event: 'NEWMESSAGE', unreadCount: 1, highlighted: false });
  h.message({ event: 'AVAILABILITY', available: true });
  h.message({ event: 'AVAILABILITY', available: 'yes' });
  await h.flush();
  assert.deepEqual(h.calls, [
    'setUtilityLabel {"label":"Chat (2)"}',
    'setUtilityHighlighted {"highlighted":false}',
    'setUtilityLabel {"label":"Chat unavailable"}',
    'setUtilityHighlighted {"highlighted":true}',
    'setUtilityIcon {"icon":"warning"}',
    'setUtilityLabel {"label":"Chat unavailable"}',
    'setUtilityHighlighted {"highlighted":true}',
    'setUtilityLabel {"label":"Chat (1)"}',
    'setUtilityHighlighted {"highlighted":false}',
    'setUtilityIcon {"icon":"chat"}',
  ]);
});

test('every CURRENTCHANNEL for a Case asks the workspace to open (or focus) its tab; other Ids are ignored', async () => {
  const h = harness();
  h.message({ event: 'CURRENTCHANNEL', channelUrl: CASE });
  await h.flush();
  // The agent picks the same conversation again (its tab may have been closed meanwhile).
  h.message({ event: 'CURRENTCHANNEL', channelUrl: CASE });
  h.message({ event: 'CURRENTCHANNEL', channelUrl: 'not-a-case' });
  h.message({ event: 'CURRENTCHANNEL', channelUrl: '001EM0000000001YAA' });
  await h.flush();
  const open = `openTab {"recordId":"${CASE}","focus":true}`;
  assert.deepEqual(h.calls, [open, open], 'one openTab per pick of a Case, none for other Ids');
});

test('a Case that cannot be opened is reported, and the next pick tries again', async () => {
  const h = harness({ openTabFails: 1 });
  h.message({ event: 'CURRENTCHANNEL', channelUrl: CASE });
  await h.flush();
  assert.equal(h.attrs.errorMessage, `The Case ${CASE} could not be opened.`, 'the failure is shown');
  h.message({ event: 'CURRENTCHANNEL', channelUrl: CASE });
  await h.flush();
  assert.equal(h.calls.filter((c) => c.startsWith('openTab')).length, 2, 'the second pick asks again');
});

test('outside console apps CURRENTCHANNEL navigates to the record page', async () => {
  const h = harness({ console: false });
  h.message({ event: 'CURRENTCHANNEL', channelUrl: CASE });
  await h.flush();
  assert.deepEqual(h.calls, [
    `navigate {"type":"standard__recordPage","attributes":{"recordId":"${CASE}","objectApiName":"Case","actionName":"view"}}`,
  ]);
});

test('unknown messages are ignored; container errors are shown', async () => {
  const h = harness();
  h.message(null);
  h.message(42);
  h.message({ event: 'SOMETHING_ELSE' });
  await h.flush();
  assert.deepEqual(h.calls, []);
  h.error('iframe failed');
  assert.equal(h.attrs.errorMessage, 'The chat panel reported an error: iframe failed');
});
