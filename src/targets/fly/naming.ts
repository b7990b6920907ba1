/** Names of the Fly.io apps, files and subjects of an architecture, in one place, so the target, deploy.sh, tests and docs agree. */
import { createHash } from 'node:crypto';
import { TIGRIS_BUCKET_NAME_MAX_LENGTH } from '../../../lib-constructs/core/cloud-limits';
import type { ResolvedArchitecture, ResolvedService } from '../../resolve/index';
import { SERVICE_KEY_PREFIXES } from '../../model/environment';
import { FLY_BUS_SERVICE_NAME, constant } from '../../model/names';

/** The environment directory under infrastructure/fly/: the selected environment, or `default`. */
export function flyEnvironment(model: ResolvedArchitecture): string {
  return model.environment ?? 'default';
}

/** Where the environment's files go. */
export function flyDir(model: ResolvedArchitecture): string {
  return `infrastructure/fly/${flyEnvironment(model)}`;
}

/** The app of a service: `<app_prefix>-<service>` (app names are global on Fly.io). */
export function flyAppName(model: ResolvedArchitecture, service: ResolvedService | string): string {
  return `${model.platform.fly.app_prefix}-${typeof service === 'string' ? service : service.name}`;
}

/**
 * The Tigris bucket of a service with storage: `<app>-data` (bucket names are global on Tigris, as app names are on
 * Fly). An app name too long for that keeps its first characters and gets 8 hex digits of its hash instead.
 */
export function flyBucketName(model: ResolvedArchitecture, service: ResolvedService | string): string {
  const app = flyAppName(model, service);
  const name = `${app}-data`;
  if (name.length <= TIGRIS_BUCKET_NAME_MAX_LENGTH) return name;
  const hash = createHash('sha256').update(app).digest('hex').slice(0, 8);
  return `${app.slice(0, TIGRIS_BUCKET_NAME_MAX_LENGTH - hash.length - 1).replace(/-+$/, '')}-${hash}`;
}

/** The NATS JetStream app of the architecture: `<app_prefix>-nats`. */
export function busAppName(model: ResolvedArchitecture): string {
  return flyAppName(model, FLY_BUS_SERVICE_NAME);
}

/** The bus's address on the private network. */
export function busUrl(model: ResolvedArchitecture): string {
  return `nats://${busAppName(model)}.internal:4222`;
}

/** A service's base URL for its callers: its HTTP service through the Fly proxy on the private network. */
export function flycastUrl(model: ResolvedArchitecture, service: string): string {
  return `http://${flyAppName(model, service)}.flycast`;
}

/** The environment variable deploy.sh reads a service's secret from: `<SERVICE>__<NAME>` (services may share secret names). */
export function secretSourceVariable(service: string, name: string): string {
  return `${constant(service)}__${name}`;
}

/** The caller's private key for its calls to `callee`: SIGNING_KEY_<CALLEE> (one key pair per caller-callee edge). */
export function signingKeyVariable(callee: string): string {
  return `${SERVICE_KEY_PREFIXES[0]!}${constant(callee)}`;
}

/** The public key of `caller` at its callee: CALLER_KEY_<CALLER>. */
export function callerKeyVariable(caller: string): string {
  return `${SERVICE_KEY_PREFIXES[1]!}${constant(caller)}`;
}
