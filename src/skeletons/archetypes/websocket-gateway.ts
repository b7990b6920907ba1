/**
 * websocket-gateway: connections kept in a registry (memory or DynamoDB with a TTL), authorised on connect
 * (subscriptions.authorization), subscribed events broadcast to every connection (gone ones removed), a heartbeat.
 * Entries: Lambda for API Gateway WebSocket routes, Lambda for the events' SQS queue, and a container.
 */
import { OutputFile, managed, owned } from '../../model/output-file';
import type { ServiceContext } from '../context';
import { containerEntry, lambdaEntry, secretsWiring } from '../secrets';
import { dockerfile, servicePackage } from '../context';
import { ConfigVar, configFile } from '../common';

type Mode = 'jwt' | 'api-key' | 'none';

function authConfig(ctx: ServiceContext, mode: Mode): Record<string, ConfigVar> {
  if (mode === 'jwt') {
    const issuer = ctx.model.file.security?.authentication?.jwt_issuer ?? '';
    return { JWT_ISSUER: { kind: 'string', default: issuer, description: 'Required iss claim of client tokens (empty: any)' } };
  }
  if (mode === 'api-key') {
    return {
      WEBSOCKET_API_KEY: { kind: 'string', required: true, description: 'Secret: the API key clients present on connect' },
      API_KEY_HEADER: { kind: 'string', default: 'x-api-key', description: 'Header carrying the API key' },
    };
  }
  return {};
}

/** src/auth.ts: the authorizer of the configured mode. */
function authFile(mode: Mode): string {
  const common = `import { createHash, timingSafeEqual } from 'node:crypto';
import type { Principal${mode === 'jwt' ? ', TokenVerifier' : ''} } from './ports';

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
`;
  if (mode === 'jwt') {
    return `${common}
/**
 * subscriptions.authorization jwt: a bearer token in the Authorization header, or in the \`token\` query parameter
 * (browsers cannot set headers on a WebSocket), checked by \`verifier\`.
 */
export function createAuthorizer(verifier: TokenVerifier): Authorizer {
  return async (request) => {
    const header = request.headers.authorization;
    const token = header?.startsWith('Bearer ') ? header.slice(7) : request.query.token;
    if (!token) throw new AuthError('a bearer token is required');
    try {
      return await verifier.verify(token);
    } catch (err) {
      throw new AuthError(\`invalid token: \${(err as Error).message}\`);
    }
  };
}
`;
  }
  if (mode === 'api-key') {
    return `${common}
/** subscriptions.authorization api-key: the \`header\` must carry \`apiKey\`. */
export function createAuthorizer(apiKey: string, header: string): Authorizer {
  const name = header.toLowerCase();
  return (request) => {
    const given = request.headers[name];
    if (given === undefined || !safeEqual(given, apiKey)) return Promise.reject(new AuthError(\`a valid \${header} header is required\`));
    return Promise.resolve({ subject: 'api-key' });
  };
}
`;
  }
  return `${common}
/** subscriptions.authorization none: anyone may connect. */
export function createAuthorizer(): Authorizer {
  return () => Promise.resolve({ subject: 'anonymous' });
}
`;
}

