/**
 * The customer app's UIKit glue at UIKit's boundary: the Chat SDK's own SessionHandler, UIKit's
 * own menu item names (read from its type declarations), UIKit's own option names (its defaults,
 * which the options override), and the API host UIKit is given.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { SessionHandler } from '@sendbird/chat';
import { defaultApiHost, renewDelay, RENEW_BEFORE_MS, MIN_RENEW_DELAY_MS } from '../src/session.js';
import { MessageType } from '@sendbird/chat/message';
import {
  csatRequestOf,
  customApiHostFor,
  SESSION_CLOSED_MESSAGE,
  SESSION_ERROR_MESSAGE,
  SUPPORT_MENU_ITEMS,
  supportMenuItems,
  supportSessionHandler,
  UIKIT_OPTIONS,
} from '../src/uikit-glue.js';

/** Every menu item UIKit's installed version offers, by the names its declarations export. */
function uikitMenuItemNames(): string[] {
  const pkg = createRequire(import.meta.url).resolve('@sendbird/uikit-react/package.json');
  const dir = join(dirname(pkg), 'types/ui/MessageMenu/menuItems');
  const names = new Set<string>();
  for (const file of ['MessageMenuItems.d.ts', 'MobileMenuItems.d.ts']) {
    for (const m of readFileSync(join(dir, file), 'utf8').matchAll(/export declare const (\w+MenuItem)\b/g)) names.add(m[1]!);
  }
  return [...names];
}

test("the message menu: copy, edit and resend of UIKit's items, whatever else this UIKit offers", () => {
  const names = uikitMenuItemNames();
  for (const name of SUPPORT_MENU_ITEMS) assert.ok(names.includes(name), `UIKit still offers ${name}`);
  assert.ok(names.includes('DeleteMenuItem') && names.includes('ReplyMenuItem'), 'the declarations were read');
  const items = Object.fromEntries(names.map((n) => [n, n]));
  assert.deepEqual(supportMenuItems(items), ['CopyMenuItem', 'EditMenuItem', 'ResendMenuItem']);
  assert.deepEqual(supportMenuItems({ ...items, SomeFutureMenuItem: 'SomeFutureMenuItem' }).length, 3, 'a new item stays hidden');
  assert.deepEqual(supportMenuItems({ CopyMenuItem: 'c' }), ['c'], 'an item this UIKit lacks is skipped');
});

test("the session handler is the Chat SDK's, and a token it asks for comes from the bridge", async () => {
  const errors: string[] = [];
  let renewals = 0;
  const handler = supportSessionHandler(
    async () => `token-${++renewals}`,
    (m) => errors.push(m),
  );
  assert.ok(handler instanceof SessionHandler);
  const token = await new Promise<string | null>((resolve, reject) => handler.onSessionTokenRequired!(resolve, reject));
  assert.equal(token, 'token-1');

  const failing = supportSessionHandler(
    () => Promise.reject(new Error('bridge down')),
    (m) => errors.push(m),
  );
  const refused = await new Promise<unknown>((resolve) => failing.onSessionTokenRequired!(() => resolve('resolved'), resolve));
  assert.equal((refused as Error).message, 'bridge down', 'a failed renewal rejects, so the SDK reports a session error');
  failing.onSessionError!(new Error('x') as never);
  failing.onSessionClosed!();
  assert.deepEqual(errors, [SESSION_ERROR_MESSAGE, SESSION_CLOSED_MESSAGE]);
});

test('UIKit is pointed at the emulator or a custom host, never told the default one', () => {
  assert.equal(customApiHostFor({ appId: 'ABC-1', apiHost: defaultApiHost('ABC-1') }), undefined);
  assert.equal(customApiHostFor({ appId: 'ABC-1', apiHost: 'https://api-abc-1.sendbird.com/' }), undefined, 'case and a trailing slash');
  assert.equal(customApiHostFor({ appId: 'ABC-1', apiHost: 'http://127.0.0.1:8082' }), 'http://127.0.0.1:8082');
});

