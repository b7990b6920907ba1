import { DataGoogleProject } from '@cdktf/provider-google/lib/data-google-project';
import type { PubsubSubscription, PubsubSubscriptionPushConfig } from '@cdktf/provider-google/lib/pubsub-subscription';
import { PubsubTopic } from '@cdktf/provider-google/lib/pubsub-topic';
import { PubsubTopicIamMember } from '@cdktf/provider-google/lib/pubsub-topic-iam-member';
import { Construct } from 'constructs';
import {
  DEAD_LETTER_SUBSCRIPTION_SUFFIX,
  DEAD_LETTER_TOPIC_RETENTION_SECONDS,
  DEAD_LETTER_TOPIC_SUFFIX,
  DEFAULT_ACK_DEADLINE_SECONDS,
  DEFAULT_MAXIMUM_BACKOFF_SECONDS,
  DEFAULT_MAX_DELIVERY_ATTEMPTS,
  DEFAULT_MINIMUM_BACKOFF_SECONDS,
  MAX_ACK_DEADLINE_SECONDS,
  MAX_BACKOFF_SECONDS,
  MAX_FILTER_BYTES,
  MAX_MAX_DELIVERY_ATTEMPTS,
  MIN_ACK_DEADLINE_SECONDS,
  MIN_MAX_DELIVERY_ATTEMPTS,
  PROJECT_NUMBER_PATTERN,
  PUBSUB_NAME_PATTERN,
  PUBSUB_PUBLISHER_ROLE,
  PUBSUB_SUBSCRIBER_ROLE,
  SUBSCRIPTION_RETENTION_SECONDS,
  TOPIC_RETENTION_SECONDS,
  eventTypeFilter,
  checkWholeNumber,
  isLiteral,
  neverExpire,
  pubsubServiceAgentMember,
  seconds,
} from '../core/gcp-pubsub-defaults';
import { serviceAccountMember } from '../core/gcp-run-defaults';
import { onDemand } from './on-demand';

export interface PubSubTopicWithDlqProps {
  /** The topic's name: 3 to 255 of letters, digits and `-_.~+%`, starting with a letter, not with `goog`. */
  readonly name: string;
  /**
   * The project of the topic, its subscriptions and dead-letter topics.
   * @default - the provider's project
   */
  readonly project?: string;
  /**
   * The project's number, for the Pub/Sub service agent (`service-<number>@gcp-sa-pubsub.iam.gserviceaccount.com`)
   * that moves messages to dead-letter topics.
   * @default - read from a `google_project` data source, created with the first subscription
   */
  readonly projectNumber?: string;
  /**
   * How long the topic keeps messages (acknowledged or not), so subscriptions can seek back and replay.
   * @default 604800 (7 days)
   */
  readonly messageRetentionSeconds?: number;
  /**
   * Labels on the topic, its subscriptions and dead-letter topics.
   * @default - none
   */
  readonly labels?: Record<string, string>;
}

/** Push delivery: Pub/Sub POSTs each message to an HTTPS endpoint with an OIDC token of a named service account. */
export interface PushDelivery {
  /** The HTTPS endpoint, e.g. a Cloud Run service URL and path. */
  readonly endpoint: string;
  /**
   * The service account whose OIDC token Pub/Sub sends; grant it `roles/run.invoker` on the receiving service
   * (e.g. `CloudRunService.grantInvoke`).
   */
  readonly serviceAccountEmail: string;
  /**
   * The token's audience. Cloud Run expects its service URL (or a custom audience): set it when the endpoint
   * has a path.
   * @default - the endpoint URL (Pub/Sub's default)
   */
  readonly audience?: string;
  /**
   * Deliver the message's data as the request body, unwrapped (its attributes and metadata as headers), for
   * endpoints that take the event itself rather than Pub/Sub's push envelope.
   * @default false - the push envelope `{ message: { data, attributes, messageId }, subscription }`
   */
  readonly unwrapped?: boolean;
}

