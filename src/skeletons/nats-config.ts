/**
 * The JetStream input of a container entry (Fly.io): the configuration the consumer, the stream processor, the cache
 * and the WebSocket gateway read. NATS_URL turns it on; the connection's user and password (NATS_USER,
 * NATS_PASSWORD) are read by the platform from the environment, as the publisher reads them.
 */
import { natsDlqSubject, natsEventSubject, natsStreamName } from '../../lib-constructs/fly/nats-bus';
import { consumedEvents } from '../resolve/model';
import type { ConfigVar } from './common';
import type { ServiceContext } from './context';

/** The subjects of every event the service takes (consumes, subscriptions, invalidation, stream input), from each publisher. */
export function inputSubjects(ctx: ServiceContext): string[] {
  const arch = ctx.model.file.architecture.name;
  return [...new Set(consumedEvents(ctx.model, ctx.service).flatMap((e) => e.from.map((p) => natsEventSubject(arch, p, e.event))))].sort();
}

/**
 * The settings of a JetStream consumer of `subjects`: `durable`, one consumer the instances share, retrying and
 * dead-lettering (its deliveries and ack wait from consumer.max_retries and timeout_seconds); `broadcast`, a
 * consumer per instance (every instance gets every event), with nothing to acknowledge or dead-letter.
 */
export function natsInputConfig(ctx: ServiceContext, subjects: readonly string[], delivery: 'durable' | 'broadcast'): Record<string, ConfigVar> {
  const arch = ctx.model.file.architecture.name;
  const s = ctx.service;
  const common: Record<string, ConfigVar> = {
    NATS_URL: { kind: 'string', default: '', description: 'NATS server(s) the container entry consumes from with JetStream, a comma list (empty: no JetStream consumer)' },
    NATS_STREAM: { kind: 'string', default: natsStreamName(arch), description: 'The JetStream stream of the events' },
  };
  if (delivery === 'broadcast') {
    return {
      ...common,
      NATS_CONSUMER: { kind: 'string', default: s.name, description: "The start of this instance's consumers' names (one per subject, each instance its own)" },
      NATS_FILTER_SUBJECTS: { kind: 'list', default: subjects.join(','), description: 'The subjects of the events every instance takes' },
    };
  }
  return {
    ...common,
    NATS_CONSUMER: { kind: 'string', default: s.name, description: 'The durable consumer (before NATS 2.10, one per subject: <name>-<n>)' },
    NATS_FILTER_SUBJECTS: { kind: 'list', default: subjects.join(','), description: 'The subjects of the consumed events' },
    NATS_MAX_DELIVER: { kind: 'int', default: String(s.sizing.consumer.max_retries), description: 'consumer.max_retries: failed deliveries before a message is dead-lettered' },
    NATS_ACK_WAIT_SECONDS: { kind: 'int', default: String(s.sizing.timeout_seconds), description: 'timeout_seconds: how long a delivery may go unacknowledged before it is delivered again' },
    NATS_DLQ_SUBJECT: { kind: 'string', default: natsDlqSubject(arch, s.name), description: 'Where dead letters are published (the DLQ stream)' },
    NATS_RETRY_BACKOFF: { kind: 'string', default: s.spec.consumer?.retry_backoff ?? 'exponential', description: 'consumer.retry_backoff: exponential | linear | fixed growth of the delay before a redelivery' },
  };
}
