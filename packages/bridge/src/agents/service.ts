/**
 * An agent's Sendbird session, for the agent panel in the Service Console (asked by the Apex
 * `SendbirdAgentSession.getAgentSession` through the Named Credential): make the agent's Sendbird
 * user exist with the agent's name, then issue a session token. The Sendbird API token never
 * leaves the bridge. A failure is answered as what it is for the caller: 503
 * `sendbird_unavailable` when a retry can help, else 502 `sendbird_refused`.
 */
import type { SendbirdClient } from '@sbsf/sendbird';
import type { AgentDirectory } from '../agent-directory.js';
import { sendbirdNickname } from '../agent-directory.js';
import { AppError } from '../errors.js';
import { classifyFailure } from '../upstream-failure.js';

/** Suggested wait before asking again for a session Sendbird could not issue. */
export const SESSION_RETRY_AFTER_SECONDS = 5;

export interface AgentSession {
  appId: string;
  /** The 18-character User Id, also the Sendbird user id. */
  userId: string;
  nickname: string;
  accessToken: string;
  /** Epoch ms. */
  expiresAt: number;
  /** Where the Sendbird API is (the emulator's URL in the sandbox). */
  apiHost: string;
}

export interface AgentSessionServiceOptions {
  sendbird: SendbirdClient;
  agents: AgentDirectory;
  appId: string;
  apiHost: string;
  sessionTtlSeconds: number;
  clock?: () => number;
}

export class AgentSessionService {
  private readonly now: () => number;

  constructor(private readonly o: AgentSessionServiceOptions) {
    this.now = o.clock ?? Date.now;
  }

  /** `userId` must already be the 18-character form. Throws an AppError (503 or 502) when Sendbird fails. */
  async session(userId: string, name: string): Promise<AgentSession> {
    try {
      await this.o.agents.ensure(userId, name, { source: 'agent-session' });
      const token = await this.o.sendbird.issueSessionToken(userId, { expiresAt: this.now() + this.o.sessionTtlSeconds * 1000 });
      return {
        appId: this.o.appId,
        userId,
        nickname: sendbirdNickname(name),
        accessToken: token.token,
        expiresAt: token.expires_at,
        apiHost: this.o.apiHost,
      };
    } catch (err) {
      throw sessionRefusal(err);
    }
  }
}

function sessionRefusal(err: unknown): AppError {
  const failure = classifyFailure(err);
  if (failure.kind === 'retryable') {
    const message = 'Sendbird could not be reached to issue the session; retry in a moment';
    return new AppError(503, 'sendbird_unavailable', message, { retryAfterSeconds: SESSION_RETRY_AFTER_SECONDS }, { cause: err });
  }
  return new AppError(502, 'sendbird_refused', `Sendbird refused the agent session (code ${failure.code})`, {}, { cause: err });
}
