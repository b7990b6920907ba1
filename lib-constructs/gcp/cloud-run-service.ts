import { CloudRunV2Service } from '@cdktf/provider-google/lib/cloud-run-v2-service';
import type { CloudRunV2ServiceTemplateContainersEnv } from '@cdktf/provider-google/lib/cloud-run-v2-service';
import type { CloudRunV2ServiceIamMember } from '@cdktf/provider-google/lib/cloud-run-v2-service-iam-member';
import type { SecretManagerSecretIamMember } from '@cdktf/provider-google/lib/secret-manager-secret-iam-member';
import { ServiceAccount } from '@cdktf/provider-google/lib/service-account';
import { Token } from 'cdktf';
import type { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import {
  DEFAULT_RUN_PORT,
  ENV_NAME_PATTERN,
  INGRESS_ALL,
  INGRESS_INTERNAL_ONLY,
  RESERVED_RUN_ENV_NAMES,
  RUN_INVOKER_ROLE,
  RUN_SERVICE_NAME_MAX_LENGTH,
  RUN_SERVICE_NAME_PATTERN,
  SECRET_ACCESSOR_ROLE,
  SERVICE_ACCOUNT_EMAIL_PATTERN,
  defaultLivenessProbe,
  defaultRunServiceSizing,
  defaultStartupProbe,
  isSecretRef,
  runServiceAccountId,
  serviceAccountMember,
} from '../core/gcp-run-defaults';
import type { RunServiceSizing } from '../core/gcp-run-defaults';
import { onDemand } from './on-demand';

/** An environment variable read from Secret Manager when an instance starts. */
export interface SecretEnvRef {
  /** The secret: its id (in the provider's project) or its full name `projects/<project>/secrets/<id>`. */
  readonly secret: string;
  /**
   * The secret version: a number or an alias.
   * @default 'latest'
   */
  readonly version?: string;
}

export interface CloudRunServiceProps {
  /** The service's name: 1 to 49 lowercase letters, digits and hyphens, starting with a letter, not ending with a hyphen. */
  readonly name: string;
  /** The region, e.g. `europe-west1`. */
  readonly location: string;
  /** The container image, e.g. `europe-docker.pkg.dev/p/r/orders@sha256:…`. */
  readonly image: string;
  /**
   * Whether anyone on the internet may call the service: ingress from everywhere and an `allUsers` invoker.
   * @default false - internal ingress only, and only `invokers` may call it
   */
  readonly public?: boolean;
  /**
   * Service-account emails granted `roles/run.invoker` on this service (and nothing else). More can be added
   * with `grantInvoke`.
   * @default - none
   */
  readonly invokers?: readonly string[];
  /**
   * Instances kept warm.
   * @default 0
   */
  readonly minInstances?: number;
  /**
   * Most instances Cloud Run starts.
   * @default 10
   */
  readonly maxInstances?: number;
  /**
   * vCPUs of an instance (`'1'`, `'2'`, `'4'`, `'500m'`, ...).
   * @default '1'
   */
  readonly cpu?: string;
  /**
   * Memory of an instance (`'512Mi'`, `'2Gi'`, ...).
   * @default '512Mi'
   */
  readonly memory?: string;
  /**
   * Concurrent requests one instance handles.
   * @default 80
   */
  readonly concurrency?: number;
  /**
   * Request timeout, in seconds (1 to 3600).
   * @default 300
   */
  readonly timeoutSeconds?: number;
  /**
   * Plain environment variables: configuration only, never secrets (use `secretEnv`).
   * @default - none
   */
  readonly env?: Record<string, string>;
  /**
   * Environment variables read from Secret Manager (`value_source.secret_key_ref`); the service's account is
   * granted `roles/secretmanager.secretAccessor` on each secret named here, and on nothing else.
   * @default - none
   */
  readonly secretEnv?: Record<string, SecretEnvRef>;
  /**
   * The port the container listens on (and the probes call).
   * @default 8080
   */
  readonly port?: number;
  /**
   * Send a client's requests to the same instance (websockets, in-memory sessions).
   * @default false
   */
  readonly sessionAffinity?: boolean;
  /**
   * HTTP/2 end to end: Cloud Run sends every request to the container as HTTP/2 without TLS (h2c), as gRPC needs
   * (the container port is named `h2c`). The container must speak h2c on its port; HTTP/1.1 probes still reach it
   * only if it speaks both (the generated services do).
   * @default false
   */
  readonly http2?: boolean;
  /**
   * Terraform's `deletion_protection` on the service.
   * @default false - `terraform destroy` may delete the service (it keeps no data)
   */
  readonly deletionProtection?: boolean;
  /**
   * Direct VPC egress: traffic to private ranges (Cloud SQL's private IP, Memorystore), or all traffic, leaves
   * through this subnetwork.
   * @default - no VPC access
   */
  readonly vpcAccess?: RunVpcAccess;
  /**
   * Keep the CPU allocated between requests (instance-based billing), for work an instance does in the background:
   * an outbox relay on a timer, open stream windows, websocket connections.
   * @default false - CPU only while a request is being served
   */
  readonly cpuAlwaysAllocated?: boolean;
  /**
   * Secrets mounted as files (certificates, key files): the key is the directory, e.g. `/etc/app/ca`; the
   * account is granted access to each secret, as for `secretEnv`.
   * @default - none
   */
  readonly secretFiles?: Record<string, SecretFileRef>;
  /**
   * What must exist before the service's first revision starts: secret versions it reads, its database and the
   * grants on it (the accessor grants of `secretEnv` and `secretFiles` are added by the construct).
   * @default - none
   */
  readonly dependsOn?: readonly ITerraformDependable[];
  /**
   * The account the service runs as, when the caller makes it first (to grant it access before the service
   * exists). It must be this service's alone.
   * @default - an account made for this service
   */
  readonly serviceAccount?: ServiceAccount;
}

/** A secret mounted as one file in a directory of its own. */
export interface SecretFileRef extends SecretEnvRef {
  /** The file's name in the directory, e.g. `ca.pem`. */
  readonly fileName: string;
}

/** Where a Cloud Run service's private-range traffic leaves (Direct VPC egress). */
export interface RunVpcAccess {
  /** The VPC network (name, id or self link). */
  readonly network: string;
  /** The subnetwork in the service's region the instances take their addresses from. */
  readonly subnetwork: string;
  /**
   * Which traffic goes through the VPC: only private ranges, or everything (needed to call services whose ingress
   * is internal: their `run.app` URLs then count as internal traffic; the internet is reached through Cloud NAT).
   * @default 'PRIVATE_RANGES_ONLY'
   */
  readonly egress?: 'PRIVATE_RANGES_ONLY' | 'ALL_TRAFFIC';
}

/**
 * A Cloud Run (v2) service that runs as its own service account (no project-wide roles, so it can do nothing it
 * is not granted), probed for readiness at `/readyz` on startup and for liveness at `/healthz`, reachable only
 * from inside the project's network and only by the named invokers unless it is declared public, with secrets
 * passed as Secret Manager references (never plain values) that its account alone is granted to read.
 */
export class CloudRunService extends Construct {
  /** The Cloud Run service. */
  readonly service: CloudRunV2Service;
  /** The account the service runs as (`serviceAccount.email`). */
  readonly serviceAccount: ServiceAccount;
  /** The service's URL (`https://…run.app`). */
  readonly url: string;
  /** The service's name. */
  readonly name: string;
  private readonly invokerMembers = new Set<string>();
  private tokenInvokers = 0;
  private serviceRef?: { name: string; location: string };

  constructor(scope: Construct, id: string, props: CloudRunServiceProps) {
    super(scope, id);
    const d = defaultRunServiceSizing();
    const sizing: RunServiceSizing = {
      minInstances: props.minInstances ?? d.minInstances,
      maxInstances: props.maxInstances ?? d.maxInstances,
      cpu: props.cpu ?? d.cpu,
      memory: props.memory ?? d.memory,
      concurrency: props.concurrency ?? d.concurrency,
      timeoutSeconds: props.timeoutSeconds ?? d.timeoutSeconds,
    };
    const port = props.port ?? DEFAULT_RUN_PORT;
    checkProps(props, sizing, port);

    this.name = props.name;
    this.serviceAccount = props.serviceAccount ?? runServiceAccount(this, 'ServiceAccount', props.name);

    const secretEnv = Object.entries(props.secretEnv ?? {}).sort(([a], [b]) => compare(a, b));
    const secretFiles = Object.entries(props.secretFiles ?? {}).sort(([a], [b]) => compare(a, b));
    const secretGrants = this.grantSecretsToSelf([...secretEnv, ...secretFiles.map(([dir, ref]): [string, SecretEnvRef] => [`file:${dir}`, ref])]);
    const volumes = secretFiles.map(([dir, ref], i) => ({
      mount: { name: `secret-${i + 1}`, mountPath: dir },
      volume: { name: `secret-${i + 1}`, secret: { secret: ref.secret, items: [{ path: ref.fileName, version: ref.version ?? 'latest' }] } },
    }));

    const env: CloudRunV2ServiceTemplateContainersEnv[] = [
      ...Object.entries(props.env ?? {})
        .sort(([a], [b]) => compare(a, b))
        .map(([name, value]) => ({ name, value })),
      ...secretEnv.map(([name, ref]) => ({ name, valueSource: { secretKeyRef: { secret: ref.secret, version: ref.version ?? 'latest' } } })),
    ];

    this.service = new CloudRunV2Service(this, 'Service', {
      name: props.name,
      location: props.location,
      ingress: props.public === true ? INGRESS_ALL : INGRESS_INTERNAL_ONLY,
      deletionProtection: props.deletionProtection ?? false,
      template: {
        serviceAccount: accountEmail(this.serviceAccount),
        maxInstanceRequestConcurrency: sizing.concurrency,
        timeout: `${sizing.timeoutSeconds}s`,
        sessionAffinity: props.sessionAffinity ?? false,
        scaling: { minInstanceCount: sizing.minInstances, maxInstanceCount: sizing.maxInstances },
        ...(volumes.length > 0 ? { volumes: volumes.map((v) => v.volume) } : {}),
        ...(props.vpcAccess !== undefined
          ? { vpcAccess: { egress: props.vpcAccess.egress ?? 'PRIVATE_RANGES_ONLY', networkInterfaces: [{ network: props.vpcAccess.network, subnetwork: props.vpcAccess.subnetwork }] } }
          : {}),
        containers: [
          {
            image: props.image,
            ports: props.http2 === true ? { name: 'h2c', containerPort: port } : { containerPort: port },
            resources: { limits: { cpu: sizing.cpu, memory: sizing.memory }, cpuIdle: props.cpuAlwaysAllocated !== true, startupCpuBoost: true },
            startupProbe: defaultStartupProbe(port),
            livenessProbe: defaultLivenessProbe(port),
            ...(env.length > 0 ? { env } : {}),
            ...(volumes.length > 0 ? { volumeMounts: volumes.map((v) => v.mount) } : {}),
          },
        ],
      },
      // Cloud Run checks at deploy time that the service's account may read its secrets.
      ...(secretGrants.length > 0 || props.dependsOn !== undefined ? { dependsOn: [...secretGrants, ...(props.dependsOn ?? [])] } : {}),
    });
    this.url = this.service.uri;

    if (props.public === true) {
      new (onDemand.runIamMember())(this, 'PublicInvoker', {
        ...this.serviceReference(),
        role: RUN_INVOKER_ROLE,
        member: 'allUsers',
      });
    }
    for (const email of props.invokers ?? []) this.grantInvoke(email);
  }

  /**
   * Lets a service account call this service (`roles/run.invoker` on this service only). Granting the same
   * literal email twice adds nothing.
   */
  grantInvoke(email: string): CloudRunV2ServiceIamMember | undefined {
    const member = serviceAccountMember(email);
    if (this.invokerMembers.has(member)) return undefined;
    this.invokerMembers.add(member);
    const id = Token.isUnresolved(email) ? `Invoker${++this.tokenInvokers}` : `Invoker-${email}`;
    return new (onDemand.runIamMember())(this, id, {
      ...this.serviceReference(),
      role: RUN_INVOKER_ROLE,
      member,
    });
  }

  /** The service's name and location as references, read once for all invoker grants. */
  private serviceReference(): { name: string; location: string } {
    this.serviceRef ??= { name: this.service.name, location: this.service.location };
    return this.serviceRef;
  }

  /** One accessor grant per distinct secret, named for the secret (or, for a token, the first variable reading it). */
  private grantSecretsToSelf(secretEnv: readonly (readonly [string, SecretEnvRef])[]): SecretManagerSecretIamMember[] {
    const grants = new Map<string, SecretManagerSecretIamMember>();
    for (const [envName, ref] of secretEnv) {
      if (grants.has(ref.secret)) continue;
      const id = Token.isUnresolved(ref.secret) ? `SecretAccess-${envName.replace(/[^A-Za-z0-9_-]/g, '_')}` : `SecretAccess-${ref.secret}`;
      grants.set(
        ref.secret,
        new (onDemand.secretIamMember())(this, id, {
          secretId: ref.secret,
          role: SECRET_ACCESSOR_ROLE,
          member: `serviceAccount:${accountEmail(this.serviceAccount)}`,
        }),
      );
    }
    return [...grants.values()];
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function isWhole(n: number, min: number, max: number): boolean {
  return Number.isInteger(n) && n >= min && n <= max;
}

/** Collects every problem with the props, then fails once. */
function checkProps(props: CloudRunServiceProps, sizing: RunServiceSizing, port: number): void {
  const problems: string[] = [];
  if (props.name.length > RUN_SERVICE_NAME_MAX_LENGTH || !RUN_SERVICE_NAME_PATTERN.test(props.name)) {
    problems.push(`name '${props.name}' must be 1 to ${RUN_SERVICE_NAME_MAX_LENGTH} lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen`);
  }
  if (props.location === '') problems.push('location must not be empty');
  if (props.image === '') problems.push('image must not be empty');
  if (!isWhole(sizing.minInstances, 0, 1000)) problems.push(`minInstances must be a whole number from 0 to 1000, got ${sizing.minInstances}`);
  if (!isWhole(sizing.maxInstances, 1, 1000)) problems.push(`maxInstances must be a whole number from 1 to 1000, got ${sizing.maxInstances}`);
  if (sizing.minInstances > sizing.maxInstances) problems.push(`minInstances (${sizing.minInstances}) must not exceed maxInstances (${sizing.maxInstances})`);
  if (!/^(\d+(\.\d+)?|\d+m)$/.test(sizing.cpu)) problems.push(`cpu must be a number of vCPUs or millicores ('1', '0.5', '500m'), got '${sizing.cpu}'`);
  if (!/^\d+(Mi|Gi)$/.test(sizing.memory)) problems.push(`memory must be a whole number of Mi or Gi ('512Mi', '2Gi'), got '${sizing.memory}'`);
  if (!isWhole(sizing.concurrency, 1, 1000)) problems.push(`concurrency must be a whole number from 1 to 1000, got ${sizing.concurrency}`);
  if (!isWhole(sizing.timeoutSeconds, 1, 3600)) problems.push(`timeoutSeconds must be a whole number from 1 to 3600, got ${sizing.timeoutSeconds}`);
  if (!isWhole(port, 1, 65535)) problems.push(`port must be a whole number from 1 to 65535, got ${port}`);
  const plain = Object.keys(props.env ?? {});
  const secret = Object.keys(props.secretEnv ?? {});
  for (const name of [...plain, ...secret]) {
    if (!ENV_NAME_PATTERN.test(name)) problems.push(`environment variable name '${name}' must be letters, digits and '_', not starting with a digit`);
    if (RESERVED_RUN_ENV_NAMES.includes(name)) problems.push(`environment variable '${name}' is set by Cloud Run itself`);
  }
  for (const name of plain) if (secret.includes(name)) problems.push(`environment variable '${name}' is in both env and secretEnv`);
  for (const [name, ref] of Object.entries(props.secretEnv ?? {})) {
    if (!isSecretRef(ref.secret)) problems.push(`secretEnv.${name}: '${ref.secret}' is neither a secret id nor projects/<project>/secrets/<id>`);
    if (ref.version === '') problems.push(`secretEnv.${name}: version must not be empty`);
  }
  for (const [dir, ref] of Object.entries(props.secretFiles ?? {})) {
    if (!/^\/[A-Za-z0-9._/-]+$/.test(dir) || dir === '/' || dir.split('/').includes('..')) problems.push(`secretFiles: '${dir}' must be an absolute directory path`);
    if (!/^[A-Za-z0-9._-]+$/.test(ref.fileName)) problems.push(`secretFiles.${dir}: fileName '${ref.fileName}' must be a plain file name`);
    if (!isSecretRef(ref.secret)) problems.push(`secretFiles.${dir}: '${ref.secret}' is neither a secret id nor projects/<project>/secrets/<id>`);
  }
  for (const email of props.invokers ?? []) {
    if (!Token.isUnresolved(email) && !SERVICE_ACCOUNT_EMAIL_PATTERN.test(email)) problems.push(`invoker '${email}' is not a service-account email (…@….gserviceaccount.com)`);
  }
  if (problems.length > 0) throw new Error(`CloudRunService ${props.name}: ${problems.join('; ')}`);
}

const emails = new WeakMap<ServiceAccount, string>();

/**
 * A service account's email as a reference, made once per account and shared by every grant and service naming it:
 * each read of `.email` makes a new cdktf token, and cdktf records a full stack trace for every token.
 */
export function accountEmail(account: ServiceAccount): string {
  let email = emails.get(account);
  if (email === undefined) {
    email = account.email;
    emails.set(account, email);
  }
  return email;
}

/** The account of a Cloud Run service: its own, holding nothing but what is granted to it. */
export function runServiceAccount(scope: Construct, id: string, serviceName: string): ServiceAccount {
  return new ServiceAccount(scope, id, {
    accountId: runServiceAccountId(serviceName),
    displayName: `Cloud Run service ${serviceName}`,
    description: `Runs the Cloud Run service ${serviceName}; holds only the roles granted to it explicitly.`,
  });
}
