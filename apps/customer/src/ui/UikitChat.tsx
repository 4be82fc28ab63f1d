/**
 * The conversation in Sendbird UIKit React v3 (loaded on demand: the sandbox never downloads it).
 *
 * Connected with the customer's session token; when Sendbird asks for a new one, the session
 * handler gets it from the bridge (`POST /session`). What a support customer must not do is
 * switched off, as Sendbird's support-chat samples do (reference notes §2 item 14): no channel
 * settings (leave, invite, delete, channel-profile edit live there), no reactions, threads,
 * replies, mentions, message search, voice messages, mark-as-unread or message delete; the
 * channel lifecycle and membership belong to the bridge.
 */
import { useCallback, useMemo, useRef, type ComponentType } from 'react';
import SendbirdProvider from '@sendbird/uikit-react/SendbirdProvider';
import GroupChannel from '@sendbird/uikit-react/GroupChannel';
import GroupChannelHeader from '@sendbird/uikit-react/GroupChannel/components/GroupChannelHeader';
import { MessageContent } from '@sendbird/uikit-react/ui/MessageContent';
import { MessageMenu } from '@sendbird/uikit-react/ui/MessageMenu';
import { MobileMenu } from '@sendbird/uikit-react/ui/MobileMenu';
import '@sendbird/uikit-react/dist/index.css';
import type { SendbirdSession } from '@sbsf/wire';
import { CSAT_CSS, CsatSurvey } from '@sbsf/sandbox-chat/csat';
import type { CsatClient } from '@sbsf/sandbox-chat/csat-client';
import { csatRequestOf, customApiHostFor, supportMenuItems, supportSessionHandler, UIKIT_OPTIONS } from '../uikit-glue.js';

export interface UikitChatProps {
  session: SendbirdSession;
  channelUrl: string;
  /** Gets a new session token from the bridge. */
  renewToken: () => Promise<string>;
  onSessionError?: (message: string) => void;
  /** The bridge's survey endpoints: the satisfaction survey is answered in the conversation. */
  csat?: CsatClient;
}

/** The message menu's items a customer gets (`supportMenuItems`: copy, edit, resend). */
function SupportMenu({ items }: { items: Readonly<Record<string, ComponentType | undefined>> }) {
  return (
    <>
      {supportMenuItems(items).map((Item, i) => (
        <Item key={i} />
      ))}
    </>
  );
}

export default function UikitChat({ session, channelUrl, renewToken, onSessionError, csat }: UikitChatProps) {
  // The provider connects once with the first token; later tokens go through the handler, so a
  // renewal never tears the connection down.
  const first = useRef(session).current;
  const renew = useRef(renewToken);
  renew.current = renewToken;
  const onError = useRef(onSessionError);
  onError.current = onSessionError;

  const configureSession = useCallback(
    () =>
      supportSessionHandler(
        () => renew.current(),
        (message) => onError.current?.(message),
      ),
    [],
  );

  const customApiHost = useMemo(() => customApiHostFor(first), [first]);

  return (
    <div className="uikit-frame" data-testid="uikit-chat">
      <style>{CSAT_CSS}</style>
      <SendbirdProvider
        appId={first.appId}
        userId={first.userId}
        accessToken={first.accessToken}
        {...(customApiHost ? { customApiHost } : {})}
        configureSession={configureSession}
        allowProfileEdit={false}
        uikitOptions={UIKIT_OPTIONS}
      >
        <GroupChannel
          channelUrl={channelUrl}
          showSearchIcon={false}
          disableUserProfile
          isReactionEnabled={false}
          replyType="NONE"
          // The default header's info button opens the channel settings: not for customers.
          renderChannelHeader={(props) => <GroupChannelHeader {...props} renderRight={() => null} />}
          renderMessageContent={(props) => {
            // The bridge's survey (an admin message) as the same form the sandbox pane shows.
            const survey = csatRequestOf(props.message);
            if (survey) return <CsatSurvey {...survey} {...(csat ? { client: csat } : {})} />;
            return (
              <MessageContent
                {...props}
                // On phones a long press opens a bottom sheet instead of the menu: same items.
                renderMobileMenuOnLongPress={(sheetProps) => (
                  <MobileMenu
                    {...sheetProps}
                    deleteMenuState="HIDE"
                    isReactionEnabled={false}
                    renderMenuItems={({ items }) => <SupportMenu items={items} />}
                  />
                )}
                renderMessageMenu={(menuProps) => (
                  <MessageMenu {...menuProps} disableDeleteMessage renderMenuItems={({ items }) => <SupportMenu items={items} />} />
                )}
              />
            );
          }}
        />
      </SendbirdProvider>
    </div>
  );
}
