/**
 * Provider resources most architectures never use (Cloud SQL, Memorystore, Workflows, Scheduler, the VPC, buckets, ...),
 * loaded on first use: each module of @cdktf/provider-google costs load time and memory, and a synth should pay
 * only for what its file asks for.
 */
/* eslint-disable @typescript-eslint/no-require-imports -- synchronous loading on first use is the point here */

import { once } from '../../../lib-constructs/gcp/on-demand';

export const load = {
  database: once(() => (require('../../../lib-constructs/gcp/service-database') as typeof import('../../../lib-constructs/gcp/service-database')).GcpServiceDatabase),
  cache: once(() => (require('../../../lib-constructs/gcp/service-cache') as typeof import('../../../lib-constructs/gcp/service-cache')).GcpServiceCache),
  network: once(() => (require('../../../lib-constructs/gcp/service-network') as typeof import('../../../lib-constructs/gcp/service-network')).GcpServiceNetwork),
  sagaWorkflow: once(() => (require('../../../lib-constructs/gcp/saga-workflow') as typeof import('../../../lib-constructs/gcp/saga-workflow')).SagaWorkflow),
  scheduledJob: once(() => (require('../../../lib-constructs/gcp/scheduled-job') as typeof import('../../../lib-constructs/gcp/scheduled-job')).CloudScheduledJob),
  bucket: once(() => (require('../../../lib-constructs/gcp/service-bucket') as typeof import('../../../lib-constructs/gcp/service-bucket')).ServiceBucket),
  secret: once(() => (require('../../../lib-constructs/gcp/service-secret') as typeof import('../../../lib-constructs/gcp/service-secret')).ServiceSecret),
  secretVersion: once(() => (require('@cdktf/provider-google/lib/secret-manager-secret-version') as typeof import('@cdktf/provider-google/lib/secret-manager-secret-version')).SecretManagerSecretVersion),
  sqlUser: once(() => (require('@cdktf/provider-google/lib/sql-user') as typeof import('@cdktf/provider-google/lib/sql-user')).SqlUser),
  firestoreField: once(() => (require('@cdktf/provider-google/lib/firestore-field') as typeof import('@cdktf/provider-google/lib/firestore-field')).FirestoreField),
  notificationChannel: once(
    () => (require('@cdktf/provider-google/lib/monitoring-notification-channel') as typeof import('@cdktf/provider-google/lib/monitoring-notification-channel')).MonitoringNotificationChannel,
  ),
};