test('tokens are renewed a minute before they expire, never sooner than 5 s from now', () => {
  const now = 1_000_000;
  assert.equal(renewDelay(now + 3_600_000, now), 3_600_000 - RENEW_BEFORE_MS);
  assert.equal(renewDelay(now + 30_000, now), MIN_RENEW_DELAY_MS);
  assert.equal(renewDelay(now + 10 * 86_400_000 * 30, now), 2_147_483_647, 'within what setTimeout can wait');
});

/**
 * UIKit's own defaults (its `initialConfig`, from the @sendbird/uikit-tools that UIKit installs),
 * by the `uikitOptions` section that overrides them (UIKit's `UIKitOptions` type maps the sections).
 */
function uikitDefaults(): Record<string, Record<string, unknown>> {
  const fromUikit = createRequire(createRequire(import.meta.url).resolve('@sendbird/uikit-react/package.json'));
  const { initialConfig } = fromUikit('@sendbird/uikit-tools') as { initialConfig: any };
  return {
    common: initialConfig.common,
    groupChannel: initialConfig.groupChannel.channel,
    groupChannelList: initialConfig.groupChannel.channelList,
    groupChannelSettings: initialConfig.groupChannel.setting,
  };
}

test('what a support customer must not do is switched off: every option is one this UIKit knows, set to its off value', () => {
  const defaults = uikitDefaults();
  assert.equal(defaults.groupChannel?.enableReactions, true, "UIKit's defaults were read (reactions are on by default)");
  const set = Object.entries(UIKIT_OPTIONS).flatMap(([section, options]) =>
    Object.entries(options).map(([name, value]) => ({ section, name, value })),
  );
  assert.ok(set.length >= 7);
  for (const { section, name, value } of set) {
    // UIKit ignores an option it does not know (a typo, a rename in a later UIKit): nothing would be switched off.
    assert.ok(defaults[section] && name in defaults[section], `UIKit knows uikitOptions.${section}.${name}`);
    assert.ok(value === false || value === 'none', `uikitOptions.${section}.${name} is off (${String(value)})`);
  }
});

test("the survey in UIKit: the bridge's csat.request admin message, as the Chat SDK and UIKit name its fields", () => {
  // The Chat SDK's admin message type and the fields of its message declarations the glue reads.
  assert.equal(MessageType.ADMIN, 'admin');
  const pkg = createRequire(import.meta.url).resolve('@sendbird/chat/package.json');
  const base = readFileSync(join(dirname(pkg), 'lib/__definition.d.ts'), 'utf8');
  for (const field of ['messageType', 'customType', 'data', 'message']) {
    assert.match(base, new RegExp(`^\\s+${field}: `, 'm'), `the Chat SDK's messages have ${field}`);
  }
  // UIKit's GroupChannel takes renderMessageContent, which is called for admin messages too.
  const uikit = createRequire(import.meta.url).resolve('@sendbird/uikit-react/package.json');
  const view = readFileSync(join(dirname(uikit), 'types/modules/GroupChannel/components/GroupChannelUI/GroupChannelUIView.d.ts'), 'utf8');
  assert.match(view, /renderMessageContent\?: \(props: MessageContentProps\)/);

  const request = { sbsf: 'csat.request', surveyId: 's-1', caseId: '500EM0000000001YAA', expiresAt: 2_000 };
  const admin = { messageType: MessageType.ADMIN, customType: 'sbsf_bridge', data: JSON.stringify(request), message: 'How was it?' };
  assert.deepEqual(csatRequestOf(admin, 1_000), { request, question: 'How was it?', hint: { state: 'open' } });
  assert.deepEqual(csatRequestOf(admin, 2_000)?.hint, { state: 'expired' }, 'past its expiry: shown expired');
  assert.equal(csatRequestOf({ ...admin, messageType: MessageType.USER }), null, "a user's message with the same data is not a survey");
  assert.equal(csatRequestOf({ ...admin, customType: 'other' }), null, 'another custom type is not the bridge');
  assert.equal(csatRequestOf({ ...admin, data: JSON.stringify({ sbsf: 'case.closed' }) }), null, 'another notice');
  assert.equal(csatRequestOf({ ...admin, data: '{broken' }), null);
});
