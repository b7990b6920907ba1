/**
 * The files every service has, rendered from templates/service/: configuration, secrets, HTTP entries. Every service
 * reads its secrets at start-up the same way, none or several (the platform reads nothing for none), so no template
 * varies with them: `createDependencies(config, secrets)` everywhere, tests passing `testSecrets(SECRET_NAMES)`.
 */
import type { OutputFile } from '../model/output-file';
import { ConfigVar, baseConfig } from './common';
import { CLIENTS_IN_DEPS, OWN_CLIENT_POLICY, typedCallees, type ServiceContext } from './context';
import { outboundConfig } from './outbound';
import { camel, constant } from './names';
import { secretNames } from './secrets';
import { Names, TemplateData, templateFile } from './template';
import { TENANT_HEADER, tenancyOf, tenantClaimOf } from '../resolve/model';

/** The names every template of a service may use: `platform` (the package) and `service` (its name). */
export function serviceNames(ctx: ServiceContext): Names & { readonly platform: string } {
  // apiVersion: the version of an API service's OpenAPI document, the architecture's
  // tenantHeader: tenant.header with architecture.multi_tenant (the typed clients pass it on), else undefined
  // tenantClaim: tenant.claim for a public service (its requests carry a verified JWT), else undefined
  const tenancy = tenancyOf(ctx.model);
  const claim = tenantClaimOf(ctx.model, ctx.service);
  return {
    platform: ctx.platform,
    service: ctx.service.name,
    apiVersion: ctx.model.platform.version,
    tenantHeader: tenancy ? `'${tenancy.header}'` : 'undefined',
    tenantHeaderName: tenancy?.header ?? TENANT_HEADER,
    tenantClaim: claim !== undefined ? `'${claim}'` : 'undefined',
    // tenantSource: where the service's requests name their tenant (a TenantSource literal), else undefined
    tenantSource: tenancy ? `{ header: '${tenancy.header}'${claim !== undefined ? `, claim: '${claim}'` : ''} }` : 'undefined',
    // tenantIsolation: tenant.isolation with architecture.multi_tenant, else undefined
    tenantIsolation: tenancy ? `'${tenancy.isolation}'` : 'undefined',
  };
}

/** Template data of a service: its names plus `extra`, and the given flags, lists and slots. */
export function serviceData(ctx: ServiceContext, data: Omit<Partial<TemplateData>, 'names'> & { readonly names?: Names } = {}): TemplateData {
  return { ...data, names: { ...serviceNames(ctx), ...data.names } };
}

/** `src/config.ts`: the service's variables (baseConfig, then `extra`). */
export function serviceConfig(ctx: ServiceContext, extra: Record<string, ConfigVar> = {}): OutputFile {
  // the callees' URLs, for the archetypes whose clients wire themselves (the others say theirs in `extra`)
  const vars = { ...baseConfig(ctx), ...extra, ...(CLIENTS_IN_DEPS.includes(ctx.service.kind) ? {} : calleeConfig(ctx)) };
  const lines = Object.entries(vars).map(([name, v]) => {
    const parts = [`kind: '${v.kind}'`];
    if (v.default !== undefined) parts.push(`default: ${JSON.stringify(v.default)}`);
    if (v.required) parts.push('required: true');
    parts.push(`description: ${JSON.stringify(v.description)}`);
    return `${name}: { ${parts.join(', ')} },`;
  });
  return templateFile('managed', ctx.dir, 'service/src/config.ts', serviceData(ctx, { slots: { vars: lines.join('\n') } }));
}

/** API_DOCS of an HTTP API service: its docs page, on where settings.api_docs says so, else only when set (locally). */
export function apiDocsVar(ctx: ServiceContext): ConfigVar {
  return { kind: 'bool', default: String(ctx.model.platform.apiDocs), description: 'Serve the interactive API docs at /docs (settings.api_docs)' };
}

