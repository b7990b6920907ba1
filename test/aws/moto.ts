/**
 * A test harness that deploys synthesized CloudFormation into moto (an offline AWS emulator): start
 * `moto_server`, prepare templates for what moto can create, upload a cloud assembly's file assets, create its
 * stacks in dependency order, and read back what tests assert. See ../shared/notes/moto.md for what moto keeps.
 *
 * Usage in a test file (stop in afterAll, so a failing test never leaves moto running; the process is also
 * killed when the Jest worker exits):
 *
 *   // runs when moto_server is on PATH; fails naming it in CI (CI=true); skipped with the reason elsewhere
 *   describeWithReferee('moto_server', 'in moto', () => {
 *     let moto: Moto | undefined;
 *     beforeAll(async () => { moto = await startMoto(); }, 60_000);
 *     afterAll(async () => { await moto?.stop(); });
 *     ...
 *   });
 *
 * moto-supported-types.json pins the CloudFormation types moto can create (moto 5.2.1: 98 types). Regenerate it
 * after upgrading moto, from the repository root, with the Python whose moto provides moto_server (the first
 * line of `moto_server` names it; here `pyenv which python3`), run outside moto's source tree (its `responses.py`
 * would shadow the `responses` package):
 *
 *   (cd /tmp && "$(pyenv which python3)" -c "import json; from moto.cloudformation.parsing import get_model_map; \
 *     print(json.dumps(sorted(t for t in get_model_map() if t.startswith('AWS::') and t != 'AWS::SERVICE::RESOURCE'), indent=2))") \
 *     > test/aws/moto-supported-types.json
 *
 * (get_model_map also holds '?' for Custom::* and the base class's 'AWS::SERVICE::RESOURCE'; both are left out.)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import * as zlib from 'node:zlib';
import {
  CloudFormationClient,
  CreateStackCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  ListStackResourcesCommand,
  type Stack,
  type StackResourceSummary,
} from '@aws-sdk/client-cloudformation';
import { DynamoDBClient, DescribeTableCommand, type TableDescription } from '@aws-sdk/client-dynamodb';
import { GetRoleCommand, GetRolePolicyCommand, IAMClient, ListRolePoliciesCommand, type Role } from '@aws-sdk/client-iam';
import {
  GetFunctionCommand,
  LambdaClient,
  ListEventSourceMappingsCommand,
  type EventSourceMappingConfiguration,
  type GetFunctionCommandOutput,
} from '@aws-sdk/client-lambda';
import { CreateBucketCommand, PutObjectCommand, S3Client, type BucketLocationConstraint } from '@aws-sdk/client-s3';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { GetQueueAttributesCommand, GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';

/** The account moto uses unless told otherwise (requests here name the account with `x-moto-account-id`). */
export const MOTO_ACCOUNT = '123456789012';
/** The region for env-agnostic stacks. */
export const MOTO_DEFAULT_REGION = 'us-east-1';
/** Dummy credentials: moto accepts any. */
export const MOTO_CREDENTIALS = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' } as const;
const SUPPORTED_TYPES_FILE = path.join(__dirname, 'moto-supported-types.json');
const DEFAULT_BOOTSTRAP_VERSION_PARAMETER = '/cdk-bootstrap/hnb659fds/version';

// ---------------------------------------------------------------------------------------------------------------
// The moto process
// ---------------------------------------------------------------------------------------------------------------

/** A running moto_server. */
export interface Moto {
  /** e.g. http://127.0.0.1:41234 */
  readonly endpoint: string;
  readonly port: number;
  /** The moto_server process (also its process group). */
  readonly pid: number;
  /** Milliseconds from spawn until moto answered. */
  readonly startMs: number;
  /** Forget every resource in every account and region (POST /moto-api/reset). */
  reset(): Promise<void>;
  /** Kill the process (its whole process group, SIGKILL) and wait for it to exit. Safe to call twice. */
  stop(): Promise<void>;
}

export interface StartMotoOptions {
  /**
   * How long to wait for moto to answer.
   * @default 20_000 ms
   */
  readonly timeoutMs?: number;
  /**
   * The executable (called as `COMMAND -H 127.0.0.1 -p 0`).
   * @default 'moto_server' (from PATH)
   */
  readonly command?: string;
}

/**
 * Why moto tests cannot run here (moto_server is not on PATH), or undefined when they can. Test files use
 * describeWithReferee (../referees.ts) instead, which also fails in CI when moto_server is missing.
 */
