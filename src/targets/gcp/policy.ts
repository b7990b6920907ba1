/**
 * allframe's own policy checks on the Terraform JSON of the GCP target (there is no Checkov here). They run on
 * every synth, after overrides, so nothing the file or a patch does can ship a public invoker by accident, a
 * subscription that never dead-letters, a service without probes or its own account, a secret in plain env, or a
 * bucket anyone may read.
 */
import type { ErrorCode } from '../../model/diagnostics';

export interface PolicyProblem {
  readonly code: ErrorCode;
  /** Terraform address of the offending resource, e.g. google_pubsub_subscription.orders. */
  readonly address: string;
  readonly message: string;
}

export interface PolicyOptions {
  /** Cloud Run service names (the `name` attribute) the file marks `public: true`. */
  readonly publicServices: ReadonlySet<string>;
  /** Secret names the file declares (environment variable names). */
  readonly secretNames: ReadonlySet<string>;
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): Json[] => (Array.isArray(v) ? v.filter(isObj) : isObj(v) ? [v] : []);

function resources(tf: Json, type: string): [string, Json][] {
  const byType = isObj(tf.resource) ? tf.resource[type] : undefined;
  return isObj(byType) ? Object.entries(byType).filter((e): e is [string, Json] => isObj(e[1])) : [];
}

/** `${google_x.y.attr}` → `google_x.y` (the address an interpolation refers to). */
function refersTo(value: unknown, type: string): string | undefined {
  if (typeof value !== 'string') return undefined;
  const m = new RegExp(`\\$\\{(${type}\\.[A-Za-z0-9_-]+)[.}]`).exec(value);
  return m?.[1];
}

const SERVICE_AGENT = /^serviceAccount:service-.+@gcp-sa-pubsub\.iam\.gserviceaccount\.com$/;

export function checkGcpPolicy(tf: Json, options: PolicyOptions): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  const services = resources(tf, 'google_cloud_run_v2_service');
  const nameOf = new Map(services.map(([id, r]) => [`google_cloud_run_v2_service.${id}`, String(r.name ?? id)]));

  // 1. No allUsers / allAuthenticatedUsers invoker unless the service is public.
  for (const [id, r] of resources(tf, 'google_cloud_run_v2_service_iam_member')) {
    if (r.member !== 'allUsers' && r.member !== 'allAuthenticatedUsers') continue;
    const target = refersTo(r.name, 'google_cloud_run_v2_service');
    const name = (target !== undefined ? nameOf.get(target) : undefined) ?? String(r.name);
    if (!options.publicServices.has(name)) {
      problems.push({ code: 'AF5101', address: `google_cloud_run_v2_service_iam_member.${id}`, message: `${String(r.member)} may invoke Cloud Run service ${name}, which is not public: true` });
    }
  }

  // 2. Every subscription dead-letters, with both grants of the Pub/Sub service agent.
  const topicGrants = resources(tf, 'google_pubsub_topic_iam_member');
  const subGrants = resources(tf, 'google_pubsub_subscription_iam_member');
  for (const [id, r] of resources(tf, 'google_pubsub_subscription')) {
    const address = `google_pubsub_subscription.${id}`;
    const dlp = list(r.dead_letter_policy)[0];
    const dlqTopic = dlp !== undefined ? refersTo(dlp.dead_letter_topic, 'google_pubsub_topic') : undefined;
    if (dlp === undefined) {
      // A dead-letter topic's own subscription is where dead letters rest: it has no DLQ of its own.
      const isDeadLetterSink = resources(tf, 'google_pubsub_subscription').some(([, other]) => {
        const policy = list(other.dead_letter_policy)[0];
        return policy !== undefined && policy.dead_letter_topic === r.topic;
      });
      if (!isDeadLetterSink) problems.push({ code: 'AF5102', address, message: `subscription ${id} has no dead_letter_policy` });
      continue;
    }
    const publisherOnDlq = topicGrants.some(([, g]) => g.role === 'roles/pubsub.publisher' && SERVICE_AGENT.test(String(g.member)) && (dlqTopic === undefined || refersTo(g.topic, 'google_pubsub_topic') === dlqTopic || g.topic === dlp.dead_letter_topic));
    const subscriberOnSub = subGrants.some(([, g]) => g.role === 'roles/pubsub.subscriber' && SERVICE_AGENT.test(String(g.member)) && refersTo(g.subscription, 'google_pubsub_subscription') === address);
    if (!publisherOnDlq) problems.push({ code: 'AF5102', address, message: `the Pub/Sub service agent cannot publish to the dead-letter topic of subscription ${id} (roles/pubsub.publisher missing)` });
    if (!subscriberOnSub) problems.push({ code: 'AF5102', address, message: `the Pub/Sub service agent cannot acknowledge subscription ${id} when it dead-letters (roles/pubsub.subscriber missing)` });
  }

  // 3. Probes and an own service account per Cloud Run service.
  const accounts = new Map<string, string[]>();
  for (const [id, r] of services) {
    const address = `google_cloud_run_v2_service.${id}`;
    const template = list(r.template)[0] ?? {};
    const containers = list(template.containers);
    const account = template.service_account;
    if (typeof account !== 'string' || account === '') problems.push({ code: 'AF5103', address, message: `Cloud Run service ${nameOf.get(address)} runs as the default compute service account` });
    else accounts.set(account, [...(accounts.get(account) ?? []), address]);
    for (const c of containers) {
      if (list(c.startup_probe).length === 0 || list(c.liveness_probe).length === 0) {
        problems.push({ code: 'AF5103', address, message: `Cloud Run service ${nameOf.get(address)} lacks a ${list(c.startup_probe).length === 0 ? 'startup' : 'liveness'} probe` });
      }
      // 4. Declared secrets come from Secret Manager, not plain values.
      for (const e of list(c.env)) {
        if (options.secretNames.has(String(e.name)) && e.value !== undefined) {
          problems.push({ code: 'AF5104', address, message: `secret ${String(e.name)} is a plain environment value of Cloud Run service ${nameOf.get(address)}` });
        }
      }
    }
  }
  for (const [account, users] of accounts) {
    if (users.length > 1) for (const address of users) problems.push({ code: 'AF5103', address, message: `service account ${account} is shared by ${users.length} Cloud Run services` });
  }

  problems.push(...checkBuckets(tf));
  return problems;
}

