/**
 * Non-default values reach the GCP Terraform: retries (9; 3 is below Pub/Sub's 5 and refused, located), the ack
 * deadline, Cloud Run scaling, timeout, concurrency, CPU and memory, read from the synthesized JSON.
 */
import { check, pos, where } from '../../helpers';
import { Json, Tf, container, gcpModel, synth } from './helpers';

const architecture = (retries: number) => `
architecture: { name: sizing }
cloud: { primary: gcp, gcp: { project_id: sizing-dev-1, region: europe-west1, state_bucket: sizing-tfstate } }
services:
  - name: orders
    type: stateless
    memory_mb: 1024
    cpu: 2048
    timeout_seconds: 25
    min_instances: 2
    max_instances: 7
    concurrency: 40
    publishes: [OrderPlaced]
  - name: mailer
    type: consumer
    timeout_seconds: 40
    memory_mb: 768
    max_instances: 3
    consumes: [{ event: OrderPlaced, from: orders }]
    consumer: { max_retries: ${retries}, concurrency: 4, batch_size: 7 }
`;

describe('max_retries 9 and other non-default sizes on GCP', () => {
  // GIVEN the architecture, WHEN synthesized
  const tf: Tf = synth(gcpModel('architecture.yaml', { text: architecture(9) }));
  const run = (name: string) => tf.named('google_cloud_run_v2_service', `sizing-${name}`);

  test('a consumer: 9 delivery attempts before the dead-letter topic and the ack deadline from timeout_seconds', () => {
    const [sub, ...more] = tf.values('google_pubsub_subscription').filter((s) => s.dead_letter_policy !== undefined);
    expect(more).toEqual([]);
    expect((sub!.dead_letter_policy as Json).max_delivery_attempts).toBe(9);
    expect(sub!.ack_deadline_seconds).toBe(40);
  });

  test('a consumer on Cloud Run: consumer.concurrency requests per instance, its timeout, memory and max instances', () => {
    const mailer = run('mailer');
    const template = mailer.template as Json;
    expect(template.max_instance_request_concurrency).toBe(4);
    expect(template.timeout).toBe('40s');
    expect(template.scaling).toEqual({ min_instance_count: 0, max_instance_count: 3 });
    expect(container(mailer).resources).toMatchObject({ limits: { cpu: '1', memory: '768Mi' } });
  });

  test('an HTTP service: min and max instances, concurrency, timeout, CPU and memory', () => {
    const orders = run('orders');
    const template = orders.template as Json;
    expect(template.scaling).toEqual({ min_instance_count: 2, max_instance_count: 7 });
    expect(template.max_instance_request_concurrency).toBe(40);
    expect(template.timeout).toBe('25s');
    expect(container(orders).resources).toMatchObject({ limits: { cpu: '2', memory: '1024Mi' } });
  });
});

describe('max_retries 3 on GCP', () => {
  test('is refused at consumer.max_retries: Pub/Sub dead-letters after 5 to 100 delivery attempts', () => {
    const text = architecture(3);
    const r = check(text, { target: 'gcp' });
    expect(where(r.diagnostics)).toEqual([`AF5002@${pos(text, '3, concurrency')}`]);
    expect(r.diagnostics[0]!.message).toContain('5..100');
  });
});

describe('instance counts on a single-instance archetype on GCP', () => {
  test('min_instances above one on a scheduled service (one run at a time) is refused at min_instances', () => {
    // GIVEN (found by test/synth.property.test.ts: Cloud Run's construct threw on min 2 > max 1)
    const text = `architecture: { name: sizing }
cloud: { primary: gcp, gcp: { project_id: sizing-dev-1, region: europe-west1, state_bucket: sizing-tfstate } }
services:
  - name: nightly
    type: scheduled
    min_instances: 2
    schedule: { cron: "0 3 * * *" }
  - name: windows
    type: stream-processor
    max_instances: 4
    stream: { input_events: [Ticked] }
  - name: clock
    type: producer
    publishes: [Ticked]
`;
    // WHEN
    const r = check(text, { target: 'gcp' });
    // THEN
    expect(where(r.diagnostics)).toEqual([`AF5002@${pos(text, '2\n')}`, `AF5002@${pos(text, '4\n')}`]);
    expect(r.diagnostics[0]!.message).toContain('one run at a time');
    // overlap_policy allow runs in parallel: any count is taken
    expect(check(text.replace('cron: "0 3 * * *"', 'cron: "0 3 * * *", overlap_policy: allow').replace('    max_instances: 4\n', ''), { target: 'gcp' }).diagnostics).toEqual([]);
  });
});