export function motoSkipReason(command = 'moto_server'): string | undefined {
  const found = (process.env.PATH ?? '').split(path.delimiter).some((dir) => {
    if (dir === '') return false;
    try {
      fs.accessSync(path.join(dir, command), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
  return found ? undefined : `${command} is not on PATH: install moto (pip install 'moto[server]') to run the deploy-into-moto tests`;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Start moto_server on a free port of 127.0.0.1 and wait until it answers. Call `stop()` in `afterAll`.
 *
 * The process is spawned before the first `await`, so a caller can start moto, do synchronous work (synthesize
 * an app) while it boots, and await the result afterwards. The port is chosen by the server itself (`-p 0`) and
 * read from its "Running on http://127.0.0.1:PORT" line, so there is no race for a free port.
 */
export async function startMoto(options: StartMotoOptions = {}): Promise<Moto> {
  const timeoutMs = options.timeoutMs ?? 20_000;
  const command = options.command ?? 'moto_server';
  const started = Date.now();
  // Its own process group, so stop() also ends anything the pyenv shim leaves between us and Python.
  const child: ChildProcess = spawn(command, ['-H', '127.0.0.1', '-p', '0'], {
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  let port: number | undefined;
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4000);
    port ??= Number(/Running on http:\/\/127\.0\.0\.1:(\d+)/.exec(stderr)?.[1] ?? Number.NaN) || undefined;
  });
  let exited: string | undefined;
  const exitPromise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = `moto_server exited (code ${code ?? '-'}, signal ${signal ?? '-'})`;
      resolve();
    });
    child.once('error', (error) => {
      exited = `moto_server could not start: ${error.message}`;
      resolve();
    });
  });
  const killGroup = (signal: NodeJS.Signals): void => {
    if (exited !== undefined || child.pid === undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };
  const onExit = (): void => killGroup('SIGKILL');
  process.once('exit', onExit);

  const stop = async (): Promise<void> => {
    process.removeListener('exit', onExit);
    // SIGKILL: there is nothing to save, and moto's SIGTERM handler takes about a second to exit.
    killGroup('SIGKILL');
    await exitPromise;
    child.stderr?.destroy();
  };

  let endpoint = '';
  for (;;) {
    if (exited !== undefined) {
      await stop();
      throw new Error(`${exited}\n${stderr}`);
    }
    if (Date.now() - started > timeoutMs) {
      await stop();
      throw new Error(`moto_server did not answer${port !== undefined ? ` on port ${port}` : ''} within ${timeoutMs} ms\n${stderr}`);
    }
    if (port !== undefined) {
      endpoint = `http://127.0.0.1:${port}`;
      try {
        const response = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(1000) });
        await response.arrayBuffer();
        if (response.ok) break;
      } catch {
        // not listening yet
      }
    }
    await sleep(25);
  }
  const listening = port;
  const startMs = Date.now() - started;

  return {
    endpoint,
    port: listening,
    pid: child.pid ?? 0,
    startMs,
    stop,
    async reset() {
      const response = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
      await response.arrayBuffer();
      if (!response.ok) throw new Error(`moto reset failed: HTTP ${response.status}`);
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Preparing a template (pure)
// ---------------------------------------------------------------------------------------------------------------

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The CloudFormation types moto can create, from the pinned moto-supported-types.json. */
export function loadSupportedTypes(file = SUPPORTED_TYPES_FILE): ReadonlySet<string> {
  const parsed: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (!Array.isArray(parsed) || !parsed.every((t): t is string => typeof t === 'string')) {
    throw new Error(`${file} must be a JSON array of type names`);
  }
  return new Set(parsed);
}

export interface PrepareTemplateOptions {
  /**
   * Region and account written into placeholder ARNs.
   * @default 'us-east-1' and MOTO_ACCOUNT
   */
  readonly region?: string;
  readonly account?: string;
}

export interface PreparedTemplate {
  /** A new template; the input is not changed. */
  readonly template: JsonObject;
  /** Logical ids of the resources removed (sorted). */
  readonly dropped: string[];
  /** The types of the resources removed, each once (sorted): what a test asserts exactly. */
  readonly droppedTypes: string[];
  /** Rewrites, each once (sorted): `AWS::DynamoDB::GlobalTable -> AWS::DynamoDB::Table`. */
  readonly rewrittenTypes: string[];
  /** Names of the outputs removed because they referenced a removed resource (sorted). */
  readonly droppedOutputs: string[];
  /** What else was changed, one line each: sections removed, resources rewritten, exports kept with placeholders. */
  readonly notes: string[];
}

/** Types whose `Ref` is an ARN (so a placeholder for it is ARN-shaped wherever it is used). */
const REF_IS_ARN = new Set([
  'AWS::SNS::Topic',
  'AWS::SecretsManager::Secret',
  'AWS::StepFunctions::StateMachine',
  'AWS::IAM::ManagedPolicy',
  'AWS::ElasticLoadBalancingV2::LoadBalancer',
  'AWS::ElasticLoadBalancingV2::TargetGroup',
  'AWS::ElasticLoadBalancingV2::Listener',
  'AWS::ECS::TaskDefinition',
  'AWS::ECS::Service',
  'AWS::Scheduler::Schedule',
  'AWS::CloudWatch::Alarm',
]);

/** ARN service of a resource type: AWS::SQS::QueuePolicy → sqs. */
function arnService(type: string): string {
  const service = (type.split('::')[1] ?? 'placeholder').toLowerCase();
  const special: Record<string, string> = { elasticloadbalancingv2: 'elasticloadbalancing', cloudwatch: 'cloudwatch', stepfunctions: 'states' };
  return special[service] ?? service;
}

/** Whether a replica's Region names the region the stack is deployed to (literally or as AWS::Region). */
function inRegion(region: unknown, deployRegion: string): boolean {
  return region === deployRegion || (isObject(region) && region.Ref === 'AWS::Region');
}

/**
 * A TableV2 (GlobalTable) as the Table moto can create in the deployment region, from that region's replica. A table
 * with no replica there could not be created by CloudFormation either (the stack's region must be a replica), so it
 * throws; replicas in other regions are named in `notes` (moto has no global tables, so they are not created).
 */
function rewriteGlobalTable(logicalId: string, resource: JsonObject, props: JsonObject, deployRegion: string, notes: string[]): JsonObject {
  const replicas = Array.isArray(props.Replicas) ? props.Replicas.filter(isObject) : [];
  const replica = replicas.find((r) => inRegion(r.Region, deployRegion));
  if (!replica) {
    throw new Error(`${logicalId}: AWS::DynamoDB::GlobalTable has no replica in ${deployRegion}, the region it is deployed to (replicas: ${replicas.map((r) => JSON.stringify(r.Region)).join(', ') || 'none'})`);
  }
  const others = replicas.filter((r) => r !== replica).map((r) => JSON.stringify(r.Region));
  if (others.length > 0) notes.push(`${logicalId}: replicas in ${others.join(', ')} not created (moto has no global tables)`);
  const table: JsonObject = {};
  for (const key of ['TableName', 'AttributeDefinitions', 'KeySchema', 'BillingMode', 'LocalSecondaryIndexes', 'StreamSpecification', 'TimeToLiveSpecification', 'SSESpecification']) {
    if (props[key] !== undefined) table[key] = props[key];
  }
  for (const key of ['DeletionProtectionEnabled', 'PointInTimeRecoverySpecification', 'Tags', 'TableClass', 'ContributorInsightsSpecification']) {
    if (replica[key] !== undefined) table[key] = replica[key];
  }
  const provisioned = props.BillingMode === 'PROVISIONED';
  if (provisioned) table.ProvisionedThroughput = { ReadCapacityUnits: 5, WriteCapacityUnits: 5 };
  if (Array.isArray(props.GlobalSecondaryIndexes)) {
    table.GlobalSecondaryIndexes = props.GlobalSecondaryIndexes.filter(isObject).map((index) => {
      const rest = { ...index };
      delete rest.WriteProvisionedThroughputSettings;
      delete rest.WriteOnDemandThroughputSettings;
      return provisioned ? { ...rest, ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 5 } } : rest;
    });
  }
  return { ...resource, Type: 'AWS::DynamoDB::Table', Properties: table };
}

interface ReplaceContext {
  /** Logical id → type of the dropped resources. */
  readonly dropped: ReadonlyMap<string, string>;
  /** Logical id → type and attributes a kept (rewritten) resource no longer has. */
  readonly lostAttributes: ReadonlyMap<string, { type: string; attributes: ReadonlySet<string> }>;
  readonly region: string;
  readonly account: string;
  /** Set when something was replaced (for outputs). */
  hit: boolean;
}

function placeholder(ctx: ReplaceContext, logicalId: string, attribute: string | undefined, arn: boolean): string {
  const type = ctx.dropped.get(logicalId) ?? ctx.lostAttributes.get(logicalId)?.type ?? 'AWS::Placeholder::Resource';
  // Ports are numbers to whoever reads them (security group rules parse them): give one that is valid.
  if (attribute !== undefined && /(^|\.)Port$/.test(attribute)) return '5432';
  const name = attribute === undefined || /arn$/i.test(attribute) ? `placeholder-${logicalId}` : `placeholder-${logicalId}-${attribute}`;
  const wantsArn = arn || (attribute === undefined ? REF_IS_ARN.has(type) : /arn$/i.test(attribute));
  return wantsArn ? `arn:aws:${arnService(type)}:${ctx.region}:${ctx.account}:${name}` : name;
}

function replaceInSubString(ctx: ReplaceContext, text: string, variables: ReadonlySet<string>, arn: boolean): string {
  return text.replace(/\$\{([^!}][^}]*)\}/g, (whole, expression: string) => {
    const [logicalId = '', attribute] = expression.split('.', 2);
    const lost = attribute !== undefined && ctx.lostAttributes.get(logicalId)?.attributes.has(attribute) === true;
    if (variables.has(expression) || !(ctx.dropped.has(logicalId) || lost)) return whole;
    ctx.hit = true;
    return placeholder(ctx, logicalId, attribute, arn);
  });
}

