/**
 * The services of an architecture on GCP (issue 5, first part): every service on Cloud Run with its own service
 * account, a Pub/Sub topic per publisher that only the publisher may publish to, and roles/run.invoker granted
 * only to the services that list a service in depends_on or bff.aggregates. Per-archetype extras (consumers'
 * push subscriptions, schedules, sagas, databases) come next.
 */
import { CloudRunService } from '../../../lib-constructs/gcp/cloud-run-service';
import { PubSubTopicWithDlq } from '../../../lib-constructs/gcp/pubsub-topic-with-dlq';
import { ServiceSecret } from '../../../lib-constructs/gcp/service-secret';
import type { ResolvedService } from '../../resolve/index';
import type { GcpStack } from './synth';

export interface GcpServices {
  readonly runs: ReadonlyMap<string, CloudRunService>;
  readonly topics: ReadonlyMap<string, PubSubTopicWithDlq>;
}

/** The image a service runs: `<region>-docker.pkg.dev/<project>/<architecture>/<service>:latest` (Artifact Registry). */
export function imageOf(stack: GcpStack, service: ResolvedService): string {
  const gcp = stack.model.file.cloud?.gcp;
  return `${gcp?.region ?? 'us-central1'}-docker.pkg.dev/${gcp?.project_id ?? ''}/${stack.model.file.architecture.name}/${service.name}:latest`;
}

export function buildServices(stack: GcpStack): GcpServices {
  const model = stack.model;
  const region = model.file.cloud?.gcp?.region ?? 'us-central1';
  const topics = new Map<string, PubSubTopicWithDlq>();
  for (const s of model.services) {
    if ((s.spec.publishes ?? []).length > 0 || (s.spec.stream?.output_events ?? []).length > 0) {
      topics.set(s.name, new PubSubTopicWithDlq(stack, `${s.name}-events`, { name: `${model.file.architecture.name}-${s.name}-events` }));
    }
  }
  const runs = new Map<string, CloudRunService>();
  for (const s of model.services) {
    const secrets = (s.spec.secrets ?? []).map((name) => [name, new ServiceSecret(stack, `${s.name}-secret-${name}`, { secretId: `${s.name}-${name.toLowerCase().replace(/_/g, '-')}` })] as const);
    const topic = topics.get(s.name);
    const run = new CloudRunService(stack, s.name, {
      name: s.name,
      location: region,
      image: imageOf(stack, s),
      public: s.spec.public === true,
      cpu: String(Math.max(1, Math.round((s.spec.cpu ?? 1024) / 1024))),
      memory: `${Math.max(512, s.spec.memory_mb ?? 512)}Mi`,
      minInstances: s.spec.min_instances ?? 0,
      maxInstances: s.spec.max_instances ?? 10,
      timeoutSeconds: s.spec.timeout_seconds ?? 30,
      sessionAffinity: s.kind === 'websocket-gateway',
      env: {
        SERVICE_NAME: s.name,
        ...(topic ? { EVENT_BUS: 'pubsub', EVENT_TARGET: topic.topic.name } : {}),
        ...(secrets.length > 0 ? { SECRETS_SOURCE: 'env' } : {}),
      },
      secretEnv: Object.fromEntries(secrets.map(([name, secret]) => [name, { secret: secret.secretId }])),
    });
    runs.set(s.name, run);
    topic?.grantPublish(run.serviceAccount.email);
  }
  for (const s of model.services) {
    const callees = [...new Set([...(s.spec.depends_on ?? []), ...(s.spec.bff?.aggregates ?? [])])].sort();
    for (const callee of callees) runs.get(callee)?.grantInvoke(runs.get(s.name)!.serviceAccount.email);
  }
  return { runs, topics };
}
