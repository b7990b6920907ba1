/**
 * The architecture on GCP: what every service shares (topics, network, image repository, alert channel) and the
 * per-service frame (Cloud Run service, its account, secrets, data, bucket, callers, alerts) that the archetype
 * handlers (handlers.ts) fill in. Handlers say what a service needs before its Cloud Run service exists (configuration,
 * VPC access, CPU) and wire what needs the service (subscriptions, schedules, workflows) afterwards.
 */
import { ArtifactRegistryRepository } from '@cdktf/provider-google/lib/artifact-registry-repository';
import { DataGoogleProject } from '@cdktf/provider-google/lib/data-google-project';
import { LoggingProjectBucketConfig } from '@cdktf/provider-google/lib/logging-project-bucket-config';
import { TerraformOutput, TerraformVariable } from 'cdktf';
import type { ITerraformDependable } from 'cdktf';
import type { ServiceAccount } from '@cdktf/provider-google/lib/service-account';
import { CloudRunService, accountEmail, runServiceAccount, type RunVpcAccess, type SecretEnvRef, type SecretFileRef } from '../../../lib-constructs/gcp/cloud-run-service';
import { PubSubTopicWithDlq } from '../../../lib-constructs/gcp/pubsub-topic-with-dlq';
import { ServiceAlerts } from '../../../lib-constructs/gcp/service-alerts';
import { DEAD_LETTER_SUBSCRIPTION_SUFFIX } from '../../../lib-constructs/core/gcp-pubsub-defaults';
import { DEFAULT_LOG_RETENTION_DAYS } from '../../../lib-constructs/core/log-retention';
import { calleeUrlVariable } from '../../model/environment';
import { publishedEvents, publishersOf, serviceSecrets, type ResolvedService } from '../../resolve/model';
import { plainEnvironment, samplerEnvironment } from '../telemetry';
import { GCP_HANDLERS } from './handlers';
import { load } from './lazy';
import { serviceStorage } from './storage';
import { gcpPrefix, gcpProject, gcpRegion, gcpSecretId, gcpTopicName, runServiceName, subscriptionName } from './naming';
import type { GcpStack } from './stack';
import type { GcpServiceNetwork } from '../../../lib-constructs/gcp/service-network';

/** What the services of an architecture share. */
export class GcpShared {
  readonly topics = new Map<string, PubSubTopicWithDlq>();
  readonly runs = new Map<string, CloudRunService>();
  readonly imageTag: TerraformVariable;
  readonly repository: ArtifactRegistryRepository;
  /** `<region>-docker.pkg.dev/<project>/<repository>` and the tag, as references read once for every service's image. */
  private readonly imagePrefix: string;
  private readonly imageTagValue: string;
  readonly notificationChannels: string[] = [];
  private networkValue?: GcpServiceNetwork;
  private projectNumberValue?: string;

  constructor(readonly stack: GcpStack) {
    const model = stack.model;
    this.imageTag = new TerraformVariable(stack, 'image_tag', {
      type: 'string',
      // No default: every apply says which build it deploys.
      description: 'Tag of the service images in the Artifact Registry repository: the commit being deployed',
    });
    this.repository = new ArtifactRegistryRepository(stack, 'images', {
      repositoryId: gcpPrefix(model),
      location: gcpRegion(model),
      format: 'DOCKER',
      description: `Container images of ${model.file.architecture.name}'s services`,
      dockerConfig: { immutableTags: false },
    });
    this.imagePrefix = `${this.repository.location}-docker.pkg.dev/${gcpProject(model)}/${this.repository.repositoryId}`;
    this.imageTagValue = this.imageTag.stringValue;
    // compliance.data_retention_days: how long Cloud Logging keeps the project's logs (the _Default bucket, where
    // Cloud Run, Pub/Sub and Workflows write), 1..3650 days as the schema allows. It is the project's setting:
    // give each environment its own project.
    new LoggingProjectBucketConfig(stack, 'log-retention', {
      project: gcpProject(model),
      location: 'global',
      bucketId: '_Default',
      retentionDays: model.file.compliance?.data_retention_days ?? DEFAULT_LOG_RETENTION_DAYS,
    });
    const email = model.file.observability?.alarms_email;
    if (email !== undefined && email !== '') {
      const channel = new (load.notificationChannel())(stack, 'alarms-email', {
        displayName: `${model.file.architecture.name} alarms`,
        type: 'email',
        labels: { email_address: email },
      });
      this.notificationChannels.push(channel.id);
    }
    for (const s of model.services) {
      if (publishedEvents(s).length > 0) {
        this.topics.set(s.name, new PubSubTopicWithDlq(stack, `${s.name}-events`, { name: gcpTopicName(model, s.name), projectNumber: this.projectNumber() }));
      }
    }
  }

