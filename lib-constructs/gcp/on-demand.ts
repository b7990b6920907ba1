/**
 * Provider resource classes that a construct makes only for some of its props or methods (an invoker grant, a
 * subscription next to a topic, Cloud SQL next to Firestore), loaded on first use. Each module of
 * @cdktf/provider-google is large (Cloud SQL's instance alone is 740 KB of JavaScript) and costs load time and
 * memory in every process that requires it, so an app pays only for the resources it makes.
 *
 * Types stay imported by path as usual (`import type`); only the classes come from here.
 */
/* eslint-disable @typescript-eslint/no-require-imports -- synchronous loading on first use is the point here */
import type * as RunIamMember from '@cdktf/provider-google/lib/cloud-run-v2-service-iam-member';
import type * as FirestoreDatabase from '@cdktf/provider-google/lib/firestore-database';
import type * as PubsubSubscription from '@cdktf/provider-google/lib/pubsub-subscription';
import type * as PubsubSubscriptionIamMember from '@cdktf/provider-google/lib/pubsub-subscription-iam-member';
import type * as SecretIamMember from '@cdktf/provider-google/lib/secret-manager-secret-iam-member';
import type * as SqlDatabase from '@cdktf/provider-google/lib/sql-database';
import type * as SqlDatabaseInstance from '@cdktf/provider-google/lib/sql-database-instance';

/** `load()` once, on the first call. */
export function once<T>(load: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= load());
}

export const onDemand = {
  runIamMember: once(() => (require('@cdktf/provider-google/lib/cloud-run-v2-service-iam-member') as typeof RunIamMember).CloudRunV2ServiceIamMember),
  secretIamMember: once(() => (require('@cdktf/provider-google/lib/secret-manager-secret-iam-member') as typeof SecretIamMember).SecretManagerSecretIamMember),
  subscription: once(() => (require('@cdktf/provider-google/lib/pubsub-subscription') as typeof PubsubSubscription).PubsubSubscription),
  subscriptionIamMember: once(() => (require('@cdktf/provider-google/lib/pubsub-subscription-iam-member') as typeof PubsubSubscriptionIamMember).PubsubSubscriptionIamMember),
  firestoreDatabase: once(() => (require('@cdktf/provider-google/lib/firestore-database') as typeof FirestoreDatabase).FirestoreDatabase),
  sqlInstance: once(() => (require('@cdktf/provider-google/lib/sql-database-instance') as typeof SqlDatabaseInstance).SqlDatabaseInstance),
  sqlDatabase: once(() => (require('@cdktf/provider-google/lib/sql-database') as typeof SqlDatabase).SqlDatabase),
};