/** Replace references to dropped resources inside `value`; `arn` = inside an IAM statement's Resource. */
function replaceRefs(ctx: ReplaceContext, value: unknown, arn: boolean): unknown {
  if (Array.isArray(value)) return value.map((item) => replaceRefs(ctx, item, arn));
  if (!isObject(value)) return value;
  const keys = Object.keys(value);
  if (keys.length === 1) {
    const ref = value.Ref;
    if (typeof ref === 'string' && ctx.dropped.has(ref)) {
      ctx.hit = true;
      return placeholder(ctx, ref, undefined, arn);
    }
    const getAtt = value['Fn::GetAtt'];
    if (getAtt !== undefined) {
      const [logicalId, attribute] = Array.isArray(getAtt) ? getAtt : typeof getAtt === 'string' ? getAtt.split('.', 2) : [];
      const lost = typeof logicalId === 'string' && typeof attribute === 'string' && ctx.lostAttributes.get(logicalId)?.attributes.has(attribute) === true;
      if (typeof logicalId === 'string' && (ctx.dropped.has(logicalId) || lost)) {
        ctx.hit = true;
        return placeholder(ctx, logicalId, typeof attribute === 'string' ? attribute : undefined, arn);
      }
    }
    const sub = value['Fn::Sub'];
    if (typeof sub === 'string') return { 'Fn::Sub': replaceInSubString(ctx, sub, new Set(), arn) };
    if (Array.isArray(sub) && typeof sub[0] === 'string') {
      const variables = isObject(sub[1]) ? sub[1] : {};
      return { 'Fn::Sub': [replaceInSubString(ctx, sub[0], new Set(Object.keys(variables)), arn), replaceRefs(ctx, variables, arn)] };
    }
  }
  const isStatement = 'Effect' in value;
  const result: JsonObject = {};
  for (const [key, child] of Object.entries(value)) {
    result[key] = replaceRefs(ctx, child, arn || (isStatement && (key === 'Resource' || key === 'NotResource')));
  }
  return result;
}

/**
 * Make a synthesized template deployable in moto: drop resources moto cannot create (types not in `supported`,
 * `Custom::*`, `AWS::CloudFormation::CustomResource`, `AWS::CDK::Metadata`), the `Transform` (moto ignores it)
 * and the resources that need it; rewrite an `AWS::DynamoDB::GlobalTable` (TableV2) to an `AWS::DynamoDB::Table`
 * from its replica in the deployment region (its `TableId` attribute becomes a placeholder; replicas elsewhere are
 * named in `notes`; a table without a replica there throws, as CloudFormation would fail it); replace every `Ref`/`Fn::GetAtt`/`Fn::Sub` reference to a dropped
 * resource with a placeholder string (ARN-shaped for `…Arn` attributes, for ARN-valued Refs and inside IAM
 * statements' Resource); drop DependsOn entries on dropped resources and outputs that reference them, except
 * exported outputs, which keep a placeholder value so importing stacks still deploy. Pure: the input is not
 * changed. `Rules` and `Conditions` stay: moto 5.2.1 evaluates Conditions (CDK's CDKMetadataAvailable works) and
 * ignores Rules (even a failing CheckBootstrapVersion), but it does resolve the BootstrapVersion SSM parameter,
 * so deployTemplate seeds it.
 */
