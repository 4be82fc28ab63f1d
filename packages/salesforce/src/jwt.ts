/**
 * Builds the RS256 assertion of the OAuth 2.0 JWT bearer flow (help.salesforce.com
 * "remoteaccess_oauth_jwt_flow"): header {"alg":"RS256"}, claims iss = consumer key, sub =
 * username, aud = login URL, exp = a few minutes ahead; signed with the private key whose
 * certificate is uploaded to the app. node:crypto is all it takes.
 */
import { sign } from 'node:crypto';

/** Salesforce accepts an `exp` at most a few minutes ahead; 3 minutes is the documented example. */
export const JWT_LIFETIME_SECONDS = 180;

function b64url(data: string | Buffer): string {
  return Buffer.from(data).toString('base64url');
}

export interface JwtAssertionInput {
  clientId: string;
  username: string;
  audience: string;
  privateKey: string;
  nowMs: number;
}

export function signJwtAssertion({ clientId, username, audience, privateKey, nowMs }: JwtAssertionInput): string {
  const header = b64url(JSON.stringify({ alg: 'RS256' }));
  const claims = b64url(
    JSON.stringify({ iss: clientId, sub: username, aud: audience, exp: Math.floor(nowMs / 1000) + JWT_LIFETIME_SECONDS }),
  );
  const input = `${header}.${claims}`;
  const signature = sign('sha256', Buffer.from(input), privateKey);
  return `${input}.${b64url(signature)}`;
}
