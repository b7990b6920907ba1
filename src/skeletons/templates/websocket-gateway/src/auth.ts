import { createHash, timingSafeEqual } from 'node:crypto';
import type {
  Principal,
  TokenVerifier, // @if jwt
} from './ports';

/** A refused connection (401). */
export class AuthError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuthError';
  }
}

/** A connection attempt: header names in lower case. */
export interface ConnectRequest {
  readonly connectionId: string;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly query: Readonly<Record<string, string | undefined>>;
}

/** Decides who connects; rejects with {@link AuthError}. */
export type Authorizer = (request: ConnectRequest) => Promise<Principal>;

/** Compares secrets in constant time. */
export function safeEqual(given: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}
// @if jwt

/**
 * subscriptions.authorization jwt: a bearer token in the Authorization header, or in the `token` query parameter
 * (browsers cannot set headers on a WebSocket), checked by `verifier`.
 */
export function __createAuthorizerJwt__(verifier: TokenVerifier): Authorizer {
  return async (request) => {
    const header = request.headers.authorization;
    const token = header?.startsWith('Bearer ') ? header.slice(7) : request.query.token;
    if (!token) throw new AuthError('a bearer token is required');
    try {
      return await verifier.verify(token);
    } catch (err) {
      throw new AuthError(`invalid token: ${(err as Error).message}`);
    }
  };
}
// @end
// @if apiKey

/** subscriptions.authorization api-key: the `header` must carry `apiKey`. */
export function __createAuthorizerApiKey__(apiKey: string, header: string): Authorizer {
  const name = header.toLowerCase();
  return (request) => {
    const given = request.headers[name];
    if (given === undefined || !safeEqual(given, apiKey)) return Promise.reject(new AuthError(`a valid ${header} header is required`));
    return Promise.resolve({ subject: 'api-key' });
  };
}
// @end
// @if none

/** subscriptions.authorization none: anyone may connect. */
export function __createAuthorizerNone__(): Authorizer {
  return () => Promise.resolve({ subject: 'anonymous' });
}
// @end
