import { check, pos, where } from '../helpers';

const head = 'architecture: { name: shop }\nservices:\n';

describe('references between services', () => {
  test('unknown services in depends_on, consumes.from and aggregates are AF4002 with suggestions', () => {
    // GIVEN
    const text = `${head}  - name: user-service
    type: stateless
    depends_on: [user-servce]
  - name: web
    type: bff
    bff: { aggregates: [usr-service] }
  - name: mailer
    type: consumer
    consumes: [{ event: UserCreated, from: users }]
    consumer: {}
`;
    // WHEN
    const r = check(text);
    // THEN
    expect(where(r.diagnostics)).toEqual([`AF4002@${pos(text, 'user-servce')}`, `AF4002@${pos(text, 'usr-service')}`, `AF4002@${pos(text, 'users')}`]);
    expect(r.diagnostics[0]!.hint).toBe('did you mean "user-service"?');
  });

  test('a consumed event must be published by the named producer', () => {
    const text = `${head}  - name: orders
    type: producer
    publishes: [OrderCreated]
  - name: payments
    type: producer
    publishes: [PaymentTaken]
  - name: mailer
    type: consumer
    consumes:
      - { event: OrderCreatd, from: orders }
      - { event: PaymentTaken, from: orders }
      - { event: Shipped }
    consumer: {}
`;
    const r = check(text);
    expect(where(r.diagnostics)).toEqual([`AF4003@${pos(text, 'OrderCreatd')}`, `AF4003@${pos(text, 'PaymentTaken', 2)}`, `AF4003@${pos(text, 'Shipped')}`]);
    expect(r.diagnostics[0]!.hint).toBe('did you mean "OrderCreated"?');
    expect(r.diagnostics[1]!.hint).toBe('it is published by payments');
  });

  test('a secret listed twice, as a name and as { name, managed }, is AF3008 at the second one; managed takes allframe or external', () => {
    // GIVEN
    const text = `${head}  - name: a-svc\n    type: stateless\n    secrets: [API_KEY, { name: OTHER }, { name: API_KEY, managed: external }]\n`;
    // WHEN
    const r = check(text);
    // THEN
    expect(where(r.diagnostics)).toEqual([`AF3008@${pos(text, '{ name: API_KEY')}`]);
    expect(r.diagnostics[0]!.message).toBe('secret "API_KEY" is listed twice in a-svc (first at secrets[0])');
    const bad = `${head}  - name: a-svc\n    type: stateless\n    secrets: [{ name: API_KEY, managed: vendor }]\n`;
    const [d] = check(bad).diagnostics;
    expect(where([d!])).toEqual([`AF3003@${pos(bad, 'vendor')}`]);
    expect(d!.message).toMatch(/allframe.*external/);
  });

  test('duplicate names are AF4001 at the second one; self-dependency AF4010', () => {
    const text = `${head}  - name: a-svc\n    type: stateless\n    depends_on: [a-svc]\n  - name: a-svc\n    type: stateless\n`;
    expect(where(check(text).diagnostics)).toEqual([`AF4010@${pos(text, 'a-svc', 2)}`, `AF4001@${pos(text, 'a-svc', 3)}`]);
  });

  test('a synchronous cycle is reported once, with its path', () => {
    // GIVEN a → b → c → a, and d → a (not in the cycle)
    const text = `${head}  - { name: a-1, type: stateless, depends_on: [b-1] }
  - { name: b-1, type: stateless, depends_on: [c-1] }
  - { name: c-1, type: stateless, depends_on: [a-1] }
  - { name: d-1, type: stateless, depends_on: [a-1] }
`;
    // WHEN
    const r = check(text);
    // THEN
    expect(where(r.diagnostics)).toEqual([`AF4004@${pos(text, 'a-1', 2)}`]);
    expect(r.diagnostics[0]!.message).toBe('dependency cycle: a-1 → b-1 → c-1 → a-1');
  });

  test('bff.aggregates edges count as synchronous calls', () => {
    const text = `${head}  - { name: web, type: bff, bff: { aggregates: [api] } }\n  - { name: api, type: stateless, depends_on: [web] }\n`;
    expect(check(text).diagnostics.map((d) => d.code)).toEqual(['AF4004']);
  });

  test('environment overrides must name services', () => {
    const text = `${head}  - { name: user-service, type: stateless }\nenvironments:\n  prod:\n    overrides:\n      user-servic: { min_instances: 1 }\n`;
    const r = check(text);
    expect(where(r.diagnostics)).toEqual([`AF4002@${pos(text, 'user-servic:')}`]);
  });
});

