/**
 * Versions of what the generated workspace depends on: all in one place, pinned exactly, all known to work on
 * Node 20 (see ../shared/notes/skeleton-toolchain.md for what newer majors require).
 */
export const RUNTIME_DEPENDENCIES = {
  hono: '4.13.19',
  '@hono/node-server': '2.1.9',
  pino: '10.4.0',
  cockatiel: '3.2.1',
  '@opentelemetry/api': '1.10.0',
  '@aws-sdk/client-dynamodb': '3.1169.0',
  '@aws-sdk/lib-dynamodb': '3.1169.0',
  '@aws-sdk/client-sqs': '3.1175.0',
  '@aws-sdk/client-sns': '3.1169.0',
  '@aws-sdk/client-eventbridge': '3.1169.0',
  '@aws-sdk/client-secrets-manager': '3.1164.0',
  '@google-cloud/pubsub': '5.3.1',
  pg: '8.23.1',
  '@aws-sdk/client-apigatewaymanagementapi': '3.1169.0',
  '@redis/client': '6.3.1',
  // SigV4-signed calls between services. signature-v4 and credential-provider-node came transitively with the
  // SDK clients (these are the versions they resolve to); sha256-js did not.
  '@smithy/signature-v4': '5.7.5',
  '@aws-crypto/sha256-js': '5.2.0',
  '@aws-sdk/credential-provider-node': '3.972.98',
  // IAM authentication to PostgreSQL; a saga started on Step Functions.
  '@aws-sdk/rds-signer': '3.1169.0',
  '@aws-sdk/client-sfn': '3.1164.0',
  // On Google Cloud: Firestore storage, ID tokens for calls between services and access tokens for Cloud SQL IAM
  // login, a saga started on Workflows. The latest majors of firestore and google-auth-library need Node 22; the
  // versions here accept Node 18+ and share google-gax 5 and google-auth-library 10 with @google-cloud/pubsub.
  '@google-cloud/firestore': '8.7.1',
  'google-auth-library': '10.9.1',
  '@google-cloud/workflows': '5.1.1',
  // Schemas first: entity, input and event shapes declared once with zod, routes declared with @hono/zod-openapi
  // (request validation and the OpenAPI 3.1 document from the same schemas), the docs page with Swagger UI from the
  // same monorepo (Scalar's Hono package needs Node 22 since 0.10).
  zod: '4.6.7',
  '@hono/zod-openapi': '1.6.3',
  '@hono/swagger-ui': '0.6.1',
  // GraphQL when a service's protocols include graphql: graphql-yoga (The Guild's server, a fetch handler that mounts
  // on Hono) on graphql-js 16 (17 needs Node 22), with GraphQL Armor's depth, cost and alias limits (envelop plugins).
  graphql: '16.15.0',
  'graphql-yoga': '5.24.1',
  '@escape.tech/graphql-armor-max-depth': '2.4.2',
  '@escape.tech/graphql-armor-cost-limit': '2.4.3',
  '@escape.tech/graphql-armor-max-aliases': '2.6.2',
  // gRPC when a service's protocols include grpc: Connect (Buf's gRPC for TypeScript: gRPC, gRPC-Web and the Connect
  // protocol from one handler, on the service's own port; 2.2+ needs Node 22) on protobuf-es descriptors built from
  // the zod schemas, so no protoc or code generation step.
  '@bufbuild/protobuf': '2.17.0',
  '@connectrpc/connect': '2.1.2',
  '@connectrpc/connect-node': '2.1.2',
  // A scheduled service's own cron scheduler where the platform has none that speaks cron (Fly.io): cron expressions
  // in IANA time zones, on luxon. The same version as allframe's own (allframe dev).
  'cron-parser': '5.10.7',
  // On Fly.io, events travel over NATS JetStream: the official clients (nats.js v3, split into a core, the Node
  // transport and JetStream; one release train, so the three move together).
  '@nats-io/nats-core': '3.4.0',
  '@nats-io/transport-node': '3.4.0',
  '@nats-io/jetstream': '3.4.0',
  // The WebSocket gateway's container serves its clients itself (Fly.io, Cloud Run, allframe dev): ws, the server
  // Node's ecosystem standardised on (no native addon needed: its optional bufferutil is left out).
  ws: '8.23.1',
  // Object storage (services[].storage) on an S3 API: AWS S3, Tigris on Fly.io, moto locally. Only the services with
  // or reading a bucket depend on it (they hand the platform its client); on gcp the platform calls Cloud Storage's
  // JSON API with google-auth-library (@google-cloud/storage 8 needs Node 22; 7.x brings google-auth-library 9).
  '@aws-sdk/client-s3': '3.1169.0',
  // CRDT documents (websocket.crdt): Yjs, its sync and awareness protocols (y-protocols) and their encoding (lib0).
  yjs: '13.6.33',
  'y-protocols': '1.0.7',
  lib0: '0.2.120',
} as const;

export const DEV_DEPENDENCIES = {
  typescript: '5.9.3',
  '@types/node': '20.19.25',
  '@types/jest': '30.0.0',
  '@types/aws-lambda': '8.10.164',
  '@types/pg': '8.23.1',
  '@types/ws': '8.18.2',
  jest: '30.5.2',
  '@swc/core': '1.16.22',
  '@swc/jest': '0.2.39',
  eslint: '10.15.0',
  '@eslint/js': '10.0.0',
  'typescript-eslint': '8.73.0',
  esbuild: '0.28.2',
  // Validates the services' OpenAPI documents in their tests (OpenAPI 3.1, against the official schemas).
  '@readme/openapi-parser': '9.0.0',
} as const;

/**
 * What allframe's own tests validate the generated AsyncAPI documents with (test/asyncapi.ts: the parser with its
 * ruleset and schemas bundled, remote references refused). Not the workspace's: some 170 packages, and the
 * workspace's `npm install` has a budget; its test checks the document's publishers, consumers and events.
 */
export const ASYNCAPI_VALIDATOR = {
  '@asyncapi/parser': '3.6.3',
} as const;

/**
 * The CDK CLI of an AWS workspace, so `npx cdk synth | diff | deploy` through its cdk.json run this version, not
 * whatever the registry has that day. The same as this repository's own devDependency (a test holds them equal).
 */
export const CDK_CLI = { 'aws-cdk': '2.1148.1' } as const;

export type RuntimeDependency = keyof typeof RUNTIME_DEPENDENCIES;

/** `{ name: version }` for the named runtime dependencies. */
export function pick(names: readonly RuntimeDependency[]): Record<string, string> {
  return Object.fromEntries([...names].sort().map((n) => [n, RUNTIME_DEPENDENCIES[n]]));
}
