/**
 * The shared stack of an architecture: what every service stack refers to. Event topics (one SNS topic per
 * publishing service, so a publisher can be granted its own topic and nothing else) or one EventBridge bus, the
 * alarms topic, the schema registry, the dashboard, and the network, created only when a service needs one.
 */
import { Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { EventTopic } from '../../../lib-constructs/aws/event-topic';
import { ServiceNetwork } from '../../../lib-constructs/aws/service-network';
import { AlarmTopic } from '../../../lib-constructs/aws/alarm-topic';
import { SchemaRegistry } from '../../../lib-constructs/aws/schema-registry';
import type { ResolvedArchitecture } from '../../resolve/index';
import { prefix, topicName } from './naming';

export interface SharedStackProps extends StackProps {
  readonly model: ResolvedArchitecture;
}

export class SharedStack extends Stack {
  readonly model: ResolvedArchitecture;
  /** Per publishing service (SNS), or the one bus under every name (EventBridge). */
  private readonly topics = new Map<string, EventTopic>();
  private bus?: EventTopic;

  constructor(scope: Construct, id: string, props: SharedStackProps) {
    super(scope, id, props);
    this.model = props.model;
    const email = this.model.file.observability?.alarms_email;
    this.alarmTopic = new AlarmTopic(this, 'Alarms', { ...(email !== undefined && email !== '' ? { email } : {}) });
    const events = [...new Set(this.model.services.flatMap((s) => [...(s.spec.publishes ?? []), ...(s.spec.stream?.output_events ?? [])]))].sort();
    if (this.model.file.settings?.events?.schema_registry === 'glue' && events.length > 0) {
      const format = this.model.file.settings.events.format ?? 'json-schema';
      this.registry = new SchemaRegistry(this, 'Registry', {
        registryName: prefix(this.model),
        dataFormat: format === 'avro' ? 'AVRO' : format === 'protobuf' ? 'PROTOBUF' : 'JSON',
        compatibility: (this.model.file.settings.events.compatibility ?? 'backward').toUpperCase() as 'BACKWARD',
        events: events.map((name) => ({ name, ...(format === 'json-schema' ? {} : { definition: format === 'avro' ? avroEnvelope(name) : protobufEnvelope(name) }) })),
      });
    }
    const kind = this.model.eventBus === 'eventbridge' ? 'eventbridge' : 'sns';
    const publishers = this.model.services.filter((s) => (s.spec.publishes ?? []).length > 0 || (s.spec.stream?.output_events ?? []).length > 0);
    if (kind === 'eventbridge' && publishers.length > 0) {
      this.bus = new EventTopic(this, 'Bus', { kind: 'eventbridge', name: `${prefix(this.model)}-events` });
    }
    for (const service of publishers) {
      this.topics.set(service.name, this.bus ?? new EventTopic(this, `${service.name}-events`, { kind: 'sns', name: topicName(this.model, service.name) }));
    }
  }

  private net?: ServiceNetwork;
  /** Where every alarm goes (with an e-mail subscription when observability.alarms_email is set). */
  readonly alarmTopic: AlarmTopic;
  /** The Glue schema registry, when settings.events.schema_registry is glue. */
  readonly registry?: SchemaRegistry;

  /** Nothing left to add once the service stacks are built (kept for symmetry with ServiceStack.finish). */
  finish(): void {}

  /** The architecture's VPC, created on first use (Fargate, Aurora, ElastiCache need one; Lambda alone does not). */
  network(): ServiceNetwork {
    const aws = this.model.file.cloud?.aws;
    // Two zones named after the region (ServiceNetwork knows the regions where "b" is not offered).
    this.net ??= new ServiceNetwork(this, 'Network', { nat: aws?.nat ?? 'gateway' });
    return this.net;
  }

  /** Where `service` publishes its events. */
  topicOf(service: string): EventTopic {
    const topic = this.topics.get(service);
    if (!topic) throw new Error(`${service} publishes no events`);
    return topic;
  }

  /** Publishers of `event` (the `from` of a subscription, or every service that publishes it). */
  publishersOf(event: string, from?: string): string[] {
    return this.model.services
      .filter((s) => (from === undefined || s.name === from) && [...(s.spec.publishes ?? []), ...(s.spec.stream?.output_events ?? [])].includes(event))
      .map((s) => s.name);
  }
}

/** The event envelope as an Avro record (`data` carries the payload as JSON text). */
export function avroEnvelope(name: string): string {
  const field = (n: string) => ({ name: n, type: 'string' });
  return JSON.stringify({
    type: 'record',
    name,
    fields: [field('id'), field('type'), field('source'), field('time'), { name: 'tenant', type: ['null', 'string'], default: null }, field('data')],
  });
}

/** The event envelope as a protobuf message (`data` carries the payload as JSON text). */
export function protobufEnvelope(name: string): string {
  return `syntax = "proto3";\n\nmessage ${name} {\n  string id = 1;\n  string type = 2;\n  string source = 3;\n  string time = 4;\n  optional string tenant = 5;\n  string data = 6;\n}\n`;
}