  /**
   * A service's URL as Cloud Run makes it, `https://<name>-<project number>.<region>.run.app`: known before the
   * service exists, so callers' configuration does not depend on the order services are made in.
   */
  urlOf(service: string): string {
    return `https://${runServiceName(this.stack.model, service)}-${this.projectNumber()}.${gcpRegion(this.stack.model)}.run.app`;
  }

  /** A service's image: `<region>-docker.pkg.dev/<project>/<repository>/<service>:<image_tag>`. */
  image(service: string): string {
    return `${this.imagePrefix}/${service}:${this.imageTagValue}`;
  }

  /** The project number (for the Pub/Sub service agent and URLs), read once from a data source. */
  projectNumber(): string {
    this.projectNumberValue ??= new DataGoogleProject(this.stack, 'project', {}).number;
    return this.projectNumberValue;
  }

  /** Direct VPC egress through the architecture's subnetwork. */
  vpcAccess(egress: RunVpcAccess['egress']): RunVpcAccess {
    const network = this.network();
    return { network: network.networkId, subnetwork: network.subnetworkId, egress };
  }

  /** The architecture's VPC, subnetwork, private services access and NAT, made on first use. */
  network(): GcpServiceNetwork {
    this.networkValue ??= new (load.network())(this.stack, 'network', { name: gcpPrefix(this.stack.model), region: gcpRegion(this.stack.model) });
    return this.networkValue;
  }

}

/** What a handler asks of a service's Cloud Run service before it is made, and what it wires afterwards. */
export class GcpServicePlan {
  readonly env = new Map<string, string>();
  readonly secretEnv = new Map<string, SecretEnvRef>();
  /** Secrets mounted as files, by directory. */
  readonly secretFiles = new Map<string, SecretFileRef>();
  /** Direct VPC egress: to private ranges (databases, caches) or all traffic (callers of internal services). */
  vpc: 'none' | 'PRIVATE_RANGES_ONLY' | 'ALL_TRAFFIC' = 'none';
  cpuAlwaysAllocated = false;
  sessionAffinity = false;
  maxInstances?: number;
  minInstances?: number;
  concurrency?: number;
  timeoutSeconds?: number;
  /** What the service's first revision needs in place: its data, the grants on it, secret versions. */
  readonly dependsOn: ITerraformDependable[] = [];
  /** The account the service runs as, made first so that grants can refer to it (and wait for it). */
  readonly account: ServiceAccount;
  /** The account's email, as a reference (one for all grants, see accountEmail). */
  readonly email: string;
  /** Dead-letter subscriptions to alert on. */
  readonly deadLetters: { name: string; subscriptionId: string }[] = [];
  private readonly afterRun: ((run: CloudRunService) => void)[] = [];

  constructor(
    readonly shared: GcpShared,
    readonly service: ResolvedService,
  ) {
    this.account = runServiceAccount(shared.stack, `${service.name}-account`, runServiceName(shared.stack.model, service));
    this.email = accountEmail(this.account);
  }

  get stack(): GcpStack {
    return this.shared.stack;
  }

  /** The service's Cloud Run (and account, database, cache) name. */
  get name(): string {
    return runServiceName(this.stack.model, this.service);
  }

  setEnv(name: string, value: string): void {
    this.env.set(name, value);
  }

