import { ServiceAccount } from '@cdktf/provider-google/lib/service-account';
import { TerraformStack, Testing } from 'cdktf';
import { gcpStack, synthJson } from './gcp-helpers';
import { PubSubTopicWithDlq } from '../../lib-constructs/gcp/pubsub-topic-with-dlq';

type Resources = Record<string, Record<string, Record<string, unknown>>>;
interface Synth {
  resource: Resources;
  data?: Resources;
}

function stack(): TerraformStack {
  return gcpStack('acme-prod', 'test');
}

function synth(s: TerraformStack): Synth {
  return synthJson<Synth>(s);
}

/** The resources of a type, keyed by their `name` attribute (or by logical id when they have none). */
function byName(out: Synth, type: string): Record<string, Record<string, unknown>> {
  const found = out.resource[type] ?? {};
  return Object.fromEntries(Object.entries(found).map(([id, r]) => [typeof r.name === 'string' ? r.name : id, r]));
}

const AGENT = 'serviceAccount:service-123456789012@gcp-sa-pubsub.iam.gserviceaccount.com';
const WORKER = 'orders-worker@acme-prod.iam.gserviceaccount.com';

describe('PubSubTopicWithDlq', () => {
  test('a topic keeping messages 7 days; a subscription dead-lettering to its own topic after maxDeliveryAttempts', () => {
    // GIVEN
    const s = stack();
    const t = new PubSubTopicWithDlq(s, 'Orders', { name: 'orders', projectNumber: '123456789012' });
    // WHEN
    const built = t.addSubscription('Billing', { name: 'orders-billing', maxDeliveryAttempts: 7 });
    // THEN
    const out = synth(s);
    const topics = byName(out, 'google_pubsub_topic');
    expect(Object.keys(topics).sort()).toEqual(['orders', 'orders-billing-dlq']);
    expect(topics.orders!.message_retention_duration).toBe('604800s');
    expect(topics['orders-billing-dlq']!.message_retention_duration).toBe('2678400s');
    const subs = byName(out, 'google_pubsub_subscription');
    const sub = subs['orders-billing']!;
    expect(sub.topic).toMatch(/^\$\{google_pubsub_topic\.Orders_Topic_[A-F0-9]+\.id\}$/);
    expect(sub.dead_letter_policy).toEqual({
      dead_letter_topic: expect.stringMatching(/^\$\{google_pubsub_topic\.Orders_Billing_DeadLetterTopic_[A-F0-9]+\.id\}$/),
      max_delivery_attempts: 7,
    });
    expect(sub.expiration_policy).toEqual({ ttl: '' });
    expect(sub.ack_deadline_seconds).toBe(60);
    expect(sub.push_config).toBeUndefined();
    expect(sub.filter).toBeUndefined();
    expect(t.subscriptions).toEqual([built.subscription]);
    expect(t.deadLetterTopics).toEqual([built.deadLetterTopic]);
  });

  test('the dead-letter topic has its own never-expiring subscription, so dead letters are kept', () => {
    // GIVEN
    const s = stack();
    const t = new PubSubTopicWithDlq(s, 'Orders', { name: 'orders', projectNumber: '123456789012' });
    // WHEN
    t.addSubscription('Billing', { name: 'orders-billing' });
    // THEN
    const dlqSub = byName(synth(s), 'google_pubsub_subscription')['orders-billing-dlq-sub']!;
    expect(dlqSub.topic).toMatch(/^\$\{google_pubsub_topic\.Orders_Billing_DeadLetterTopic_[A-F0-9]+\.id\}$/);
    expect(dlqSub.message_retention_duration).toBe('604800s');
    expect(dlqSub.expiration_policy).toEqual({ ttl: '' });
    expect(dlqSub.dead_letter_policy).toBeUndefined();
  });

  test('the Pub/Sub service agent gets publisher on the dead-letter topic and subscriber on the source subscription, nothing more', () => {
    // GIVEN
    const s = stack();
    const t = new PubSubTopicWithDlq(s, 'Orders', { name: 'orders', projectNumber: '123456789012' });
    // WHEN
    t.addSubscription('Billing', { name: 'orders-billing' });
    // THEN
    const out = synth(s);
    const topicGrants = Object.values(out.resource.google_pubsub_topic_iam_member ?? {});
    expect(topicGrants).toEqual([
      { member: AGENT, role: 'roles/pubsub.publisher', topic: expect.stringMatching(/^\$\{google_pubsub_topic\.Orders_Billing_DeadLetterTopic_[A-F0-9]+\.name\}$/) },
    ]);
    const subGrants = Object.values(out.resource.google_pubsub_subscription_iam_member ?? {});
    expect(subGrants).toEqual([
      { member: AGENT, role: 'roles/pubsub.subscriber', subscription: expect.stringMatching(/^\$\{google_pubsub_subscription\.Orders_Billing_Subscription_[A-F0-9]+\.name\}$/) },
    ]);
    expect(out.resource.google_project_iam_member).toBeUndefined();
    expect(out.data).toBeUndefined();
  });

  test('without projectNumber, one google_project data source supplies the number for every subscription', () => {
    // GIVEN
    const s = stack();
    const t = new PubSubTopicWithDlq(s, 'Orders', { name: 'orders' });
    // WHEN
    t.addSubscription('A', { name: 'orders-a' });
    t.addSubscription('B', { name: 'orders-b' });
    // THEN
    const out = synth(s);
    const projects = Object.keys(out.data?.google_project ?? {});
    expect(projects).toHaveLength(1);
    const member = `serviceAccount:service-\${data.google_project.${projects[0]}.number}@gcp-sa-pubsub.iam.gserviceaccount.com`;
    const grants = [...Object.values(out.resource.google_pubsub_topic_iam_member ?? {}), ...Object.values(out.resource.google_pubsub_subscription_iam_member ?? {})];
    expect(grants).toHaveLength(4);
    for (const g of grants) expect(g.member).toBe(member);
    expect(t.deadLetterTopics).toHaveLength(2);
  });

  test('retry policy from the props, with 10 s / 600 s by default', () => {
    // GIVEN
    const s = stack();
    const t = new PubSubTopicWithDlq(s, 'Orders', { name: 'orders', projectNumber: '1' });
    // WHEN
    t.addSubscription('Fast', { name: 'orders-fast', minimumBackoffSeconds: 1, maximumBackoffSeconds: 30, ackDeadlineSeconds: 20 });
    t.addSubscription('Default', { name: 'orders-default' });
    // THEN
    const subs = byName(synth(s), 'google_pubsub_subscription');
    expect(subs['orders-fast']!.retry_policy).toEqual({ minimum_backoff: '1s', maximum_backoff: '30s' });
    expect(subs['orders-fast']!.ack_deadline_seconds).toBe(20);
    expect(subs['orders-default']!.retry_policy).toEqual({ minimum_backoff: '10s', maximum_backoff: '600s' });
    expect(subs['orders-default']!.dead_letter_policy).toMatchObject({ max_delivery_attempts: 5 });
  });

  test('push delivery sends an OIDC token of the named service account', () => {
    // GIVEN
    const s = stack();
    const t = new PubSubTopicWithDlq(s, 'Orders', { name: 'orders', projectNumber: '1' });
    // WHEN
    t.addSubscription('Push', {
      name: 'orders-push',
      push: { endpoint: 'https://billing-abc-ew.a.run.app/events', serviceAccountEmail: WORKER, audience: 'https://billing-abc-ew.a.run.app' },
    });
    // THEN
    expect(byName(synth(s), 'google_pubsub_subscription')['orders-push']!.push_config).toEqual({
      push_endpoint: 'https://billing-abc-ew.a.run.app/events',
      oidc_token: { service_account_email: WORKER, audience: 'https://billing-abc-ew.a.run.app' },
    });
  });

  test('the filter is built from the event types', () => {
    // GIVEN
    const s = stack();
    const t = new PubSubTopicWithDlq(s, 'Orders', { name: 'orders', projectNumber: '1' });
    // WHEN
    t.addSubscription('Billing', { name: 'orders-billing', eventTypes: ['OrderCreated', 'OrderCancelled'] });
    t.addSubscription('Audit', { name: 'orders-audit', filter: 'hasPrefix(attributes.type, "Order")' });
    // THEN
    const subs = byName(synth(s), 'google_pubsub_subscription');
    expect(subs['orders-billing']!.filter).toBe('attributes.type = "OrderCreated" OR attributes.type = "OrderCancelled"');
    expect(subs['orders-audit']!.filter).toBe('hasPrefix(attributes.type, "Order")');
  });

  test('grantPublish: publisher on this topic only, for a named service account, once per email', () => {
    // GIVEN
    const s = stack();
    const sa = new ServiceAccount(s, 'Api', { accountId: 'orders-api' });
    const t = new PubSubTopicWithDlq(s, 'Orders', { name: 'orders', projectNumber: '1' });
    // WHEN
    t.grantPublish(WORKER);
    t.grantPublish(WORKER);
    t.grantPublish(sa.email);
    // THEN
    const grants = Object.values(synth(s).resource.google_pubsub_topic_iam_member ?? {});
    expect(grants).toEqual([
      { member: `serviceAccount:${WORKER}`, role: 'roles/pubsub.publisher', topic: expect.stringMatching(/^\$\{google_pubsub_topic\.Orders_Topic_[A-F0-9]+\.name\}$/) },
      { member: expect.stringMatching(/^serviceAccount:\$\{google_service_account\.Api\.email\}$/), role: 'roles/pubsub.publisher', topic: expect.stringMatching(/Orders_Topic/) },
    ]);
    expect(() => t.grantPublish('allUsers')).toThrow('not a service-account email');
  });

  test('labels and project go on every resource', () => {
    // GIVEN
    const s = stack();
    const t = new PubSubTopicWithDlq(s, 'Orders', { name: 'orders', project: 'acme-other', projectNumber: '1', labels: { app: 'shop' } });
    // WHEN
    t.addSubscription('Billing', { name: 'orders-billing' });
    // THEN
    const out = synth(s);
    for (const type of ['google_pubsub_topic', 'google_pubsub_subscription']) {
      for (const r of Object.values(out.resource[type] ?? {})) expect(r).toMatchObject({ project: 'acme-other', labels: { app: 'shop' } });
    }
    for (const type of ['google_pubsub_topic_iam_member', 'google_pubsub_subscription_iam_member']) {
      for (const r of Object.values(out.resource[type] ?? {})) expect(r.project).toBe('acme-other');
    }
  });

  test('delivery attempts outside 5..100 are refused', () => {
    // GIVEN
    const t = new PubSubTopicWithDlq(stack(), 'Orders', { name: 'orders', projectNumber: '1' });
    // WHEN / THEN
    expect(() => t.addSubscription('A', { name: 'orders-a', maxDeliveryAttempts: 4 })).toThrow('maxDeliveryAttempts must be a whole number from 5 to 100, got 4');
    expect(() => t.addSubscription('B', { name: 'orders-b', maxDeliveryAttempts: 101 })).toThrow('got 101');
    expect(() => t.addSubscription('C', { name: 'orders-c', maxDeliveryAttempts: 5.5 })).toThrow('got 5.5');
    expect(t.addSubscription('D', { name: 'orders-d', maxDeliveryAttempts: 100 }).subscription).toBeDefined();
    expect(() => t.addSubscription('E', { name: 'orders-e', maxDeliveryAttempts: 5 })).not.toThrow();
  });

  test('other invalid props are refused, all problems in one error', () => {
    // GIVEN
    const t = new PubSubTopicWithDlq(stack(), 'Orders', { name: 'orders', projectNumber: '1' });
    // WHEN / THEN
    expect(() => t.addSubscription('A', { name: 'orders-a', ackDeadlineSeconds: 5, minimumBackoffSeconds: 700 })).toThrow(
      /minimumBackoffSeconds must be a whole number from 0 to 600, got 700.*must not exceed maximumBackoffSeconds.*ackDeadlineSeconds must be a whole number from 10 to 600, got 5/,
    );
    expect(() => t.addSubscription('B', { name: 'orders-b', eventTypes: ['X'], filter: 'attributes.type = "X"' })).toThrow('not both');
    expect(() => t.addSubscription('C', { name: 'orders-c', eventTypes: [] })).toThrow('at least one event type');
    expect(() => t.addSubscription('D', { name: 'orders-d', eventTypes: ['a"b'] })).toThrow('contain no');
    expect(() => t.addSubscription('E', { name: 'orders-e', eventTypes: Array.from({ length: 20 }, (_, i) => `OrderEventNumber${i}`) })).toThrow('at most 256');
    expect(() => t.addSubscription('F', { name: 'orders-f', push: { endpoint: 'http://x.example', serviceAccountEmail: 'someone@gmail.com' } })).toThrow(
      /https:\/\/ URL.*not a service-account email/,
    );
    expect(() => t.addSubscription('G', { name: 'goog-orders' })).toThrow("not with 'goog'");
    t.addSubscription('H', { name: 'orders-h' });
    expect(() => t.addSubscription('I', { name: 'orders-h' })).toThrow("'orders-h' is already used");
    expect(() => new PubSubTopicWithDlq(stack(), 'X', { name: 'x', projectNumber: 'acme-prod', messageRetentionSeconds: 60 })).toThrow(
      /topic name 'x'.*projectNumber must be the project's number.*messageRetentionSeconds/,
    );
  });

  test('synthesis is deterministic', () => {
    const build = (): string => {
      const s = stack();
      const t = new PubSubTopicWithDlq(s, 'Orders', { name: 'orders' });
      t.addSubscription('Billing', { name: 'orders-billing', eventTypes: ['OrderCreated'] });
      return Testing.synth(s);
    };
    expect(build()).toBe(build());
  });
});

describe('PubSubTopicWithDlq: unwrapped push', () => {
  test('unwrapped push sends the message data as the body, metadata as headers; wrapped is the default', () => {
    const s = stack();
    const t = new PubSubTopicWithDlq(s, 'Orders', { name: 'orders', projectNumber: '123456789012' });
    t.addSubscription('Raw', { name: 'orders-raw', push: { endpoint: 'https://x.run.app/events', serviceAccountEmail: WORKER, unwrapped: true } });
    t.addSubscription('Wrapped', { name: 'orders-wrapped', push: { endpoint: 'https://x.run.app/events', serviceAccountEmail: WORKER } });
    const subs = byName(synth(s), 'google_pubsub_subscription');
    expect(subs['orders-raw']!.push_config).toMatchObject({ no_wrapper: { write_metadata: true }, oidc_token: { service_account_email: WORKER } });
    expect((subs['orders-wrapped']!.push_config as Record<string, unknown>).no_wrapper).toBeUndefined();
  });
});