export function renderWebsocketGateway(ctx: ServiceContext): OutputFile[] {
  const s = ctx.service;
  const P = ctx.platform;
  const arch = ctx.model.file.architecture.name;
  const ws = s.spec.websocket ?? {};
  const mode: Mode = s.spec.subscriptions?.authorization ?? 'jwt';
  const events = s.spec.subscriptions?.events ?? [];
  const heartbeat = ws.heartbeat_interval_ms ?? 30000;
  const files: OutputFile[] = [
    servicePackage(ctx, ['hono', '@aws-sdk/lib-dynamodb', '@aws-sdk/client-apigatewaymanagementapi']),
    configFile(ctx, {
      CONNECTIONS_STORE: { kind: 'string', default: 'memory', description: 'memory | dynamodb: where connections are registered' },
      CONNECTIONS_TABLE: { kind: 'string', default: `${arch}-${s.name}-connections`, description: 'DynamoDB table of connections (pk, expiresAt as TTL attribute)' },
      CONNECTION_TTL_SECONDS: { kind: 'int', default: '7200', description: 'How long a connection record lives (API Gateway closes connections after 2 hours)' },
      SENDER: { kind: 'string', default: 'memory', description: 'memory | apigateway: how messages reach connections' },
      WEBSOCKET_ENDPOINT: { kind: 'string', default: '', description: 'https://{api-id}.execute-api.{region}.amazonaws.com/{stage} (SENDER=apigateway)' },
      HEARTBEAT_INTERVAL_MS: { kind: 'int', default: String(heartbeat), description: 'Interval of the heartbeat broadcast by the container entry, in milliseconds' },
      BROADCAST_TOKEN: { kind: 'string', description: 'Secret bearer token of POST /broadcast; the route is off when unset' },
      ...authConfig(ctx, mode),
    }),
    dockerfile(ctx, 'server'),
  ];

  const authorizerInit =
    mode === 'jwt'
      ? 'createAuthorizer(new ExpiryOnlyJwtVerifier(config.JWT_ISSUER))'
      : mode === 'api-key'
        ? 'createAuthorizer(config.WEBSOCKET_API_KEY, config.API_KEY_HEADER)'
        : 'createAuthorizer()';

  files.push(
    managed(
      `${ctx.dir}/README.md`,
      `# ${s.name}

${s.spec.responsibility ? `${s.spec.responsibility}\n\n` : ''}WebSocket gateway (archetype \`websocket-gateway\`): clients connect through API Gateway WebSocket routes
(\`src/entry/lambda.ts\`: \`$connect\`, \`$disconnect\`, \`$default\`), are registered in \`CONNECTIONS_STORE\` (DynamoDB
with a TTL in the cloud), and receive ${events.length > 0 ? events.map((e) => `\`${e}\``).join(', ') : 'the events you broadcast'} as \`{ type, id, time, data }\`
messages (\`src/entry/events.ts\`: the events' SQS queue). Messages go out through the API Gateway Management API
(\`SENDER=apigateway\`, \`WEBSOCKET_ENDPOINT\`); connections that are gone are removed from the registry.

Authorization on connect: **${mode}**.${
        mode === 'jwt'
          ? ` A bearer token in the \`Authorization\` header or the \`token\` query parameter.

> **Warning: replace the token verifier before production.** \`ExpiryOnlyJwtVerifier\`
> (\`src/application/token-verifier.ts\`, yours) only checks the \`exp\` (and \`iss\`) claims: it does **not** verify
> signatures, so anyone can forge a token. Verify against your issuer's keys (JWKS) instead.`
          : mode === 'api-key'
            ? ' The `API_KEY_HEADER` header must carry the `WEBSOCKET_API_KEY` secret.'
            : ' None: anyone may connect.'
      }