describe('archetype blocks', () => {
  test('a schedule on a consumer is AF4005; a scheduled service without schedule is AF4006', () => {
    // GIVEN
    const text = `${head}  - name: orders
    type: producer
    publishes: [OrderCreated]
  - name: mailer
    type: consumer
    consumes: [{ event: OrderCreated }]
    consumer: {}
    schedule: { cron: "0 2 * * *" }
  - name: nightly
    type: scheduled
`;
    // WHEN
    const r = check(text);
    // THEN
    expect(where(r.diagnostics)).toEqual([`AF4005@${pos(text, 'schedule:')}`, `AF4006@${pos(text, 'scheduled')}`]);
    expect(r.diagnostics[0]!.message).toBe('"schedule" is not allowed on a consumer service (mailer); it belongs to scheduled');
  });

  test('a producer needs publishes; a consumer needs consumes; a cache takes no compute keys', () => {
    const text = `${head}  - { name: p-1, type: producer }\n  - { name: c-1, type: consumer, consumer: {} }\n  - { name: k-1, type: cache, cache: {}, memory_mb: 512 }\n`;
    expect(where(check(text).diagnostics)).toEqual([`AF4006@${pos(text, 'producer')}`, `AF4006@${pos(text, 'consumer,')}`, `AF4005@${pos(text, 'memory_mb')}`]);
  });
});

describe('schedules', () => {
  // The error points at the offending field: its text is given after the expression.
  test.each([
    ['0 2 * * *', undefined],
    ['@daily', undefined],
    ['*/15 9-17 * * MON-FRI', undefined],
    ['0 0 1 JAN,JUL *', undefined],
    ['0 2 * *', '0 2 * *'],
    ['0 25 * * *', '25'],
    ['0 2 * * 8', '8'],
    ['*/0 * * * *', '*/0'],
    ['0 2 * FOO *', 'FOO'],
    ['5-1 * * * *', '5-1'],
    ['@sometimes', '@sometimes'],
  ])('cron "%s" is rejected at %j', (cron, bad) => {
    const text = `${head}  - name: nightly\n    type: scheduled\n    compute: fargate\n    schedule:\n      cron: "${cron}"\n`;
    const line = text.split('\n').findIndex((l) => l.includes('cron:')) + 1;
    const col = text.split('\n')[line - 1]!.indexOf('"') + 2 + (bad === undefined ? 0 : cron.indexOf(bad));
    expect(where(check(text).diagnostics)).toEqual(bad === undefined ? [] : [`AF4007@${line}:${col}`]);
  });

  test('an unknown time zone is AF4008 with a suggestion', () => {
    const text = `${head}  - name: nightly\n    type: scheduled\n    schedule: { cron: "0 2 * * *", timezone: Europe/Amsterdm }\n`;
    const r = check(text);
    expect(where(r.diagnostics)).toEqual([`AF4008@${pos(text, 'Europe/Amsterdm')}`]);
    expect(r.diagnostics[0]!.hint).toBe('did you mean "Europe/Amsterdam"?');
  });
});

