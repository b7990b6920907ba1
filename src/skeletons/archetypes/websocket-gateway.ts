/**
 * websocket-gateway: connections kept in a registry (memory or DynamoDB with a TTL), authorised on connect
 * (subscriptions.authorization), subscribed events broadcast to every connection (gone ones removed), a heartbeat.
 * Entries: Lambda for API Gateway WebSocket routes, Lambda for the events' SQS queue, and a container (serving the
 * WebSockets itself, the events from NATS JetStream with NATS_URL, every instance taking every event). The code is in
 * templates/websocket-gateway/; each authorization mode's `createAuthorizer` is its own function there
 * (`__createAuthorizerJwt__`, …), all rendered as `createAuthorizer`, so every mode is type-checked.
 */
import { OutputFile, managed } from '../../model/output-file';
import type { ServiceContext } from '../context';
import { dockerfile, servicePackage } from '../context';
import type { ConfigVar } from '../common';
import { inputSubjects, natsInputConfig } from '../nats-config';
import { apiDocsVar, serviceConfig, serviceData, serviceOpenApiTest } from '../service-files';
import { TemplateData, templateFile } from '../template';
import { crdtOf } from '../../resolve/model';

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

function config(ctx: ServiceContext, mode: Mode, heartbeat: number): OutputFile {
  const max = ctx.service.sizing.websocket.max_connections_per_instance;
  const crdt = crdtOf(ctx.service);
  return serviceConfig(ctx, {
    CONNECTIONS_STORE: { kind: 'string', default: 'memory', description: 'memory | dynamodb: where connections are registered' },
    CONNECTIONS_TABLE: { kind: 'string', default: `${ctx.model.file.architecture.name}-${ctx.service.name}-connections`, description: 'DynamoDB table of connections (pk, expiresAt as TTL attribute)' },
    CONNECTION_TTL_SECONDS: { kind: 'int', default: '7200', description: 'How long a connection record lives (API Gateway closes connections after 2 hours)' },
    SENDER: { kind: 'string', default: 'memory', description: 'memory | apigateway: how messages reach connections (memory: the WebSockets the container entry serves itself)' },
    WEBSOCKET_ENDPOINT: { kind: 'string', default: '', description: 'https://{api-id}.execute-api.{region}.amazonaws.com/{stage} (SENDER=apigateway)' },
    HEARTBEAT_INTERVAL_MS: { kind: 'int', default: String(heartbeat), description: 'Interval of the heartbeat broadcast by the container entry, in milliseconds' },
    ...(crdt !== undefined ? { CRDT_SNAPSHOT_EVERY: { kind: 'int', default: String(crdt.snapshot_every), description: "Updates a CRDT document's log holds before it is compacted into its snapshot (websocket.crdt.snapshot_every)" } } : {}),
    MAX_CONNECTIONS: { kind: 'int', default: String(max), description: 'WebSocket connections the container entry holds (websocket.max_connections_per_instance); more are refused with 503' },
    BROADCAST_TOKEN: { kind: 'string', description: 'Secret bearer token of POST /broadcast; the route is off when unset' },
    ...natsInputConfig(ctx, inputSubjects(ctx), 'broadcast'),
    API_DOCS: apiDocsVar(ctx),
    ...authConfig(ctx, mode),
  });
}

function readme(ctx: ServiceContext, mode: Mode, events: readonly string[], heartbeat: number): OutputFile {
  const s = ctx.service;
  const max = s.sizing.websocket.max_connections_per_instance;
  const auth =
    mode === 'jwt'
      ? ` A bearer token in the \`Authorization\` header or the \`token\` query parameter.

> **Warning: replace the token verifier before production.** \`ExpiryOnlyJwtVerifier\`
> (\`src/application/token-verifier.ts\`, yours) only checks the \`exp\` (and \`iss\`) claims: it does **not** verify
> signatures, so anyone can forge a token. Verify against your issuer's keys (JWKS) instead.`
      : mode === 'api-key'
        ? ' The `API_KEY_HEADER` header must carry the `WEBSOCKET_API_KEY` secret.'
        : ' None: anyone may connect.';
  return managed(
    `${ctx.dir}/README.md`,
    `# ${s.name}

${s.spec.responsibility ? `${s.spec.responsibility}\n\n` : ''}WebSocket gateway (archetype \`websocket-gateway\`): clients connect through API Gateway WebSocket routes
(\`src/entry/lambda.ts\`: \`$connect\`, \`$disconnect\`, \`$default\`), are registered in \`CONNECTIONS_STORE\` (DynamoDB
with a TTL in the cloud), and receive ${events.length > 0 ? events.map((e) => `\`${e}\``).join(', ') : 'the events you broadcast'} as \`{ type, id, time, data }\`
messages (\`src/entry/events.ts\`: the events' SQS queue). Messages go out through the API Gateway Management API
(\`SENDER=apigateway\`, \`WEBSOCKET_ENDPOINT\`); connections that are gone are removed from the registry.

Authorization on connect: **${mode}**.${auth}

The container entry (\`src/entry/server.ts\`, \`src/container.ts\`: Fly.io, Cloud Run, \`allframe dev\`) serves the WebSocket connections itself
with \`SENDER=memory\` (\`src/websocket.ts\`): clients connect to \`/\`, authorised as on \`$connect\` (401 when refused), at most
\`MAX_CONNECTIONS\` (${max}) an instance (503 beyond); their messages go to the gateway as \`$default\`'s do. It also serves the
probes, its OpenAPI document at \`/openapi.json\` and \`POST /broadcast\` (a JSON object to every connection, with
\`Authorization: Bearer $BROADCAST_TOKEN\`; off when \`BROADCAST_TOKEN\` is unset), and every \`HEARTBEAT_INTERVAL_MS\` (${heartbeat} ms)
pings its connections (dropping those that did not answer the last ping) and sends them a heartbeat message. With
\`NATS_URL\` (Fly.io) each instance follows the subscribed events on NATS JetStream with consumers of its own and
broadcasts every one to its connections (\`src/entry/jetstream.ts\`).
${crdtReadme(ctx)}`,
  );
}

