import { Sha256 } from '@aws-crypto/sha256-js';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { idTokenFetch, type IdTokenFetchOptions } from './id-token-fetch';
import { serviceSignedFetch, signingKeyVariable, type ServiceSignedFetchOptions } from './service-auth';

/** The part of `fetch` the outbound clients use. */
export type FetchFn = (url: string, init?: RequestInit) => Promise<Response>;

/** AWS credentials, or a provider resolving them (and refreshing them as they expire). */
export type AwsCredentials = ConstructorParameters<typeof SignatureV4>[0]['credentials'];

/** Options of {@link signedFetch}. */
export interface SignedFetchOptions {
  /** Region of the called API. */
  readonly region: string;
  /**
   * The signing name of the called service.
   * @default 'execute-api' (API Gateway with IAM authorization)
   */
  readonly service?: string;
  /**
   * Credentials to sign with.
   * @default - the default provider chain (environment, SSO, ini files, ECS task role, EC2 instance profile)
   */
  readonly credentials?: AwsCredentials;
  /**
   * The fetch that sends the signed request.
   * @default - the global fetch
   */
  readonly fetch?: FetchFn;
  /**
   * The clock of the signature, in epoch milliseconds.
   * @default Date.now
   */
  readonly now?: () => number;
}

/** A body the signer can hash: text or bytes (a stream or form would have to be read first). */
function signableBody(body: RequestInit['body']): string | Uint8Array | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string' || body instanceof Uint8Array) return body;
  throw new TypeError('signed requests take a string or byte body');
}

/**
 * A fetch that signs every request with AWS Signature Version 4 (for API Gateway's IAM authorization by default):
 * the method, path, query, headers and a SHA-256 hash of the body are signed, and `authorization`, `x-amz-date`,
 * `x-amz-content-sha256` (and `x-amz-security-token` with temporary credentials) are added.
 */
export function signedFetch(options: SignedFetchOptions): FetchFn {
  const signer = new SignatureV4({
    service: options.service ?? 'execute-api',
    region: options.region,
    credentials: options.credentials ?? defaultProvider(),
    sha256: Sha256,
  });
  const send = options.fetch ?? fetch;
  const now = options.now ?? Date.now;
  return async (url, init = {}) => {
    const target = new URL(url);
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, name) => {
      headers[name] = value;
    });
    // Signed as fetch sends it: the host with its port, when not the default one.
    headers.host = target.host;
    const query: Record<string, string | string[]> = {};
    for (const [name, value] of target.searchParams) {
      const seen = query[name];
      query[name] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
    }
    const signed = await signer.sign(
      {
        method: (init.method ?? 'GET').toUpperCase(),
        protocol: target.protocol,
        hostname: target.hostname,
        ...(target.port === '' ? {} : { port: Number(target.port) }),
        path: target.pathname,
        query,
        headers,
        body: signableBody(init.body),
      },
      { signingDate: new Date(now()) },
    );
    // fetch sets the host header itself (from the URL, as signed).
    const sent: Record<string, string> = { ...signed.headers };
    delete sent.host;
    return send(url, { ...init, headers: sent });
  };
}

/** Options of {@link outboundFetch} with `ed25519`: who signs, with which key, for whom. */
export interface ServiceSigningOptions {
  /**
   * This service's name, as its callees trust it.
   * @default - SERVICE_NAME of `env`
   */
  readonly caller?: string;
  /**
   * The base URL of each service this one calls, by name: the audience of a request is the callee whose base URL it
   * goes to; a request to any other URL is refused unsent.
   * @default - none: every call is refused
   */
  readonly callees?: Readonly<Record<string, string>>;
  /**
   * The private key: an Ed25519 key object, or its text (PKCS#8 DER in base64, or PEM).
   * @default - SERVICE_SIGNING_KEY of `env` (a secret, as Fly.io sets secrets: an environment variable)
   */
  readonly signingKey?: ServiceSignedFetchOptions['key'];
  /**
   * Where SERVICE_NAME and SERVICE_SIGNING_KEY are read.
   * @default process.env
   */
  readonly env?: Record<string, string | undefined>;
}

/**
 * Options of {@link outboundFetch}: those of the signer (aws-iam), of the ID tokens (google-id-token) and of the
 * service signatures (ed25519).
 */
export type OutboundFetchOptions = Omit<SignedFetchOptions, 'region'> & Pick<IdTokenFetchOptions, 'auth'> & ServiceSigningOptions;

/** The OUTBOUND_AUTH kinds {@link outboundFetch} knows. */
export const OUTBOUND_AUTH_KINDS = ['none', 'aws-iam', 'google-id-token', 'ed25519'] as const;

/**
 * The fetch of a service's calls to the services it depends on: plain with `none`, signed with SigV4 for API Gateway
 * with `aws-iam` (which needs the region, e.g. AWS_REGION), carrying a Google ID token for the called URL's origin
 * with `google-id-token` (Cloud Run's IAM invoker check), signed with the service's own Ed25519 key for the callee
 * with `ed25519` (where nothing but the callee checks its callers: Fly.io; see service-auth.ts, which needs the
 * caller's name, its key and its callees' base URLs). Throws on an unknown kind or a missing setting, so that a
 * misconfigured service fails at start-up.
 */
export function outboundFetch(auth: string, region: string, options: OutboundFetchOptions = {}): FetchFn {
  switch (auth) {
    case 'none':
      return options.fetch ?? fetch;
    case 'aws-iam':
      if (region === '') throw new Error('AWS_REGION is required for OUTBOUND_AUTH=aws-iam');
      return signedFetch({ ...options, region });
    case 'google-id-token':
      return idTokenFetch(options);
    case 'ed25519': {
      const env = options.env ?? process.env;
      const caller = options.caller ?? env['SERVICE_NAME'] ?? '';
      if (caller === '') throw new Error('SERVICE_NAME is required for OUTBOUND_AUTH=ed25519');
      const callees = options.callees ?? {};
      // a key per callee (SIGNING_KEY_<CALLEE>, one key pair per caller and callee), else the service's own
      const keys = Object.fromEntries(Object.keys(callees).flatMap((c) => (env[signingKeyVariable(c)] ?? '') !== '' ? [[c, env[signingKeyVariable(c)]!]] : []));
      const key = options.signingKey ?? env['SERVICE_SIGNING_KEY'] ?? '';
      if (key === '' && Object.keys(keys).length < Object.keys(callees).length) {
        const missing = Object.keys(callees).filter((c) => keys[c] === undefined).map(signingKeyVariable);
        throw new Error(`a key for each callee (${missing.join(', ')}) or SERVICE_SIGNING_KEY is required for OUTBOUND_AUTH=ed25519`);
      }
      return serviceSignedFetch({ caller, ...(key !== '' ? { key } : {}), keys, callees, fetch: options.fetch, now: options.now });
    }
    default:
      throw new Error(`OUTBOUND_AUTH must be one of ${OUTBOUND_AUTH_KINDS.join(', ')}, got ${JSON.stringify(auth)}`);
  }
}