  /** Ask for VPC access; all-traffic wins over private ranges. */
  useVpc(egress: 'PRIVATE_RANGES_ONLY' | 'ALL_TRAFFIC'): void {
    if (this.vpc !== 'ALL_TRAFFIC') this.vpc = egress;
  }

  /** Work that needs the Cloud Run service (its URL, its account). */
  then(fn: (run: CloudRunService) => void): void {
    this.afterRun.push(fn);
  }

  /**
   * Push subscriptions delivering the given events, from the topics of their publishers, to `path` of this service,
   * authenticated with an OIDC token of the service's own account; each with its dead-letter topic.
   */
  subscribe(consumes: readonly { event: string; from?: string }[], path: string, options: { maxDeliveryAttempts?: number; ackDeadlineSeconds?: number; unwrapped?: boolean } = {}): void {
    const byPublisher = new Map<string, Set<string>>();
    for (const c of consumes) {
      for (const publisher of publishersOf(this.stack.model, c.event, c.from)) {
        byPublisher.set(publisher, (byPublisher.get(publisher) ?? new Set<string>()).add(c.event));
      }
    }
    if (byPublisher.size === 0) return;
    const model = this.stack.model;
    this.then((run) => {
      run.grantInvoke(this.email);
      for (const [publisher, events] of [...byPublisher].sort(([a], [b]) => compare(a, b))) {
        const topic = this.shared.topics.get(publisher)!;
        const name = subscriptionName(model, this.service.name, publisher);
        topic.addSubscription(`to-${this.service.name}`, {
          name,
          eventTypes: [...events].sort(),
          ...(options.maxDeliveryAttempts !== undefined ? { maxDeliveryAttempts: options.maxDeliveryAttempts } : {}),
          ...(options.ackDeadlineSeconds !== undefined ? { ackDeadlineSeconds: options.ackDeadlineSeconds } : {}),
          push: { endpoint: `${run.url}${path}`, serviceAccountEmail: this.email, audience: run.url, ...(options.unwrapped === true ? { unwrapped: true } : {}) },
        });
        this.deadLetters.push({ name: `from-${publisher}`, subscriptionId: `${name}${DEAD_LETTER_SUBSCRIPTION_SUFFIX}` });
      }
    });
  }

  /** Runs the work queued with `then`. */
  finish(run: CloudRunService): void {
    for (const fn of this.afterRun) fn(run);
  }
}

