/**
 * Limits of the cloud services, each in one place: the constructs check their props against them, and allframe's
 * validation (src/model/targets.ts LIMITS) refuses files that would cross them. No imports, so that validation can
 * read them without loading aws-cdk-lib or cdktf.
 */

/** SQS: the longest visibility timeout of a queue, in seconds (12 hours). */
export const SQS_MAX_VISIBILITY_SECONDS = 43_200;

/** Cloud Run: the longest service name. */
export const RUN_SERVICE_NAME_MAX_LENGTH = 49;

/** Lambda: the longest tumbling window of a Kinesis event source, in seconds (15 minutes). */
export const MAX_TUMBLING_WINDOW_SECONDS = 900;

/** Lambda: the longest timeout of a function, in seconds (15 minutes). */
export const LAMBDA_MAX_TIMEOUT_SECONDS = 900;

/** Cloud Run: environment variable names Cloud Run sets itself and refuses in a container's env. */
export const RUN_RESERVED_ENV_NAMES: readonly string[] = ['PORT', 'K_SERVICE', 'K_REVISION', 'K_CONFIGURATION'];

/** Lambda: environment variable names the runtime sets itself; a function's configuration may not set them. */
export const LAMBDA_RESERVED_ENV_NAMES: readonly string[] = [
  '_HANDLER',
  '_X_AMZN_TRACE_ID',
  'AWS_ACCESS_KEY',
  'AWS_ACCESS_KEY_ID',
  'AWS_DEFAULT_REGION',
  'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
  'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_INITIALIZATION_TYPE',
  'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_LAMBDA_RUNTIME_API',
  'AWS_REGION',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'LAMBDA_RUNTIME_DIR',
  'LAMBDA_TASK_ROOT',
];

/** Cloud Run: the least memory of an instance in the second-generation execution environment, in MiB. */
export const RUN_MIN_MEMORY_MIB = 512;

/** Cloud Run: the longest request timeout, in seconds (60 minutes). */
export const RUN_MAX_TIMEOUT_SECONDS = 3600;

/** Cloud Run: the most concurrent requests one instance takes. */
export const RUN_MAX_CONCURRENCY = 1000;

/** Workflows: the longest timeout of one HTTP call, in seconds (30 minutes). */
export const WORKFLOWS_MAX_CALL_TIMEOUT_SECONDS = 1800;
