/**
 * The event bus's names as the target writes them into each service's configuration. The same conventions as the
 * platform's NATS adapters and the bus's server configuration.
 */
import type { ResolvedArchitecture } from '../../resolve/index';

const arch = (model: ResolvedArchitecture) => model.file.architecture.name;

/** The stream holding every event of the architecture: `SHOP_EVENTS` for `shop`. */
export function natsStreamName(model: ResolvedArchitecture): string {
  return `${arch(model).toUpperCase().replace(/-/g, '_')}_EVENTS`;
}

/** The subjects a publisher's events go to, before the event type: `<architecture>.events.<publisher>`. */
export function eventSubjectPrefix(model: ResolvedArchitecture, publisher: string): string {
  return `${arch(model)}.events.${publisher}`;
}

/** The subject of one event type of one publisher. */
export function subjectOf(model: ResolvedArchitecture, publisher: string, event: string): string {
  return `${eventSubjectPrefix(model, publisher)}.${event}`;
}

/** Where a consumer's dead letters go: `<architecture>.dlq.<consumer>`. */
export function dlqSubject(model: ResolvedArchitecture, consumer: string): string {
  return `${arch(model)}.dlq.${consumer}`;
}