export interface TopicSubscriptionOptions {
  /** The subscription's name (same rules as a topic's); its dead-letter topic is `<name>-dlq`. */
  readonly name: string;
  /**
   * Deliveries of a message before it moves to the dead-letter topic: 5 to 100 (Pub/Sub's bounds).
   * @default 5
   */
  readonly maxDeliveryAttempts?: number;
  /**
   * Shortest wait before a nacked or timed-out message is delivered again, in seconds (0 to 600).
   * @default 10
   */
  readonly minimumBackoffSeconds?: number;
  /**
   * Longest wait before a nacked or timed-out message is delivered again, in seconds (0 to 600).
   * @default 600
   */
  readonly maximumBackoffSeconds?: number;
  /**
   * Time a subscriber has to acknowledge a message, in seconds (10 to 600).
   * @default 60
   */
  readonly ackDeadlineSeconds?: number;
  /**
   * The event types this subscription receives: the filter `attributes.type = "A" OR attributes.type = "B"`.
   * Not together with `filter`. A subscription's filter cannot change: Terraform replaces the subscription.
   * @default - every message
   */
  readonly eventTypes?: readonly string[];
  /**
   * A Pub/Sub filter expression (at most 256 bytes). Not together with `eventTypes`.
   * @default - every message
   */
  readonly filter?: string;
  /**
   * Push delivery to an HTTPS endpoint with an OIDC token.
   * @default - a pull subscription
   */
  readonly push?: PushDelivery;
}

/** What `addSubscription` built. */
export interface TopicSubscription {
  readonly subscription: PubsubSubscription;
  /** The subscription's own dead-letter topic. */
  readonly deadLetterTopic: PubsubTopic;
  /** The dead-letter topic's pull subscription, which keeps the dead letters for inspection and replay. */
  readonly deadLetterSubscription: PubsubSubscription;
}

/**
 * A Pub/Sub topic (keeping messages 7 days for replay) whose every subscription has a dead-letter policy.
 *
 * `addSubscription` guarantees, per subscription: its OWN dead-letter topic (`<name>-dlq`, so dead letters of
 * one consumer are inspected and replayed without touching another's; 31 days retention), a pull subscription
 * on it (`<name>-dlq-sub`, 7 days, never expiring) so dead letters are kept even if nobody reads them, a
 * bounded exponential retry policy, no expiry after inactivity, and exactly the two grants the Pub/Sub service
 * agent needs to dead-letter: `roles/pubsub.publisher` on the dead-letter topic and `roles/pubsub.subscriber`
 * on the source subscription. Push subscriptions authenticate with an OIDC token of a named service account.
 * Publishers get `roles/pubsub.publisher` on this topic only (`grantPublish`). No project-wide grants.
 */
export class PubSubTopicWithDlq extends Construct {
  readonly topic: PubsubTopic;
  private readonly props: PubSubTopicWithDlqProps;
  private readonly subs: PubsubSubscription[] = [];
  private readonly dlqTopics: PubsubTopic[] = [];
  private readonly dlqSubs: PubsubSubscription[] = [];
  private readonly names = new Set<string>();
  private readonly publishers = new Map<string, PubsubTopicIamMember>();
  private projectNumberValue: string | undefined;
  /** The topic's id and name as references, each read once (every read of an attribute makes a cdktf token). */
  private topicIdValue: string | undefined;
  private topicNameValue: string | undefined;

  constructor(scope: Construct, id: string, props: PubSubTopicWithDlqProps) {
    super(scope, id);
    const problems: string[] = [];
    checkName('topic name', props.name, problems);
    if (props.projectNumber !== undefined && isLiteral(props.projectNumber) && !PROJECT_NUMBER_PATTERN.test(props.projectNumber)) {
      problems.push(`projectNumber must be the project's number (digits), got '${props.projectNumber}'`);
    }
    const retention = props.messageRetentionSeconds ?? TOPIC_RETENTION_SECONDS;
    if (!Number.isInteger(retention) || retention < 600 || retention > 31 * 24 * 3600) {
      problems.push(`messageRetentionSeconds must be a whole number from 600 (10 minutes) to 2678400 (31 days), got ${retention}`);
    }
    fail(problems);
    this.props = props;
    this.names.add(props.name);
    this.projectNumberValue = props.projectNumber;
    this.topic = new PubsubTopic(this, 'Topic', {
      name: props.name,
      messageRetentionDuration: seconds(retention),
      ...this.common(),
    });
  }

  /** The subscriptions, in the order they were added. */
  get subscriptions(): readonly PubsubSubscription[] {
    return [...this.subs];
  }

