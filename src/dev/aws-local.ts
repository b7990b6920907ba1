/**
 * The AWS flavour of `allframe dev`: the synthesized CloudFormation templates, read as the plan of what to create on
 * moto. One source: the queues (with their redrive policy's maxReceiveCount and visibility timeout), topics,
 * subscriptions (with their filter policies and raw delivery), event buses and rules, tables (keys, indexes, TTL),
 * buckets (with their versioning) and secrets are created from the same templates `allframe synth` writes and `cdk deploy` deploys, and each service is
 * given the environment its Lambda function or ECS task has there, with every reference resolved to what was
 * created locally.
 *
 * A variable whose value refers to something no emulator runs (an API's URL, a database endpoint, a state machine)
 * is replaced by its local counterpart, by name (`LOCAL_OVERRIDES`); any other such reference is an internal error
 * naming the variable, never a value passed on half resolved.
 */
import { createHash } from 'node:crypto';
import { InternalError } from '../model/diagnostics';

/** A CloudFormation template as the AWS target writes it. */
export interface CfnTemplate {
  readonly Resources?: Readonly<Record<string, CfnResource>>;
  readonly Outputs?: Readonly<Record<string, { readonly Value: unknown; readonly Export?: { readonly Name: string } }>>;
}

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Readonly<Record<string, unknown>>;
}

export interface StackTemplate {
  readonly stackName: string;
  readonly template: CfnTemplate;
}

/** The CloudFormation types the local run creates on moto. */
export const EMULATED_TYPES = [
  'AWS::SQS::Queue',
  'AWS::SNS::Topic',
  'AWS::SNS::Subscription',
  'AWS::Events::EventBus',
  'AWS::Events::Rule',
  'AWS::DynamoDB::Table',
  'AWS::DynamoDB::GlobalTable',
  'AWS::S3::Bucket',
] as const;
export type EmulatedType = (typeof EMULATED_TYPES)[number];

/** A resource to create, with its stack and logical id (what references name) and its properties as written. */
export interface PlannedResource {
  readonly stack: string;
  readonly id: string;
  readonly type: EmulatedType;
  readonly properties: Readonly<Record<string, unknown>>;
  /** The physical name: the template's when it names one, else `<stack>-<logical id>` (fitted to the service's limits). */
  readonly name: string;
}

/** What a created resource answers to `Ref` and `Fn::GetAtt`. */
export interface CreatedResource {
  readonly ref: string;
  readonly attributes: Readonly<Record<string, string>>;
}

/** Where the local run is: the account and region references resolve to. */
export interface LocalAccount {
  readonly account: string;
  readonly region: string;
}

/** The emulator's endpoint as the services reach it (http://127.0.0.1:4700 in allframe dev, http://moto:5000 in compose). */
export interface LocalEndpoint extends LocalAccount {
  readonly endpoint: string;
}

/** The account moto puts every resource in. */
export const MOTO_ACCOUNT = '123456789012';

/**
 * What a planned resource answers to Ref and GetAtt once it is created on moto at `where.endpoint`: moto names
 * queues, topics, buses and tables predictably, so a service's environment is known before anything runs (the
 * compose file is written from it) and the local run checks moto's answers against it.
 */
export function localAttributes(p: PlannedResource, where: LocalEndpoint): CreatedResource | undefined {
  const arn = (service: string, resource: string) => `arn:aws:${service}:${where.region}:${where.account}:${resource}`;
  switch (p.type) {
    case 'AWS::SQS::Queue': {
      const url = `${where.endpoint}/${where.account}/${p.name}`;
      return { ref: url, attributes: { Arn: arn('sqs', p.name), QueueName: p.name, QueueUrl: url } };
    }
    case 'AWS::SNS::Topic':
      return { ref: arn('sns', p.name), attributes: { TopicArn: arn('sns', p.name), TopicName: p.name } };
    case 'AWS::SNS::Subscription':
      return undefined; // its ARN holds an id moto makes up: nothing a service is given refers to it
    case 'AWS::Events::EventBus':
      return { ref: p.name, attributes: { Arn: arn('events', `event-bus/${p.name}`), Name: p.name } };
    case 'AWS::Events::Rule':
      return { ref: p.name, attributes: {} };
    case 'AWS::DynamoDB::Table':
    case 'AWS::DynamoDB::GlobalTable':
      return { ref: p.name, attributes: { Arn: arn('dynamodb', `table/${p.name}`) } };
    case 'AWS::S3::Bucket':
      return { ref: p.name, attributes: s3BucketAttributes(p.name) };
  }
}

/** What a bucket answers to GetAtt (S3 ARNs name neither region nor account). */
export function s3BucketAttributes(name: string): Record<string, string> {
  return { Arn: `arn:aws:s3:::${name}` };
}

