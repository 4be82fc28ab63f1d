/**
 * Real renderer: Sendbird UIKit React v3 connected as the agent with the session token Aura sent.
 * The agent sees the support channels (custom_type `sf_case`), the conversation and its
 * settings; creating, leaving or editing channels is off, because the bridge owns the channels
 * and their membership (it follows the Case owner). Loaded lazily: the sandbox never needs it.
 *
 * UIKit cannot run against the emulators (the Sendbird client protocol is not emulated), so this
 * file is built and type-checked here and runs only with a real Sendbird application.
 */
import { ConnectionHandler, SessionHandler, UserEventHandler } from '@sendbird/chat';
import { GroupChannelHandler, GroupChannelListOrder } from '@sendbird/chat/groupChannel';
import ChannelSettings from '@sendbird/uikit-react/ChannelSettings';
import GroupChannel from '@sendbird/uikit-react/GroupChannel';
import MessageInputWrapper from '@sendbird/uikit-react/GroupChannel/components/MessageInputWrapper';
import { useGroupChannel } from '@sendbird/uikit-react/GroupChannel/context';
import GroupChannelList from '@sendbird/uikit-react/GroupChannelList';
import GroupChannelListHeader from '@sendbird/uikit-react/GroupChannelList/components/GroupChannelListHeader';
import SendbirdProvider from '@sendbird/uikit-react/SendbirdProvider';
import useSendbirdStateContext from '@sendbird/uikit-react/useSendbirdStateContext';
import '@sendbird/uikit-react/dist/index.css';
import { SUPPORT_CHANNEL_CUSTOM_TYPE, WAITING_REFRESH_MS, type LccAgentSession } from '@sbsf/wire';
import { useCallback, useEffect, useId, useState, type KeyboardEvent } from 'react';
import type { PanelLink } from '../lcc/panel-link.js';
import { CaseHistory } from './CaseHistory.js';
import { agentComposer } from './agent-composer.js';
import { supportPreview, type PreviewChannel } from './support-preview.js';

const HANDLER_KEY = 'sbsf-agent-panel';
// Most recent activity first (UIKit's default order, said out loud).
const CHANNEL_FILTER = {
  customTypesFilter: [SUPPORT_CHANNEL_CUSTOM_TYPE],
  includeEmpty: true,
  order: GroupChannelListOrder.LATEST_LAST_MESSAGE,
};

/** The current time, renewed every minute (for "waiting N min"). */
function useNow(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), WAITING_REFRESH_MS);
    return () => clearInterval(timer);
  }, []);
  return now;
}

/** Arrow keys, Home and End move between the previews (UIKit's list has no keyboard model of its own). */
function moveFocus(e: KeyboardEvent<HTMLButtonElement>): void {
  const list = e.currentTarget.closest('.panel-uikit-list');
  const buttons = [...(list?.querySelectorAll<HTMLButtonElement>('button.panel-preview') ?? [])];
  const i = buttons.indexOf(e.currentTarget);
  const to = { ArrowDown: i + 1, ArrowUp: i - 1, Home: 0, End: buttons.length - 1 }[e.key];
  if (to === undefined || i < 0) return;
  e.preventDefault();
  buttons[Math.max(0, Math.min(buttons.length - 1, to))]?.focus();
}

/**
 * A support channel in UIKit's channel list: subject (or "Case <number>"), customer, status,
 * time waiting, last message, unread badge. UIKit wraps it in an element whose click selects the
 * channel, so the button only has to be clickable (Enter and Space click a button).
 */
