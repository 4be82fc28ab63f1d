/**
 * The sandbox chat pane: what the apps render instead of Sendbird UIKit when they run on the
 * emulators. It says so visibly. With `channelUrl` it shows that one channel (the customer app);
 * without, the channel list beside the selected channel (the agent panel).
 */
import { Fragment, useEffect, useRef, useState, type ReactNode } from 'react';
import type { SandboxChatConnectionProps } from '../use-sandbox-chat.js';
import { SandboxChannelList } from './ChannelList.js';
import { SandboxChannelView, type SandboxChannelViewProps } from './ChannelView.js';
import { SandboxChatProvider, useSandboxChatContext } from './context.js';
import { SANDBOX_CHAT_CSS } from './styles.js';

export interface SandboxChatPaneProps extends SandboxChatConnectionProps {
  /** Show only this channel. Without it the pane lists the user's channels. */
  channelUrl?: string;
  /** A channel was picked in the list (its URL is the Case Id). */
  onChannelSelected?: (channelUrl: string) => void;
  /** Shown beside the selected channel's view (the agent panel's customer history); list mode only. */
  renderAside?: (channelUrl: string) => ReactNode;
  /** Passed to the channel view (the pane itself handles Back to the list). */
  viewProps?: Omit<SandboxChannelViewProps, 'channelUrl' | 'onBack'>;
  className?: string;
}

const STATUS_TEXT: Record<string, string> = {
  idle: 'Not connected',
  connecting: 'Connecting…',
  open: 'Live',
  reconnecting: 'Reconnecting…',
  session_expired: 'Session expired, renewing…',
  failed: 'Disconnected',
  stopped: 'Disconnected',
};

/** The notice that this is the sandbox pane, with the live connection state. */
export function SandboxBanner() {
  const { state, reconnect } = useSandboxChatContext();
  const c = state.connection;
  const wait =
    c === 'reconnecting' && state.connectionDetail?.delayMs ? ` (retry in ${Math.ceil(state.connectionDetail.delayMs / 1000)} s)` : '';
  return (
    <div className="sbx-banner">
      <strong>Sandbox chat pane</strong>
      <span>
        <span className="sbx-banner-detail">Emulated Sendbird feed; </span>this is not Sendbird UIKit.
      </span>
      <span className="sbx-status" role="status" aria-live="polite" data-connection={c}>
        <span className="sbx-dot" data-state={c} aria-hidden="true" />
        {STATUS_TEXT[c] ?? c}
        {wait}
        {(c === 'reconnecting' || c === 'failed') && (
          <button type="button" className="sbx-link" onClick={reconnect}>
            Reconnect now
          </button>
        )}
      </span>
    </div>
  );
}

function PaneBody({
  channelUrl,
  onChannelSelected,
  viewProps,
  renderAside,
}: Pick<SandboxChatPaneProps, 'channelUrl' | 'onChannelSelected' | 'viewProps' | 'renderAside'>) {
  const [selected, setSelected] = useState<string | undefined>(undefined);
  const body = useRef<HTMLDivElement>(null);
  // After Back, the conversation just left takes the focus in the list again (keyboard and
  // screen-reader users stay where they were).
  const returnTo = useRef<string | undefined>(undefined);
  useEffect(() => {
    const url = returnTo.current;
    if (selected !== undefined || url === undefined) return;
    returnTo.current = undefined;
    body.current?.querySelector<HTMLButtonElement>(`button.sbx-list-item[data-channel-url="${CSS.escape(url)}"]`)?.focus();
  }, [selected]);
  if (channelUrl) {
    return (
      <div className="sbx-body" data-has-view="true">
        <SandboxChannelView channelUrl={channelUrl} {...viewProps} />
      </div>
    );
  }
  const pick = (url: string): void => {
    setSelected(url);
    onChannelSelected?.(url);
  };
  const back = (): void => {
    returnTo.current = selected;
    setSelected(undefined);
  };
  return (
    <div ref={body} className="sbx-body" data-has-view={selected !== undefined}>
      <SandboxChannelList selectedChannelUrl={selected} onChannelSelected={pick} />
      {selected ? (
        <SandboxChannelView key={selected} channelUrl={selected} onBack={back} {...viewProps} />
      ) : (
        <p className="sbx-placeholder">Pick a conversation.</p>
      )}
      {/* Its own key: a host's key (the channel URL, say) must not collide with the view's. */}
      {selected && renderAside ? <Fragment key="aside">{renderAside(selected)}</Fragment> : null}
    </div>
  );
}

export function SandboxChatPane(props: SandboxChatPaneProps) {
  const { channelUrl, onChannelSelected, viewProps, renderAside, className, ...connection } = props;
  return (
    <SandboxChatProvider {...connection}>
      <style>{SANDBOX_CHAT_CSS}</style>
      <div className={`sbx-root${className ? ` ${className}` : ''}`} data-testid="sandbox-chat-pane">
        <SandboxBanner />
        <PaneBody channelUrl={channelUrl} onChannelSelected={onChannelSelected} viewProps={viewProps} renderAside={renderAside} />
      </div>
    </SandboxChatProvider>
  );
}