function crdtReadme(ctx: ServiceContext): string {
  const crdt = crdtOf(ctx.service);
  if (crdt === undefined) return '';
  return `
## Collaborative documents (websocket.crdt: ${crdt.type})

Clients edit Yjs documents (the \`yjs\` package) over this gateway with the y-protocols sync and awareness
messages, base64 in text frames (API Gateway WebSockets carry no binary frames):
\`{"type":"yjs","doc":"<document id>","message":"<base64>"}\`, both ways. \`CrdtClient\` of the platform package
speaks it over any transport (a browser WebSocket included); a connection joins a document with its first message.

- **Sync**: a client's step 1 is answered with what it lacks and the server's own step 1, which the client answers
  with what the server lacks: a client that edited offline merges on reconnect.
- **Updates** are appended to the document's log in the service's database (table \`documents\`, \`STORE\`) and passed
  on to the document's other connections; every ${crdt.snapshot_every} updates (\`CRDT_SNAPSHOT_EVERY\`) the log is compacted into
  the document's snapshot. Nothing is held in memory between messages: each message loads its document, so any
  Lambda (or instance) can take any message.
- **Presence** (awareness: names, cursors) is passed on to the document's other connections, never stored.
- On a container (Cloud Run, Fly.io, \`allframe dev\`) one instance holds every connection, so that updates reach
  every editor; on Lambda the connection registry (DynamoDB) is shared.
`;
}

/** The template files: managed (regenerated) and owned (the user's from the first synth on). */
const MANAGED = ['ports.ts', 'auth.ts', 'adapters/memory.ts', 'adapters/open-sockets.ts', 'adapters/dynamodb-registry.ts', 'adapters/apigateway-sender.ts', 'deps.ts', 'handler.ts', 'websocket.ts', 'app.ts', 'entry/lambda.ts', 'entry/events.ts', 'entry/server.ts', 'entry/jetstream.ts', 'container.ts'];

export function renderWebsocketGateway(ctx: ServiceContext): OutputFile[] {
  const s = ctx.service;
  const mode: Mode = s.sizing.subscriptions.authorization;
  const events = s.spec.subscriptions?.events ?? [];
  const heartbeat = s.sizing.websocket.heartbeat_interval_ms;
  const crdt = crdtOf(s) !== undefined;
  const createAuthorizer = 'createAuthorizer';
  const data: TemplateData = serviceData(ctx, {
    names: {
      authMode: mode,
      createAuthorizerJwt: createAuthorizer,
      createAuthorizerApiKey: createAuthorizer,
      createAuthorizerNone: createAuthorizer,
      configParam: mode === 'none' ? '_config' : 'config',
      eventsList: events.length > 0 ? events.join(', ') : 'the subscribed events',
      firstEvent: events[0] ?? '',
      subscribedSent: events.length > 0 ? '1' : '0',
    },
    flags: { jwt: mode === 'jwt', apiKey: mode === 'api-key', none: mode === 'none', subscribed: events.length > 0, crdt },
    lists: { events: events.map((event) => ({ event })) },
  });
  const dir = 'websocket-gateway';
  return [
    servicePackage(ctx, ['hono', '@hono/zod-openapi', 'zod', '@aws-sdk/lib-dynamodb', '@aws-sdk/client-apigatewaymanagementapi', ...(crdt ? (['yjs'] as const) : [])]),
    config(ctx, mode, heartbeat),
    dockerfile(ctx, 'server'),
    readme(ctx, mode, events, heartbeat),
    ...MANAGED.map((f) => templateFile('managed', ctx.dir, `${dir}/src/${f}`, data)),
    templateFile('owned', ctx.dir, `${dir}/src/application/gateway.ts`, data),
    ...(mode === 'jwt' ? [templateFile('owned', ctx.dir, `${dir}/src/application/token-verifier.ts`, data)] : []),
    templateFile('owned', ctx.dir, `${dir}/test/gateway.test.ts`, data),
    templateFile('managed', ctx.dir, `${dir}/test/wiring.test.ts`, data),
    templateFile('managed', ctx.dir, `${dir}/test/jetstream.test.ts`, data),
    templateFile('managed', ctx.dir, `${dir}/test/websocket.test.ts`, data),
    ...(crdt ? [templateFile('managed', ctx.dir, `${dir}/test/documents.test.ts`, data)] : []),
    serviceOpenApiTest(ctx, mode === 'api-key' ? { env: { WEBSOCKET_API_KEY: 'test-key' } } : {}),
  ];
}
