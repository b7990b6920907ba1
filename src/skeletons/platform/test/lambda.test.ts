import { createHttpApp } from '../src/http';
import { httpHandler, type LambdaHttpEvent } from '../src/lambda';
import { fakeLogger } from './fakes';

describe('httpHandler', () => {
  const app = createHttpApp({ service: 's', logger: fakeLogger() });
  app.post('/echo', async (c) => c.json(await c.req.json<unknown>(), 201));
  const handler = httpHandler(app);

  it('serves an API Gateway HTTP API (v2) event', async () => {
    // GIVEN a v2 event for POST /echo
    const event: LambdaHttpEvent = {
      version: '2.0',
      routeKey: '$default',
      rawPath: '/echo',
      rawQueryString: '',
      headers: { 'content-type': 'application/json', host: 'api.example.com' },
      body: JSON.stringify({ hello: 'world' }),
      isBase64Encoded: false,
      requestContext: {
        accountId: '123456789012',
        apiId: 'api',
        authentication: null,
        authorizer: {},
        domainName: 'api.example.com',
        domainPrefix: 'api',
        http: { method: 'POST', path: '/echo', protocol: 'HTTP/1.1', sourceIp: '10.0.0.1', userAgent: 'jest' },
        requestId: 'r1',
        routeKey: '$default',
        stage: '$default',
        time: '01/Jan/2026:00:00:00 +0000',
        timeEpoch: 1_767_225_600_000,
      },
    };
    // WHEN the handler runs
    const result = await handler(event);
    // THEN the app's response comes back in Lambda form
    expect(result.statusCode).toBe(201);
    expect(JSON.parse(result.body)).toEqual({ hello: 'world' });
  });

  it('serves an ALB event', async () => {
    // GIVEN an ALB event for GET /healthz
    const event: LambdaHttpEvent = {
      httpMethod: 'GET',
      path: '/healthz',
      headers: { host: 'alb.example.com' },
      body: null,
      isBase64Encoded: false,
      requestContext: { elb: { targetGroupArn: 'arn:aws:elasticloadbalancing:eu-west-1:1:targetgroup/t/1' } },
    };
    // WHEN the handler runs
    const result = await handler(event);
    // THEN it is 200 ok
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toEqual({ status: 'ok' });
  });
});