export function prepareTemplate(template: object, supported: ReadonlySet<string>, options: PrepareTemplateOptions = {}): PreparedTemplate {
  const input = structuredClone(template) as JsonObject;
  const notes: string[] = [];
  const resources = isObject(input.Resources) ? input.Resources : {};
  const hasTransform = input.Transform !== undefined;
  if (hasTransform) {
    notes.push(`removed Transform ${JSON.stringify(input.Transform)}`);
    delete input.Transform;
  }

  const dropped = new Map<string, string>();
  const rewrittenTypes = new Set<string>();
  const lostAttributes = new Map<string, { type: string; attributes: ReadonlySet<string> }>();
  const kept: JsonObject = {};
  for (const [logicalId, resource] of Object.entries(resources)) {
    if (!isObject(resource) || typeof resource.Type !== 'string') {
      dropped.set(logicalId, 'AWS::Placeholder::Resource');
      continue;
    }
    const type = resource.Type;
    const props = isObject(resource.Properties) ? resource.Properties : {};
    if (type === 'AWS::DynamoDB::GlobalTable' && !supported.has(type) && supported.has('AWS::DynamoDB::Table')) {
      kept[logicalId] = rewriteGlobalTable(logicalId, resource, props, options.region ?? MOTO_DEFAULT_REGION, notes);
      lostAttributes.set(logicalId, { type, attributes: new Set(['TableId']) });
      rewrittenTypes.add('AWS::DynamoDB::GlobalTable -> AWS::DynamoDB::Table');
      notes.push(`rewrote ${logicalId} from AWS::DynamoDB::GlobalTable to AWS::DynamoDB::Table`);
      continue;
    }
    const needsTransform = hasTransform && type === 'AWS::SecretsManager::RotationSchedule' && props.HostedRotationLambda !== undefined;
    const unsupported =
      type === 'AWS::CDK::Metadata' || type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource' || !supported.has(type);
    if (needsTransform || unsupported) dropped.set(logicalId, type);
    else kept[logicalId] = resource;
  }

  const ctx: ReplaceContext = { dropped, lostAttributes, region: options.region ?? MOTO_DEFAULT_REGION, account: options.account ?? MOTO_ACCOUNT, hit: false };
  const outResources: JsonObject = {};
  for (const [logicalId, resource] of Object.entries(kept)) {
    const replaced = replaceRefs(ctx, resource, false) as JsonObject;
    const dependsOn = replaced.DependsOn;
    if (typeof dependsOn === 'string' && dropped.has(dependsOn)) delete replaced.DependsOn;
    if (Array.isArray(dependsOn)) {
      const remaining = dependsOn.filter((d) => !(typeof d === 'string' && dropped.has(d)));
      if (remaining.length > 0) replaced.DependsOn = remaining;
      else delete replaced.DependsOn;
    }
    outResources[logicalId] = replaced;
  }
  input.Resources = outResources;

  const droppedOutputs: string[] = [];
  if (isObject(input.Outputs)) {
    const outputs: JsonObject = {};
    for (const [name, output] of Object.entries(input.Outputs)) {
      ctx.hit = false;
      const replaced = replaceRefs(ctx, output, false);
      if (!ctx.hit) outputs[name] = output;
      else if (isObject(output) && output.Export !== undefined) {
        outputs[name] = replaced;
        notes.push(`output ${name} is exported, so it keeps a placeholder value`);
      } else droppedOutputs.push(name);
    }
    if (Object.keys(outputs).length > 0) input.Outputs = outputs;
    else delete input.Outputs;
  }

  return {
    template: input,
    dropped: [...dropped.keys()].sort(),
    droppedTypes: [...new Set(dropped.values())].sort(),
    rewrittenTypes: [...rewrittenTypes].sort(),
    droppedOutputs: droppedOutputs.sort(),
    notes,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// SDK clients
// ---------------------------------------------------------------------------------------------------------------

/** SDK v3 clients pointed at moto, for one account and region. Call `destroy()` when done. */
export interface MotoClients {
  readonly cloudFormation: CloudFormationClient;
  readonly s3: S3Client;
  readonly ssm: SSMClient;
  readonly sqs: SQSClient;
  readonly dynamodb: DynamoDBClient;
  readonly iam: IAMClient;
  readonly lambda: LambdaClient;
  destroy(): void;
}

type Handler = (args: { request: unknown }) => Promise<{ response: unknown }>;

interface MiddlewareClient {
  middlewareStack: {
    add(middleware: (next: Handler) => Handler, options: { step: 'build' | 'deserialize'; name: string; priority?: 'low' }): void;
  };
}

/**
 * Keep the body of the last error response: moto answers some CloudFormation failures (a Lambda or IAM error
 * raised while creating a resource) with that service's JSON, which the SDK cannot parse as CloudFormation XML.
 */
function captureErrorBodies(client: unknown): () => string | undefined {
  let last: string | undefined;
  (client as MiddlewareClient).middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args);
      const response = result.response;
      if (isObject(response) && typeof response.statusCode === 'number' && response.statusCode >= 400 && response.body instanceof Readable) {
        const chunks: Buffer[] = [];
        for await (const chunk of response.body) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
        const body = Buffer.concat(chunks);
        last = `HTTP ${response.statusCode}: ${body.toString('utf8').slice(0, 2000)}`;
        response.body = Readable.from([body]);
      }
      return result;
    },
    { step: 'deserialize', priority: 'low', name: 'motoErrorBody' },
  );
  return () => last;
}

