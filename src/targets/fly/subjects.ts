/**
 * The event bus's names as the target writes them into each service's configuration: those of the bus's own
 * configuration and of the platform's NATS adapters (lib-constructs/fly/nats-bus.ts), for the architecture.
 */
import { natsDlqSubject, natsEventSubject, natsPublisherPrefix, natsStreamName as streamOf } from '../../../lib-constructs/fly/nats-bus';
import type { ResolvedArchitecture } from '../../resolve/index';

const arch = (model: ResolvedArchitecture) => model.file.architecture.name;

/** The stream holding every event of the architecture: `SHOP_EVENTS` for `shop`. */
export function natsStreamName(model: ResolvedArchitecture): string {
  return streamOf(arch(model));
}

/** The subjects a publisher's events go to, before the event type: `<architecture>.events.<publisher>`. */
export function eventSubjectPrefix(model: ResolvedArchitecture, publisher: string): string {
  return natsPublisherPrefix(arch(model), publisher);
}

/** The subject of one event type of one publisher. */
export function subjectOf(model: ResolvedArchitecture, publisher: string, event: string): string {
  return natsEventSubject(arch(model), publisher, event);
}

/** Where a consumer's dead letters go: `<architecture>.dlq.<consumer>`. */
export function dlqSubject(model: ResolvedArchitecture, consumer: string): string {
  return natsDlqSubject(arch(model), consumer);
}
