/**
 * The local plan of the AWS flavour, one source for `allframe dev` and the compose file: what to create on moto (read
 * from the synthesized templates) and the environment of every service, the cloud's with each reference resolved to
 * its local counterpart at `place`.
 */
import type { OutputFile } from '../model/output-file';
import { calleesOf, calleeUrlVariable } from '../model/environment';
import { databaseName } from '../model/names';
import { bucketsReadBy, type ResolvedArchitecture, type ResolvedService } from '../resolve/model';
import { prefix, secretName } from '../targets/aws/naming';
import { localDatabases } from './servers';
import { MOTO_ACCOUNT, plannedAttributes, Resolver, TemplateSet, type CfnTemplate, type CreatedResource, type LocalEndpoint, type LocalOverride, type PlannedResource } from './aws-local';

/** Dummy credentials: moto accepts any. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'AKIAALLFRAMEDEVLOCAL1', secretAccessKey: 'allframe-dev-local-secret-access-key-0000' } as const;

/** Where the emulators and services of a local run are, as the services reach them. */
export interface LocalPlace {
  /** moto's endpoint. */
  readonly endpoint: string;
  /** The base URL of a service, for its callers. */
  readonly serviceUrl: (service: string) => string;
  /** The port a service listens on (its PORT). */
  readonly port: (service: string) => number;
  /** The connection string of a database of the PostgreSQL server. */
  readonly databaseUrl: (database: string) => string;
  /** The Redis server's URL. */
  readonly cacheUrl: string;
}

export interface AwsLocalPlan {
  readonly templates: TemplateSet;
  readonly where: LocalEndpoint;
  /** What to create on moto, in order. */
  readonly planned: readonly PlannedResource[];
  /** What each planned resource answers to Ref and GetAtt. */
  readonly attributes: ReadonlyMap<string, CreatedResource>;
  /** Every service's environment, by name. */
  readonly environments: ReadonlyMap<string, Readonly<Record<string, string>>>;
  /** The PostgreSQL databases to create. */
  readonly databases: readonly string[];
  /** The secrets to create (Secrets Manager names), with the variable a local value is read from. */
  readonly secrets: readonly { readonly id: string; readonly variable: string }[];
  /**
   * The queues a Lambda event source mapping (or an EventBridge pipe) drains in the cloud for a service whose
   * container entry does not poll them itself: the runner drains each into the service's push route (`path`).
   */
  readonly bridges: readonly { readonly service: string; readonly queueUrl: string; readonly path: string }[];
}

/** The archetypes whose container entry takes pushed events at POST /events (what an event source mapping feeds their functions). */
const PUSH_ROUTE_KINDS = new Set(['cache', 'stream-processor']);

/** The SQS queues of `stack` read by an event source mapping or a pipe, by logical id. */
function drainedQueues(templates: TemplateSet, stack: string): string[] {
  const ids = new Set<string>();
  for (const [, r] of templates.resources(stack)) {
    const source = r.Type === 'AWS::Lambda::EventSourceMapping' ? r.Properties?.EventSourceArn : r.Type === 'AWS::Pipes::Pipe' ? r.Properties?.Source : undefined;
    const att = (source as { 'Fn::GetAtt'?: [string, string] } | undefined)?.['Fn::GetAtt'];
    if (att !== undefined && templates.resource(stack, att[0])?.Type === 'AWS::SQS::Queue') ids.add(att[0]);
  }
  return [...ids].sort();
}

/** The templates among the synthesized files. */
export function awsTemplates(outputs: readonly OutputFile[]): TemplateSet {
  const templates = outputs
    .filter((f) => /^infrastructure\/aws\/[^/]+\.template\.json$/.test(f.path))
    .map((f) => ({ stackName: f.path.replace(/^infrastructure\/aws\/|\.template\.json$/g, ''), template: JSON.parse(f.content) as CfnTemplate }));
  return new TemplateSet(templates);
}

/** The local value of each variable that points, in the cloud, at something no emulator runs (docs/dev.md). */
function awsOverrides(service: ResolvedService, urls: ReadonlyMap<string, string>, databaseUrl: string | undefined, cacheUrl: string | undefined): LocalOverride {
  const callees = new Map(calleesOf(service.spec).map((c) => [calleeUrlVariable(c), c]));
  return (name) => {
    const callee = callees.get(name);
    if (callee !== undefined) return urls.get(callee);
    switch (name) {
      case 'DATABASE_URL':
        return databaseUrl;
      case 'PG_IAM_AUTH':
        return 'false';
      case 'CACHE_URL':
        return cacheUrl;
      case 'SAGA_STATE_MACHINE_ARN':
      case 'SAGA_STEPS_ENDPOINT':
      case 'WEBSOCKET_ENDPOINT':
      case 'NODE_EXTRA_CA_CERTS':
        return null;
      case 'SENDER':
        return 'memory';
      default:
        return undefined;
    }
  };
}

/** The plan of `model`'s local run at `place` (see the module comment). */
export function awsLocalPlan(model: ResolvedArchitecture, outputs: readonly OutputFile[], place: LocalPlace): AwsLocalPlan {
  const templates = awsTemplates(outputs);
  const region = model.file.cloud?.aws?.region ?? 'us-east-1';
  const where: LocalEndpoint = { account: MOTO_ACCOUNT, region, endpoint: place.endpoint };
  const planned = templates.plan(where);
  const attributes = plannedAttributes(planned, where);
  const resolver = new Resolver(templates, attributes, where);
  const databases = localDatabases(model);
  const urls = new Map(model.services.map((s) => [s.name, place.serviceUrl(s.name)]));
  const environments = new Map<string, Record<string, string>>();
  for (const s of model.services) {
    const database = databases.includes(databaseName(s.name)) ? place.databaseUrl(databaseName(s.name)) : undefined;
    const cloud = resolver.serviceEnvironment(`${prefix(model)}-${s.name}`, awsOverrides(s, urls, database, place.cacheUrl));
    environments.set(s.name, {
      ...cloud,
      AWS_REGION: region,
      AWS_ENDPOINT_URL: place.endpoint,
      // the object store reaches S3 path-style at a custom endpoint: moto's
      ...(s.storage !== undefined || bucketsReadBy(model, s).length > 0 ? { AWS_ENDPOINT_URL_S3: place.endpoint } : {}),
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      PORT: String(place.port(s.name)),
      API_DOCS: 'true',
      NODE_ENV: 'development',
      // the SDK's notice that its releases after January 2027 need Node 22: said once by the runner, not by every service
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    });
  }
  const secrets = model.services.flatMap((s) => (s.spec.secrets ?? []).map((x) => (typeof x === 'string' ? x : x.name)).map((name) => ({ id: secretName(model, s, name), variable: name })));
  const bridges = model.services
    .filter((s) => PUSH_ROUTE_KINDS.has(s.kind))
    .flatMap((s) => drainedQueues(templates, `${prefix(model)}-${s.name}`).map((id) => ({ service: s.name, queueUrl: attributes.get(Resolver.key(`${prefix(model)}-${s.name}`, id))!.ref, path: '/events' })));
  return { templates, where, planned, attributes, environments, databases, secrets, bridges };
}