/** How the OpenAPI test builds a service's app, where `buildApp(deps)` from `createDependencies(loadConfig({}), ...)` does not. */
export interface OpenApiTestOptions {
  /** Configuration the service requires (a provider's base URL). @default - none */
  readonly env?: Readonly<Record<string, string>>;
  /** buildApp's arguments. @default 'deps' */
  readonly appArgs?: string;
  /** Import lines those arguments need. @default - none */
  readonly imports?: readonly string[];
}

/**
 * The test that keeps `services/<name>/openapi.json`, the committed OpenAPI document of an API service, equal to
 * its routes (written by the workspace's `npm run openapi`, or by a run that finds none).
 */
export function serviceOpenApiTest(ctx: ServiceContext, options: OpenApiTestOptions = {}): OutputFile {
  const env = Object.entries(options.env ?? {}).map(([k, v]) => `${k}: ${JSON.stringify(v)}`);
  return templateFile(
    'managed',
    ctx.dir,
    'service/test/openapi.test.ts',
    serviceData(ctx, {
      names: { appArgs: options.appArgs ?? 'deps' },
      slots: { imports: (options.imports ?? []).join('\n'), deps: `const deps = createDependencies(loadConfig(${env.length > 0 ? `{ ${env.join(', ')} }` : '{}'}), testSecrets(SECRET_NAMES));` },
    }),
  );
}

/** The limits of a GraphQL service's operations (the platform's defaults), when its protocols include graphql. */
export function graphqlConfig(ctx: ServiceContext): Record<string, ConfigVar> {
  if (!ctx.service.protocols.includes('graphql')) return {};
  const int = (value: number, description: string): ConfigVar => ({ kind: 'int', default: String(value), description });
  return {
    GRAPHQL_MAX_DEPTH: int(8, 'Deepest selection a GraphQL operation may make'),
    GRAPHQL_MAX_COST: int(5000, 'Costliest GraphQL operation served (objects 2, scalars 1, times 1.5 a level)'),
    GRAPHQL_MAX_ALIASES: int(15, 'Most aliases in one GraphQL operation'),
  };
}

/**
 * The test that keeps `services/<name>/schema.graphql`, the committed GraphQL schema of a service whose protocols
 * include graphql, equal to what it serves (written by the workspace's `npm run graphql`, or by a run that finds none).
 */
export function serviceGraphqlTest(ctx: ServiceContext): OutputFile[] {
  return ctx.service.protocols.includes('graphql') ? [templateFile('managed', ctx.dir, 'service/test/graphql.test.ts', serviceData(ctx))] : [];
}

/**
 * The test that keeps the committed .proto file of a service whose protocols include grpc
 * (`services/<name>/proto/<package path>/<name>.proto`) equal to the API it serves (`npm run proto`).
 */
export function serviceGrpcTest(ctx: ServiceContext): OutputFile[] {
  return ctx.service.protocols.includes('grpc') ? [templateFile('managed', ctx.dir, 'service/test/grpc.test.ts', serviceData(ctx))] : [];
}

/** The gRPC package of a service (`shop_platform.user_service.v1`) and its file's name under proto/, by that package's path. */
export function grpcNames(ctx: ServiceContext): Names {
  const parts = [ctx.model.file.architecture.name, ctx.service.name].map((n) => n.replace(/-/g, '_'));
  return { grpcPackage: `${parts.join('.')}.v1`, grpcFile: `${parts.join('/')}/v1/${parts[1]!}.proto` };
}

/**
 * `src/clients.ts`: typed clients of {@link typedCallees}, none when the service calls none. An archetype without a
 * client policy of its own ({@link OWN_CLIENT_POLICY}) also gets `defaultClients(config)`, tested: the clients on the
 * file's resilience and the outbound fetch, ready to call.
 */
export function serviceClients(ctx: ServiceContext): OutputFile[] {
  const callees = typedCallees(ctx);
  if (callees.length === 0) return [];
  const list = callees.map((c) => ({ callee: c, CALLEE: constant(c), calleeClient: camel(c), calleeUrl: `${constant(c)}_URL` }));
  const defaults = !OWN_CLIENT_POLICY.includes(ctx.service.kind);
  const data = serviceData(ctx, { names: { architecture: ctx.model.file.architecture.name, ...policyNames(ctx, ctx.service.sizing.timeout_seconds * 1000, 'callTimeoutMs') }, flags: { defaults }, lists: { callees: list } });
  return [templateFile('managed', ctx.dir, 'service/src/clients.ts', data), ...(defaults ? [templateFile('managed', ctx.dir, 'service/test/clients.test.ts', data)] : [])];
}

