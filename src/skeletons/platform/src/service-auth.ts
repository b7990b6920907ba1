/**
 * Service-to-service authentication where no cloud IAM stands in front of the services (Fly.io): every call is signed
 * with the caller's own Ed25519 key, and a callee accepts it only from the callers it trusts.
 *
 * The caller (`OUTBOUND_AUTH=ed25519`, {@link serviceSignedFetch}) holds one private key (SERVICE_SIGNING_KEY) and
 * signs, for each request, the string {@link signingString} builds:
 *
 * ```
 * allframe-ed25519-v1
 * <METHOD>
 * <path and query, as the URL parser normalizes them>
 * <audience: the callee's service name>
 * <caller: this service's name>
 * <timestamp: Unix seconds>
 * <nonce: 16 random bytes, base64url>
 * <SHA-256 of the body bytes, base64url (of no bytes when there is no body)>
 * ```
 *
 * lines joined by `\n`, and sends the parts in {@link SERVICE_AUTH_HEADERS} (`x-allframe-caller`, `-audience`,
 * `-timestamp`, `-nonce`, `-signature`: the signature is base64url). The callee ({@link ServiceVerifier}, applied by the
 * HTTP app when INBOUND_AUTH says so) holds only public keys (TRUSTED_CALLERS: `name=<base64 SPKI DER>` entries) and
 * accepts a request when the audience is itself, the timestamp is within the window of its clock, the caller is
 * trusted, the signature verifies over the request it received and the nonce was not seen before.
 *
 * Keys: a private key is PKCS#8 DER in base64 (a PEM `-----BEGIN PRIVATE KEY-----` block is read too), a public key
 * SPKI DER in base64. {@link generateServiceKeyPair} makes a pair; a deploy script without the platform can run
 * {@link KEY_PAIR_COMMAND}.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import { readConfig } from './config';
import type { FetchFn } from './signed-fetch';

/** The headers of a signed request. */
export const SERVICE_AUTH_HEADERS = {
  caller: 'x-allframe-caller',
  audience: 'x-allframe-audience',
  timestamp: 'x-allframe-timestamp',
  nonce: 'x-allframe-nonce',
  signature: 'x-allframe-signature',
} as const;

/** The first line of every signed string: the scheme and its version (a later format gets another). */
export const SIGNATURE_SCHEME = 'allframe-ed25519-v1';

/** How far a timestamp may be from the callee's clock, either way, unless configured: 5 minutes. */
export const DEFAULT_WINDOW_SECONDS = 300;

/** How many nonces a callee remembers at most, unless configured. */
export const DEFAULT_MAX_NONCES = 100_000;

/**
 * A shell command printing a new key pair on one line, `<private key> <public key>` (base64 PKCS#8 DER, base64 SPKI
 * DER), with Node alone: what a deploy script runs to make a caller's key (`read -r key pub < <(node -e ...)`).
 */
export const KEY_PAIR_COMMAND =
  "node -e \"const k=require('node:crypto').generateKeyPairSync('ed25519');console.log(k.privateKey.export({type:'pkcs8',format:'der'}).toString('base64'),k.publicKey.export({type:'spki',format:'der'}).toString('base64'))\"";

/** A key pair of one calling service: the private key for its SERVICE_SIGNING_KEY, the public one for its callees. */
export interface ServiceKeyPair {
  /** PKCS#8 DER, base64: the caller's SERVICE_SIGNING_KEY (a secret). */
  readonly privateKey: string;
  /** SPKI DER, base64: the caller's entry in its callees' TRUSTED_CALLERS (`<caller>=<publicKey>`; not a secret). */
  readonly publicKey: string;
}

/** A new Ed25519 key pair, encoded as SERVICE_SIGNING_KEY and TRUSTED_CALLERS take it. */
export function generateServiceKeyPair(): ServiceKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKey: privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64'),
    publicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
  };
}

function ed25519(key: KeyObject, what: string): KeyObject {
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`${what} must be an Ed25519 key, got ${key.asymmetricKeyType ?? 'a symmetric key'}`);
  return key;
}

/** A signing key from its text: PKCS#8 DER in base64, or a PKCS#8 PEM block. Throws (without the text) when it is neither, or not Ed25519. */
export function signingKeyFrom(text: string, what = 'SERVICE_SIGNING_KEY'): KeyObject {
  const trimmed = text.trim();
  let key: KeyObject;
  try {
    key = trimmed.startsWith('-----BEGIN') ? createPrivateKey(trimmed) : createPrivateKey({ key: Buffer.from(trimmed, 'base64'), format: 'der', type: 'pkcs8' });
  } catch {
    throw new Error(`${what} is not a private key (PKCS#8 DER in base64, or PEM)`);
  }
  return ed25519(key, what);
}

