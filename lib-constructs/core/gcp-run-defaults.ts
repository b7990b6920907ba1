/**
 * Defaults of every Cloud Run service and Secret Manager secret allframe builds on GCP, in one place: functions
 * return fresh values; constructs merge defaults, then user values, then what the construct requires.
 */
import { createHash } from 'node:crypto';
import { Token } from 'cdktf';
import type { CloudRunV2ServiceTemplateContainersLivenessProbe, CloudRunV2ServiceTemplateContainersStartupProbe } from '@cdktf/provider-google/lib/cloud-run-v2-service';

/** The port a service listens on (Cloud Run passes it as `PORT`). */
export const DEFAULT_RUN_PORT = 8080;
/** The readiness path probed at startup. */
export const STARTUP_PROBE_PATH = '/readyz';
/** The liveness path probed while the service runs. */
export const LIVENESS_PROBE_PATH = '/healthz';
/** The role that lets a principal call a Cloud Run service. */
export const RUN_INVOKER_ROLE = 'roles/run.invoker';
/** The role that lets a principal read a secret's versions (and nothing else). */
export const SECRET_ACCESSOR_ROLE = 'roles/secretmanager.secretAccessor';
/** Cloud Run's ingress settings. */
export const INGRESS_INTERNAL_ONLY = 'INGRESS_TRAFFIC_INTERNAL_ONLY';
export const INGRESS_ALL = 'INGRESS_TRAFFIC_ALL';

/** Cloud Run service names: lowercase letters, digits and hyphens, starting with a letter, not ending with a hyphen. */
export const RUN_SERVICE_NAME_PATTERN = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
/** The longest Cloud Run service name allframe accepts (leaves room for revision suffixes). */
export { RUN_SERVICE_NAME_MAX_LENGTH } from './cloud-limits';
/** Service account ids: 6 to 30 of lowercase letters, digits and hyphens, starting with a letter, not ending with a hyphen. */
export const SERVICE_ACCOUNT_ID_PATTERN = /^[a-z][-a-z0-9]{4,28}[a-z0-9]$/;
/** Secret Manager secret ids: 1 to 255 of letters, digits, `_` and `-`. */
export const SECRET_ID_PATTERN = /^[A-Za-z0-9_-]{1,255}$/;
/** A secret given by its full resource name. */
export const SECRET_NAME_PATTERN = /^projects\/[^/]+\/secrets\/[A-Za-z0-9_-]{1,255}$/;
/** A service account's email (user-managed `…iam.gserviceaccount.com` or Google-managed `…gserviceaccount.com`). */
export const SERVICE_ACCOUNT_EMAIL_PATTERN = /^[a-z0-9][-a-z0-9.]*@[-a-z0-9.]+\.gserviceaccount\.com$/;
/** Environment variable names Cloud Run sets itself and refuses in a container's env. */
export { RUN_RESERVED_ENV_NAMES as RESERVED_RUN_ENV_NAMES } from './cloud-limits';
/** Environment variable names: letters, digits and `_`, not starting with a digit. */
export const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Scaling, resources and request handling of a Cloud Run service when the props say nothing. */
export interface RunServiceSizing {
  readonly minInstances: number;
  readonly maxInstances: number;
  readonly cpu: string;
  readonly memory: string;
  readonly concurrency: number;
  readonly timeoutSeconds: number;
}

/**
 * Scale to zero, at most 10 instances (a cost ceiling well under Cloud Run's 100), one vCPU and 512 MiB, 80
 * concurrent requests per instance and a 300 s request timeout (Cloud Run's own defaults for the last two).
 */
export function defaultRunServiceSizing(): RunServiceSizing {
  return { minInstances: 0, maxInstances: 10, cpu: '1', memory: '512Mi', concurrency: 80, timeoutSeconds: 300 };
}

/** Startup probe: `GET /readyz` every 5 s, up to 24 failures (2 minutes) before the instance is replaced. */
export function defaultStartupProbe(port: number): CloudRunV2ServiceTemplateContainersStartupProbe {
  return { httpGet: { path: STARTUP_PROBE_PATH, port }, initialDelaySeconds: 0, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 24 };
}

/** Liveness probe: `GET /healthz` every 30 s; three failures in a row restart the instance. */
export function defaultLivenessProbe(port: number): CloudRunV2ServiceTemplateContainersLivenessProbe {
  return { httpGet: { path: LIVENESS_PROBE_PATH, port }, periodSeconds: 30, timeoutSeconds: 5, failureThreshold: 3 };
}

/**
 * The service account id of a Cloud Run service, derived from its name: the name itself when it is a valid id
 * (6 to 30 characters); a short name gets `-run` appended (and `-sa` if still short); a long one is cut to 23
 * characters and gets `-` and 6 hex characters of the name's SHA-256, so two long names sharing a prefix differ.
 */
export function runServiceAccountId(serviceName: string): string {
  let id = serviceName;
  if (id.length < 6) id = `${id}-run`;
  if (id.length < 6) id = `${id}-sa`;
  return fitName(id, 30);
}

/**
 * `name` when it has at most `max` characters; else cut to `max - 7` characters (trailing hyphens dropped) plus
 * `-` and 6 hex characters of its SHA-256, so two long names sharing a prefix stay apart.
 */
export function fitName(name: string, max: number): string {
  if (name.length <= max) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 6);
  return `${name.slice(0, max - 7).replace(/-+$/, '')}-${hash}`;
}

/**
 * The IAM member of a service account, `serviceAccount:<email>`. Unresolved tokens (e.g. another construct's
 * `serviceAccount.email`) are accepted as they are; literal values must be service-account emails.
 */
export function serviceAccountMember(email: string): string {
  if (!Token.isUnresolved(email) && !SERVICE_ACCOUNT_EMAIL_PATTERN.test(email)) {
    throw new Error(`'${email}' is not a service-account email (…@….gserviceaccount.com); grants go to named service accounts only`);
  }
  return `serviceAccount:${email}`;
}

/** Whether a literal secret reference is a secret id or a full `projects/<p>/secrets/<id>` name. */
export function isSecretRef(secret: string): boolean {
  return Token.isUnresolved(secret) || SECRET_ID_PATTERN.test(secret) || SECRET_NAME_PATTERN.test(secret);
}