/** The base URL of each service with a typed client (`<SERVICE>_URL`, as the targets set it), and OUTBOUND_AUTH. */
export function calleeConfig(ctx: ServiceContext): Record<string, ConfigVar> {
  const callees = typedCallees(ctx);
  if (callees.length === 0) return {};
  return { ...Object.fromEntries(callees.map((c) => [`${constant(c)}_URL`, { kind: 'string', default: `http://${c}:8080`, description: `Base URL of ${c}` } satisfies ConfigVar])), ...outboundConfig() };
}

/** `{ A: 'test-a' }`: a TypeScript object literal of string values. */
function literal(values: Record<string, string>): string {
  const entries = Object.entries(values).map(([k, v]) => `${k}: '${v}'`);
  return entries.length === 0 ? '{}' : `{ ${entries.join(', ')} }`;
}

/** `src/secrets.ts` (the loader, names only) and its test. */
export function serviceSecrets(ctx: ServiceContext): OutputFile[] {
  const names = secretNames(ctx);
  const list = `export const SECRET_NAMES = [${names.map((x) => `'${x}'`).join(', ')}] as const;`;
  const values = literal(Object.fromEntries(names.map((x) => [x, `test-${x.toLowerCase()}`])));
  const others = literal(Object.fromEntries(names.slice(0, -1).map((x) => [x, `value-of-${x.toLowerCase()}`])));
  const data = serviceData(ctx, {
    names: { lastSecret: names[names.length - 1] ?? '' },
    flags: { secrets: names.length > 0 },
    slots: { names: list, values: `const VALUES = ${values};`, others: `const env: Record<string, string> = ${others};` },
  });
  return [templateFile('managed', ctx.dir, 'service/src/secrets.ts', data), templateFile('managed', ctx.dir, 'service/test/secrets.test.ts', data)];
}

/**
 * The container and Lambda entries of an HTTP service (`buildApp`, `createDependencies`). With `relay`, the
 * dependencies carry an outbox relay: the container runs it every second, `entry/relay.ts` is its Lambda handler.
 */
export function serviceHttpEntries(ctx: ServiceContext, options: { readonly relay?: boolean } = {}): OutputFile[] {
  const relay = options.relay === true;
  const data = serviceData(ctx, { flags: { relay, grpc: ctx.service.protocols.includes('grpc') } });
  return [
    templateFile('managed', ctx.dir, 'service/src/entry/server.ts', data),
    ...(relay ? [templateFile('managed', ctx.dir, 'service/src/entry/relay.ts', data)] : []),
    templateFile('managed', ctx.dir, 'service/src/entry/lambda.ts', data),
  ];
}

/**
 * The names of a service's resilience policy of outbound calls (the `POLICY` literal of its templates): retry,
 * circuit breaker and bulkhead from `resilience`, and the timeout of one attempt under the name `timeoutName`.
 */
export function policyNames(ctx: ServiceContext, timeoutMs: number, timeoutName = 'timeoutMs'): Names {
  const r = ctx.service.resilience;
  return {
    maxAttempts: String(r.retry.max_attempts),
    initialDelayMs: String(r.retry.initial_interval_ms),
    maxDelayMs: String(r.retry.max_interval_ms),
    multiplier: String(r.retry.multiplier),
    failureThreshold: String(r.circuit_breaker.failure_threshold),
    halfOpenAfterMs: String(r.circuit_breaker.timeout_ms),
    maxConcurrent: String(r.bulkhead.max_concurrent),
    maxQueue: String(r.bulkhead.max_queue),
    [timeoutName]: String(timeoutMs),
    retryIdempotentOnly: String(r.retry.idempotent_only),
  };
}
