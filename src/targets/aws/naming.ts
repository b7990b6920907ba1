/** Names of stacks and physical resources on AWS, in one place, so targets, tests and docs agree. */
import type { ResolvedArchitecture, ResolvedService } from '../../resolve/index';

/** `shop-platform`, or `shop-platform-prod` when an environment is selected: prefixes stacks and resources. */
export function prefix(model: ResolvedArchitecture): string {
  return model.environment !== undefined ? `${model.file.architecture.name}-${model.environment}` : model.file.architecture.name;
}

export function sharedStackName(model: ResolvedArchitecture): string {
  return `${prefix(model)}-shared`;
}

export function serviceStackName(model: ResolvedArchitecture, service: ResolvedService | string): string {
  return `${prefix(model)}-${typeof service === 'string' ? service : service.name}`;
}

/** The service's TABLE_PREFIX: its tables are `<prefix>-<table>` (entities, outbox, idempotency, events, ...). */
export function tablePrefix(model: ResolvedArchitecture, service: ResolvedService): string {
  return `${prefix(model)}-${service.name}`;
}

/** The SNS topic (or the part of the bus) a service publishes to. */
export function topicName(model: ResolvedArchitecture, service: string): string {
  return `${prefix(model)}-${service}-events`;
}

/** Secrets Manager name of a service secret: `<prefix>/<service>/<NAME>`. */
export function secretName(model: ResolvedArchitecture, service: ResolvedService, name: string): string {
  return `${prefix(model)}/${service.name}/${name}`;
}
