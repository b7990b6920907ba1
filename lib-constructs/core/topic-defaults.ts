/** Defaults of every event topic allframe builds. */
import type { TopicProps } from 'aws-cdk-lib/aws-sns';

/** Events are published with a `type` message attribute; subscriptions filter on it. */
export const EVENT_TYPE_ATTRIBUTE = 'type';

/** A topic that refuses plain-HTTP publishing (its encryption key is chosen by the construct). */
export function defaultTopicProps(): TopicProps {
  return { enforceSSL: true };
}
