import type { FetchFn } from './signed-fetch';

/** The part of google-auth-library's `IdTokenClient` the fetch uses: it caches its token until it nearly expires. */
export interface IdTokenClientLike {
  getRequestHeaders(): Promise<Headers>;
}

/** Makes the ID-token client of an audience; google-auth-library's `GoogleAuth` fits. */
export interface IdTokenAuth {
  getIdTokenClient(audience: string): Promise<IdTokenClientLike>;
}

/** Options of {@link idTokenFetch}. */
export interface IdTokenFetchOptions {
  /**
   * Where the ID tokens come from.
   * @default - `new GoogleAuth()` of google-auth-library (loaded on the first call): the application default
   * credentials, on Cloud Run the service's account through the metadata server
   */
  readonly auth?: IdTokenAuth | (() => Promise<IdTokenAuth>);
  /**
   * The fetch that sends the request.
   * @default - the global fetch
   */
  readonly fetch?: FetchFn;
}

async function googleAuth(): Promise<IdTokenAuth> {
  const { GoogleAuth } = await import('google-auth-library');
  return new GoogleAuth();
}

/**
 * A fetch that sends a Google-signed OIDC ID token (`Authorization: Bearer <token>`) whose audience is the called
 * URL's origin, as Cloud Run's IAM invoker check expects. One token client per audience, kept for the process; the
 * client refreshes its token before it expires. A failure to get a token rejects the call (and is retried by the
 * next one).
 */
export function idTokenFetch(options: IdTokenFetchOptions = {}): FetchFn {
  const send = options.fetch ?? fetch;
  const source = options.auth ?? googleAuth;
  let auth: Promise<IdTokenAuth> | undefined;
  const clients = new Map<string, Promise<IdTokenClientLike>>();
  const clientFor = (audience: string): Promise<IdTokenClientLike> => {
    let client = clients.get(audience);
    if (!client) {
      auth ??= Promise.resolve(typeof source === 'function' ? source() : source);
      client = auth.then((a) => a.getIdTokenClient(audience));
      clients.set(audience, client);
      client.catch(() => {
        clients.delete(audience);
        auth = undefined;
      });
    }
    return client;
  };
  return async (url, init = {}) => {
    const audience = new URL(url).origin;
    const authorization = (await (await clientFor(audience)).getRequestHeaders()).get('authorization');
    if (!authorization) throw new Error(`no ID token for ${audience}`);
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, name) => {
      headers[name] = value;
    });
    headers.authorization = authorization;
    return send(url, { ...init, headers });
  };
}