export function SupportChannelPreview({ channel, selected }: { channel: PreviewChannel; selected: boolean }) {
  const now = useNow();
  const lastId = useId();
  const p = supportPreview(channel, now);
  // The name is the content (the fields with spoken commas, spoken forms of the waiting time and
  // the badge; it reads as p.label); the last message is the description.
  const comma = <span className="panel-sr-only">, </span>;
  return (
    <button
      type="button"
      className="panel-preview"
      aria-current={selected ? 'true' : undefined}
      aria-describedby={lastId}
      data-channel-url={channel.url}
      data-closed={p.closed}
      onKeyDown={moveFocus}
    >
      <span className="panel-preview-text">
        <span className="panel-preview-title">{p.title}</span>
        <span className="panel-preview-facts">
          {p.customerName && (
            <>
              {comma}
              <span>{p.customerName}</span>
            </>
          )}
          {p.status && (
            <>
              {comma}
              <span className="panel-preview-status">{p.status}</span>
            </>
          )}
          {p.waiting && (
            <>
              {comma}
              <span className="panel-preview-waiting" aria-hidden="true">
                {p.waiting}
              </span>
              <span className="panel-sr-only">{p.waitingSpoken}</span>
            </>
          )}
        </span>
        <span className="panel-preview-last" id={lastId} aria-hidden="true">
          {p.lastText}
        </span>
      </span>
      {p.unread > 0 && (
        <>
          <span className="panel-preview-badge" aria-hidden="true">
            {p.unread > 99 ? '99+' : p.unread}
          </span>
          <span className="panel-sr-only">{`, ${p.unread} unread message${p.unread === 1 ? '' : 's'}`}</span>
        </>
      )}
    </button>
  );
}

/**
 * UIKit's message input while the agent is in the conversation; once the bridge has given the
 * Case to someone else (or to a queue), the read-only note instead (agent-composer.ts).
 */
function AgentMessageInput({ agentId }: { agentId: string }) {
  const { state } = useGroupChannel();
  const composer = agentComposer(state.currentChannel, state.messages, agentId);
  if (composer.kind === 'input') return <MessageInputWrapper />;
  return (
    <div className="panel-read-only" role="status">
      {composer.note}
    </div>
  );
}

/** Tells the link whether the chat SDK is connected (chat is "unavailable" after a while without). */
function ConnectionReporter({ link }: { link: PanelLink }) {
  const { stores } = useSendbirdStateContext();
  const { sdk, initialized } = stores.sdkStore;
  useEffect(() => {
    if (!initialized || !sdk) return;
    sdk.addConnectionHandler(
      HANDLER_KEY,
      new ConnectionHandler({
        onConnected: () => link.reportChatConnection(true),
        onReconnectSucceeded: () => link.reportChatConnection(true),
        onDisconnected: () => link.reportChatConnection(false),
        onReconnectStarted: () => link.reportChatConnection(false),
        onReconnectFailed: () => link.reportChatConnection(false),
      }),
    );
    return () => {
      sdk.removeConnectionHandler(HANDLER_KEY);
      link.reportChatConnection(true);
    };
  }, [sdk, initialized, link]);
  return null;
}

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
      <ConnectionReporter link={link} />
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
            // Our preview (the Case's fields) and no "leave channel" menu: membership follows the Case owner.
            renderChannelPreview={(props) => <SupportChannelPreview channel={props.channel} selected={props.isSelected === true} />}
          />
        </div>
        <div className="panel-uikit-channel">
          {channelUrl ? (
            <GroupChannel
              channelUrl={channelUrl}
              onChatHeaderActionClick={() => setShowSettings((s) => !s)}
              renderMessageInput={() => <AgentMessageInput agentId={session.userId} />}
            />
          ) : (
            <p className="panel-placeholder">Pick a conversation.</p>
          )}
        </div>
        {channelUrl && !showSettings && <CaseHistory key={channelUrl} link={link} caseId={channelUrl} />}
        {channelUrl && showSettings && (
          <div className="panel-uikit-settings">
            <ChannelSettings channelUrl={channelUrl} onCloseClick={() => setShowSettings(false)} renderLeaveChannel={() => <></>} />
          </div>
        )}
      </div>
    </SendbirdProvider>
  );
}