/** Every planned resource's local attributes, by `Resolver.key`. */
export function plannedAttributes(planned: readonly PlannedResource[], where: LocalEndpoint): Map<string, CreatedResource> {
  return new Map(planned.flatMap((p) => {
    const local = localAttributes(p, where);
    return local !== undefined ? [[Resolver.key(p.stack, p.id), local] as const] : [];
  }));
}

/** Thrown while resolving a value that refers to a resource no emulator runs. */
class NotEmulated extends Error {
  constructor(readonly type: string) {
    super(`refers to ${type}, which no emulator runs`);
  }
}

/**
 * A variable's local value, when its cloud value points at something no emulator runs: a string, `null` to leave
 * the variable out locally, or undefined when the cloud's value stands.
 */
export type LocalOverride = (variable: string) => string | null | undefined;

const NAME_PROPERTY: Partial<Record<EmulatedType, string>> = {
  'AWS::SQS::Queue': 'QueueName',
  'AWS::SNS::Topic': 'TopicName',
  'AWS::Events::EventBus': 'Name',
  'AWS::Events::Rule': 'Name',
  'AWS::DynamoDB::Table': 'TableName',
  'AWS::DynamoDB::GlobalTable': 'TableName',
  'AWS::S3::Bucket': 'BucketName',
};

/** The limit of each service on its names. */
const NAME_LIMIT: Partial<Record<EmulatedType, number>> = { 'AWS::SQS::Queue': 80, 'AWS::SNS::Topic': 256, 'AWS::Events::Rule': 64, 'AWS::S3::Bucket': 63 };

