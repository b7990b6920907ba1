/**
 * Synthetic architectures for benchmarks: N services cycling through the archetypes, with valid references
 * (consumers consume what earlier producers publish, BFFs aggregate earlier services, depends_on points
 * backwards so there is no cycle).
 */

/** Which cloud the architecture is for: its bus, its databases and its `cloud` block. */
export type Flavour = 'aws' | 'fly';

/** What differs between the flavours: the rest of the file is the same. */
const FLAVOURS: Record<Flavour, { settings: string; cloud: string; prod: string; database: string }> = {
  aws: {
    settings: 'settings: { event_bus: sns, default_database: dynamodb }',
    cloud: 'cloud: { primary: aws, aws: { region: eu-west-1, compute: lambda } }',
    prod: '    cloud: { aws: { region: eu-central-1 } }',
    database: 'dynamodb',
  },
  fly: {
    settings: 'settings: { event_bus: nats, default_database: postgres }',
    cloud: 'cloud: { primary: fly, fly: { org: bench, primary_region: ams } }',
    prod: '    cloud: { fly: { primary_region: fra } }',
    database: 'postgres',
  },
};

/**
 * @param flavour @default 'aws' (SNS, DynamoDB, Lambda); 'fly' is NATS and PostgreSQL on Fly.io
 */
export function generateArchitecture(n: number, flavour: Flavour = 'aws'): string {
  const f = FLAVOURS[flavour];
  const lines = [
    'architecture: { name: bench-platform, version: 1.0.0 }',
    f.settings,
    f.cloud,
    'environments:',
    '  dev: {}',
    '  prod:',
    f.prod,
    'services:',
  ];
  const published: string[] = [];
  for (let i = 0; i < n; i++) {
    const name = `svc-${i}`;
    const ev = `Event${i}`;
    const dep = i > 0 ? `svc-${i - 1}` : undefined;
    switch (i % 8) {
      case 0:
        lines.push(`  - name: ${name}`, '    type: stateless', '    memory_mb: 512', `    database: { type: ${f.database} }`, `    publishes: [${ev}]`, '    idempotency: { enabled: true }');
        published.push(ev);
        break;
      case 1:
        lines.push(`  - name: ${name}`, '    type: producer', `    publishes: [${ev}]`);
        published.push(ev);
        break;
      case 2:
        lines.push(`  - name: ${name}`, '    type: consumer', `    consumes: [{ event: ${published[published.length - 1]}, from: svc-${i - 1} }]`, '    consumer: { max_retries: 5, batch_size: 10 }');
        break;
      case 3:
        lines.push(`  - name: ${name}`, '    type: scheduled', '    schedule: { cron: "0 2 * * *", timezone: Europe/Amsterdam }');
        break;
      case 4:
        lines.push(`  - name: ${name}`, '    type: saga-orchestrator', `    depends_on: [${dep}]`, '    saga: { name: Saga' + i + ', steps: [StepA, StepB], compensation: [UndoA, UndoB] }');
        break;
      case 5:
        lines.push(`  - name: ${name}`, '    type: bff', `    bff: { aggregates: [${dep}] }`);
        break;
      case 6:
        lines.push(`  - name: ${name}`, '    type: gateway', '    integrations: { providers: [stripe], base_url: "https://api.stripe.com" }', '    secrets: [STRIPE_API_KEY]');
        break;
      default:
        lines.push(`  - name: ${name}`, '    type: event-sourced', `    cqrs: { event_store: ${f.database}, projections: [List${i}] }`, `    publishes: [${ev}]`);
        published.push(ev);
    }
  }
  return lines.join('\n') + '\n';
}