/** A verifying key from its text: SPKI DER in base64. Throws when it is not one, or not Ed25519. */
export function publicKeyFrom(text: string, what = 'a public key'): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(text.trim(), 'base64'), format: 'der', type: 'spki' });
  } catch {
    throw new Error(`${what} is not a public key (SPKI DER in base64)`);
  }
  return ed25519(key, what);
}

/** The variable holding a caller's public key at its callee, for a TRUSTED_CALLERS entry that names the caller only. */
export function callerKeyVariable(caller: string): string {
  return `CALLER_KEY_${caller.toUpperCase().replace(/-/g, '_')}`;
}

/** The variable holding this service's private key for its calls to `callee` (one key pair per caller and callee). */
export function signingKeyVariable(callee: string): string {
  return `SIGNING_KEY_${callee.toUpperCase().replace(/-/g, '_')}`;
}

/** The public keys of each trusted caller, by name (two during a key rotation). */
export type TrustedCallers = ReadonlyMap<string, readonly KeyObject[]>;

/** The name of a service as it appears in a signature: lowercase letters, digits and hyphens, as the file names services. */
const NAME = /^[a-z0-9][a-z0-9-]*$/;

/**
 * The trusted callers of TRUSTED_CALLERS entries, each `<caller>=<base64 SPKI DER>` (the list is comma-separated). A
 * caller may be named twice, with its old and its new key, while it rotates. Throws naming every malformed entry.
 */
export function trustedCallersFrom(entries: readonly string[], env: Record<string, string | undefined> = {}): TrustedCallers {
  const callers = new Map<string, KeyObject[]>();
  const problems: string[] = [];
  entries.forEach((entry, i) => {
    const at = entry.indexOf('=');
    const name = (at < 0 ? entry : entry.slice(0, at)).trim();
    if (!NAME.test(name)) {
      problems.push(`entry ${i + 1} is not <service> or <service>=<public key>`);
      return;
    }
    // a bare name: the caller's key for this service is in CALLER_KEY_<CALLER> (one key pair per caller and callee)
    const text = at < 0 ? env[callerKeyVariable(name)] : entry.slice(at + 1);
    if (text === undefined || text === '') {
      problems.push(`${callerKeyVariable(name)} (the key of ${name}) is not set`);
      return;
    }
    try {
      const key = publicKeyFrom(text, `the key of ${name}`);
      callers.set(name, [...(callers.get(name) ?? []), key]);
    } catch (error) {
      problems.push((error as Error).message);
    }
  });
  if (problems.length > 0) throw new Error(`TRUSTED_CALLERS: ${problems.join('; ')}`);
  return callers;
}

/** What a signature covers. */
export interface SignedParts {
  /** The HTTP method, upper case. */
  readonly method: string;
  /** The path and query (`/orders?limit=5`), as the WHATWG URL parser normalizes them. */
  readonly target: string;
  /** The callee's service name. */
  readonly audience: string;
  /** The caller's service name. */
  readonly caller: string;
  /** Unix time in seconds. */
  readonly timestamp: number;
  /** Random, base64url: no two requests of a caller share one. */
  readonly nonce: string;
  /** SHA-256 of the body's bytes, base64url. */
  readonly bodySha256: string;
}

/** The string a request's signature is computed over (see the file's comment). */
export function signingString(parts: SignedParts): string {
  return [SIGNATURE_SCHEME, parts.method, parts.target, parts.audience, parts.caller, String(parts.timestamp), parts.nonce, parts.bodySha256].join('\n');
}

/** SHA-256 of `body`, base64url. */
export function bodyHash(body: Uint8Array | string): string {
  return createHash('sha256').update(body).digest('base64url');
}