  /** The dead-letter topics, one per subscription, in the same order. */
  get deadLetterTopics(): readonly PubsubTopic[] {
    return [...this.dlqTopics];
  }

  /** The dead-letter topics' own subscriptions, in the same order. */
  get deadLetterSubscriptions(): readonly PubsubSubscription[] {
    return [...this.dlqSubs];
  }

  /**
   * A subscription with its dead-letter topic, that topic's subscription and the service agent's grants.
   * `id` names the construct holding them (Terraform addresses derive from it: keep it stable).
   */
  addSubscription(id: string, options: TopicSubscriptionOptions): TopicSubscription {
    const problems: string[] = [];
    const maxDeliveryAttempts = options.maxDeliveryAttempts ?? DEFAULT_MAX_DELIVERY_ATTEMPTS;
    const minBackoff = options.minimumBackoffSeconds ?? DEFAULT_MINIMUM_BACKOFF_SECONDS;
    const maxBackoff = options.maximumBackoffSeconds ?? DEFAULT_MAXIMUM_BACKOFF_SECONDS;
    const ackDeadline = options.ackDeadlineSeconds ?? DEFAULT_ACK_DEADLINE_SECONDS;
    const dlqName = `${options.name}${DEAD_LETTER_TOPIC_SUFFIX}`;
    const dlqSubName = `${options.name}${DEAD_LETTER_SUBSCRIPTION_SUFFIX}`;

    checkName('subscription name', options.name, problems);
    checkName('dead-letter subscription name', dlqSubName, problems);
    for (const n of [options.name, dlqName, dlqSubName]) {
      if (this.names.has(n)) problems.push(`the name '${n}' is already used in this topic's subscriptions`);
    }
    checkWholeNumber('maxDeliveryAttempts', maxDeliveryAttempts, MIN_MAX_DELIVERY_ATTEMPTS, MAX_MAX_DELIVERY_ATTEMPTS, problems);
    checkWholeNumber('minimumBackoffSeconds', minBackoff, 0, MAX_BACKOFF_SECONDS, problems);
    checkWholeNumber('maximumBackoffSeconds', maxBackoff, 0, MAX_BACKOFF_SECONDS, problems);
    if (minBackoff > maxBackoff) problems.push(`minimumBackoffSeconds (${minBackoff}) must not exceed maximumBackoffSeconds (${maxBackoff})`);
    checkWholeNumber('ackDeadlineSeconds', ackDeadline, MIN_ACK_DEADLINE_SECONDS, MAX_ACK_DEADLINE_SECONDS, problems);

    let filter: string | undefined;
    if (options.eventTypes !== undefined && options.filter !== undefined) {
      problems.push('give eventTypes or filter, not both');
    } else if (options.eventTypes !== undefined) {
      try {
        filter = eventTypeFilter(options.eventTypes);
      } catch (e) {
        problems.push((e as Error).message);
      }
    } else {
      filter = options.filter;
    }
    if (filter !== undefined && isLiteral(filter) && Buffer.byteLength(filter, 'utf8') > MAX_FILTER_BYTES) {
      problems.push(`the filter is ${Buffer.byteLength(filter, 'utf8')} bytes; Pub/Sub allows at most ${MAX_FILTER_BYTES}: ${filter}`);
    }

    let pushConfig: PubsubSubscriptionPushConfig | undefined;
    if (options.push !== undefined) {
      const { endpoint, serviceAccountEmail, audience, unwrapped } = options.push;
      if (isLiteral(endpoint) && !/^https:\/\/[^\s]+$/.test(endpoint)) problems.push(`push endpoint must be an https:// URL, got '${endpoint}'`);
      try {
        serviceAccountMember(serviceAccountEmail);
      } catch (e) {
        problems.push(`push: ${(e as Error).message}`);
      }
      pushConfig = {
        pushEndpoint: endpoint,
        oidcToken: { serviceAccountEmail, ...(audience !== undefined ? { audience } : {}) },
        ...(unwrapped === true ? { noWrapper: { writeMetadata: true } } : {}),
      };
    }
    fail(problems);
    for (const n of [options.name, dlqName, dlqSubName]) this.names.add(n);

    const scope = new Construct(this, id);
    const deadLetterTopic = new PubsubTopic(scope, 'DeadLetterTopic', {
      name: dlqName,
      messageRetentionDuration: seconds(DEAD_LETTER_TOPIC_RETENTION_SECONDS),
      ...this.common(),
    });
    const Subscription = onDemand.subscription();
    const deadLetterTopicId = deadLetterTopic.id;
    const deadLetterSubscription = new Subscription(scope, 'DeadLetterSubscription', {
      name: dlqSubName,
      topic: deadLetterTopicId,
      ackDeadlineSeconds: DEFAULT_ACK_DEADLINE_SECONDS,
      messageRetentionDuration: seconds(SUBSCRIPTION_RETENTION_SECONDS),
      expirationPolicy: neverExpire(),
      ...this.common(),
    });
    const subscription = new Subscription(scope, 'Subscription', {
      name: options.name,
      topic: (this.topicIdValue ??= this.topic.id),
      ackDeadlineSeconds: ackDeadline,
      messageRetentionDuration: seconds(SUBSCRIPTION_RETENTION_SECONDS),
      expirationPolicy: neverExpire(),
      retryPolicy: { minimumBackoff: seconds(minBackoff), maximumBackoff: seconds(maxBackoff) },
      deadLetterPolicy: { deadLetterTopic: deadLetterTopicId, maxDeliveryAttempts },
      ...(filter !== undefined ? { filter } : {}),
      ...(pushConfig !== undefined ? { pushConfig } : {}),
      ...this.common(),
    });
    const agent = pubsubServiceAgentMember(this.projectNumber());
    // Both grants exist before the subscription starts dead-lettering (Pub/Sub checks them when it forwards).
    new PubsubTopicIamMember(scope, 'ServiceAgentPublishesDeadLetters', {
      topic: deadLetterTopic.name,
      role: PUBSUB_PUBLISHER_ROLE,
      member: agent,
      ...this.projectOnly(),
    });
    new (onDemand.subscriptionIamMember())(scope, 'ServiceAgentAcksForwarded', {
      subscription: subscription.name,
      role: PUBSUB_SUBSCRIBER_ROLE,
      member: agent,
      ...this.projectOnly(),
    });
    this.subs.push(subscription);
    this.dlqTopics.push(deadLetterTopic);
    this.dlqSubs.push(deadLetterSubscription);
    return { subscription, deadLetterTopic, deadLetterSubscription };
  }

