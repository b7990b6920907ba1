/** The shared runtime package, copied verbatim from src/skeletons/platform/ (its own tests included). */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ResolvedArchitecture } from '../resolve/index';
import { OutputFile, managed, managedJson } from '../model/output-file';
import { srcPath } from '../model/paths';
import { pick } from './versions';

export const PLATFORM_DIR = srcPath('skeletons', 'platform');

let cache: { path: string; content: string }[] | undefined;

/** The template files (path relative to the package), read once per process. */
function templateFiles(): { path: string; content: string }[] {
  if (!cache) {
    const out: { path: string; content: string }[] = [];
    for (const sub of ['src', 'test']) {
      for (const name of readdirSync(join(PLATFORM_DIR, sub)).sort()) {
        if (name.endsWith('.ts')) out.push({ path: `${sub}/${name}`, content: readFileSync(join(PLATFORM_DIR, sub, name), 'utf8') });
      }
    }
    cache = out;
  }
  return cache;
}

export function platformPackageName(model: ResolvedArchitecture): string {
  return `@${model.file.architecture.name}/platform`;
}

export function platformFiles(model: ResolvedArchitecture): OutputFile[] {
  return [
    managedJson('packages/platform/package.json', {
      name: platformPackageName(model),
      version: '0.0.0',
      private: true,
      main: 'src/index.ts',
      types: 'src/index.ts',
      // GraphQL, gRPC and the cron scheduler are subpaths of their own, so that a service without them does not load
      // (or bundle) graphql-yoga, Connect or cron-parser
      exports: { '.': './src/index.ts', './graphql': './src/graphql.ts', './grpc': './src/grpc.ts', './scheduler': './src/scheduler.ts' },
      dependencies: pick([
        'hono',
        '@hono/node-server',
        '@hono/zod-openapi',
        '@hono/swagger-ui',
        'zod',
        'pino',
        'cockatiel',
        '@opentelemetry/api',
        '@aws-sdk/client-dynamodb',
        '@aws-sdk/lib-dynamodb',
        '@aws-sdk/client-sqs',
        '@aws-sdk/client-sns',
        '@aws-sdk/client-eventbridge',
        '@aws-sdk/client-secrets-manager',
        '@google-cloud/pubsub',
        'pg',
        '@aws-sdk/rds-signer',
        '@smithy/signature-v4',
        '@aws-crypto/sha256-js',
        '@aws-sdk/credential-provider-node',
        '@google-cloud/firestore',
        'google-auth-library',
        'graphql',
        'graphql-yoga',
        'yjs',
        'y-protocols',
        'lib0',
        '@escape.tech/graphql-armor-max-depth',
        '@escape.tech/graphql-armor-cost-limit',
        '@escape.tech/graphql-armor-max-aliases',
        '@bufbuild/protobuf',
        '@connectrpc/connect',
        '@connectrpc/connect-node',
        'cron-parser',
        '@nats-io/nats-core',
        '@nats-io/transport-node',
        '@nats-io/jetstream',
        'ws',
      ]),
    }),
    ...templateFiles().map((f) => managed(`packages/platform/${f.path}`, f.content)),
  ];
}
