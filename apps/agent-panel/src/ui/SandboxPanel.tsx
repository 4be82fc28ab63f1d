/**
 * Sandbox renderer: the sandbox chat pane (@sbsf/sandbox-chat) over the Sendbird emulator's
 * feed, wired to the same LCC link as the UIKit renderer.
 */
import type { LccAgentSession } from '@sbsf/wire';
import { SandboxChatPane } from '@sbsf/sandbox-chat';
import type { PanelLink } from '../lcc/panel-link.js';
import { CaseHistory } from './CaseHistory.js';

export function SandboxPanel({ session, link }: { session: LccAgentSession; link: PanelLink }) {
  return (
    <SandboxChatPane
      apiHost={session.apiHost ?? ''}
      userId={session.userId}
      // A renewed session arrives as a new prop; the pane swaps the token and reconnects.
      accessToken={session.accessToken}
      onSessionExpired={() => void link.requestSession()}
      onUnreadChanged={(total) => link.reportUnread(total)}
      // 'idle' is before the first connect; anything but 'open' after it is the feed being down.
      onConnectionChanged={(connection) => link.reportChatConnection(connection === 'open' || connection === 'idle')}
      onChannelSelected={(channelUrl) => link.selectChannel(channelUrl)}
      viewProps={{ audience: 'agent' }}
      // The channel URL is the Case Id: the customer's other Cases beside the conversation.
      renderAside={(channelUrl) => <CaseHistory key={channelUrl} link={link} caseId={channelUrl} />}
      className="panel-sandbox"
    />
  );
}
