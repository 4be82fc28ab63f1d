/**
 * The container's side of the LCC protocol (docs/agent-panel.md, packages/wire/src/lcc.ts),
 * with no framework and no DOM, so the UIKit renderer and the sandbox renderer share it and
 * tests drive it with a fake port and clock:
 * - the handshake: `"READY"` now and again (backing off, bounded) until Aura answers with the
 *   agent's session, or with `{error}` when its Apex call failed;
 * - renewals: `{event:"SESSION_EXPIRED"}` when the chat refuses the token, answered by the next
 *   session message (re-sent a few times if Aura stays silent);
 * - `{event:"NEWMESSAGE", unreadCount, highlighted}` through UnreadSignal;
 * - `{event:"CURRENTCHANNEL", channelUrl}` on every pick of a channel by the agent;
 * - `{event:"HISTORY", caseId}` asks for the customer history of a Case (answered by Aura with
 *   `{event:"HISTORY", caseId, history | error}`), `{event:"OPENCASE", caseId}` opens one of them;
 * - `{event:"AVAILABILITY", available, reason}` when chat becomes unavailable (the session could
 *   not be fetched or renewed, Aura does not answer, or the chat connection stays down longer
 *   than CHAT_DOWN_GRACE_MS) and when it is available again.
 */
import { LCC_READY, type LccAgentSession, type LccContainerMessage, type LccHistoryAnswer, type LccUnavailableReason } from '@sbsf/wire';
import { parseAuraMessage, sameSession } from './aura-message.js';
import { READY_GIVE_UP_AFTER_MS, readyDelayMs } from './ready-backoff.js';
import { UnreadSignal } from './unread-signal.js';

/** How messages cross the container boundary (the `lightning-container` package in the app). */
export interface LccPort {
  send(message: LccContainerMessage): void;
  /** Starts delivering Aura's messages and the container's errors; returns the unsubscribe. */
  subscribe(onMessage: (message: unknown) => void, onError: (description: string) => void): () => void;
}

export interface Scheduler {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
}

export const realScheduler: Scheduler = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as Parameters<typeof globalThis.clearTimeout>[0]),
  now: () => Date.now(),
};

/**
 * SESSION_EXPIRED is sent, then again after each of these waits but the last; after the last
 * wait without a session the renewal fails (35 s in all).
 */
export const RENEW_RESEND_DELAYS_MS = [5_000, 10_000, 20_000] as const;

/**
 * A chat connection that is down this long makes chat "unavailable" in the utility bar: a
 * reconnect after a network blip (the feed's first retries come within 0.5 to 2 s) does not
 * flash a warning, an outage does.
 */
export const CHAT_DOWN_GRACE_MS = 5_000;

export type LinkStatus =
  | { state: 'idle' }
  /** READY sent `readySent` times; Aura has not answered yet. */
  | { state: 'waiting'; readySent: number }
  /** Aura never answered READY within READY_GIVE_UP_AFTER_MS. */
  | { state: 'no_answer' }
  | { state: 'connected'; session: LccAgentSession; renewing: boolean }
  /** Aura answered with an error (its Apex call failed), or a renewal got no answer. */
  | { state: 'failed'; message: string };

export interface PanelLinkOptions {
  port: LccPort;
  scheduler?: Scheduler;
  onStatus?: (status: LinkStatus) => void;
  /** A message from Aura that is neither a session nor an error (never contains its values). */
  onInvalidMessage?: (reason: string) => void;
  /** `lightning:container` reported an error to the container. */
  onContainerError?: (description: string) => void;
  readyGiveUpAfterMs?: number;
  renewResendDelaysMs?: readonly number[];
  chatDownGraceMs?: number;
}

interface Renewal {
  promise: Promise<LccAgentSession>;
  resolve(session: LccAgentSession): void;
  reject(error: Error): void;
  resent: number;
  timer: unknown;
}

const NO_ANSWER_TO_RENEWAL = 'Salesforce did not send a new chat session. Reload the console, or try again.';

export class PanelLink {
  private readonly port: LccPort;
  private readonly scheduler: Scheduler;
  private readonly unread: UnreadSignal;
  private statusValue: LinkStatus = { state: 'idle' };
  private unsubscribe: (() => void) | undefined;
  private readyTimer: unknown;
  private readySent = 0;
  private handshakeStartedAt = 0;
  private renewal: Renewal | undefined;
  /** The chat connection as the renderer last reported it (up until it says otherwise). */
  private chatUp = true;
  private chatDownTimer: unknown;
  private chatDownLong = false;
  /** What Aura was last told (it starts from available). */
  private unavailableSent: LccUnavailableReason | null = null;
  private readonly historyListeners = new Set<(answer: LccHistoryAnswer) => void>();

