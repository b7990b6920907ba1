/** Names of GCP resources, in one place, so the target, its checks, tests and docs agree. */
import type { ResolvedArchitecture, ResolvedService } from '../../resolve/index';
import { kebab } from '../../model/names';
import { BUCKET_NAME_MAX_LENGTH } from '../../../lib-constructs/core/cloud-limits';
import { fitName } from '../../../lib-constructs/core/gcp-run-defaults';

/**
 * The prefix of every resource: the architecture's name. Environments are told apart by their project (each
 * environment sets its own cloud.gcp.project_id) and their state prefix, not by resource names, so a Cloud Run
 * service keeps its URL from dev to prod.
 */
export function gcpPrefix(model: ResolvedArchitecture): string {
  return model.file.architecture.name;
}

/** The Cloud Run service (and its account, database, cache) of a service: `<architecture>-<service>`. */
export function runServiceName(model: ResolvedArchitecture, service: ResolvedService | string): string {
  return `${gcpPrefix(model)}-${typeof service === 'string' ? service : service.name}`;
}

/** The Pub/Sub topic a publisher publishes to. */
export function gcpTopicName(model: ResolvedArchitecture, publisher: string): string {
  return `${gcpPrefix(model)}-${publisher}-events`;
}

/** A push subscription of `consumer` to the topic of `publisher`. */
export function subscriptionName(model: ResolvedArchitecture, consumer: string, publisher: string): string {
  return `${gcpPrefix(model)}-${consumer}-from-${publisher}`;
}

/** The Secret Manager secret holding a service secret: `<architecture>-<service>-<name in kebab case>`. */
export function gcpSecretId(model: ResolvedArchitecture, service: ResolvedService, name: string): string {
  return `${runServiceName(model, service)}-${kebab(name)}`;
}

/**
 * The Cloud Storage bucket of a service (services[].storage): `<project>-<architecture>-<service>`. Bucket names are
 * global across all of Cloud Storage, so the project id (itself globally unique) leads; a name longer than 63
 * characters is cut and ends in 6 hex characters of its SHA-256 (fitName), the same for every synth.
 */
export function gcpBucketName(model: ResolvedArchitecture, service: ResolvedService | string): string {
  return fitName(`${gcpProject(model)}-${runServiceName(model, service)}`, BUCKET_NAME_MAX_LENGTH);
}

/** The region of the architecture's resources. */
export function gcpRegion(model: ResolvedArchitecture): string {
  return model.platform.gcp.region;
}

/** The project the stack deploys into. */
export function gcpProject(model: ResolvedArchitecture): string {
  return model.platform.gcp.project_id;
}