/** The whole architecture into `stack`. */
export function buildGcp(stack: GcpStack): GcpShared {
  const model = stack.model;
  const shared = new GcpShared(stack);
  const plans = model.services.map((s) => new GcpServicePlan(shared, s));

  // The services each one calls: its depends_on and the services a BFF aggregates.
  const callees = new Map(plans.map((p) => [p, [...new Set([...(p.service.spec.depends_on ?? []), ...(p.service.spec.bff?.aggregates ?? [])])].sort(compare)]));
  for (const plan of plans) {
    const s = plan.service;
    const calls = callees.get(plan)!;
    // The file's plain variables: none is a name set below (validation refuses those, AF4013; see model/environment.ts).
    for (const [k, v] of plainEnvironment(s)) plan.setEnv(k, v);
    plan.setEnv('SERVICE_NAME', s.name);
    plan.setEnv('LOG_LEVEL', 'info');
    for (const [k, v] of Object.entries(samplerEnvironment(model))) plan.setEnv(k, v);
    plan.setEnv('GOOGLE_CLOUD_PROJECT', gcpProject(model));
    if (shared.topics.has(s.name)) {
      plan.setEnv('EVENT_BUS', 'pubsub');
      plan.setEnv('EVENT_TARGET', gcpTopicName(model, s.name));
    }
    // Base URLs of the callees (the same variables the AWS target sets), called with ID tokens; calls to internal
    // services go through the VPC, which is what makes them internal to Cloud Run.
    for (const callee of calls) plan.setEnv(calleeUrlVariable(callee), shared.urlOf(callee));
    if (calls.length > 0) plan.setEnv('OUTBOUND_AUTH', 'google-id-token');
    if (calls.some((c) => model.services.some((o) => o.name === c && o.spec.public !== true))) plan.useVpc('ALL_TRAFFIC');
    // Terraform never holds a secret value: every secret is created empty and its versions are added by its owner.
    // `managed` is recorded as the secret's managed-by label (allframe | external), see docs/gcp.md.
    const secrets = serviceSecrets(s);
    for (const { name, managed } of secrets) {
      const secret = new (load.secret())(stack, `${s.name}-secret-${name}`, { secretId: gcpSecretId(model, s, name), labels: { 'managed-by': managed } });
      plan.secretEnv.set(name, { secret: secret.secretId });
    }
    if (secrets.length > 0) plan.setEnv('SECRETS_SOURCE', 'env');
    GCP_HANDLERS[s.kind](plan);
  }
  // Object storage, whatever the archetype: a bucket of the owner's, read by the services it names.
  const planByName = new Map(plans.map((p) => [p.service.name, p]));
  for (const plan of plans) serviceStorage(plan, planByName);

  for (const plan of plans) {
    const s = plan.service;
    const run = new CloudRunService(stack, s.name, {
      name: plan.name,
      location: gcpRegion(model),
      image: shared.image(s.name),
      public: s.spec.public === true,
      cpu: cloudRunCpu(s.sizing.cpu),
      memory: `${s.sizing.memory_mb}Mi`,
      minInstances: plan.minInstances ?? s.sizing.min_instances,
      maxInstances: plan.maxInstances ?? s.sizing.max_instances,
      timeoutSeconds: plan.timeoutSeconds ?? s.sizing.timeout_seconds,
      // The archetype's own (consumers, websocket gateways, one-at-a-time jobs) where it has one, else the file's
      // or Cloud Run's; validation refuses services[].concurrency where the archetype decides (AF5010).
      concurrency: plan.concurrency ?? s.sizing.concurrency,
      sessionAffinity: plan.sessionAffinity,
      cpuAlwaysAllocated: plan.cpuAlwaysAllocated,
      // gRPC needs HTTP/2 end to end; the generated server speaks HTTP/1.1 and h2c on one port, so REST, push
      // subscriptions and the HTTP probes keep working
      ...(s.protocols.includes('grpc') ? { http2: true } : {}),
      ...(plan.vpc !== 'none' ? { vpcAccess: shared.vpcAccess(plan.vpc) } : {}),
      serviceAccount: plan.account,
      ...(plan.dependsOn.length > 0 ? { dependsOn: plan.dependsOn } : {}),
      env: Object.fromEntries(plan.env),
      secretEnv: Object.fromEntries(plan.secretEnv),
      ...(plan.secretFiles.size > 0 ? { secretFiles: Object.fromEntries(plan.secretFiles) } : {}),
    });
    shared.runs.set(s.name, run);
    shared.topics.get(s.name)?.grantPublish(plan.email);
    new TerraformOutput(stack, `${s.name}-url`, { value: run.url, description: `URL of ${s.name}` });
  }

  // Each callee admits its callers' accounts, and nobody else.
  for (const plan of plans) {
    for (const callee of callees.get(plan)!) shared.runs.get(callee)?.grantInvoke(plan.email);
  }
  for (const plan of plans) {
    const run = shared.runs.get(plan.service.name)!;
    plan.finish(run);
    new ServiceAlerts(stack, `${plan.service.name}-alerts`, {
      serviceName: plan.name,
      notificationChannels: shared.notificationChannels,
      deadLetterSubscriptions: plan.deadLetters,
    });
  }
  return shared;
}

/** Cloud Run CPU from the file's CPU units (1024 = 1 vCPU): 1, 2, 4, 6 or 8 vCPUs. */
export function cloudRunCpu(units: number): string {
  const vcpus = Math.ceil(units / 1024);
  return String([1, 2, 4, 6, 8].find((n) => n >= vcpus) ?? 8);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