/** A body the signer can hash: text or bytes (a stream or form would have to be read first). */
function hashableBody(body: RequestInit['body']): Uint8Array | string {
  if (body === undefined || body === null) return '';
  if (typeof body === 'string' || body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  throw new TypeError('signed requests take a string or byte body');
}

/** Options of {@link serviceSignedFetch}. */
export interface ServiceSignedFetchOptions {
  /** This service's name, as its callees' TRUSTED_CALLERS name it (SERVICE_NAME). */
  readonly caller: string;
  /**
   * The private key (SERVICE_SIGNING_KEY): a key object, or its text as {@link signingKeyFrom} reads it.
   * @default - none: every callee needs its own key in `keys`
   */
  readonly key?: KeyObject | string;
  /** A private key per callee, by name (SIGNING_KEY_<CALLEE>: one key pair per caller and callee), over `key`. */
  readonly keys?: Readonly<Record<string, KeyObject | string>>;
  /**
   * The base URL of each service this one calls, by name: a request's audience is the service whose base URL it
   * starts with (the longest, when several do). A request to any other URL is refused, unsent.
   */
  readonly callees: Readonly<Record<string, string>>;
  /**
   * The fetch that sends the signed request.
   * @default - the global fetch
   */
  readonly fetch?: FetchFn;
  /**
   * The clock of the timestamps, in epoch milliseconds.
   * @default Date.now
   */
  readonly now?: () => number;
  /**
   * Makes each request's nonce (base64url, at least 16 characters).
   * @default - 16 random bytes, base64url
   */
  readonly nonce?: () => string;
}

/** A base URL as a prefix to match: its origin and its path without a trailing slash. */
function prefixOf(base: string): { readonly origin: string; readonly path: string } {
  const url = new URL(base);
  return { origin: url.origin, path: url.pathname.replace(/\/+$/, '') };
}

/**
 * A fetch that signs every request with this service's Ed25519 key for the callee whose base URL it goes to (see the
 * file's comment for what is signed and how it is sent). Each call gets a fresh timestamp and nonce, so a retried call
 * is signed anew. Throws at once on a key that is not an Ed25519 private key, or a caller or callee name that could
 * not appear in a signature; a call to a URL of no callee rejects without being sent.
 */
export function serviceSignedFetch(options: ServiceSignedFetchOptions): FetchFn {
  const read = (k: KeyObject | string, what: string) => (typeof k === 'string' ? signingKeyFrom(k, what) : ed25519(k, what));
  const shared = options.key === undefined ? undefined : read(options.key, 'SERVICE_SIGNING_KEY');
  const own = new Map(Object.entries(options.keys ?? {}).map(([callee, k]) => [callee, read(k, signingKeyVariable(callee))]));
  const keyFor = (callee: string): KeyObject => {
    const key = own.get(callee) ?? shared;
    if (key === undefined) throw new Error(`${signingKeyVariable(callee)} (or SERVICE_SIGNING_KEY) is required to call ${callee}`);
    return key;
  };
  if (!NAME.test(options.caller)) throw new Error(`the caller's name must be lowercase letters, digits and hyphens, got ${JSON.stringify(options.caller)}`);
  const callees = Object.entries(options.callees).map(([name, base]) => {
    if (!NAME.test(name)) throw new Error(`a callee's name must be lowercase letters, digits and hyphens, got ${JSON.stringify(name)}`);
    return { name, ...prefixOf(base) };
  });
  const clash = callees.find((c, i) => callees.some((o, j) => j < i && o.origin === c.origin && o.path === c.path));
  if (clash !== undefined) throw new Error(`two callees of ${options.caller} have the base URL ${clash.origin}${clash.path}: a request's audience would be ambiguous`);
  // every callee has a key, or the service fails at start-up rather than at its first call
  for (const c of callees) keyFor(c.name);
  // the longest base path first, so that the most specific base URL is the one a request matches
  callees.sort((a, b) => b.path.length - a.path.length);
  const send = options.fetch ?? fetch;
  const now = options.now ?? Date.now;
  const nonce = options.nonce ?? (() => randomBytes(16).toString('base64url'));
  return async (url, init = {}) => {
    const target = new URL(url);
    const callee = callees.find((c) => c.origin === target.origin && (target.pathname === c.path || target.pathname.startsWith(`${c.path}/`)));
    if (callee === undefined) throw new Error(`${target.origin} is the base URL of no service ${options.caller} calls: signed requests go only to its callees`);
    const parts: SignedParts = {
      method: (init.method ?? 'GET').toUpperCase(),
      target: `${target.pathname}${target.search}`,
      audience: callee.name,
      caller: options.caller,
      timestamp: Math.floor(now() / 1000),
      nonce: nonce(),
      bodySha256: bodyHash(hashableBody(init.body)),
    };
    const headers = new Headers(init.headers);
    headers.set(SERVICE_AUTH_HEADERS.caller, parts.caller);
    headers.set(SERVICE_AUTH_HEADERS.audience, parts.audience);
    headers.set(SERVICE_AUTH_HEADERS.timestamp, String(parts.timestamp));
    headers.set(SERVICE_AUTH_HEADERS.nonce, parts.nonce);
    headers.set(SERVICE_AUTH_HEADERS.signature, sign(null, Buffer.from(signingString(parts)), keyFor(callee.name)).toString('base64url'));
    const sent: Record<string, string> = {};
    headers.forEach((value, name) => {
      sent[name] = value;
    });
    return send(url, { ...init, headers: sent });
  };
}

/**
 * Remembers the nonces of accepted requests until their timestamps leave the window, so that a request is accepted
 * once. `add` answers false for a nonce it already holds; a store shared by the machines of a service (PostgreSQL,
 * Redis `SET NX PX`) may answer asynchronously.
 */
export interface NonceCache {
  /** Remembers `key` until `expiresAtMs`; false when it is already remembered (and not expired at `nowMs`). */
  add(key: string, expiresAtMs: number, nowMs: number): boolean | Promise<boolean>;
}

/**
 * An in-memory {@link NonceCache} of at most `maxEntries` nonces (one machine's memory: another machine of the same
 * service has its own). Expired nonces are dropped as new ones come; when it is full of live ones, the oldest is
 * forgotten (so that a burst of calls never turns into refusals; its request could then be replayed in what remains
 * of its window).
 */
export class MemoryNonceCache implements NonceCache {
  private readonly entries = new Map<string, number>();

  constructor(private readonly maxEntries = DEFAULT_MAX_NONCES) {
    if (!(maxEntries >= 1)) throw new Error(`a nonce cache holds at least one nonce, got ${maxEntries}`);
  }

  /** How many nonces it holds. */
  get size(): number {
    return this.entries.size;
  }

  add(key: string, expiresAtMs: number, nowMs: number): boolean {
    const seen = this.entries.get(key);
    if (seen !== undefined && seen >= nowMs) return false;
    this.entries.delete(key);
    // entries come in about the order they expire: drop from the front while expired, then while over the bound
    for (const [k, expires] of this.entries) {
      if (expires >= nowMs && this.entries.size < this.maxEntries) break;
      this.entries.delete(k);
    }
    this.entries.set(key, expiresAtMs);
    return true;
  }
}

/** Options of {@link ServiceVerifier}. */
export interface ServiceVerifierOptions {
  /** This service's name: the audience a request must be signed for. */
  readonly service: string;
  /** The callers it accepts, with their public keys. */
  readonly callers: TrustedCallers;
  /**
   * Accept requests that carry no signature at all (a public service's end users); a signed request is verified all
   * the same.
   * @default false
   */
  readonly allowUnsigned?: boolean;
  /**
   * How far a timestamp may be from this machine's clock, either way, in seconds; nonces are remembered as long.
   * @default 300
   */
  readonly windowSeconds?: number;
  /**
   * Where the nonces of accepted requests are remembered.
   * @default - a {@link MemoryNonceCache} of 100 000 nonces
   */
  readonly nonces?: NonceCache;
  /**
   * The clock, in epoch milliseconds.
   * @default Date.now
   */
  readonly now?: () => number;
}

/** The verdict on one request: accepted (from `caller`, or unsigned when allowed), or refused with a status and why. */
export type Verdict =
  | { readonly ok: true; readonly caller?: string }
  | { readonly ok: false; readonly status: 401 | 403; readonly reason: string; readonly caller?: string };

const NONCE = /^[A-Za-z0-9_-]{16,128}$/;
const SIGNATURE = /^[A-Za-z0-9_-]{86}$/;
const TIMESTAMP = /^\d{1,12}$/;

/** Checks the signatures of requests to one service (see the file's comment). */
export class ServiceVerifier {
  private readonly windowSeconds: number;
  private readonly nonces: NonceCache;
  private readonly now: () => number;

  constructor(private readonly options: ServiceVerifierOptions) {
    this.windowSeconds = options.windowSeconds ?? DEFAULT_WINDOW_SECONDS;
    if (!(this.windowSeconds > 0)) throw new Error(`the signature window must be positive, got ${this.windowSeconds}`);
    this.nonces = options.nonces ?? new MemoryNonceCache();
    this.now = options.now ?? Date.now;
  }

  /**
   * The verdict on `request`; its body is read from a clone, so the request stays readable. 401: not signed (unless
   * unsigned requests are allowed), malformed, signed for another service, outside the window, a signature that does
   * not verify, or a nonce seen before; 403: a caller this service does not trust (whatever its signature).
   */
  async verify(request: Request): Promise<Verdict> {
    const names = Object.values(SERVICE_AUTH_HEADERS);
    const missing = names.filter((name) => !request.headers.has(name));
    if (missing.length === names.length) return this.options.allowUnsigned === true ? { ok: true } : refuse(401, 'the request is not signed');
    if (missing.length > 0) return refuse(401, `the signature's headers are incomplete: no ${missing.join(', ')}`);
    const header = (name: keyof typeof SERVICE_AUTH_HEADERS): string => request.headers.get(SERVICE_AUTH_HEADERS[name]) ?? '';
    const [caller, audience, timestamp, nonce, signature] = [header('caller'), header('audience'), header('timestamp'), header('nonce'), header('signature')];
    if (!NAME.test(caller) || !NAME.test(audience) || !TIMESTAMP.test(timestamp) || !NONCE.test(nonce) || !SIGNATURE.test(signature)) {
      return refuse(401, "the signature's headers are malformed");
    }
    if (audience !== this.options.service) return refuse(401, `the request is signed for ${audience}, not ${this.options.service}`, caller);
    const now = this.now();
    const seconds = Number(timestamp);
    if (Math.abs(now / 1000 - seconds) > this.windowSeconds) return refuse(401, `the signature's timestamp is more than ${this.windowSeconds} s away from this service's clock`, caller);
    const keys = this.options.callers.get(caller);
    if (keys === undefined) return refuse(403, `${caller} is not a caller ${this.options.service} trusts`, caller);
    const url = new URL(request.url);
    const body = new Uint8Array(await request.clone().arrayBuffer());
    const signed = Buffer.from(signingString({ method: request.method.toUpperCase(), target: `${url.pathname}${url.search}`, audience, caller, timestamp: seconds, nonce, bodySha256: bodyHash(body) }));
    const bytes = Buffer.from(signature, 'base64url');
    if (!keys.some((key) => verify(null, signed, key, bytes))) return refuse(401, `the signature does not verify with ${caller}'s key`, caller);
    // remembered only once verified, so that nobody but a trusted caller fills the cache
    if (!(await this.nonces.add(`${caller} ${nonce}`, (seconds + this.windowSeconds) * 1000, now))) return refuse(401, 'the request was seen before (its nonce is not new)', caller);
    return { ok: true, caller };
  }
}

function refuse(status: 401 | 403, reason: string, caller?: string): Verdict {
  return { ok: false, status, reason, ...(caller === undefined ? {} : { caller }) };
}

/** The INBOUND_AUTH kinds: `none`, every request signed (`ed25519`), or signed requests verified and unsigned ones let through (`ed25519-optional`). */
export const INBOUND_AUTH_KINDS = ['none', 'ed25519', 'ed25519-optional'] as const;

/**
 * The verifier the environment asks for, or undefined with INBOUND_AUTH=none (the default): INBOUND_AUTH, TRUSTED_CALLERS
 * (`<caller>=<base64 SPKI DER>`, comma-separated), INBOUND_AUTH_WINDOW_SECONDS (default 300) and SERVICE_NAME (the
 * audience; default `service`). Throws on an unknown kind or a malformed key, so that a misconfigured service fails
 * at start-up.
 */
export function inboundAuthFrom(env: Record<string, string | undefined>, service: string): ServiceVerifierOptions | undefined {
  const config = readConfig(
    {
      INBOUND_AUTH: { kind: 'string', default: 'none' },
      TRUSTED_CALLERS: { kind: 'list', default: '' },
      INBOUND_AUTH_WINDOW_SECONDS: { kind: 'int', default: String(DEFAULT_WINDOW_SECONDS) },
      SERVICE_NAME: { kind: 'string', default: service },
    },
    env,
  );
  const kind = config.INBOUND_AUTH;
  if (!(INBOUND_AUTH_KINDS as readonly string[]).includes(kind)) throw new Error(`INBOUND_AUTH must be one of ${INBOUND_AUTH_KINDS.join(', ')}, got ${JSON.stringify(kind)}`);
  if (kind === 'none') return undefined;
  if (config.INBOUND_AUTH_WINDOW_SECONDS <= 0) throw new Error('INBOUND_AUTH_WINDOW_SECONDS must be positive');
  return {
    service: config.SERVICE_NAME,
    callers: trustedCallersFrom(config.TRUSTED_CALLERS, env),
    allowUnsigned: kind === 'ed25519-optional',
    windowSeconds: config.INBOUND_AUTH_WINDOW_SECONDS,
  };
}
