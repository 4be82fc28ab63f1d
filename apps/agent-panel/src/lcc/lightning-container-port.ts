/**
 * The LccPort over Salesforce's `lightning-container` npm package. The package is a thin shim:
 * each call forwards to a global `LCC.onlineSupport` that the Salesforce container page injects,
 * and does nothing when it is missing (e.g. index.html opened straight from disk). So "are we in
 * a container" is "does that global exist"; the panel says so instead of waiting forever.
 * The package's licence is proprietary: it stays an npm dependency, never copied here.
 */
import { addErrorHandler, addMessageHandler, removeErrorHandler, removeMessageHandler, sendMessage } from 'lightning-container';
import type { LccPort } from './panel-link.js';

export function inLightningContainer(): boolean {
  const lcc = (globalThis as { LCC?: { onlineSupport?: unknown } }).LCC;
  return typeof lcc === 'object' && lcc !== null && typeof lcc.onlineSupport === 'object' && lcc.onlineSupport !== null;
}

export const lightningContainerPort: LccPort = {
  send: (message) => sendMessage(message),
  subscribe(onMessage, onError) {
    const messageHandler = (message: unknown): void => onMessage(message);
    const errorHandler = (description: string): void => onError(String(description));
    addMessageHandler(messageHandler);
    addErrorHandler(errorHandler);
    return () => {
      removeMessageHandler(messageHandler);
      removeErrorHandler(errorHandler);
    };
  },
};
