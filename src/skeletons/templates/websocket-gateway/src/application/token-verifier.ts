import type { Principal, TokenVerifier } from '../ports';

/**
 * WARNING: NOT SECURE. REPLACE BEFORE PRODUCTION.
 *
 * Checks only that the token is shaped like a JWT, that its `exp` claim is in the future and (when `issuer` is
 * set) that its `iss` claim matches. It does NOT verify the signature: anyone can forge a token that passes.
 *
 * TODO(security): verify the signature against your issuer's keys, e.g. with the `jose` package:
 *   const jwks = createRemoteJWKSet(new URL(`${issuer}/.well-known/jwks.json`));
 *   const { payload } = await jwtVerify(token, jwks, { issuer, audience });
 * and keep this class's name out of production wiring (src/deps.ts logs a warning while it is used).
 */
export class ExpiryOnlyJwtVerifier implements TokenVerifier {
  constructor(
    private readonly issuer = '',
    private readonly now: () => number = Date.now,
  ) {}

  verify(token: string): Promise<Principal> {
    return Promise.resolve().then(() => {
      const claims = unverifiedClaims(token);
      if (typeof claims.exp !== 'number') throw new Error('no exp claim');
      if (claims.exp * 1000 <= this.now()) throw new Error('expired');
      if (this.issuer !== '' && claims.iss !== this.issuer) throw new Error('unexpected issuer');
      return { subject: typeof claims.sub === 'string' ? claims.sub : 'unknown' };
    });
  }
}

/** The payload of a JWT, decoded WITHOUT checking the signature. */
function unverifiedClaims(token: string): Record<string, unknown> {
  const payload = /^[\w-]+\.([\w-]+)\.[\w-]*$/.exec(token)?.[1];
  if (payload === undefined) throw new Error('not a JWT');
  const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  if (typeof claims !== 'object' || claims === null) throw new Error('no claims');
  return claims as Record<string, unknown>;
}
