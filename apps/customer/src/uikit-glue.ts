/**
 * The customer app's glue to Sendbird UIKit, kept apart from the component so it can be tested
 * at UIKit's boundary (UIKit itself cannot run against the emulators): the options that switch
 * off what a support customer must not do, the message-menu allow-list, the session handler that
 * renews tokens through the bridge, and the API host UIKit is pointed at.
 */
import { SessionHandler } from '@sendbird/chat';
import type { SendbirdSession } from '@sbsf/wire';
import { csatStateInChat, parseNotice, type CsatChatState, type CsatNotice } from '@sbsf/wire/notices';
import { isDefaultApiHost } from './session.js';

/** UIKit options: no reactions, mentions, replies, threads, voice messages or mark-as-unread. */
export const UIKIT_OPTIONS = {
  common: { enableUsingDefaultUserProfile: false },
  groupChannel: {
    enableReactions: false,
    enableMention: false,
    replyType: 'none',
    enableVoiceMessage: false,
    enableMarkAsUnread: false,
  },
  groupChannelSettings: { enableMessageSearch: false },
} as const;

/**
 * The message-menu items a customer gets, by UIKit's names, in this order. An allow-list: an item
 * a later UIKit adds (delete, reply, thread, mark as unread, ...) stays hidden until listed here.
 */
export const SUPPORT_MENU_ITEMS = ['CopyMenuItem', 'EditMenuItem', 'ResendMenuItem'] as const;

/** The allowed items of UIKit's `renderMenuItems` argument, in the allow-list's order. */
export function supportMenuItems<T>(items: Readonly<Record<string, T | undefined>>): T[] {
  return SUPPORT_MENU_ITEMS.map((name) => items[name]).filter((item): item is T => item !== undefined);
}

export const SESSION_ERROR_MESSAGE = 'Your chat session could not be renewed. Reload the page to reconnect.';
export const SESSION_CLOSED_MESSAGE = 'Your chat session was closed. Reload the page to reconnect.';

/**
 * The Chat SDK's session handler: a token it asks for comes from the bridge (`renew`, which calls
 * `POST /session`); a renewal that fails, or a session Sendbird closed, is reported once to `onError`.
 */
export function supportSessionHandler(renew: () => Promise<string>, onError: (message: string) => void): SessionHandler {
  const handler = new SessionHandler();
  handler.onSessionTokenRequired = (resolve, reject) => {
    renew().then(resolve, reject);
  };
  handler.onSessionError = () => onError(SESSION_ERROR_MESSAGE);
  handler.onSessionClosed = () => onError(SESSION_CLOSED_MESSAGE);
  return handler;
}

/** UIKit's `customApiHost`: the bridge's `apiHost` unless it is the app's default Sendbird host. */
export function customApiHostFor(session: Pick<SendbirdSession, 'appId' | 'apiHost'>): string | undefined {
  return isDefaultApiHost(session.appId, session.apiHost) ? undefined : session.apiHost;
}

/** A message as the Chat SDK hands it to UIKit's renderers (the fields the survey reads). */
export interface SdkMessageLike {
  messageType?: string;
  customType?: string;
  data?: string;
  message?: string;
}

/**
 * The survey to render in place of a message, or null for any other message: the bridge's
 * `csat.request` admin message (read through the same `parseNotice` as the sandbox pane), its
 * question, and what the message alone says of it (expired once its time passed; the survey asks
 * the bridge for the rest when shown).
 */
export function csatRequestOf(
  m: SdkMessageLike,
  now: number = Date.now(),
): { request: Extract<CsatNotice, { sbsf: 'csat.request' }>; question: string; hint: CsatChatState } | null {
  if (m.messageType !== 'admin') return null;
  const n = parseNotice({ type: 'ADMM', custom_type: m.customType ?? '', data: m.data ?? '' });
  if (n?.sbsf !== 'csat.request') return null;
  return { request: n, question: m.message ?? '', hint: csatStateInChat(n, [], now) };
}