  constructor(private readonly options: PanelLinkOptions) {
    this.port = options.port;
    this.scheduler = options.scheduler ?? realScheduler;
    this.unread = new UnreadSignal((unreadCount, highlighted) => this.port.send({ event: 'NEWMESSAGE', unreadCount, highlighted }));
  }

  get status(): LinkStatus {
    return this.statusValue;
  }

  /** Listens to Aura and starts the handshake. Calling it again does nothing. */
  start(): void {
    if (this.unsubscribe) return;
    this.unsubscribe = this.port.subscribe(
      (message) => this.receive(message),
      (description) => this.options.onContainerError?.(description),
    );
    this.beginHandshake();
  }

  /** After `no_answer` or `failed`: start the handshake again. */
  retry(): void {
    if (!this.unsubscribe) return this.start();
    if (this.statusValue.state === 'waiting' || this.statusValue.state === 'connected') return;
    this.beginHandshake();
  }

  /**
   * The chat refused the session token: ask Aura for a new session. Concurrent callers share one
   * request. Rejects when Aura answers with an error or not at all.
   */
  requestSession(): Promise<LccAgentSession> {
    if (this.renewal) return this.renewal.promise;
    let resolve!: (session: LccAgentSession) => void;
    let reject!: (error: Error) => void;
    const promise = new Promise<LccAgentSession>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // Nobody may be waiting on the promise (the sandbox pane only needs the new props).
    promise.catch(() => undefined);
    const renewal: Renewal = { promise, resolve, reject, resent: 0, timer: undefined };
    this.renewal = renewal;
    if (this.statusValue.state === 'connected') this.setStatus({ ...this.statusValue, renewing: true });
    this.sendRenewal(renewal);
    return promise;
  }

  /** The total unread count of the agent's support channels, from the chat renderer. */
  reportUnread(total: number): void {
    this.unread.update(total);
  }

  /** The panel is looked at (visible and focused) or not. */
  setAttention(attending: boolean): void {
    this.unread.setAttention(attending);
  }

  /**
   * The renderer's chat connection is up (true) or not (connecting, reconnecting, refused): down
   * for CHAT_DOWN_GRACE_MS makes chat unavailable; up again makes it available at once.
   */
  reportChatConnection(up: boolean): void {
    if (up === this.chatUp) return;
    this.chatUp = up;
    this.clearChatDownTimer();
    if (up) {
      this.chatDownLong = false;
      this.signalAvailability();
      return;
    }
    this.chatDownTimer = this.scheduler.setTimeout(() => {
      this.chatDownTimer = undefined;
      this.chatDownLong = true;
      this.signalAvailability();
    }, this.options.chatDownGraceMs ?? CHAT_DOWN_GRACE_MS);
  }

  /** Why chat is unavailable now, or null when it is available (as far as the container knows). */
  get unavailableReason(): LccUnavailableReason | null {
    const s = this.statusValue;
    if (s.state === 'failed') return 'session_failed';
    if (s.state === 'no_answer') return 'no_answer';
    // The renderer reports its connection only while a session is shown.
    if (s.state === 'connected' && this.chatDownLong) return 'disconnected';
    return null;
  }

  /**
   * The agent picked a channel (its URL is the Case Id): sent on every pick, the same channel
   * again included, so Aura opens its Case tab again after the agent closed it (Aura's openTab
   * focuses a tab that is open). Renderers call it for the agent's picks only, never on a
   * re-render; no channel (a deselection) sends nothing.
   */
  selectChannel(channelUrl: string | null | undefined): void {
    if (!channelUrl) return;
    this.port.send({ event: 'CURRENTCHANNEL', channelUrl });
  }

  /** Asks Aura for the customer history of Case `caseId`; the answer goes to the `onHistory` listeners. */
  requestHistory(caseId: string): void {
    this.port.send({ event: 'HISTORY', caseId });
  }

  /** Listens to Aura's history answers (for every Case: listeners pick theirs); returns the unsubscribe. */
  onHistory(listener: (answer: LccHistoryAnswer) => void): () => void {
    this.historyListeners.add(listener);
    return () => this.historyListeners.delete(listener);
  }

