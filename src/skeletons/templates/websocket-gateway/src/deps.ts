import { closePools, createLogger } from '@allframe/platform';
import { CrdtDocumentStore, createRepository } from '@allframe/platform'; // @if crdt
import type { CrdtEntry } from '@allframe/platform'; // @if crdt
import type { Logger } from '@allframe/platform';
import { ApiGatewaySender } from './adapters/apigateway-sender';
import { DynamoDbConnectionRegistry } from './adapters/dynamodb-registry';
import { MemoryConnectionRegistry } from './adapters/memory';
import { OpenSockets } from './adapters/open-sockets';
import { Gateway } from './application/gateway';
import { ExpiryOnlyJwtVerifier } from './application/token-verifier'; // @if jwt
import {
  __createAuthorizerJwt__, // @if jwt
  __createAuthorizerApiKey__, // @if apiKey
  __createAuthorizerNone__, // @if none
} from './auth';
import type { Authorizer } from './auth';
import type { Config } from './config';
import type { Secrets } from './secrets';
import type { ConnectionRegistry, Sender } from './ports';

/** Everything the entries need. */
export interface Dependencies {
  /** The secrets read at start-up (never log them). */
  readonly secrets: Secrets;
  readonly logger: Logger;
  readonly gateway: Gateway;
  /** The bearer token POST /broadcast requires; the route is off without one. */
  readonly broadcastToken: string | undefined;
  /** Serve the API docs page at /docs (API_DOCS; optional, so that tests building dependencies by hand need not say). */
  readonly apiDocs?: boolean;
  /** The WebSockets the container serves itself (SENDER=memory), the sender; none with SENDER=apigateway (API Gateway holds them). */
  readonly sockets?: OpenSockets;
  close(): Promise<void>;
}

function registry(config: Config): ConnectionRegistry {
  switch (config.CONNECTIONS_STORE) {
    case 'memory':
      return new MemoryConnectionRegistry();
    case 'dynamodb':
      return DynamoDbConnectionRegistry.create(config.CONNECTIONS_TABLE, config.CONNECTION_TTL_SECONDS);
    default:
      throw new Error(`CONNECTIONS_STORE must be one of memory, dynamodb, got ${JSON.stringify(config.CONNECTIONS_STORE)}`);
  }
}

function sender(config: Config): Sender {
  switch (config.SENDER) {
    case 'memory':
      return new OpenSockets();
    case 'apigateway':
      return ApiGatewaySender.create(config.WEBSOCKET_ENDPOINT);
    default:
      throw new Error(`SENDER must be one of memory, apigateway, got ${JSON.stringify(config.SENDER)}`);
  }
}

/** The __authMode__ authorizer (subscriptions.authorization). */
function authorizer(/*=configParam*/ config: Config): Authorizer {
  return __createAuthorizerJwt__(new ExpiryOnlyJwtVerifier(config.JWT_ISSUER)); // @if jwt
  return __createAuthorizerApiKey__(config.WEBSOCKET_API_KEY, config.API_KEY_HEADER); // @if apiKey
  return __createAuthorizerNone__(); // @if none
}

/** Registry and sender as configured (in memory by default), and the __authMode__ authorizer. */
export function createDependencies(config: Config, secrets: Secrets): Dependencies {
  const logger = createLogger({ service: config.SERVICE_NAME, level: config.LOG_LEVEL, redact: config.PII_FIELDS });
  logger.warn('JWT signatures are NOT verified: replace ExpiryOnlyJwtVerifier (src/application/token-verifier.ts) before production'); // @if jwt
  const send = sender(config);
  return {
    secrets,
    logger,
    gateway: new Gateway({
      registry: registry(config),
      sender: send,
      authorize: authorizer(config),
      logger,
      // CRDT documents in the service's database: an update log and snapshots, in its table `documents`
      documents: new CrdtDocumentStore(createRepository<CrdtEntry>(config.STORE, `${config.TABLE_PREFIX}-documents`, config.DATABASE_URL), { snapshotEvery: config.CRDT_SNAPSHOT_EVERY }), // @if crdt
    }),
    ...(send instanceof OpenSockets ? { sockets: send } : {}),
    broadcastToken: config.BROADCAST_TOKEN,
    apiDocs: config.API_DOCS,
    close: () => closePools(),
  };
}
