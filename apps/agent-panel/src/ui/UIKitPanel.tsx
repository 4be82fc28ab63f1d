/**
 * Real renderer: Sendbird UIKit React v3 connected as the agent with the session token Aura sent.
 * The agent sees the support channels (custom_type `sf_case`), the conversation and its
 * settings; creating, leaving or editing channels is off, because the bridge owns the channels
 * and their membership (it follows the Case owner). Loaded lazily: the sandbox never needs it.
 *
 * UIKit cannot run against the emulators (the Sendbird client protocol is not emulated), so this
 * file is built and type-checked here and runs only with a real Sendbird application.
 */
import { SessionHandler, UserEventHandler } from '@sendbird/chat';
import { GroupChannelHandler } from '@sendbird/chat/groupChannel';
import ChannelSettings from '@sendbird/uikit-react/ChannelSettings';
import GroupChannel from '@sendbird/uikit-react/GroupChannel';
import GroupChannelList from '@sendbird/uikit-react/GroupChannelList';
import GroupChannelListHeader from '@sendbird/uikit-react/GroupChannelList/components/GroupChannelListHeader';
import { GroupChannelListItem } from '@sendbird/uikit-react/GroupChannelList/components/GroupChannelListItem';
import SendbirdProvider from '@sendbird/uikit-react/SendbirdProvider';
import useSendbirdStateContext from '@sendbird/uikit-react/useSendbirdStateContext';
import '@sendbird/uikit-react/dist/index.css';
import { SUPPORT_CHANNEL_CUSTOM_TYPE, type LccAgentSession } from '@sbsf/wire';
import { useCallback, useEffect, useState } from 'react';
import type { PanelLink } from '../lcc/panel-link.js';

const HANDLER_KEY = 'sbsf-agent-panel';
const CHANNEL_FILTER = { customTypesFilter: [SUPPORT_CHANNEL_CUSTOM_TYPE], includeEmpty: true };

/** Reports the total unread count of the support channels to the link. */
function UnreadReporter({ link }: { link: PanelLink }) {
  const { stores } = useSendbirdStateContext();
  const { sdk, initialized } = stores.sdkStore;
  useEffect(() => {
    if (!initialized || !sdk?.groupChannel) return;
    let live = true;
    // Re-read the filtered total on every hint: the SDK's pushed counts are not filtered by
    // custom type, and the tutorial notes that the count event alone was not reliable.
    const refresh = (): void => {
      sdk.groupChannel
        .getTotalUnreadMessageCount({ channelCustomTypesFilter: [SUPPORT_CHANNEL_CUSTOM_TYPE] })
        .then((total: number) => live && link.reportUnread(total))
        .catch(() => undefined);
    };
    sdk.addUserEventHandler(HANDLER_KEY, new UserEventHandler({ onTotalUnreadMessageCountChanged: refresh }));
    sdk.groupChannel.addGroupChannelHandler(
      HANDLER_KEY,
      new GroupChannelHandler({ onMessageReceived: refresh, onChannelChanged: refresh }),
    );
    refresh();
    return () => {
      live = false;
      sdk.removeUserEventHandler(HANDLER_KEY);
      sdk.groupChannel.removeGroupChannelHandler(HANDLER_KEY);
    };
  }, [sdk, initialized, link]);
  return null;
}

export default function UIKitPanel({ session, link }: { session: LccAgentSession; link: PanelLink }) {
  // The provider reconnects when its props change, so it keeps the first token; renewed tokens
  // go to the SDK through the session handler below.
  const [initialToken] = useState(session.accessToken);
  const [channelUrl, setChannelUrl] = useState<string | undefined>(undefined);
  const [showSettings, setShowSettings] = useState(false);

  const configureSession = useCallback(
    () =>
      new SessionHandler({
        onSessionTokenRequired: (resolve, reject) => {
          link.requestSession().then((next) => resolve(next.accessToken), reject);
        },
        onSessionError: (err) => console.warn(`[agent-panel] Sendbird session error: ${err.message}`),
      }),
    [link],
  );

  const select = (url: string | undefined): void => {
    setChannelUrl(url);
    link.selectChannel(url);
  };

  return (
    <SendbirdProvider
      appId={session.appId}
      userId={session.userId}
      accessToken={initialToken}
      nickname={session.nickname}
      configureSession={configureSession}
      breakpoint={false}
      uikitOptions={{
        common: { enableUsingDefaultUserProfile: false },
        groupChannel: { enableVoiceMessage: false, enableReactions: false, enableMention: false, replyType: 'none' },
        groupChannelList: { enableTypingIndicator: true, enableMessageReceiptStatus: true },
        groupChannelSettings: { enableMessageSearch: false },
      }}
    >
      <UnreadReporter link={link} />
      <div className="panel-uikit">
        <div className="panel-uikit-list">
          <GroupChannelList
            selectedChannelUrl={channelUrl}
            onChannelSelect={(channel) => select(channel?.url)}
            onChannelCreated={() => undefined}
            channelListQueryParams={CHANNEL_FILTER}
            allowProfileEdit={false}
            disableAutoSelect
            // No "create channel" button: the bridge creates one per Case.
            renderHeader={() => <GroupChannelListHeader renderRight={() => <></>} />}
            // No "leave channel" menu: membership follows the Case owner.
            renderChannelPreview={(props) => <GroupChannelListItem {...props} renderChannelAction={() => <></>} />}
          />
        </div>
        <div className="panel-uikit-channel">
          {channelUrl ? (
            <GroupChannel channelUrl={channelUrl} onChatHeaderActionClick={() => setShowSettings((s) => !s)} />
          ) : (
            <p className="panel-placeholder">Pick a conversation.</p>
          )}
        </div>
        {channelUrl && showSettings && (
          <div className="panel-uikit-settings">
            <ChannelSettings channelUrl={channelUrl} onCloseClick={() => setShowSettings(false)} renderLeaveChannel={() => <></>} />
          </div>
        )}
      </div>
    </SendbirdProvider>
  );
}