  /**
   * `roles/pubsub.publisher` on this topic (and nothing else) for a service account. Granting the same literal
   * email twice returns the first grant.
   */
  grantPublish(serviceAccountEmail: string): PubsubTopicIamMember {
    const member = serviceAccountMember(serviceAccountEmail);
    const existing = this.publishers.get(member);
    if (existing) return existing;
    // A literal email gives a stable Terraform address; a token (another construct's email) is numbered.
    const id = isLiteral(serviceAccountEmail) ? `Publisher-${serviceAccountEmail.replace(/[^A-Za-z0-9-]/g, '-')}` : `Publisher${this.publishers.size + 1}`;
    const grant = new PubsubTopicIamMember(this, id, { topic: (this.topicNameValue ??= this.topic.name), role: PUBSUB_PUBLISHER_ROLE, member, ...this.projectOnly() });
    this.publishers.set(member, grant);
    return grant;
  }

  /** The project number: the prop, or a `google_project` data source made on first use. */
  private projectNumber(): string {
    if (this.projectNumberValue === undefined) {
      const project = new DataGoogleProject(this, 'Project', this.props.project !== undefined ? { projectId: this.props.project } : {});
      this.projectNumberValue = project.number;
    }
    return this.projectNumberValue;
  }

  private projectOnly(): { project?: string } {
    return this.props.project !== undefined ? { project: this.props.project } : {};
  }

  private common(): { project?: string; labels?: Record<string, string> } {
    return { ...this.projectOnly(), ...(this.props.labels !== undefined ? { labels: { ...this.props.labels } } : {}) };
  }
}

function checkName(what: string, name: string, problems: string[]): void {
  if (isLiteral(name) && !PUBSUB_NAME_PATTERN.test(name)) {
    problems.push(`${what} '${name}' must be 3 to 255 of letters, digits and -_.~+%, start with a letter and not with 'goog'`);
  }
}

function fail(problems: readonly string[]): void {
  if (problems.length > 0) throw new Error(problems.join('; '));
}