/** Name the account on every request (moto reads `x-moto-account-id`). */
function forAccount<C>(client: C, account: string): C {
  (client as unknown as MiddlewareClient).middlewareStack.add(
    (next) => (args) => {
      const request = args.request;
      if (isObject(request) && isObject(request.headers)) request.headers['x-moto-account-id'] = account;
      return next(args);
    },
    { step: 'build', name: 'motoAccount' },
  );
  return client;
}

export function motoClients(moto: Pick<Moto, 'endpoint'>, region = MOTO_DEFAULT_REGION, account = MOTO_ACCOUNT): MotoClients {
  const config = { endpoint: moto.endpoint, region, credentials: MOTO_CREDENTIALS, maxAttempts: 1 };
  const clients = {
    cloudFormation: forAccount(new CloudFormationClient(config), account),
    s3: forAccount(new S3Client({ ...config, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED' }), account),
    ssm: forAccount(new SSMClient(config), account),
    sqs: forAccount(new SQSClient(config), account),
    dynamodb: forAccount(new DynamoDBClient(config), account),
    iam: forAccount(new IAMClient(config), account),
    lambda: forAccount(new LambdaClient(config), account),
  };
  return {
    ...clients,
    destroy() {
      for (const client of Object.values(clients)) client.destroy();
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Deploying
// ---------------------------------------------------------------------------------------------------------------

export interface DeployOptions {
  /**
   * Region of env-agnostic stacks (and of `deployTemplate`).
   * @default 'us-east-1'
   */
  readonly region?: string;
  /**
   * Account of env-agnostic stacks (and of `deployTemplate`).
   * @default MOTO_ACCOUNT
   */
  readonly account?: string;
  /**
   * The types moto can create.
   * @default - the pinned moto-supported-types.json
   */
  readonly supported?: ReadonlySet<string>;
  /**
   * Value seeded into the bootstrap version SSM parameter.
   * @default '30'
   */
  readonly bootstrapVersion?: string;
  /**
   * How long to wait for one stack.
   * @default 30_000 ms
   */
  readonly timeoutMs?: number;
}

export interface DeployedStack {
  readonly stackName: string;
  readonly region: string;
  readonly account: string;
  /** Outputs by key. */
  readonly outputs: Record<string, string>;
  /** What prepareTemplate removed or changed. */
  readonly prepared: Omit<PreparedTemplate, 'template'>;
  /** Milliseconds from CreateStack to CREATE_COMPLETE. */
  readonly deployMs: number;
}

export interface DeployedAssembly {
  /** In deployment order. */
  readonly stacks: DeployedStack[];
  /** File assets uploaded (bucket/key) and docker image assets skipped (ids). */
  readonly uploaded: string[];
  readonly skippedImages: string[];
  /** Milliseconds spent uploading assets. */
  readonly assetsMs: number;
}

async function failureReasons(cfn: CloudFormationClient, stackName: string): Promise<string> {
  try {
    const events = await cfn.send(new DescribeStackEventsCommand({ StackName: stackName }));
    const failed = (events.StackEvents ?? []).filter((e) => (e.ResourceStatus ?? '').endsWith('_FAILED'));
    return failed.map((e) => `  ${e.LogicalResourceId ?? '?'} (${e.ResourceType ?? '?'}): ${e.ResourceStatusReason ?? e.ResourceStatus ?? ''}`).join('\n');
  } catch (error) {
    return `  (no stack events: ${error instanceof Error ? error.message : String(error)})`;
  }
}

/**
 * The headers of a call to moto without an SDK client: the account, and an Authorization header whose credential scope
 * tells moto the region and the service (moto does not check the signature).
 */
function motoHeaders(service: string, region: string, account: string): Record<string, string> {
  return { 'x-moto-account-id': account, authorization: `AWS4-HMAC-SHA256 Credential=${MOTO_CREDENTIALS.accessKeyId}/20260101/${region}/${service}/aws4_request, SignedHeaders=host, Signature=0` };
}

/** An Elastic Load Balancing v2 Query API call to moto (there is no SDK client of it here): its XML answer. */
export async function elbv2Call(moto: Pick<Moto, 'endpoint'>, action: string, params: Record<string, string>, where: Where = {}): Promise<string> {
  const res = await fetch(moto.endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...motoHeaders('elasticloadbalancing', where.region ?? MOTO_DEFAULT_REGION, where.account ?? MOTO_ACCOUNT) },
    body: new URLSearchParams({ Action: action, Version: '2015-12-01', ...params }).toString(),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${action}: HTTP ${res.status}: ${text}`);
  return text;
}

/** The literal ACM certificate ARNs the template's listeners name. */
function listenerCertificates(template: JsonObject): string[] {
  const arns = new Set<string>();
  for (const resource of Object.values(isObject(template.Resources) ? template.Resources : {})) {
    if (!isObject(resource) || resource.Type !== 'AWS::ElasticLoadBalancingV2::Listener' || !isObject(resource.Properties)) continue;
    const certificates = resource.Properties.Certificates;
    for (const c of Array.isArray(certificates) ? certificates : []) {
      if (isObject(c) && typeof c.CertificateArn === 'string' && c.CertificateArn.includes(':acm:')) arns.add(c.CertificateArn);
    }
  }
  return [...arns].sort();
}

/**
 * moto's ELBv2 refuses a listener whose certificate its ACM does not hold, and ACM picks a new certificate's ARN: each
 * certificate the template's listeners name is requested from moto's ACM (a JSON call, as the SDK makes it) and the
 * template is given moto's ARN instead, noted in `notes`.
 */
async function standInCertificates(moto: Pick<Moto, 'endpoint'>, template: JsonObject, region: string, account: string, notes: string[]): Promise<JsonObject> {
  let text = JSON.stringify(template);
  for (const arn of listenerCertificates(template)) {
    const res = await fetch(moto.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'CertificateManager.RequestCertificate', ...motoHeaders('acm', region, account) },
      body: JSON.stringify({ DomainName: 'grpc.internal.example' }),
    });
    const body = (await res.json()) as { CertificateArn?: string };
    if (!res.ok || body.CertificateArn === undefined) throw new Error(`moto's ACM did not issue a certificate (HTTP ${res.status})`);
    text = text.split(JSON.stringify(arn)).join(JSON.stringify(body.CertificateArn));
    notes.push(`certificate ${arn} stood in by moto's ${body.CertificateArn}`);
  }
  return JSON.parse(text) as JsonObject;
}

async function seedBootstrapVersion(clients: MotoClients, template: JsonObject, version: string): Promise<void> {
  const parameters = isObject(template.Parameters) ? template.Parameters : {};
  const names = new Set<string>();
  for (const parameter of Object.values(parameters)) {
    if (isObject(parameter) && typeof parameter.Type === 'string' && parameter.Type.startsWith('AWS::SSM::Parameter::Value') && typeof parameter.Default === 'string') {
      if (parameter.Default.startsWith('/cdk-bootstrap/')) names.add(parameter.Default);
    }
  }
  if (names.size === 0) names.add(DEFAULT_BOOTSTRAP_VERSION_PARAMETER);
  for (const name of names) {
    await clients.ssm.send(new PutParameterCommand({ Name: name, Value: version, Type: 'String', Overwrite: true }));
  }
}

/**
 * Prepare `template` (see prepareTemplate) and create it as stack `stackName`, waiting for CREATE_COMPLETE. On
 * failure the error lists the failed resources with their reasons. SSM bootstrap-version parameters the template
 * reads are seeded first.
 */
export async function deployTemplate(moto: Pick<Moto, 'endpoint'>, stackName: string, template: object, options: DeployOptions = {}): Promise<DeployedStack> {
  const region = options.region ?? MOTO_DEFAULT_REGION;
  const account = options.account ?? MOTO_ACCOUNT;
  const clients = motoClients(moto, region, account);
  try {
    const adapted = prepareTemplate(template, options.supported ?? loadSupportedTypes(), { region, account });
    const notes = [...adapted.notes];
    const prepared: PreparedTemplate = { ...adapted, template: await standInCertificates(moto, adapted.template, region, account, notes), notes };
    await seedBootstrapVersion(clients, prepared.template, options.bootstrapVersion ?? '30');
    const started = Date.now();
    const cfn = clients.cloudFormation;
    const lastErrorBody = captureErrorBodies(cfn);
    try {
      await cfn.send(
        new CreateStackCommand({
          StackName: stackName,
          TemplateBody: JSON.stringify(prepared.template),
          Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM', 'CAPABILITY_AUTO_EXPAND'],
        }),
      );
    } catch (error) {
      const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
      const body = lastErrorBody();
      const reasons = await failureReasons(cfn, stackName);
      throw new Error(`CreateStack ${stackName} failed: ${message}${body !== undefined ? `\n  moto said ${body}` : ''}${reasons !== '' ? `\n${reasons}` : ''}`, { cause: error });
    }
    const timeoutMs = options.timeoutMs ?? 30_000;
    let stack: Stack | undefined;
    for (;;) {
      stack = (await cfn.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks?.[0];
      const status = stack?.StackStatus ?? 'UNKNOWN';
      if (status === 'CREATE_COMPLETE') break;
      if (!status.endsWith('_IN_PROGRESS')) {
        throw new Error(`stack ${stackName} ended ${status}${stack?.StackStatusReason ? `: ${stack.StackStatusReason}` : ''}\n${await failureReasons(cfn, stackName)}`);
      }
      if (Date.now() - started > timeoutMs) throw new Error(`stack ${stackName} still ${status} after ${timeoutMs} ms\n${await failureReasons(cfn, stackName)}`);
      await sleep(100);
    }
    const deployMs = Date.now() - started;
    const outputs: Record<string, string> = {};
    for (const output of stack?.Outputs ?? []) {
      if (output.OutputKey !== undefined) outputs[output.OutputKey] = output.OutputValue ?? '';
    }
    return { stackName, region, account, outputs, prepared: { dropped: prepared.dropped, droppedTypes: prepared.droppedTypes, rewrittenTypes: prepared.rewrittenTypes, droppedOutputs: prepared.droppedOutputs, notes: prepared.notes }, deployMs };
  } finally {
    clients.destroy();
  }
}

// --- cloud assemblies ------------------------------------------------------------------------------------------

interface ArtifactManifest {
  readonly type: string;
  readonly environment?: string;
  readonly properties?: { readonly templateFile?: string; readonly stackName?: string; readonly file?: string };
  readonly dependencies?: readonly string[];
}

interface FileAsset {
  readonly source: { readonly path?: string; readonly packaging?: string; readonly executable?: readonly string[] };
  readonly destinations: Record<string, { readonly bucketName: string; readonly objectKey: string; readonly region?: string }>;
}

interface AssetsManifest {
  readonly files?: Record<string, FileAsset>;
  readonly dockerImages?: Record<string, unknown>;
}

function readJson<T>(file: string): T {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}

/** `aws://ACCOUNT/REGION`, with unknown-account/unknown-region replaced by the defaults. */
function parseEnvironment(environment: string | undefined, options: DeployOptions): { account: string; region: string } {
  const match = /^aws:\/\/([^/]+)\/(.+)$/.exec(environment ?? '');
  const account = match?.[1];
  const region = match?.[2];
  return {
    account: account === undefined || account.startsWith('unknown-') ? (options.account ?? MOTO_ACCOUNT) : account,
    region: region === undefined || region.startsWith('unknown-') ? (options.region ?? MOTO_DEFAULT_REGION) : region,
  };
}

function substitute(text: string, env: { account: string; region: string }): string {
  return text.replace(/\$\{AWS::AccountId\}/g, env.account).replace(/\$\{AWS::Region\}/g, env.region).replace(/\$\{AWS::Partition\}/g, 'aws');
}

/** Stacks in an order where every stack comes after the stacks it depends on. */
function stackOrder(artifacts: Record<string, ArtifactManifest>): string[] {
  const stacks = Object.keys(artifacts).filter((id) => artifacts[id]?.type === 'aws:cloudformation:stack');
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string): void => {
    if (state.get(id) === 'done') return;
    if (state.get(id) === 'visiting') throw new Error(`dependency cycle through stack ${id}`);
    state.set(id, 'visiting');
    for (const dep of artifacts[id]?.dependencies ?? []) if (stacks.includes(dep)) visit(dep);
    state.set(id, 'done');
    order.push(id);
  };
  for (const id of stacks) visit(id);
  return order;
}

// --- a small deterministic zip writer --------------------------------------------------------------------------

function listFiles(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(path.join(dir, prefix), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const relative = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) out.push(...listFiles(dir, relative));
    else if (entry.isFile()) out.push(relative);
  }
  return out;
}

/**
 * Zip a directory: entries sorted, deflated, dated 1980-01-01, mode 0644 (0755 when executable), so the same
 * tree always gives the same bytes.
 */
export function zipDirectory(dir: string): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  const files = listFiles(dir);
  for (const name of files) {
    const full = path.join(dir, name);
    const data = fs.readFileSync(full);
    const compressed = zlib.deflateRawSync(data);
    const crc = zlib.crc32(data);
    const nameBytes = Buffer.from(name, 'utf8');
    const mode = (fs.statSync(full).mode & 0o111) !== 0 ? 0o100755 : 0o100644;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt16LE(0, 10); // time 00:00
    local.writeUInt16LE(0x21, 12); // date 1980-01-01
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(0x0314, 4); // made by: unix, 2.0
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt16LE(0, 12);
    central.writeUInt16LE(0x21, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(compressed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt16LE(0, 30); // extra
    central.writeUInt16LE(0, 32); // comment
    central.writeUInt16LE(0, 34); // disk
    central.writeUInt16LE(0, 36); // internal attributes
    central.writeUInt32LE((mode << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, compressed);
    centrals.push(central, nameBytes);
    offset += local.length + nameBytes.length + compressed.length;
  }
  const centralSize = centrals.reduce((sum, b) => sum + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, ...centrals, end]);
}

async function uploadAssets(moto: Pick<Moto, 'endpoint'>, assemblyDir: string, manifestFile: string, env: { account: string; region: string }, uploaded: string[], skippedImages: string[]): Promise<void> {
  const manifest = readJson<AssetsManifest>(path.join(assemblyDir, manifestFile));
  skippedImages.push(...Object.keys(manifest.dockerImages ?? {}));
  const buckets = new Set<string>();
  for (const [id, asset] of Object.entries(manifest.files ?? {})) {
    if (asset.source.path === undefined) throw new Error(`file asset ${id} has no source path (executable sources are not supported)`);
    const source = path.join(assemblyDir, asset.source.path);
    const body = asset.source.packaging === 'zip' ? zipDirectory(source) : fs.readFileSync(source);
    for (const destination of Object.values(asset.destinations)) {
      const region = destination.region !== undefined ? substitute(destination.region, env) : env.region;
      const bucket = substitute(destination.bucketName, { ...env, region });
      const clients = motoClients(moto, region, env.account);
      try {
        if (!buckets.has(`${region}/${bucket}`)) {
          const configuration = region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } };
          try {
            await clients.s3.send(new CreateBucketCommand({ Bucket: bucket, ...configuration }));
          } catch (error) {
            const name = error instanceof Error ? error.name : '';
            if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw error;
          }
          buckets.add(`${region}/${bucket}`);
        }
        const key = substitute(destination.objectKey, { ...env, region });
        await clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
        uploaded.push(`${bucket}/${key}`);
      } finally {
        clients.destroy();
      }
    }
  }
}

/**
 * Deploy a cloud assembly directory (cdk.out) into moto: seed the bootstrap version parameter, create the
 * bootstrap asset buckets its asset manifests name and upload the file assets (directories zipped with
 * zipDirectory), skip docker image assets, then create every stack in dependency order (each prepared with
 * prepareTemplate). Cross-stack references deploy through moto's own exports (Fn::ImportValue). Nested
 * assemblies (Stages) are not deployed.
 */
export async function deployAssembly(moto: Pick<Moto, 'endpoint'>, assemblyDir: string, options: DeployOptions = {}): Promise<DeployedAssembly> {
  const manifest = readJson<{ artifacts?: Record<string, ArtifactManifest> }>(path.join(assemblyDir, 'manifest.json'));
  const artifacts = manifest.artifacts ?? {};
  const order = stackOrder(artifacts);
  const supported = options.supported ?? loadSupportedTypes();
  const uploaded: string[] = [];
  const skippedImages: string[] = [];
  const assetsStarted = Date.now();
  const uploadedManifests = new Set<string>();
  for (const id of order) {
    const stack = artifacts[id];
    const env = parseEnvironment(stack?.environment, options);
    for (const dep of stack?.dependencies ?? []) {
      const artifact = artifacts[dep];
      const file = artifact?.properties?.file;
      if (artifact?.type !== 'cdk:asset-manifest' || file === undefined || uploadedManifests.has(file)) continue;
      uploadedManifests.add(file);
      await uploadAssets(moto, assemblyDir, file, env, uploaded, skippedImages);
    }
  }
  const assetsMs = Date.now() - assetsStarted;
  const stacks: DeployedStack[] = [];
  for (const id of order) {
    const stack = artifacts[id];
    const templateFile = stack?.properties?.templateFile;
    if (templateFile === undefined) throw new Error(`stack artifact ${id} has no templateFile`);
    const env = parseEnvironment(stack?.environment, options);
    const template = readJson<JsonObject>(path.join(assemblyDir, templateFile));
    stacks.push(await deployTemplate(moto, stack?.properties?.stackName ?? id, template, { ...options, ...env, supported }));
  }
  return { stacks, uploaded, skippedImages, assetsMs };
}

// ---------------------------------------------------------------------------------------------------------------
// Reading back
// ---------------------------------------------------------------------------------------------------------------

export interface Where {
  readonly region?: string;
  readonly account?: string;
}

async function withClients<T>(moto: Pick<Moto, 'endpoint'>, where: Where, use: (clients: MotoClients) => Promise<T>): Promise<T> {
  const clients = motoClients(moto, where.region ?? MOTO_DEFAULT_REGION, where.account ?? MOTO_ACCOUNT);
  try {
    return await use(clients);
  } finally {
    clients.destroy();
  }
}

/** The stack's resources (logical id, type, physical id). */
export async function listStackResources(moto: Pick<Moto, 'endpoint'>, stackName: string, where: Where = {}): Promise<StackResourceSummary[]> {
  return withClients(moto, where, async ({ cloudFormation }) => {
    const out: StackResourceSummary[] = [];
    let token: string | undefined;
    do {
      const page = await cloudFormation.send(new ListStackResourcesCommand({ StackName: stackName, NextToken: token }));
      out.push(...(page.StackResourceSummaries ?? []));
      token = page.NextToken;
    } while (token !== undefined);
    return out;
  });
}

/** The physical id of the one resource of `type` whose logical id starts with `logicalIdPrefix`. */
export async function physicalId(moto: Pick<Moto, 'endpoint'>, stackName: string, type: string, logicalIdPrefix = '', where: Where = {}): Promise<string> {
  const matches = (await listStackResources(moto, stackName, where)).filter((r) => r.ResourceType === type && (r.LogicalResourceId ?? '').startsWith(logicalIdPrefix));
  const only = matches[0]?.PhysicalResourceId;
  if (matches.length !== 1 || only === undefined) {
    throw new Error(`expected one ${type} '${logicalIdPrefix}*' in ${stackName}, found ${matches.map((m) => m.LogicalResourceId).join(', ') || 'none'}`);
  }
  return only;
}

/** All attributes of a queue (by URL or name), RedrivePolicy parsed. */
export async function queueAttributes(moto: Pick<Moto, 'endpoint'>, queue: string, where: Where = {}): Promise<{ attributes: Record<string, string>; redrivePolicy?: { deadLetterTargetArn: string; maxReceiveCount: number } }> {
  return withClients(moto, where, async ({ sqs }) => {
    const queueUrl = queue.startsWith('http') ? queue : ((await sqs.send(new GetQueueUrlCommand({ QueueName: queue }))).QueueUrl ?? queue);
    const attributes = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['All'] }))).Attributes ?? {};
    const redrive = attributes.RedrivePolicy;
    if (redrive === undefined) return { attributes };
    const parsed = JSON.parse(redrive) as { deadLetterTargetArn: string; maxReceiveCount: number | string };
    return { attributes, redrivePolicy: { deadLetterTargetArn: parsed.deadLetterTargetArn, maxReceiveCount: Number(parsed.maxReceiveCount) } };
  });
}