The container entry (\`src/entry/server.ts\`) serves the probes and \`POST /broadcast\` (a JSON message to every
connection, with \`Authorization: Bearer $BROADCAST_TOKEN\`; off when \`BROADCAST_TOKEN\` is unset), and sends a
heartbeat every \`HEARTBEAT_INTERVAL_MS\` (${heartbeat} ms). It does not accept WebSocket upgrades itself: those
would be served by the platform's server (\`serve\` from the platform package), which the skeleton leaves out.
`,
    ),
    managed(
      `${ctx.dir}/src/ports.ts`,
      `/** A registered client connection. */
export interface Connection {
  readonly id: string;
  readonly connectedAt: string;
  /** Who connected (the token's subject, \`api-key\` or \`anonymous\`). */
  readonly principal: string;
}

/** Port: where connections are registered. */
export interface ConnectionRegistry {
  add(connection: Connection): Promise<void>;
  remove(id: string): Promise<void>;
  list(): Promise<Connection[]>;
}

/** Port: sends a message to one connection; 'gone' when the client has disconnected. */
export interface Sender {
  send(connectionId: string, payload: string): Promise<'sent' | 'gone'>;
}

/** Who a token identifies. */
export interface Principal {
  readonly subject: string;
}

/** Port: checks a client's token; rejects when it is not acceptable. */
export interface TokenVerifier {
  verify(token: string): Promise<Principal>;
}
`,
    ),
    managed(`${ctx.dir}/src/auth.ts`, authFile(mode)),
    managed(
      `${ctx.dir}/src/adapters/memory.ts`,
      `import type { Connection, ConnectionRegistry, Sender } from '../ports';

/** In-memory registry for tests and single-instance runs. */
export class MemoryConnectionRegistry implements ConnectionRegistry {
  private readonly connections = new Map<string, Connection>();

  add(connection: Connection): Promise<void> {
    this.connections.set(connection.id, connection);
    return Promise.resolve();
  }

  remove(id: string): Promise<void> {
    this.connections.delete(id);
    return Promise.resolve();
  }

  list(): Promise<Connection[]> {
    return Promise.resolve([...this.connections.values()]);
  }
}

/** In-memory sender: records what it sends; connections in \`gone\` are reported gone. */
export class MemorySender implements Sender {
  readonly sent: { connectionId: string; payload: string }[] = [];
  readonly gone = new Set<string>();

  send(connectionId: string, payload: string): Promise<'sent' | 'gone'> {
    if (this.gone.has(connectionId)) return Promise.resolve('gone');
    this.sent.push({ connectionId, payload });
    return Promise.resolve('sent');
  }
}
`,
    ),
    managed(
      `${ctx.dir}/src/adapters/dynamodb-registry.ts`,
      `import { DeleteCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { ScanCommandOutput } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient, epochSeconds } from '${P}';
import type { AwsClient } from '${P}';
import type { Connection, ConnectionRegistry } from '../ports';

/** DynamoDB registry: items \`{ pk, connectedAt, principal, expiresAt }\`, \`expiresAt\` (epoch seconds) the TTL attribute. */
export class DynamoDbConnectionRegistry implements ConnectionRegistry {
  constructor(
    private readonly client: AwsClient,
    private readonly tableName: string,
    private readonly ttlSeconds: number,
    private readonly now: () => number = Date.now,
  ) {}

  static create(tableName: string, ttlSeconds: number): DynamoDbConnectionRegistry {
    return new DynamoDbConnectionRegistry(createDocumentClient(), tableName, ttlSeconds);
  }

  async add(connection: Connection): Promise<void> {
    const item = { pk: connection.id, connectedAt: connection.connectedAt, principal: connection.principal, expiresAt: epochSeconds(this.now()) + this.ttlSeconds };
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: item }));
  }

  async remove(id: string): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: { pk: id } }));
  }

  /** Every unexpired connection (all Scan pages). */
  async list(): Promise<Connection[]> {
    const out: Connection[] = [];
    const now = epochSeconds(this.now());
    let start: Record<string, unknown> | undefined;
    do {
      const page = (await this.client.send(new ScanCommand({ TableName: this.tableName, ExclusiveStartKey: start }))) as ScanCommandOutput;
      for (const item of page.Items ?? []) {
        const i = item as { pk: string; connectedAt: string; principal: string; expiresAt: number };
        if (i.expiresAt > now) out.push({ id: i.pk, connectedAt: i.connectedAt, principal: i.principal });
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return out;
  }
}
`,
    ),
    managed(
      `${ctx.dir}/src/adapters/apigateway-sender.ts`,
      `import { ApiGatewayManagementApiClient, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import type { AwsClient } from '${P}';
import type { Sender } from '../ports';

/** Sends through the API Gateway Management API; a GoneException (410) means the client has left. */
export class ApiGatewaySender implements Sender {
  constructor(private readonly client: AwsClient) {}

  /** The real client for \`endpoint\` (https://{api-id}.execute-api.{region}.amazonaws.com/{stage}). */
  static create(endpoint: string): ApiGatewaySender {
    if (endpoint === '') throw new Error('WEBSOCKET_ENDPOINT is required for SENDER=apigateway');
    return new ApiGatewaySender(new ApiGatewayManagementApiClient({ endpoint }));
  }

  async send(connectionId: string, payload: string): Promise<'sent' | 'gone'> {
    try {
      await this.client.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: new TextEncoder().encode(payload) }));
      return 'sent';
    } catch (err) {
      if ((err as Error).name === 'GoneException') return 'gone';
      throw err;
    }
  }
}
`,
    ),
    managed(
      `${ctx.dir}/src/deps.ts`,
      `import { closePools, createLogger } from '${P}';
import type { Logger } from '${P}';
import { ApiGatewaySender } from './adapters/apigateway-sender';
import { DynamoDbConnectionRegistry } from './adapters/dynamodb-registry';
import { MemoryConnectionRegistry, MemorySender } from './adapters/memory';
import { Gateway } from './application/gateway';
${mode === 'jwt' ? "import { ExpiryOnlyJwtVerifier } from './application/token-verifier';\n" : ''}import { createAuthorizer } from './auth';
import type { Config } from './config';
${secretsWiring(ctx).importType}import type { ConnectionRegistry, Sender } from './ports';

/** Everything the entries need. */
export interface Dependencies {
${secretsWiring(ctx).field}  readonly logger: Logger;
  readonly gateway: Gateway;
  /** The bearer token POST /broadcast requires; the route is off without one. */
  readonly broadcastToken: string | undefined;
  close(): Promise<void>;
}

function registry(config: Config): ConnectionRegistry {
  switch (config.CONNECTIONS_STORE) {
    case 'memory':
      return new MemoryConnectionRegistry();
    case 'dynamodb':
      return DynamoDbConnectionRegistry.create(config.CONNECTIONS_TABLE, config.CONNECTION_TTL_SECONDS);
    default:
      throw new Error(\`CONNECTIONS_STORE must be one of memory, dynamodb, got \${JSON.stringify(config.CONNECTIONS_STORE)}\`);
  }
}

function sender(config: Config): Sender {
  switch (config.SENDER) {
    case 'memory':
      return new MemorySender();
    case 'apigateway':
      return ApiGatewaySender.create(config.WEBSOCKET_ENDPOINT);
    default:
      throw new Error(\`SENDER must be one of memory, apigateway, got \${JSON.stringify(config.SENDER)}\`);
  }
}

/** Registry and sender as configured (in memory by default), and the ${mode} authorizer. */
export function createDependencies(config: Config${secretsWiring(ctx).param}): Dependencies {
  const logger = createLogger({ service: config.SERVICE_NAME, level: config.LOG_LEVEL, redact: config.PII_FIELDS });
${mode === 'jwt' ? "  logger.warn('JWT signatures are NOT verified: replace ExpiryOnlyJwtVerifier (src/application/token-verifier.ts) before production');\n" : ''}  return {
${secretsWiring(ctx).prop}    logger,
    gateway: new Gateway({ registry: registry(config), sender: sender(config), authorize: ${authorizerInit}, logger }),
    broadcastToken: config.BROADCAST_TOKEN,
    close: () => closePools(),
  };
}
`,
    ),
    managed(
      `${ctx.dir}/src/handler.ts`,
      `import type { EventHandler } from '${P}';
import type { Gateway } from './application/gateway';
import { AuthError } from './auth';

/** The part of an API Gateway WebSocket event the gateway reads. */
export interface WebSocketEvent {
  readonly requestContext: { readonly routeKey?: string; readonly connectionId?: string };
  readonly headers?: Readonly<Record<string, string | undefined>> | null;
  readonly queryStringParameters?: Readonly<Record<string, string | undefined>> | null;
  readonly body?: string | null;
}

export interface WebSocketResult {
  statusCode: number;
  body?: string;
}

/** Routes $connect (401 when refused), $disconnect and $default (client messages) to the gateway. */
export async function handleWebSocketEvent(gateway: Gateway, event: WebSocketEvent): Promise<WebSocketResult> {
  const { routeKey, connectionId } = event.requestContext;
  if (connectionId === undefined) return { statusCode: 400, body: 'missing connection id' };
  switch (routeKey) {
    case '$connect': {
      const headers = Object.fromEntries(Object.entries(event.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
      try {
        await gateway.connect({ connectionId, headers, query: event.queryStringParameters ?? {} });
      } catch (err) {
        if (err instanceof AuthError) return { statusCode: 401, body: err.message };
        throw err;
      }
      return { statusCode: 200 };
    }
    case '$disconnect':
      await gateway.disconnect(connectionId);
      return { statusCode: 200 };
    default:
      await gateway.onMessage(connectionId, event.body ?? '');
      return { statusCode: 200 };
  }
}

/** Subscribed events from the queue, broadcast to every connection. */
export function eventHandler(gateway: Gateway): EventHandler {
  return async (event) => {
    await gateway.publish(event);
  };
}
`,
    ),
    managed(
      `${ctx.dir}/src/app.ts`,
      `import { HttpError, createHttpApp } from '${P}';
import { safeEqual } from './auth';
import type { Dependencies } from './deps';

/** The container's HTTP app: probes and POST /broadcast (behind BROADCAST_TOKEN). */
export function buildApp(deps: Dependencies) {
  const app = createHttpApp({ service: '${s.name}', logger: deps.logger });
  app.post('/broadcast', async (c) => {
    if (deps.broadcastToken === undefined) throw new HttpError(404, 'broadcast over HTTP is off (set BROADCAST_TOKEN)');
    if (!safeEqual(c.req.header('authorization') ?? '', \`Bearer \${deps.broadcastToken}\`)) throw new HttpError(401, 'unauthorized');
    let message: unknown;
    try {
      message = await c.req.json();
    } catch {
      throw new HttpError(400, 'expected a JSON message');
    }
    return c.json(await deps.gateway.broadcast(message));
  });
  return app;
}
`,
    ),
    managed(
      `${ctx.dir}/src/entry/lambda.ts`,
      lambdaEntry(ctx, `import { loadConfig } from '../config';
import { createDependencies } from '../deps';
import { handleWebSocketEvent } from '../handler';
import type { WebSocketEvent, WebSocketResult } from '../handler';

const deps = createDependencies(loadConfig(process.env));

/** API Gateway WebSocket routes: $connect, $disconnect, $default. */
export const handler = (event: WebSocketEvent): Promise<WebSocketResult> => handleWebSocketEvent(deps.gateway, event);
`),
    ),
    managed(
      `${ctx.dir}/src/entry/events.ts`,
      lambdaEntry(ctx, `import { sqsHandler } from '${P}';
import { loadConfig } from '../config';
import { createDependencies } from '../deps';
import { eventHandler } from '../handler';

const deps = createDependencies(loadConfig(process.env));

/** The SQS queue of ${events.join(', ') || 'the subscribed events'}: each event is broadcast (enable ReportBatchItemFailures). */
export const handler = sqsHandler(eventHandler(deps.gateway), { logger: deps.logger });
`),
    ),
    managed(
      `${ctx.dir}/src/entry/server.ts`,
      containerEntry(ctx, `// The container entry: probes, POST /broadcast and the heartbeat. WebSocket upgrades are not handled here: on a
// container they would be served by the platform's server (\`serve\`), which the skeleton leaves out; the
// connections this instance broadcasts to are those in the registry (API Gateway connections with SENDER=apigateway).
import { serve } from '${P}';
import { buildApp } from '../app';
import { loadConfig } from '../config';
import { createDependencies } from '../deps';

const config = loadConfig(process.env);
const deps = createDependencies(config);
const heartbeat = setInterval(() => {
  deps.gateway.heartbeat().catch((err: unknown) => deps.logger.error({ err }, 'heartbeat failed'));
}, config.HEARTBEAT_INTERVAL_MS);
serve(buildApp(deps), {
  port: config.PORT,
  logger: deps.logger,
  onShutdown: () => {
    clearInterval(heartbeat);
    return deps.close();
  },
});
`),
    ),
    owned(
      `${ctx.dir}/src/application/gateway.ts`,
      `import type { EventEnvelope, Logger } from '${P}';
import type { Authorizer, ConnectRequest } from '../auth';
import type { Connection, ConnectionRegistry, Sender } from '../ports';

/** The events pushed to clients (subscriptions.events). */
export const SUBSCRIBED_EVENTS: ReadonlySet<string> = new Set(${JSON.stringify(events)});

export interface GatewayPorts {
  readonly registry: ConnectionRegistry;
  readonly sender: Sender;
  readonly authorize: Authorizer;
  readonly logger: Logger;
}

/** What a broadcast did. */
export interface BroadcastResult {
  sent: number;
  removed: number;
  failed: number;
}

/** Use cases of the gateway: connect, disconnect, messages from clients, broadcasts. */
export class Gateway {
  constructor(
    private readonly ports: GatewayPorts,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Authorises and registers a connection; rejects with AuthError when refused. */
  async connect(request: ConnectRequest): Promise<Connection> {
    const principal = await this.ports.authorize(request);
    const connection: Connection = { id: request.connectionId, connectedAt: this.now().toISOString(), principal: principal.subject };
    await this.ports.registry.add(connection);
    return connection;
  }

  disconnect(connectionId: string): Promise<void> {
    return this.ports.registry.remove(connectionId);
  }

  /** A message from a client: answers \`{"type":"ping"}\` with a pong; add your own message types here. */
  async onMessage(connectionId: string, body: string): Promise<void> {
    if (body.trim() === '{"type":"ping"}') await this.ports.sender.send(connectionId, JSON.stringify({ type: 'pong' }));
  }

  /** Sends \`message\` (as JSON) to every connection, removing the ones that are gone. */
  async broadcast(message: unknown): Promise<BroadcastResult> {
    const payload = JSON.stringify(message);
    const connections = await this.ports.registry.list();
    const outcomes = await Promise.allSettled(connections.map((c) => this.ports.sender.send(c.id, payload)));
    const result: BroadcastResult = { sent: 0, removed: 0, failed: 0 };
    for (const [i, outcome] of outcomes.entries()) {
      const id = connections[i]!.id;
      if (outcome.status === 'rejected') {
        result.failed++;
        this.ports.logger.warn({ err: outcome.reason as unknown, connectionId: id }, 'send failed');
      } else if (outcome.value === 'gone') {
        await this.ports.registry.remove(id);
        result.removed++;
      } else {
        result.sent++;
      }
    }
    return result;
  }

  /** Keeps idle connections open: a heartbeat message to everyone. */
  heartbeat(): Promise<BroadcastResult> {
    return this.broadcast({ type: 'heartbeat', time: this.now().toISOString() });
  }

  /** A subscribed event is broadcast as \`{ type, id, time, data }\`; others are ignored (undefined). */
  async publish(event: EventEnvelope): Promise<BroadcastResult | undefined> {
    if (!SUBSCRIBED_EVENTS.has(event.type)) return undefined;
    return this.broadcast({ type: event.type, id: event.id, time: event.time, data: event.data });
  }
}
`,
    ),
  );

  if (mode === 'jwt') {
    files.push(
      owned(
        `${ctx.dir}/src/application/token-verifier.ts`,
        `import type { Principal, TokenVerifier } from '../ports';

/**
 * WARNING: NOT SECURE. REPLACE BEFORE PRODUCTION.
 *
 * Checks only that the token is shaped like a JWT, that its \`exp\` claim is in the future and (when \`issuer\` is
 * set) that its \`iss\` claim matches. It does NOT verify the signature: anyone can forge a token that passes.
 *
 * TODO(security): verify the signature against your issuer's keys, e.g. with the \`jose\` package:
 *   const jwks = createRemoteJWKSet(new URL(\`\${issuer}/.well-known/jwks.json\`));
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
  const payload = /^[\\w-]+\\.([\\w-]+)\\.[\\w-]*$/.exec(token)?.[1];
  if (payload === undefined) throw new Error('not a JWT');
  const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  if (typeof claims !== 'object' || claims === null) throw new Error('no claims');
  return claims as Record<string, unknown>;
}
`,
      ),
    );
  }

  files.push(ownedTest(ctx, mode, events), managedTest(ctx, mode));
  return files;
}

