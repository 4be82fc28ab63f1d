/** Shares one connection (REST client, feed, state) between the list and the channel view. */
import { createContext, useContext, type ReactNode } from 'react';
import { useSandboxChat, type SandboxChatApi, type SandboxChatConnectionProps } from '../use-sandbox-chat.js';

const SandboxChatContext = createContext<SandboxChatApi | null>(null);

export function SandboxChatProvider(props: SandboxChatConnectionProps & { children?: ReactNode }) {
  const api = useSandboxChat(props);
  return <SandboxChatContext.Provider value={api}>{props.children}</SandboxChatContext.Provider>;
}

export function useSandboxChatContext(): SandboxChatApi {
  const api = useContext(SandboxChatContext);
  if (!api) throw new Error('[sandbox-chat] use the channel list and view inside <SandboxChatProvider> or <SandboxChatPane>');
  return api;
}