describe('values that break a cloud or contradict each other', () => {
  test('visibility timeout below 6 × the consumer timeout is AF4009', () => {
    const text = `${head}  - { name: orders, type: producer, publishes: [OrderCreated] }
  - name: mailer
    type: consumer
    timeout_seconds: 60
    consumes: [{ event: OrderCreated }]
    consumer: { visibility_timeout_seconds: 300 }
`;
    const r = check(text);
    expect(where(r.diagnostics)).toEqual([`AF4009@${pos(text, '300')}`]);
    expect(r.diagnostics[0]!.hint).toContain('at least 360');
  });

  test('min above max, initial interval above max interval, too many compensations: AF4011', () => {
    const text = `${head}  - name: a-1
    type: saga-orchestrator
    compute: fargate
    min_instances: 5
    max_instances: 2
    retry: { initial_interval_ms: 5000, max_interval_ms: 100 }
    saga: { name: S, steps: [A], compensation: [X, Y] }
`;
    expect(where(check(text).diagnostics)).toEqual([`AF4011@${pos(text, '5\n')}`, `AF4011@${pos(text, '{ initial')}`, `AF4011@${pos(text, '[X, Y]')}`]);
  });

  test('an authentication provider needs a jwt_issuer', () => {
    const text = `${head}  - { name: a-1, type: stateless }\nsecurity: { authentication: { provider: auth0 } }\n`;
    expect(where(check(text).diagnostics)).toEqual([`AF4012@${pos(text, 'auth0')}`]);
  });

  test('tenant.claim needs verified tokens and a multi-tenant architecture, each at the claim', () => {
    const text = `${head}  - { name: a-1, type: stateless, public: true }\ntenant: { claim: org_id }\n`;
    const r = check(text);
    expect(where(r.diagnostics)).toEqual([`AF4012@${pos(text, 'org_id')}`, `AF4012@${pos(text, 'org_id')}`]);
    expect(r.diagnostics.map((d) => d.message).sort()).toEqual(['tenant.claim is read only with architecture.multi_tenant: true', 'tenant.claim needs security.authentication: without verified tokens there is no claim to read']);
    const fine = `architecture: { name: shop, multi_tenant: true }\nservices:\n  - { name: a-1, type: stateless, public: true }\ntenant: { claim: org_id }\nsecurity: { authentication: { provider: auth0, jwt_issuer: https://auth.example.com } }\n`;
    expect(check(fine).diagnostics).toEqual([]);
  });
});

describe('services[].environment names allframe or the cloud set (AF4013)', () => {
  test('allframe\'s own, the cloud\'s, a callee\'s URL and a secret of the service are refused at the key, each with its hint', () => {
    // GIVEN a service setting one of each, beside names of its own
    const text = `${head}  - name: orders
    type: stateless
    depends_on: [stock-service]
    secrets: [STRIPE_KEY]
    environment:
      FEATURE_X: "on"
      SERVICE_NAME: mine
      PORT: "8080"
      _HANDLER: index.handler
      STOCK_SERVICE_URL: http://localhost
      STRIPE_KEY: sk_test
      OTEL_EXPORTER_OTLP_ENDPOINT: http://collector:4318
      BILLING_URL: http://billing
  - name: stock-service
    type: stateless
`;
    // WHEN
    const r = check(text);
    // THEN each reserved key is AF4013 at the key, and the user's own names pass
    expect(where(r.diagnostics)).toEqual([
      `AF4013@${pos(text, 'SERVICE_NAME')}`,
      `AF4013@${pos(text, 'PORT')}`,
      `AF4013@${pos(text, '_HANDLER')}`,
      `AF4013@${pos(text, 'STOCK_SERVICE_URL')}`,
      `AF4013@${pos(text, 'STRIPE_KEY', 2)}`,
    ]);
    expect(r.diagnostics.map((d) => [d.severity, d.message, d.hint])).toEqual([
      ['error', 'environment variable SERVICE_NAME of orders is reserved: allframe sets it itself', 'allframe sets SERVICE_NAME itself; rename yours'],
      ['error', 'environment variable PORT of orders is reserved: Cloud Run sets it itself', 'Cloud Run sets PORT itself; rename yours'],
      ['error', 'environment variable _HANDLER of orders is reserved: AWS Lambda sets it itself', 'AWS Lambda sets _HANDLER itself; rename yours'],
      ['error', 'environment variable STOCK_SERVICE_URL of orders is reserved: allframe sets it to the URL of stock-service, which orders calls', 'allframe sets STOCK_SERVICE_URL itself; rename yours'],
      ['error', 'environment variable STRIPE_KEY of orders is also one of its secrets', 'the secret STRIPE_KEY reaches orders from the secret manager; rename the plain variable'],
    ]);
  });

  test('the same names on both targets, in TOML too', () => {
    const toml = `[architecture]\nname = "shop"\n\n[[services]]\nname = "api"\ntype = "stateless"\n\n[services.environment]\nLOG_LEVEL = "debug"\nMODE = "x"\n`;
    for (const target of ['aws', 'gcp'] as const) {
      const r = check(toml, { target }, 'architecture.toml');
      expect(where(r.diagnostics.filter((d) => d.code === 'AF4013'))).toEqual([`AF4013@${pos(toml, 'LOG_LEVEL')}`]);
    }
  });
});