  /** The agent picked one of the customer's other Cases: Aura opens it in a tab; the conversation stays. */
  openCase(caseId: string): void {
    this.port.send({ event: 'OPENCASE', caseId });
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.clearReadyTimer();
    this.clearChatDownTimer();
    if (this.renewal) {
      this.scheduler.clearTimeout(this.renewal.timer);
      this.renewal.reject(new Error('[agent-panel] stopped'));
      this.renewal = undefined;
    }
  }

  private beginHandshake(): void {
    this.clearReadyTimer();
    this.readySent = 0;
    this.handshakeStartedAt = this.scheduler.now();
    this.sendReady();
  }

  private sendReady(): void {
    this.readyTimer = undefined;
    this.readySent += 1;
    this.port.send(LCC_READY);
    this.setStatus({ state: 'waiting', readySent: this.readySent });
    const delay = readyDelayMs(this.readySent);
    const giveUpAt = this.handshakeStartedAt + (this.options.readyGiveUpAfterMs ?? READY_GIVE_UP_AFTER_MS);
    if (this.scheduler.now() + delay > giveUpAt) {
      this.readyTimer = this.scheduler.setTimeout(
        () => {
          this.readyTimer = undefined;
          this.setStatus({ state: 'no_answer' });
        },
        Math.max(0, giveUpAt - this.scheduler.now()),
      );
      return;
    }
    this.readyTimer = this.scheduler.setTimeout(() => this.sendReady(), delay);
  }

  /** Sends SESSION_EXPIRED; waits delays[0], sends again, ... and fails after the last wait. */
  private sendRenewal(renewal: Renewal): void {
    this.port.send({ event: 'SESSION_EXPIRED' });
    const delays = this.options.renewResendDelaysMs ?? RENEW_RESEND_DELAYS_MS;
    renewal.timer = this.scheduler.setTimeout(() => {
      if (this.renewal !== renewal) return;
      if (renewal.resent + 1 >= delays.length) return this.failRenewal(NO_ANSWER_TO_RENEWAL);
      renewal.resent += 1;
      this.sendRenewal(renewal);
    }, delays[renewal.resent] ?? 0);
  }

  private failRenewal(message: string): void {
    const renewal = this.renewal;
    if (!renewal) return;
    this.renewal = undefined;
    this.scheduler.clearTimeout(renewal.timer);
    renewal.reject(new Error(`[agent-panel] ${message}`));
    this.setStatus({ state: 'failed', message });
  }

  private receive(raw: unknown): void {
    const message = parseAuraMessage(raw);
    if (message.kind === 'invalid') {
      this.options.onInvalidMessage?.(message.reason);
      return;
    }
    if (message.kind === 'history') {
      for (const listener of this.historyListeners) listener(message.answer);
      return;
    }
    if (message.kind === 'error') {
      this.clearReadyTimer();
      if (this.renewal) return this.failRenewal(message.message);
      this.setStatus({ state: 'failed', message: message.message });
      return;
    }
    this.clearReadyTimer();
    const { session } = message;
    const renewal = this.renewal;
    this.renewal = undefined;
    if (renewal) {
      this.scheduler.clearTimeout(renewal.timer);
      renewal.resolve(session);
    }
    const current = this.statusValue.state === 'connected' ? this.statusValue.session : undefined;
    // Aura may answer several READYs (sent before it listened) with the same session: no churn.
    if (!renewal && this.statusValue.state === 'connected' && !this.statusValue.renewing && sameSession(current, session)) return;
    this.setStatus({ state: 'connected', session, renewing: false });
  }

  private clearReadyTimer(): void {
    if (this.readyTimer !== undefined) this.scheduler.clearTimeout(this.readyTimer);
    this.readyTimer = undefined;
  }

  private setStatus(status: LinkStatus): void {
    this.statusValue = status;
    // Without a session no renderer runs: the next one reports its own connection from scratch.
    if (status.state !== 'connected') {
      this.chatUp = true;
      this.chatDownLong = false;
      this.clearChatDownTimer();
    }
    this.signalAvailability();
    this.options.onStatus?.(status);
  }

  private signalAvailability(): void {
    // While the handshake runs (again, after "Try again") the bar keeps saying what it said.
    if (this.statusValue.state === 'waiting' || this.statusValue.state === 'idle') return;
    const reason = this.unavailableReason;
    if (reason === this.unavailableSent) return;
    this.unavailableSent = reason;
    this.port.send(reason === null ? { event: 'AVAILABILITY', available: true } : { event: 'AVAILABILITY', available: false, reason });
  }

  private clearChatDownTimer(): void {
    if (this.chatDownTimer !== undefined) this.scheduler.clearTimeout(this.chatDownTimer);
    this.chatDownTimer = undefined;
  }
}
