import { check, pos, where } from '../helpers';

const gcpCloud = 'cloud: { primary: gcp, gcp: { project_id: shop-dev-123, state_bucket: shop-tf } }\n';
const events = `  - { name: orders, type: producer, publishes: [OrderCreated] }
  - name: mailer
    type: consumer
    consumes: [{ event: OrderCreated, from: orders }]
    consumer: { max_retries: 3 }
`;

describe('what a target can honour', () => {
  test('a consumer on Fly.io with sns is an error naming the service and the target', () => {
    // GIVEN
    const text = `architecture: { name: shop }\nsettings: { event_bus: sns }\ncloud: { primary: fly }\nservices:\n${events}`;
    // WHEN
    const r = check(text);
    // THEN
    expect(where(r.diagnostics)).toEqual([`AF5001@${pos(text, 'publishes')}`, `AF5001@${pos(text, 'consumes')}`]);
    expect(r.diagnostics[1]!.message).toBe('service "mailer" (consumer) consumes events over sns, which target fly (Fly.io) cannot provide; it supports: nats');
  });

  test('Fly.io is a target: a file for it validates wherever fly is chosen (cloud.primary, --target, an environment)', () => {
    // GIVEN a file valid for every target
    const onFly = `architecture: { name: shop }\ncloud: { primary: fly }\nservices:\n  - { name: api, type: stateless }\n`;
    const onAws = `architecture: { name: shop }\nservices:\n  - { name: api, type: stateless }\n`;
    const inEnvironment = `architecture: { name: shop }\nenvironments:\n  edge: { cloud: { primary: fly } }\nservices:\n  - { name: api, type: stateless }\n`;
    // WHEN each is validated for fly
    const primary = check(onFly);
    const flag = check(onAws, { target: 'fly' });
    const environment = check(inEnvironment, { environment: 'edge' });
    // THEN no error, and the model is for fly, with Fly's defaults (a Fly app prefix per environment)
    expect(primary.diagnostics).toEqual([]);
    expect(primary.model?.target).toBe('fly');
    expect(primary.model?.platform.fly).toEqual({ org: 'personal', primary_region: 'iad', app_prefix: 'shop', cpu_kind: 'shared', bus_volume_gb: 10 });
    expect(flag.diagnostics).toEqual([]);
    expect(environment.diagnostics).toEqual([]);
    expect(environment.model?.platform.fly.app_prefix).toBe('shop-edge');
  });

  test('on fly: DynamoDB and Firestore are refused with a hint to use postgres, located at the key', () => {
    const text = `architecture: { name: shop }\ncloud: { primary: fly }\nservices:\n  - { name: api, type: stateless, database: { type: dynamodb } }\n  - { name: log, type: event-sourced, cqrs: { event_store: firestore } }\n`;
    const r = check(text);
    expect(where(r.diagnostics)).toEqual([`AF5001@${pos(text, 'dynamodb')}`, `AF5001@${pos(text, 'firestore')}`]);
    expect(r.diagnostics[0]).toMatchObject({ message: 'service "api" uses database dynamodb, which target fly (Fly.io) does not provide; it supports: postgres, none', hint: 'use database.type postgres, or choose another target' });
    expect(r.diagnostics[1]!.hint).toBe('use cqrs.event_store postgres, or choose another target');
  });

  test('on fly: Machine sizes Fly does not offer, one-Machine archetypes asked for more, and the bus\'s app name are refused', () => {
    const text = [
      'architecture: { name: shop }',
      'cloud: { primary: fly }',
      'services:',
      '  - { name: api, type: stateless, memory_mb: 300 }',
      '  - { name: big, type: stateless, cpu: 16384, memory_mb: 16384 }',
      '  - { name: nightly, type: scheduled, schedule: { cron: "0 2 * * *" }, min_instances: 3 }',
      '  - { name: nats, type: stateless }',
      '',
    ].join('\n');
    const r = check(text);
    expect(where(r.diagnostics)).toEqual([`AF5002@${pos(text, '300')}`, `AF5002@${pos(text, '16384,')}`, `AF5002@${pos(text, '3 }')}`, `AF5002@${pos(text, 'nats,')}`]);
    expect(r.diagnostics.map((d) => d.message)).toEqual([
      'service "api": memory_mb 300 is not a size Fly offers with 1 shared CPU (cpu 256) on target fly: 256 to 2048 MB in steps of 256 MB',
      'service "big": cpu 16384 is 16 CPUs; Fly\'s shared Machines have at most 8 on target fly',
      'service "nightly": min_instances 3 on target fly, where a scheduled service runs on one Machine: one run at a time (overlap_policy skip) is one scheduler process',
      'service "nats" would be the Fly app shop-nats, which is the event bus\'s app on target fly',
    ]);
    // performance CPUs go to 16
    expect(check(text.replace('cloud: { primary: fly }', 'cloud: { primary: fly, fly: { cpu_kind: performance } }')).diagnostics.map((d) => d.message)).toContain('service "api": memory_mb 300 is not a size Fly offers with 1 performance CPU (cpu 256) on target fly: 2048 to 8192 MB in steps of 2048 MB');
  });

  test('on fly: max_instances of a service working without requests is refused (it runs min_instances Machines); of an HTTP service it passes', () => {
    const text = `architecture: { name: shop }\ncloud: { primary: fly }\nservices:\n  - { name: orders, type: producer, publishes: [OrderCreated], max_instances: 4 }\n  - name: mailer\n    type: consumer\n    consumes: [{ event: OrderCreated, from: orders }]\n    consumer: { max_retries: 5 }\n    max_instances: 4\n`;
    const r = check(text);
    expect(where(r.diagnostics)).toEqual([`AF5010@${pos(text, '4\n')}`]);
    expect(r.diagnostics[0]!.message).toBe('services[1].max_instances 4 is not yet supported on fly; remove it and set min_instances to the Machines you want running');
  });

  test('the same file is valid for aws, and --target overrides cloud.primary', () => {
    const text = `architecture: { name: shop }\nsettings: { event_bus: sns }\ncloud: { primary: fly }\nservices:\n${events}`;
    expect(check(text, { target: 'aws' }).diagnostics).toEqual([]);
  });

  test('Pub/Sub dead-lettering needs 5..100 delivery attempts on gcp', () => {
    const text = `architecture: { name: shop }\n${gcpCloud}services:\n${events}`;
    const r = check(text);
    expect(where(r.diagnostics)).toEqual([`AF5002@${pos(text, '3 }')}`]);
    expect(check(text, { target: 'aws' }).diagnostics).toEqual([]);
  });

  test('gcp needs its project and state bucket', () => {
    const text = `architecture: { name: shop }\ncloud: { primary: gcp }\nservices:\n  - { name: api, type: stateless }\n`;
    expect(check(text).diagnostics.map((d) => d.code)).toEqual(['AF5003', 'AF5003']);
  });

  test('kafka on aws is refused rather than replaced', () => {
    const text = `architecture: { name: shop }\nsettings: { event_bus: kafka }\nservices:\n${events.replace('max_retries: 3', 'max_retries: 5')}`;
    expect(check(text).diagnostics.map((d) => d.code)).toEqual(['AF5001', 'AF5001']);
  });

  test('compute of another cloud is refused; lambda and fargate run on Cloud Run on gcp', () => {
    const onAws = `architecture: { name: shop }\nservices:\n  - { name: api, type: stateless, compute: cloud-run }\n`;
    expect(where(check(onAws).diagnostics)).toEqual([`AF5001@${pos(onAws, 'cloud-run')}`]);
    const onGcp = `architecture: { name: shop }\n${gcpCloud}services:\n  - { name: api, type: stateless, compute: fargate }\n`;
    const r = check(onGcp);
    expect(r.diagnostics).toEqual([]);
    expect(r.model!.services[0]).toMatchObject({ compute: 'cloud-run', requestedCompute: 'fargate' });
  });

  test('Lambda limits: 900 s, 30 s behind API Gateway, 10 GiB, no gRPC, 15-minute jobs', () => {
    const text = `architecture: { name: shop }
services:
  - { name: a-1, type: stateless, timeout_seconds: 901 }
  - { name: a-2, type: stateless, timeout_seconds: 31 }
  - { name: a-3, type: stateless, memory_mb: 10241 }
  - { name: a-4, type: stateless, protocols: [grpc] }
  - { name: a-5, type: scheduled, schedule: { cron: "0 2 * * *", timeout_minutes: 16 } }
`;
    expect(where(check(text).diagnostics)).toEqual([
      `AF5002@${pos(text, '901')}`,
      `AF5002@${pos(text, '31')}`,
      `AF5002@${pos(text, '10241')}`,
      `AF5001@${pos(text, '[grpc]')}`,
      `AF5002@${pos(text, '16')}`,
    ]);
    expect(check(text).diagnostics.find((d) => d.code === 'AF5001')!.hint).toBe('use compute: fargate: a load balancer carries gRPC to the tasks over HTTP/2');
  });

  test('gRPC on Fargate needs cloud.aws.certificate_arn (an HTTPS listener), of the region it deploys to', () => {
    const services = `services:\n  - { name: inventory, type: stateless, compute: fargate, protocols: [rest, grpc] }\n`;
    const without = `architecture: { name: shop }\ncloud: { aws: { region: eu-west-1 } }\n${services}`;
    const r = check(without);
    expect(where(r.diagnostics)).toEqual([`AF5001@${pos(without, '[rest, grpc]')}`]);
    expect(r.diagnostics[0]!.message).toBe('service "inventory" serves grpc on Fargate, which needs an HTTPS listener on its load balancer on target aws (an Application Load Balancer carries gRPC over HTTPS only)');
    expect(r.diagnostics[0]!.hint).toBe('set cloud.aws.certificate_arn to an ACM certificate for the listener, or remove grpc');
    const arn = 'arn:aws:acm:eu-west-1:123456789012:certificate/0b1c2d3e-0000-4000-8000-000000000000';
    const withCertificate = `architecture: { name: shop }\ncloud: { aws: { region: eu-west-1, certificate_arn: "${arn}" } }\n${services}`;
    expect(check(withCertificate).diagnostics).toEqual([]);
    const elsewhere = `architecture: { name: shop }\ncloud: { aws: { region: eu-central-1, certificate_arn: "${arn}" } }\n${services}`;
    const wrong = check(elsewhere);
    expect(where(wrong.diagnostics)).toEqual([`AF5001@${pos(elsewhere, '[rest, grpc]')}`]);
    expect(wrong.diagnostics[0]!.message).toContain('cloud.aws.certificate_arn is a certificate of eu-west-1');
    // not an ACM certificate ARN: the schema refuses it
    expect(check(`architecture: { name: shop }\ncloud: { aws: { certificate_arn: "arn:aws:iam::1:x" } }\n${services}`).diagnostics.map((d) => d.code)).toEqual(['AF3006']);
  });

  test('Fargate cpu and memory must be a valid pair', () => {
    const text = `architecture: { name: shop }\nservices:\n  - { name: a-1, type: stateless, compute: fargate, cpu: 512, memory_mb: 512 }\n  - { name: a-2, type: stateless, compute: fargate, cpu: 300 }\n`;
    const r = check(text);
    expect(where(r.diagnostics)).toEqual([`AF5002@${pos(text, '512 }')}`, `AF5002@${pos(text, '300')}`]);
    expect(r.diagnostics[0]!.message).toContain('with cpu 512 use 1024..4096');
  });

  test('EventBridge cron cannot restrict both day-of-month and day-of-week', () => {
    const text = `architecture: { name: shop }\nservices:\n  - { name: a-1, type: scheduled, schedule: { cron: "0 2 1 * MON" } }\n`;
    expect(check(text).diagnostics.map((d) => d.code)).toEqual(['AF5001']);
  });

  test('a default database the target lacks is an error once a service relies on it, an event store included', () => {
    const text = `architecture: { name: shop }\nsettings: { default_database: firestore }\nservices:\n  - { name: catalog, type: event-sourced, cqrs: {} }\n`;
    const r = check(text);
    expect(where(r.diagnostics)).toEqual([`AF5001@${pos(text, 'firestore')}`]);
    expect(r.diagnostics[0]!.message).toContain('catalog uses it');
    expect(check(text.replace('cqrs: {}', 'cqrs: { event_store: dynamodb }')).diagnostics).toEqual([]);
  });

  test('Cloud Run service names are limited to 49 characters', () => {
    const name = 'a'.repeat(38);
    const text = `architecture: { name: shop-platform }\n${gcpCloud}services:\n  - { name: ${name}, type: stateless }\n`;
    expect(where(check(text).diagnostics)).toEqual([`AF5002@${pos(text, name)}`]);
  });
});