export async function getFunction(moto: Pick<Moto, 'endpoint'>, functionName: string, where: Where = {}): Promise<GetFunctionCommandOutput> {
  return withClients(moto, where, ({ lambda }) => lambda.send(new GetFunctionCommand({ FunctionName: functionName })));
}

export async function listEventSourceMappings(moto: Pick<Moto, 'endpoint'>, functionName: string, where: Where = {}): Promise<EventSourceMappingConfiguration[]> {
  return withClients(moto, where, async ({ lambda }) => (await lambda.send(new ListEventSourceMappingsCommand({ FunctionName: functionName }))).EventSourceMappings ?? []);
}

export async function describeTable(moto: Pick<Moto, 'endpoint'>, tableName: string, where: Where = {}): Promise<TableDescription> {
  return withClients(moto, where, async ({ dynamodb }) => {
    const table = (await dynamodb.send(new DescribeTableCommand({ TableName: tableName }))).Table;
    if (!table) throw new Error(`table ${tableName} not found`);
    return table;
  });
}

export interface PolicyStatement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly [key: string]: unknown;
}

/** A role with its inline policies (documents URL-decoded and parsed). */
export async function getRoleWithPolicies(moto: Pick<Moto, 'endpoint'>, roleName: string, where: Where = {}): Promise<{ role: Role; policies: Record<string, { Statement: PolicyStatement[] }> }> {
  return withClients(moto, where, async ({ iam }) => {
    const role = (await iam.send(new GetRoleCommand({ RoleName: roleName }))).Role;
    if (!role) throw new Error(`role ${roleName} not found`);
    const names = (await iam.send(new ListRolePoliciesCommand({ RoleName: roleName }))).PolicyNames ?? [];
    const policies: Record<string, { Statement: PolicyStatement[] }> = {};
    for (const name of names) {
      const document = (await iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: name }))).PolicyDocument ?? '{}';
      const text = document.trimStart().startsWith('{') ? document : decodeURIComponent(document);
      const parsed = JSON.parse(text) as { Statement: PolicyStatement | PolicyStatement[] };
      policies[name] = { Statement: Array.isArray(parsed.Statement) ? parsed.Statement : [parsed.Statement] };
    }
    return { role, policies };
  });
}