const PUBLIC_MEMBERS: ReadonlySet<string> = new Set(['allUsers', 'allAuthenticatedUsers']);

/**
 * 5. Buckets are private: uniform bucket-level access (no object ACLs to open one object), public access prevention
 * enforced, and no IAM grant to allUsers or allAuthenticatedUsers (as a member, in a binding, or in a whole policy).
 */
function checkBuckets(tf: Json): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  for (const [id, r] of resources(tf, 'google_storage_bucket')) {
    const address = `google_storage_bucket.${id}`;
    const name = String(r.name ?? id);
    if (r.uniform_bucket_level_access !== true) problems.push({ code: 'AF5105', address, message: `bucket ${name} lacks uniform_bucket_level_access: object ACLs could make objects public` });
    if (r.public_access_prevention !== 'enforced') problems.push({ code: 'AF5105', address, message: `bucket ${name} has public_access_prevention ${r.public_access_prevention === undefined ? 'unset (inherited)' : JSON.stringify(r.public_access_prevention)}, not "enforced"` });
  }
  for (const [id, r] of resources(tf, 'google_storage_bucket_iam_member')) {
    if (PUBLIC_MEMBERS.has(String(r.member))) problems.push({ code: 'AF5105', address: `google_storage_bucket_iam_member.${id}`, message: `${String(r.member)} is granted ${String(r.role)} on bucket ${String(r.bucket)}` });
  }
  for (const [id, r] of resources(tf, 'google_storage_bucket_iam_binding')) {
    const open = (Array.isArray(r.members) ? r.members : []).filter((m) => PUBLIC_MEMBERS.has(String(m)));
    if (open.length > 0) problems.push({ code: 'AF5105', address: `google_storage_bucket_iam_binding.${id}`, message: `${open.map(String).join(' and ')} ${open.length > 1 ? 'are' : 'is'} granted ${String(r.role)} on bucket ${String(r.bucket)}` });
  }
  for (const [id, r] of resources(tf, 'google_storage_bucket_iam_policy')) {
    // policy_data is JSON text (or a reference to a google_iam_policy data source, whose bindings are checked there).
    const text = typeof r.policy_data === 'string' ? r.policy_data : '';
    if (/"all(Authenticated)?Users"/.test(text)) problems.push({ code: 'AF5105', address: `google_storage_bucket_iam_policy.${id}`, message: `the IAM policy of bucket ${String(r.bucket)} grants allUsers or allAuthenticatedUsers` });
  }
  return problems;
}
