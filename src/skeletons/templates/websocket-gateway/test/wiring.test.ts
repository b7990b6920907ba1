import { testSecrets } from '@allframe/platform';
import type { AwsClient } from '@allframe/platform';
import { compileErrors, validate } from '@readme/openapi-parser';
import { ApiGatewaySender } from '../src/adapters/apigateway-sender';
import { DynamoDbConnectionRegistry } from '../src/adapters/dynamodb-registry';
import { buildApp } from '../src/app';
import { loadConfig } from '../src/config';
import { createDependencies } from '../src/deps';
import { eventHandler, handleWebSocketEvent } from '../src/handler';
import { SECRET_NAMES } from '../src/secrets';

/** A fake AWS client: records commands, answers with `answer`. */
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

const env = {
  LOG_LEVEL: 'silent',
  WEBSOCKET_API_KEY: 'test-key', // @if apiKey
};
const secrets = testSecrets(SECRET_NAMES);
const ISSUER = loadConfig(env).JWT_ISSUER; // @if jwt

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
    const { gateway } = createDependencies(loadConfig(env), secrets);
    const ctx = (routeKey: string, connectionId?: string) => ({ routeKey, ...(connectionId ? { connectionId } : {}) });
    // @if jwt
    const token = `${Buffer.from('{}').toString('base64url')}.${Buffer.from(JSON.stringify({ exp: Date.now() / 1000 + 60, iss: ISSUER })).toString('base64url')}.`;
    expect(await handleWebSocketEvent(gateway, { requestContext: ctx('$connect', 'a'), headers: { Authorization: `Bearer ${token}` } })).toEqual({ statusCode: 200 });
    // @end
    expect(await handleWebSocketEvent(gateway, { requestContext: ctx('$connect', 'a'), headers: { 'X-Api-Key': 'test-key' } })).toEqual({ statusCode: 200 }); // @if apiKey
    expect(await handleWebSocketEvent(gateway, { requestContext: ctx('$connect', 'a'), headers: {} })).toEqual({ statusCode: 200 }); // @if none
    expect((await handleWebSocketEvent(gateway, { requestContext: ctx('$connect', 'b'), headers: null, queryStringParameters: null })).statusCode).toBe(401); // @if !none
    expect(await handleWebSocketEvent(gateway, { requestContext: ctx('$default', 'a'), body: null })).toEqual({ statusCode: 200 });
    expect(await handleWebSocketEvent(gateway, { requestContext: ctx('$disconnect', 'a') })).toEqual({ statusCode: 200 });
    expect((await handleWebSocketEvent(gateway, { requestContext: ctx('$connect') })).statusCode).toBe(400);
    const broken = { connect: () => Promise.reject(new Error('db down')) } as unknown as typeof gateway;
    await expect(handleWebSocketEvent(broken, { requestContext: ctx('$connect', 'a') })).rejects.toThrow('db down');
    await expect(eventHandler(gateway)({ id: 'e', type: 'Other', source: 's', time: 't', data: {} }, { id: 'm', body: '' })).resolves.toBeUndefined();
  });

  test('POST /broadcast is off without BROADCAST_TOKEN and requires it otherwise', async () => {
    const post = (app: ReturnType<typeof buildApp>, body: string, token?: string) =>
      app.request('/broadcast', { method: 'POST', body, headers: token ? { authorization: `Bearer ${token}` } : {} });
    expect((await post(buildApp(createDependencies(loadConfig(env), secrets)), '{}', 't')).status).toBe(404);
    const app = buildApp(createDependencies(loadConfig({ ...env, BROADCAST_TOKEN: 'secret' }), secrets));
    expect((await post(app, '{}')).status).toBe(401);
    expect((await post(app, '{}', 'wrong')).status).toBe(401);
    expect((await post(app, 'nope')).status).toBe(401);
    expect((await post(app, 'nope', 'secret')).status).toBe(400);
    const invalid = await post(app, '[1]', 'secret');
    expect([invalid.status, invalid.headers.get('content-type')]).toEqual([422, 'application/problem+json']);
    expect(await invalid.json()).toMatchObject({ status: 422, errors: [{ pointer: '#/' }] });
    const ok = await post(app, '{"hello":1}', 'secret');
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ sent: 0, removed: 0, failed: 0 });
  });

  test('serves its OpenAPI 3.1 document, valid, with POST /broadcast behind a bearer token, and the docs page', async () => {
    const app = buildApp(createDependencies(loadConfig({ ...env, API_DOCS: 'true' }), secrets));
    const doc = (await (await app.request('/openapi.json')).json()) as { openapi: string; paths: Record<string, { post: { security: unknown } }> };
    const result = await validate(structuredClone(doc) as never);
    expect(result.valid ? 'valid' : compileErrors(result)).toBe('valid');
    expect([doc.openapi, Object.keys(doc.paths), doc.paths['/broadcast']?.post.security]).toEqual(['3.1.0', ['/broadcast'], [{ broadcastToken: [] }]]);
    expect((await app.request('/docs')).status).toBe(200);
  });

  test('cloud adapters are chosen by configuration; unknown ones are refused', async () => {
    const deps = createDependencies(loadConfig({ ...env, CONNECTIONS_STORE: 'dynamodb', SENDER: 'apigateway', WEBSOCKET_ENDPOINT: 'https://example.com/prod' }), secrets);
    await expect(deps.close()).resolves.toBeUndefined();
    expect(() => createDependencies(loadConfig({ ...env, CONNECTIONS_STORE: 'redis' }), secrets)).toThrow(/CONNECTIONS_STORE/);
    expect(() => createDependencies(loadConfig({ ...env, SENDER: 'smtp' }), secrets)).toThrow(/SENDER/);
  });
});
