/**
 * The panel: runs the LCC link (handshake, renewals, unread and channel signals) and shows the
 * chat for the session Aura sent. A session with `apiHost` comes from the sandbox (the console
 * simulator adds where the emulated Sendbird lives) and gets the sandbox chat pane; a real one
 * gets Sendbird UIKit, loaded on demand so the sandbox does not download it.
 */
import { lazy, Suspense, useEffect, useMemo, useState, type ReactNode } from 'react';
import { watchAttention } from '../lcc/attention.js';
import { PanelLink, type LccPort, type LinkStatus } from '../lcc/panel-link.js';
import { SandboxPanel } from './SandboxPanel.js';

const UIKitPanel = lazy(() => import('./UIKitPanel.js'));

function Notice({ state, title, children }: { state: string; title: string; children?: ReactNode }) {
  return (
    <main className="panel-notice" data-testid="panel-status" data-state={state}>
      <h1>{title}</h1>
      {children}
    </main>
  );
}

export function App({ port }: { port: LccPort }) {
  const [status, setStatus] = useState<LinkStatus>({ state: 'idle' });
  const link = useMemo(
    () =>
      new PanelLink({
        port,
        onStatus: setStatus,
        // Never the message itself: it may carry a token.
        onInvalidMessage: (reason) => console.warn(`[agent-panel] ignored a message from Salesforce: ${reason}`),
        onContainerError: (description) => console.warn(`[agent-panel] container error: ${description}`),
      }),
    [port],
  );

  useEffect(() => {
    link.start();
    const stopWatching = watchAttention(document, window, (attending) => link.setAttention(attending));
    return () => {
      stopWatching();
      link.stop();
    };
  }, [link]);

  switch (status.state) {
    case 'idle':
    case 'waiting':
      return (
        <Notice state="waiting" title="Connecting to Salesforce…">
          <div className="panel-spinner" aria-hidden="true" />
        </Notice>
      );
    case 'no_answer':
      return (
        <Notice state="no_answer" title="Salesforce did not answer">
          <p>The Sendbird utility item did not send the chat session. Reload the console if this keeps happening.</p>
          <button type="button" className="panel-button" onClick={() => link.retry()}>
            Try again
          </button>
        </Notice>
      );
    case 'failed':
      return (
        <Notice state="failed" title="Chat is unavailable">
          <p role="alert">{status.message}</p>
          <button type="button" className="panel-button" onClick={() => link.retry()}>
            Try again
          </button>
        </Notice>
      );
    case 'connected':
      return (
        // The panel is its own page (the container's iframe): a main landmark and a heading.
        <main
          className="panel-chat"
          data-testid="panel-chat"
          data-mode={status.session.apiHost ? 'sandbox' : 'uikit'}
          data-renewing={status.renewing}
          aria-labelledby="panel-chat-title"
        >
          <h1 id="panel-chat-title" className="panel-sr-only">
            Chat
          </h1>
          {status.session.apiHost ? (
            <SandboxPanel key={status.session.userId} session={status.session} link={link} />
          ) : (
            <Suspense
              fallback={
                <p className="panel-notice" data-testid="panel-status" data-state="loading" role="status">
                  Loading the chat…
                </p>
              }
            >
              <UIKitPanel key={status.session.userId} session={status.session} link={link} />
            </Suspense>
          )}
        </main>
      );
  }
}