function fitName(name: string, limit: number, suffix = ''): string {
  if (name.length + suffix.length <= limit) return name + suffix;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${name.slice(0, limit - suffix.length - 9)}-${hash}${suffix}`;
}

/** The templates, indexed: resources by stack, and every export's stack and value. */
export class TemplateSet {
  private readonly stacks = new Map<string, CfnTemplate>();
  private readonly exports = new Map<string, { stack: string; value: unknown }>();

  constructor(templates: readonly StackTemplate[]) {
    for (const { stackName, template } of templates) {
      this.stacks.set(stackName, template);
      for (const output of Object.values(template.Outputs ?? {})) {
        if (output.Export !== undefined) this.exports.set(output.Export.Name, { stack: stackName, value: output.Value });
      }
    }
  }

  get stackNames(): string[] {
    return [...this.stacks.keys()];
  }

  resource(stack: string, id: string): CfnResource | undefined {
    return this.stacks.get(stack)?.Resources?.[id];
  }

  resources(stack: string): [string, CfnResource][] {
    return Object.entries(this.stacks.get(stack)?.Resources ?? {});
  }

  exported(name: string): { stack: string; value: unknown } {
    const found = this.exports.get(name);
    if (found === undefined) throw new InternalError(`no stack exports ${name}`);
    return found;
  }

  /**
   * The resources to create, in an order where everything a resource refers to comes first: dead-letter queues
   * before the queues that name them, topics and queues before subscriptions, buses before rules, a bucket's access
   * log bucket before the bucket. Types no emulator runs are left out (KMS keys, bucket policies: docs/dev.md).
   */
  plan(where: LocalAccount): PlannedResource[] {
    const planned: PlannedResource[] = [];
    // a name given with pseudo parameters only (a bucket's <prefix>-<service>-<account>-<region>) is resolved for the local account
    const pseudo = new Resolver(this, new Map(), where);
    for (const stack of this.stackNames) {
      for (const [id, r] of this.resources(stack)) {
        const type = r.Type as EmulatedType;
        if (!(EMULATED_TYPES as readonly string[]).includes(type)) continue;
        const properties = r.Properties ?? {};
        planned.push({ stack, id, type, properties, name: this.physicalName(stack, id, type, properties, pseudo) });
      }
    }
    const rank = (p: PlannedResource): number => {
      if (p.type === 'AWS::SQS::Queue') return p.properties.RedrivePolicy === undefined ? 0 : 1;
      if (p.type === 'AWS::S3::Bucket') return p.properties.LoggingConfiguration === undefined ? 0 : 1;
      if (p.type === 'AWS::SNS::Subscription' || p.type === 'AWS::Events::Rule') return 3;
      return 2;
    };
    return planned.sort((a, b) => rank(a) - rank(b));
  }

  private physicalName(stack: string, id: string, type: EmulatedType, properties: Readonly<Record<string, unknown>>, pseudo: Resolver): string {
    const property = NAME_PROPERTY[type];
    const given = property !== undefined ? properties[property] : undefined;
    if (typeof given === 'string') return given;
    if (given !== undefined) return pseudo.text(stack, given);
    const fifo = type === 'AWS::SQS::Queue' && properties.FifoQueue === true ? '.fifo' : '';
    // bucket names are lowercase
    const name = type === 'AWS::S3::Bucket' ? `${stack}-${id}`.toLowerCase() : `${stack}-${id}`;
    return fitName(name, NAME_LIMIT[type] ?? 255, fifo);
  }
}

/** Resolves CloudFormation values against what the local run created. */
export class Resolver {
  constructor(
    private readonly templates: TemplateSet,
    private readonly created: ReadonlyMap<string, CreatedResource>,
    private readonly where: LocalAccount,
  ) {}

  static key(stack: string, id: string): string {
    return `${stack}/${id}`;
  }

  /** `value` of a property in `stack`, every intrinsic function resolved; NotEmulated when it names a resource no emulator runs. */
  resolve(stack: string, value: unknown): unknown {
    if (Array.isArray(value)) return value.map((v) => this.resolve(stack, v));
    if (value === null || typeof value !== 'object') return value;
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 1) {
      const [fn, arg] = entries[0]!;
      switch (fn) {
        case 'Ref':
          return this.ref(stack, String(arg));
        case 'Fn::GetAtt': {
          const [id, attribute] = Array.isArray(arg) ? (arg as string[]) : String(arg).split(/\.(.*)/s);
          return this.attribute(stack, id!, attribute!);
        }
        case 'Fn::ImportValue': {
          const exported = this.templates.exported(String(this.resolve(stack, arg)));
          return this.resolve(exported.stack, exported.value);
        }
        case 'Fn::Join': {
          const [separator, parts] = arg as [string, unknown[]];
          return (this.resolve(stack, parts) as unknown[]).map(String).join(separator);
        }
        case 'Fn::Select': {
          const [index, list] = arg as [number, unknown];
          return (this.resolve(stack, list) as unknown[])[Number(index)];
        }
        case 'Fn::Split': {
          const [separator, source] = arg as [string, unknown];
          return String(this.resolve(stack, source)).split(separator);
        }
        default:
          if (fn.startsWith('Fn::')) throw new InternalError(`${stack}: the local run does not resolve ${fn}`);
      }
    }
    return Object.fromEntries(entries.map(([k, v]) => [k, this.resolve(stack, v)]));
  }

  /** The resolved value as a string (JSON for objects, as CloudFormation passes policies and filters). */
  text(stack: string, value: unknown): string {
    const resolved = this.resolve(stack, value);
    return typeof resolved === 'string' ? resolved : JSON.stringify(resolved);
  }

  private ref(stack: string, name: string): string {
    switch (name) {
      case 'AWS::Region':
        return this.where.region;
      case 'AWS::AccountId':
        return this.where.account;
      case 'AWS::Partition':
        return 'aws';
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::StackName':
        return stack;
    }
    const created = this.created.get(Resolver.key(stack, name));
    if (created !== undefined) return created.ref;
    throw new NotEmulated(this.templates.resource(stack, name)?.Type ?? name);
  }

  private attribute(stack: string, id: string, attribute: string): string {
    const created = this.created.get(Resolver.key(stack, id));
    if (created === undefined) throw new NotEmulated(this.templates.resource(stack, id)?.Type ?? id);
    const value = created.attributes[attribute];
    if (value === undefined) throw new InternalError(`${stack}/${id}: the local run has no attribute ${attribute}`);
    return value;
  }

  /**
   * The environment of a service's workloads: every variable of its Lambda functions' `Environment` and its ECS
   * containers' `Environment`, in that order (the first workload to set a variable decides), resolved. A variable
   * naming something no emulator runs takes `override(name)`, or fails naming the variable and what it refers to.
   */
  serviceEnvironment(stack: string, override: LocalOverride): Record<string, string> {
    const raw = new Map<string, unknown>();
    for (const [, r] of this.templates.resources(stack)) {
      if (r.Type === 'AWS::Lambda::Function') {
        const variables = (r.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
        for (const [k, v] of Object.entries(variables)) if (!raw.has(k)) raw.set(k, v);
      } else if (r.Type === 'AWS::ECS::TaskDefinition') {
        for (const c of (r.Properties?.ContainerDefinitions as { Environment?: { Name: string; Value: unknown }[] }[] | undefined) ?? []) {
          for (const e of c.Environment ?? []) if (!raw.has(e.Name)) raw.set(e.Name, e.Value);
        }
      }
    }
    const env: Record<string, string> = {};
    for (const [name, value] of [...raw].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const local = override(name);
      if (local === null) continue;
      if (local !== undefined) {
        env[name] = local;
        continue;
      }
      try {
        env[name] = this.text(stack, value);
      } catch (e) {
        if (e instanceof NotEmulated) throw new InternalError(`${stack}: ${name} ${e.message} and has no local counterpart`);
        throw e;
      }
    }
    return env;
  }
}