/** The environment of the generated tests: every required secret set, logs off. */
function testEnv(mode: Mode): string {
  return `{ LOG_LEVEL: 'silent'${mode === 'api-key' ? ", WEBSOCKET_API_KEY: 'test-key'" : ''} }`;
}

function ownedTest(ctx: ServiceContext, mode: Mode, events: readonly string[]): OutputFile {
  const P = ctx.platform;
  const first = events[0];
  const authorizer =
    mode === 'jwt' ? 'createAuthorizer(new ExpiryOnlyJwtVerifier(ISSUER, () => NOW))' : mode === 'api-key' ? "createAuthorizer('test-key', 'X-Api-Key')" : 'createAuthorizer()';
  const okRequest = mode === 'jwt' ? "{ authorization: `Bearer ${jwt({ sub: 'alice', exp: NOW / 1000 + 60, iss: ISSUER })}` }" : mode === 'api-key' ? "{ 'x-api-key': 'test-key' }" : '{}';
  const authTests =
    mode === 'jwt'
      ? `
  test('jwt: a bearer token (header or token query parameter) with a future exp is required', async () => {
    const { gateway } = setup();
    const connect = (headers: Record<string, string>, query: Record<string, string> = {}) => gateway.connect({ connectionId: 'c', headers, query });
    await expect(connect({})).rejects.toBeInstanceOf(AuthError);
    await expect(connect({ authorization: 'Basic x' })).rejects.toBeInstanceOf(AuthError);
    await expect(connect({ authorization: 'Bearer not-a-jwt' })).rejects.toThrow(/not a JWT/);
    await expect(connect({ authorization: \`Bearer \${jwt({ sub: 'a', iss: ISSUER })}\` })).rejects.toThrow(/no exp/);
    await expect(connect({ authorization: \`Bearer \${jwt({ sub: 'a', exp: NOW / 1000 - 1, iss: ISSUER })}\` })).rejects.toThrow(/expired/);
    await expect(connect({ authorization: \`Bearer \${jwt({ exp: NOW / 1000 + 60, iss: 'https://other.example.com' })}\` })).rejects.toThrow(/issuer/);
    await expect(connect({ authorization: \`Bearer \${jwt('123')}\` })).rejects.toThrow(/no claims/);
    expect((await connect({}, { token: jwt({ exp: NOW / 1000 + 60, iss: ISSUER }) })).principal).toBe('unknown');
    expect((await connect({ authorization: \`Bearer \${jwt({ sub: 'bob', exp: NOW / 1000 + 60, iss: ISSUER })}\` })).principal).toBe('bob');
  });

  test('jwt: without a configured issuer any iss is accepted', async () => {
    await expect(new ExpiryOnlyJwtVerifier().verify(jwt({ exp: Date.now() / 1000 + 60, iss: 'x' }))).resolves.toEqual({ subject: 'unknown' });
  });
`
      : mode === 'api-key'
        ? `
  test('api-key: the header must carry the key', async () => {
    const { gateway } = setup();
    const connect = (headers: Record<string, string>) => gateway.connect({ connectionId: 'c', headers, query: {} });
    await expect(connect({})).rejects.toBeInstanceOf(AuthError);
    await expect(connect({ 'x-api-key': 'wrong' })).rejects.toBeInstanceOf(AuthError);
    expect((await connect({ 'x-api-key': 'test-key' })).principal).toBe('api-key');
  });
`
        : `
  test('none: anyone may connect', async () => {
    const { gateway } = setup();
    expect((await gateway.connect({ connectionId: 'c', headers: {}, query: {} })).principal).toBe('anonymous');
    expect(AuthError).toBeDefined();
  });
`;
  return owned(
    `${ctx.dir}/test/gateway.test.ts`,
    `import { createLogger, newEvent } from '${P}';
import { MemoryConnectionRegistry, MemorySender } from '../src/adapters/memory';
import { Gateway } from '../src/application/gateway';
${mode === 'jwt' ? "import { ExpiryOnlyJwtVerifier } from '../src/application/token-verifier';\n" : ''}import { AuthError, createAuthorizer } from '../src/auth';

const NOW = 1_800_000_000_000;
${mode === 'jwt' ? `const ISSUER = 'https://issuer.test';

/** An unsigned JWT with these claims (the default verifier does not check signatures). */
function jwt(claims: object | string): string {
  const part = (v: object | string) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
  return \`\${part({ alg: 'none' })}.\${part(claims)}.\`;
}
` : ''}
function setup() {
  const registry = new MemoryConnectionRegistry();
  const sender = new MemorySender();
  const logger = createLogger({ service: 'test', level: 'silent' });
  const gateway = new Gateway({ registry, sender, authorize: ${authorizer}, logger }, () => new Date(NOW));
  return { gateway, registry, sender };
}

const OK = ${okRequest};

describe('${ctx.service.name}', () => {
  test('connect, broadcast, disconnect', async () => {
    // GIVEN two connected clients
    const { gateway, registry, sender } = setup();
    await gateway.connect({ connectionId: 'a', headers: OK, query: {} });
    await gateway.connect({ connectionId: 'b', headers: OK, query: {} });
    // WHEN a message is broadcast
    const result = await gateway.broadcast({ hello: 'world' });
    // THEN both receive it
    expect(result).toEqual({ sent: 2, removed: 0, failed: 0 });
    expect(sender.sent.map((m) => m.connectionId)).toEqual(['a', 'b']);
    expect(JSON.parse(sender.sent[0]!.payload)).toEqual({ hello: 'world' });
    // WHEN one disconnects THEN it is no longer registered
    await gateway.disconnect('a');
    expect((await registry.list()).map((c) => c.id)).toEqual(['b']);
  });

  test('connections that are gone are removed; failed sends are counted', async () => {
    const { gateway, registry, sender } = setup();
    for (const id of ['a', 'b', 'c']) await gateway.connect({ connectionId: id, headers: OK, query: {} });
    sender.gone.add('b');
    const failing = sender.send.bind(sender);
    sender.send = (id, payload) => (id === 'c' ? Promise.reject(new Error('throttled')) : failing(id, payload));
    expect(await gateway.broadcast({})).toEqual({ sent: 1, removed: 1, failed: 1 });
    expect((await registry.list()).map((c) => c.id)).toEqual(['a', 'c']);
  });
${authTests}
  test('subscribed events are broadcast; other events are ignored', async () => {
    const { gateway${first ? ', sender' : ''} } = setup();
    await gateway.connect({ connectionId: 'a', headers: OK, query: {} });
${first ? `    const event = newEvent('${first}', 'test', { id: '1' });
    expect(await gateway.publish(event)).toEqual({ sent: 1, removed: 0, failed: 0 });
    expect(JSON.parse(sender.sent[0]!.payload)).toMatchObject({ type: '${first}', id: event.id, data: { id: '1' } });
` : ''}    expect(await gateway.publish(newEvent('NotSubscribed', 'test', {}))).toBeUndefined();
  });

  test('heartbeat and ping', async () => {
    const { gateway, sender } = setup();
    await gateway.connect({ connectionId: 'a', headers: OK, query: {} });
    await gateway.heartbeat();
    await gateway.onMessage('a', '{"type":"ping"}');
    await gateway.onMessage('a', 'hello');
    expect(sender.sent.map((m) => (JSON.parse(m.payload) as { type: string }).type)).toEqual(['heartbeat', 'pong']);
  });
});
`,
  );
}

function managedTest(ctx: ServiceContext, mode: Mode): OutputFile {
  const env = testEnv(mode);
  const okHeaders = mode === 'jwt' ? "{ Authorization: `Bearer ${Buffer.from('{}').toString('base64url')}.${Buffer.from(JSON.stringify({ exp: Date.now() / 1000 + 60, iss: ISSUER })).toString('base64url')}.` }" : mode === 'api-key' ? "{ 'X-Api-Key': 'test-key' }" : '{}';
  return managed(
    `${ctx.dir}/test/wiring.test.ts`,
    `import type { AwsClient } from '${ctx.platform}';
import { ApiGatewaySender } from '../src/adapters/apigateway-sender';
import { DynamoDbConnectionRegistry } from '../src/adapters/dynamodb-registry';
import { buildApp } from '../src/app';
import { loadConfig } from '../src/config';
import { createDependencies } from '../src/deps';
import { eventHandler, handleWebSocketEvent } from '../src/handler';
${mode === 'jwt' ? `\nconst ISSUER = loadConfig(${env}).JWT_ISSUER;\n` : ''}
/** A fake AWS client: records commands, answers with \`answer\`. */
function fakeClient(answer: (input: Record<string, unknown>) => unknown): AwsClient & { inputs: Record<string, unknown>[] } {
  const inputs: Record<string, unknown>[] = [];
  return {
    inputs,
    send: (command: object) => {
      const input = (command as { input: Record<string, unknown> }).input;
      inputs.push(input);
      return Promise.resolve().then(() => answer(input));
    },
  };
}

const env = ${env};

describe('managed wiring', () => {
  test('the DynamoDB registry writes a TTL, pages through Scan and skips expired items', async () => {
    const client = fakeClient((input) =>
      input.ExclusiveStartKey === undefined
        ? { Items: [{ pk: 'a', connectedAt: 't', principal: 'p', expiresAt: 2000 }], LastEvaluatedKey: { pk: 'a' } }
        : { Items: [{ pk: 'b', connectedAt: 't', principal: 'p', expiresAt: 1 }] },
    );
    const registry = new DynamoDbConnectionRegistry(client, 'conns', 60, () => 1_000_000);
    await registry.add({ id: 'a', connectedAt: 't', principal: 'p' });
    await registry.remove('a');
    expect(client.inputs[0]).toEqual({ TableName: 'conns', Item: { pk: 'a', connectedAt: 't', principal: 'p', expiresAt: 1060 } });
    expect(client.inputs[1]).toEqual({ TableName: 'conns', Key: { pk: 'a' } });
    expect(await registry.list()).toEqual([{ id: 'a', connectedAt: 't', principal: 'p' }]);
    expect(await new DynamoDbConnectionRegistry(fakeClient(() => ({})), 't', 1).list()).toEqual([]);
  });

  test('the API Gateway sender reports gone connections and rethrows other errors', async () => {
    const gone = Object.assign(new Error('gone'), { name: 'GoneException' });
    const sender = new ApiGatewaySender(
      fakeClient((input) => {
        if (input.ConnectionId === 'gone') throw gone;
        if (input.ConnectionId === 'bad') throw new Error('boom');
        return {};
      }),
    );
    expect(await sender.send('ok', 'x')).toBe('sent');
    expect(await sender.send('gone', 'x')).toBe('gone');
    await expect(sender.send('bad', 'x')).rejects.toThrow('boom');
    expect(() => ApiGatewaySender.create('')).toThrow(/WEBSOCKET_ENDPOINT/);
  });

  test('the Lambda handler routes $connect, $default and $disconnect', async () => {
    const { gateway } = createDependencies(loadConfig(env)${secretsWiring(ctx).testArg});
    const ctx = (routeKey: string, connectionId?: string) => ({ routeKey, ...(connectionId ? { connectionId } : {}) });
    expect(await handleWebSocketEvent(gateway, { requestContext: ctx('$connect', 'a'), headers: ${okHeaders} })).toEqual({ statusCode: 200 });
${mode === 'none' ? '' : "    expect((await handleWebSocketEvent(gateway, { requestContext: ctx('$connect', 'b'), headers: null, queryStringParameters: null })).statusCode).toBe(401);\n"}    expect(await handleWebSocketEvent(gateway, { requestContext: ctx('$default', 'a'), body: null })).toEqual({ statusCode: 200 });
    expect(await handleWebSocketEvent(gateway, { requestContext: ctx('$disconnect', 'a') })).toEqual({ statusCode: 200 });
    expect((await handleWebSocketEvent(gateway, { requestContext: ctx('$connect') })).statusCode).toBe(400);
    const broken = { connect: () => Promise.reject(new Error('db down')) } as unknown as typeof gateway;
    await expect(handleWebSocketEvent(broken, { requestContext: ctx('$connect', 'a') })).rejects.toThrow('db down');
    await expect(eventHandler(gateway)({ id: 'e', type: 'Other', source: 's', time: 't', data: {} }, { id: 'm', body: '' })).resolves.toBeUndefined();
  });

  test('POST /broadcast is off without BROADCAST_TOKEN and requires it otherwise', async () => {
    const post = (app: ReturnType<typeof buildApp>, body: string, token?: string) =>
      app.request('/broadcast', { method: 'POST', body, headers: token ? { authorization: \`Bearer \${token}\` } : {} });
    expect((await post(buildApp(createDependencies(loadConfig(env)${secretsWiring(ctx).testArg})), '{}', 't')).status).toBe(404);
    const app = buildApp(createDependencies(loadConfig({ ...env, BROADCAST_TOKEN: 'secret' })${secretsWiring(ctx).testArg}));
    expect((await post(app, '{}')).status).toBe(401);
    expect((await post(app, '{}', 'wrong')).status).toBe(401);
    expect((await post(app, 'nope', 'secret')).status).toBe(400);
    const ok = await post(app, '{"hello":1}', 'secret');
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ sent: 0, removed: 0, failed: 0 });
  });

  test('cloud adapters are chosen by configuration; unknown ones are refused', async () => {
    const deps = createDependencies(loadConfig({ ...env, CONNECTIONS_STORE: 'dynamodb', SENDER: 'apigateway', WEBSOCKET_ENDPOINT: 'https://example.com/prod' })${secretsWiring(ctx).testArg});
    await expect(deps.close()).resolves.toBeUndefined();
    expect(() => createDependencies(loadConfig({ ...env, CONNECTIONS_STORE: 'redis' })${secretsWiring(ctx).testArg})).toThrow(/CONNECTIONS_STORE/);
    expect(() => createDependencies(loadConfig({ ...env, SENDER: 'smtp' })${secretsWiring(ctx).testArg})).toThrow(/SENDER/);
  });
});
`,
  );
}
