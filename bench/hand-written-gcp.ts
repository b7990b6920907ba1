/**
 * The baseline of bench/synth-gcp.ts: a plain cdktf app, written by hand, building what allframe's GCP target builds
 * for N stateless services with one Firestore entity and one published event each (see the generated file in
 * synth-gcp.ts), in one stack with the google provider and a gcs backend:
 *
 * - shared: the `image_tag` variable, the Artifact Registry repository of the images, and the project data source
 *   (allframe reads the project number for the Pub/Sub service agent as soon as a topic exists, even when no
 *   subscription needs it; kept so that the JSON is the same);
 * - per service: its own service account, a Cloud Run v2 service running as it (internal ingress, probes, 1 vCPU,
 *   512 MiB, 0 to 10 instances), its URL as an output, a Firestore database (PITR, delete protection, abandoned on
 *   destroy) its account may use through a conditional `roles/datastore.user`, a Pub/Sub topic (7 days retention)
 *   only its account may publish to, and two alert policies (5xx ratio, p99 latency).
 *
 * Provider resources imported by path, nothing from allframe, so that only cdktf and the resources used are loaded.
 * synth-gcp.ts checks that this synthesizes the same Terraform JSON as allframe, logical ids aside, before timing.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ArtifactRegistryRepository } from '@cdktf/provider-google/lib/artifact-registry-repository';
import { CloudRunV2Service } from '@cdktf/provider-google/lib/cloud-run-v2-service';
import { DataGoogleProject } from '@cdktf/provider-google/lib/data-google-project';
import { FirestoreDatabase } from '@cdktf/provider-google/lib/firestore-database';
import { MonitoringAlertPolicy } from '@cdktf/provider-google/lib/monitoring-alert-policy';
import type { MonitoringAlertPolicyConditionsConditionThresholdAggregations } from '@cdktf/provider-google/lib/monitoring-alert-policy';
import { ProjectIamMember } from '@cdktf/provider-google/lib/project-iam-member';
import { GoogleProvider } from '@cdktf/provider-google/lib/provider';
import { LoggingProjectBucketConfig } from '@cdktf/provider-google/lib/logging-project-bucket-config';
import { PubsubTopic } from '@cdktf/provider-google/lib/pubsub-topic';
import { PubsubTopicIamMember } from '@cdktf/provider-google/lib/pubsub-topic-iam-member';
import { ServiceAccount } from '@cdktf/provider-google/lib/service-account';
import { App, GcsBackend, TerraformOutput, TerraformStack, TerraformVariable } from 'cdktf';

const ARCH = 'bench-gcp';
const PROJECT = 'bench-gcp-dev';
const REGION = 'europe-west1';
const STACK = 'default';

export interface HandWrittenGcpResult {
  /** Resources in the stack, by Terraform type. */
  readonly resources: Record<string, number>;
  /** The synthesized cdk.tf.json. */
  readonly tf: Record<string, unknown>;
  /** Milliseconds building the construct tree, in app.synth(), then reading the JSON back. */
  readonly buildMs: number;
  readonly synthMs: number;
  readonly readMs: number;
}

/** Filter on a Cloud Run service's metric. */
function runMetric(service: string, metric: string, extra?: string): string {
  return [`resource.type = "cloud_run_revision"`, `resource.labels.service_name = "${service}"`, `metric.type = "${metric}"`, ...(extra !== undefined ? [extra] : [])].join(' AND ');
}

