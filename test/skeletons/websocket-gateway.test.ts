import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderText } from '../helpers';

const fixture = readFileSync(join(__dirname, '..', '..', 'fixtures', 'archetypes', 'websocket-gateway.yaml'), 'utf8');

function render(text: string) {
  const files = renderText(text);
  return new Map(files.filter((f) => f.path.startsWith('services/live-updates/')).map((f) => [f.path.slice('services/live-updates/'.length), f]));
}

describe('websocket-gateway skeleton', () => {
  const files = render(fixture);
  const content = (path: string) => {
    const f = files.get(path);
    if (!f) throw new Error(`${path} not rendered`);
    return f.content;
  };

  test('a connection registry in memory or DynamoDB with a TTL, and an API Gateway Management API sender', () => {
    expect(content('src/adapters/dynamodb-registry.ts')).toContain('expiresAt: epochSeconds(this.now()) + this.ttlSeconds');
    expect(content('src/adapters/apigateway-sender.ts')).toContain('PostToConnectionCommand');
    expect(content('src/adapters/apigateway-sender.ts')).toContain("'GoneException'");
    expect(JSON.parse(content('package.json'))).toMatchObject({ dependencies: { '@aws-sdk/client-apigatewaymanagementapi': expect.any(String) as unknown } });
    expect(content('src/config.ts')).toContain('HEARTBEAT_INTERVAL_MS: { kind: \'int\', default: "20000"');
  });

  test('jwt: a bearer token checked by an owned verifier that says loudly it does not verify signatures', () => {
    expect(content('src/auth.ts')).toContain('export function createAuthorizer(verifier: TokenVerifier): Authorizer');
    const verifier = files.get('src/application/token-verifier.ts')!;
    expect(verifier.kind).toBe('owned');
    expect(verifier.content).toContain('WARNING: NOT SECURE. REPLACE BEFORE PRODUCTION.');
    expect(verifier.content).toContain('TODO(security)');
    expect(content('src/deps.ts')).toContain('JWT signatures are NOT verified');
    expect(content('README.md')).toContain('replace the token verifier before production');
  });

  test('api-key: a header checked against a required secret; none: anyone', () => {
    const apiKey = render(fixture.replace('authorization: jwt', 'authorization: api-key'));
    expect(apiKey.get('src/config.ts')!.content).toContain("WEBSOCKET_API_KEY: { kind: 'string', required: true");
    expect(apiKey.get('src/auth.ts')!.content).toContain('safeEqual(given, apiKey)');
    expect(apiKey.get('test/openapi.test.ts')!.content).toContain('const deps = createDependencies(loadConfig({ WEBSOCKET_API_KEY: "test-key" }), testSecrets(SECRET_NAMES));');
    expect(apiKey.has('src/application/token-verifier.ts')).toBe(false);
    const none = render(fixture.replace('authorization: jwt', 'authorization: none'));
    expect(none.get('src/auth.ts')!.content).toContain("subject: 'anonymous'");
  });

  test('Lambda entries for the WebSocket routes and the events queue, a container entry with POST /broadcast', () => {
    expect(content('src/handler.ts')).toContain("case '$connect':");
    expect(content('src/handler.ts')).toContain("case '$disconnect':");
    expect(content('src/entry/lambda.ts')).toContain('handleWebSocketEvent(deps.gateway, event)');
    expect(content('src/entry/events.ts')).toContain('sqsHandler(eventHandler(deps.gateway)');
    expect(content('src/entry/server.ts')).toContain('await startContainer(config, createDependencies(config, await loadServiceSecrets(config)));');
    expect(content('src/container.ts')).toContain('gateway.heartbeat()');
    expect(content('src/app.ts')).toContain("path: '/broadcast',");
    expect(content('src/app.ts')).toContain('middleware: [authorized, bodyAsJson],');
    expect(content('src/app.ts')).toContain("security: [{ broadcastToken: [] }],");
    expect(content('src/application/gateway.ts')).toContain("new Set<string>([\n  'ScoreChanged',\n  'MatchEnded',\n])");
  });

  test('on the container, every instance follows the subscribed events on JetStream when NATS_URL is set, and broadcasts them', () => {
    expect(content('src/container.ts')).toContain('const events = await startJetStreamEvents(config, deps);');
    const events = content('src/entry/jetstream.ts');
    expect(events).toContain('return startJetStreamBroadcast({');
    expect(events).toContain('process: (messages) => processBatch(messages, handler, { logger: deps.logger, schemas: EVENT_SCHEMAS }),');
    const config = content('src/config.ts');
    expect(config).toContain('NATS_FILTER_SUBJECTS: { kind: \'list\', default: "live-scores.events.match-service.MatchEnded,live-scores.events.match-service.ScoreChanged"');
    // a broadcast has no durable's settings
    expect(config).not.toMatch(/NATS_MAX_DELIVER|NATS_DLQ_SUBJECT|NATS_ACK_WAIT_SECONDS/);
    expect(files.get('test/jetstream.test.ts')?.kind).toBe('managed');
  });

  test('the container serves the WebSockets itself with SENDER=memory: upgrades authorised as $connect, at most MAX_CONNECTIONS', () => {
    // GIVEN the Fly.io twin (the target that takes the setting) with a limit of 50 connections an instance
    const fly = readFileSync(join(__dirname, '..', '..', 'fixtures', 'archetypes-fly', 'websocket-gateway.yaml'), 'utf8');
    const limited = render(fly.replace('heartbeat_interval_ms: 20000', 'heartbeat_interval_ms: 20000, max_connections_per_instance: 50'));
    // THEN the limit is the configuration's default, the sockets the sender of SENDER=memory, and the upgrades the gateway's
    expect(limited.get('src/config.ts')!.content).toContain('MAX_CONNECTIONS: { kind: \'int\', default: "50"');
    expect(content('src/config.ts')).toContain('MAX_CONNECTIONS: { kind: \'int\', default: "1000"');
    expect(content('src/deps.ts')).toContain("case 'memory':\n      return new OpenSockets();");
    expect(content('src/container.ts')).toContain('upgrade: webSocketUpgrades(gateway, sockets, { maxConnections: config.MAX_CONNECTIONS, logger })');
    expect(content('src/websocket.ts')).toContain('.connect({ connectionId, headers, query: Object.fromEntries(url.searchParams) })');
    expect(content('src/websocket.ts')).toContain("refuseUpgrade(socket, 401, err.message)");
    expect(files.get('test/websocket.test.ts')?.kind).toBe('managed');
  });

  test('generated tests cover connect, broadcast, auth and gone connections', () => {
    const tests = content('test/gateway.test.ts');
    expect(tests).toContain("test('connect, broadcast, disconnect'");
    expect(tests).toContain("test('connections that are gone are removed; failed sends are counted'");
    expect(tests).toContain("test('jwt: a bearer token (header or token query parameter) with a future exp is required'");
    expect(files.get('test/wiring.test.ts')?.kind).toBe('managed');
  });
});