/** Builds and synthesizes the app for `n` services into `outdir` (a temporary directory the caller removes). */
export function synthHandWrittenGcp(n: number, outdir: string): HandWrittenGcpResult {
  const t0 = process.hrtime.bigint();
  const app = new App({ outdir, skipValidation: false });
  const stack = new TerraformStack(app, STACK);
  new GoogleProvider(stack, 'google', { project: PROJECT, region: REGION });
  new GcsBackend(stack, { bucket: 'bench-gcp-tfstate', prefix: `${ARCH}/${STACK}` });

  const imageTag = new TerraformVariable(stack, 'image_tag', {
    type: 'string',
    description: 'Tag of the service images in the Artifact Registry repository: the commit being deployed',
  });
  const repository = new ArtifactRegistryRepository(stack, 'images', {
    repositoryId: ARCH,
    location: REGION,
    format: 'DOCKER',
    description: `Container images of ${ARCH}'s services`,
    dockerConfig: { immutableTags: false },
  });
  new DataGoogleProject(stack, 'project', {});
  new LoggingProjectBucketConfig(stack, 'log-retention', { project: PROJECT, location: 'global', bucketId: '_Default', retentionDays: 365 });

  const port = 8080;
  const alerting = (svc: string) => ({ combiner: 'OR', enabled: true, alertStrategy: { autoClose: '1800s' }, userLabels: { service: svc } });
  const sumByService: MonitoringAlertPolicyConditionsConditionThresholdAggregations = {
    alignmentPeriod: '300s',
    perSeriesAligner: 'ALIGN_DELTA',
    crossSeriesReducer: 'REDUCE_SUM',
    groupByFields: ['resource.labels.service_name'],
  };
  const thresholdDefaults = { duration: '0s', trigger: { count: 1 }, evaluationMissingData: 'EVALUATION_MISSING_DATA_INACTIVE', comparison: 'COMPARISON_GT' };

  for (let i = 1; i <= n; i++) {
    const service = `svc-${String(i).padStart(3, '0')}`;
    const name = `${ARCH}-${service}`;

    const topic = new PubsubTopic(stack, `${service}-events`, { name: `${name}-events`, messageRetentionDuration: '604800s' });
    const account = new ServiceAccount(stack, `${service}-account`, {
      accountId: name,
      displayName: `Cloud Run service ${name}`,
      description: `Runs the Cloud Run service ${name}; holds only the roles granted to it explicitly.`,
    });
    const database = new FirestoreDatabase(stack, `${service}-firestore`, {
      name,
      locationId: REGION,
      type: 'FIRESTORE_NATIVE',
      pointInTimeRecoveryEnablement: 'POINT_IN_TIME_RECOVERY_ENABLED',
      deleteProtectionState: 'DELETE_PROTECTION_ENABLED',
      deletionPolicy: 'ABANDON',
    });
    const grant = new ProjectIamMember(stack, `${service}-firestore-user`, {
      project: PROJECT,
      role: 'roles/datastore.user',
      member: `serviceAccount:${account.email}`,
      condition: { title: 'own-firestore-database', expression: `resource.name == "projects/${PROJECT}/databases/${name}"`, description: `Only ${service}'s own resource` },
    });
    const env: Record<string, string> = {
      EVENT_BUS: 'pubsub',
      EVENT_TARGET: `${name}-events`,
      FIRESTORE_DATABASE: name,
      GOOGLE_CLOUD_PROJECT: PROJECT,
      LOG_LEVEL: 'info',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.1',
      SERVICE_NAME: service,
      STORE: 'firestore',
      TABLE_PREFIX: name,
    };
    const run = new CloudRunV2Service(stack, service, {
      name,
      location: REGION,
      ingress: 'INGRESS_TRAFFIC_INTERNAL_ONLY',
      deletionProtection: false,
      dependsOn: [database, grant],
      template: {
        serviceAccount: account.email,
        maxInstanceRequestConcurrency: 80,
        timeout: '30s',
        sessionAffinity: false,
        scaling: { minInstanceCount: 0, maxInstanceCount: 10 },
        containers: [
          {
            image: `${repository.location}-docker.pkg.dev/${PROJECT}/${repository.repositoryId}/${service}:${imageTag.stringValue}`,
            ports: { containerPort: port },
            resources: { limits: { cpu: '1', memory: '512Mi' }, cpuIdle: true, startupCpuBoost: true },
            startupProbe: { httpGet: { path: '/readyz', port }, initialDelaySeconds: 0, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 24 },
            livenessProbe: { httpGet: { path: '/healthz', port }, periodSeconds: 30, timeoutSeconds: 5, failureThreshold: 3 },
            env: Object.entries(env).map(([k, value]) => ({ name: k, value })),
          },
        ],
      },
    });
    new PubsubTopicIamMember(stack, `${service}-events-publisher`, { topic: topic.name, role: 'roles/pubsub.publisher', member: `serviceAccount:${account.email}` });
    new TerraformOutput(stack, `${service}-url`, { value: run.uri, description: `URL of ${service}` });

    const requestCount = 'run.googleapis.com/request_count';
    new MonitoringAlertPolicy(stack, `${service}-error-ratio`, {
      ...alerting(name),
      displayName: `${name}: 5xx error ratio`,
      severity: 'ERROR',
      documentation: {
        subject: `${name}: 5xx error ratio above 5%`,
        content: `More than 5% of the requests to the Cloud Run service ${name} were answered with a 5xx status over 300 s.`,
        mimeType: 'text/markdown',
      },
      conditions: [
        {
          displayName: `${name} 5xx responses / all responses > 0.05`,
          conditionThreshold: {
            ...thresholdDefaults,
            filter: runMetric(name, requestCount, 'metric.labels.response_code_class = "5xx"'),
            denominatorFilter: runMetric(name, requestCount),
            aggregations: [sumByService],
            denominatorAggregations: [sumByService],
            thresholdValue: 0.05,
          },
        },
      ],
    });
    new MonitoringAlertPolicy(stack, `${service}-latency-p99`, {
      ...alerting(name),
      displayName: `${name}: p99 latency`,
      severity: 'WARNING',
      documentation: {
        subject: `${name}: p99 latency above 1000 ms`,
        content: `The 99th percentile latency of the Cloud Run service ${name} was above 1000 ms over 300 s.`,
        mimeType: 'text/markdown',
      },
      conditions: [
        {
          displayName: `${name} p99 request latency > 1000 ms`,
          conditionThreshold: {
            ...thresholdDefaults,
            filter: runMetric(name, 'run.googleapis.com/request_latencies'),
            aggregations: [{ ...sumByService, crossSeriesReducer: 'REDUCE_PERCENTILE_99' }],
            thresholdValue: 1000,
          },
        },
      ],
    });
  }

  const t1 = process.hrtime.bigint();
  app.synth();
  const t2 = process.hrtime.bigint();
  const tf = JSON.parse(readFileSync(join(outdir, 'stacks', STACK, 'cdk.tf.json'), 'utf8')) as Record<string, unknown>;
  const byType = (tf.resource ?? {}) as Record<string, Record<string, unknown>>;
  const resources = Object.fromEntries(Object.entries(byType).map(([type, rs]) => [type, Object.keys(rs).length]));
  const t3 = process.hrtime.bigint();
  return { resources, tf, buildMs: Number(t1 - t0) / 1e6, synthMs: Number(t2 - t1) / 1e6, readMs: Number(t3 - t2) / 1e6 };
}
