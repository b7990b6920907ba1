/**
 * Creates the planned resources (aws-local.ts) on moto with the AWS SDK clients the generated workspace installs
 * (its platform package depends on them), so allframe itself carries no cloud SDK. Each resource is created with
 * the properties its template gives it; what the local run leaves out (KMS keys: moto keeps messages in memory; a
 * bucket's policy, encryption, lifecycle and access logs) is listed in docs/dev.md. The S3 client is loaded only when
 * a bucket is planned: a workspace without storage need not install it.
 */
import type * as DynamoDb from '@aws-sdk/client-dynamodb';
import type * as EventBridge from '@aws-sdk/client-eventbridge';
import type * as S3 from '@aws-sdk/client-s3';
import type * as SecretsManager from '@aws-sdk/client-secrets-manager';
import type * as Sns from '@aws-sdk/client-sns';
import type * as Sqs from '@aws-sdk/client-sqs';
import { InternalError } from '../model/diagnostics';
import { Resolver, s3BucketAttributes, type CreatedResource, type LocalAccount, type PlannedResource, type TemplateSet } from './aws-local';

/** The SDK modules the local run uses, loaded from the workspace. */
export interface AwsSdk {
  readonly sqs: typeof Sqs;
  readonly sns: typeof Sns;
  readonly eventbridge: typeof EventBridge;
  readonly dynamodb: typeof DynamoDb;
  readonly secrets: typeof SecretsManager;
  /** Loaded on first use (a bucket to create): it throws when the workspace does not have it. */
  readonly s3: () => typeof S3;
}

/** Dummy credentials: moto accepts any. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'AKIAALLFRAMEDEVLOCAL1', secretAccessKey: 'allframe-dev-local-secret-access-key-0000' } as const;

/** SQS queue attributes the template may set, as CreateQueue takes them. */
const QUEUE_ATTRIBUTES = ['VisibilityTimeout', 'MessageRetentionPeriod', 'DelaySeconds', 'ReceiveMessageWaitTimeSeconds', 'MaximumMessageSize', 'FifoQueue', 'ContentBasedDeduplication', 'DeduplicationScope', 'FifoThroughputLimit'];

export interface AwsClients {
  readonly sqs: Sqs.SQSClient;
  readonly sns: Sns.SNSClient;
  readonly eventbridge: EventBridge.EventBridgeClient;
  readonly dynamodb: DynamoDb.DynamoDBClient;
  readonly secrets: SecretsManager.SecretsManagerClient;
  /** Made on first use, path-style (moto's endpoint is no S3 host name). */
  s3(): S3.S3Client;
  destroy(): void;
}

export function awsClients(sdk: AwsSdk, endpoint: string, region: string): AwsClients {
  const config = { endpoint, region, credentials: LOCAL_CREDENTIALS, maxAttempts: 2 };
  const clients = {
    sqs: new sdk.sqs.SQSClient(config),
    sns: new sdk.sns.SNSClient(config),
    eventbridge: new sdk.eventbridge.EventBridgeClient(config),
    dynamodb: new sdk.dynamodb.DynamoDBClient(config),
    secrets: new sdk.secrets.SecretsManagerClient(config),
  };
  let s3: S3.S3Client | undefined;
  return {
    ...clients,
    s3: () => (s3 ??= new (sdk.s3().S3Client)({ ...config, forcePathStyle: true })),
    destroy: () => [...Object.values(clients), ...(s3 !== undefined ? [s3] : [])].forEach((c) => c.destroy()),
  };
}

/**
 * Creates `planned` (in its order) on moto, each with the properties its template gives it, references resolved to
 * `expected` (plannedAttributes); fails if moto names a resource otherwise than expected.
 */
export async function provisionAws(sdk: AwsSdk, clients: AwsClients, templates: TemplateSet, planned: readonly PlannedResource[], expected: ReadonlyMap<string, CreatedResource>, where: LocalAccount): Promise<void> {
  const resolver = new Resolver(templates, expected, where);
  for (const p of planned) {
    // Only the properties the local resource takes are resolved: a KMS key or a policy may name what no emulator runs.
    const props = new Proxy({} as Record<string, unknown>, { get: (_, key) => (typeof key === 'string' && p.properties[key] !== undefined ? resolver.resolve(p.stack, p.properties[key]) : undefined) });
    const got = await create(sdk, clients, p, props);
    const want = expected.get(Resolver.key(p.stack, p.id));
    if (want !== undefined && (want.ref !== got.ref || Object.entries(want.attributes).some(([k, v]) => got.attributes[k] !== v))) {
      throw new InternalError(`moto named ${p.stack}/${p.id} ${JSON.stringify(got)}, not ${JSON.stringify(want)} as expected`);
    }
  }
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

async function create(sdk: AwsSdk, c: AwsClients, p: PlannedResource, props: Record<string, unknown>): Promise<CreatedResource> {
  switch (p.type) {
    case 'AWS::SQS::Queue': {
      const attributes: Record<string, string> = {};
      for (const a of QUEUE_ATTRIBUTES) if (props[a] !== undefined) attributes[a] = String(props[a]);
      if (props.RedrivePolicy !== undefined) attributes.RedrivePolicy = text(props.RedrivePolicy);
      const { QueueUrl } = await c.sqs.send(new sdk.sqs.CreateQueueCommand({ QueueName: p.name, Attributes: attributes }));
      const got = await c.sqs.send(new sdk.sqs.GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
      const arn = got.Attributes?.QueueArn ?? '';
      return { ref: QueueUrl ?? '', attributes: { Arn: arn, QueueName: p.name, QueueUrl: QueueUrl ?? '' } };
    }
    case 'AWS::SNS::Topic': {
      const attributes: Record<string, string> = {};
      if (props.FifoTopic !== undefined) attributes.FifoTopic = String(props.FifoTopic);
      if (props.ContentBasedDeduplication !== undefined) attributes.ContentBasedDeduplication = String(props.ContentBasedDeduplication);
      const { TopicArn } = await c.sns.send(new sdk.sns.CreateTopicCommand({ Name: p.name, Attributes: attributes }));
      return { ref: TopicArn ?? '', attributes: { TopicArn: TopicArn ?? '', TopicName: p.name } };
    }
    case 'AWS::SNS::Subscription': {
      const attributes: Record<string, string> = {};
      for (const a of ['FilterPolicy', 'FilterPolicyScope', 'RawMessageDelivery', 'RedrivePolicy', 'DeliveryPolicy']) if (props[a] !== undefined) attributes[a] = text(props[a]);
      const out = await c.sns.send(
        new sdk.sns.SubscribeCommand({ TopicArn: String(props.TopicArn), Protocol: String(props.Protocol), Endpoint: String(props.Endpoint), Attributes: attributes, ReturnSubscriptionArn: true }),
      );
      return { ref: out.SubscriptionArn ?? '', attributes: {} };
    }
    case 'AWS::Events::EventBus': {
      const out = await c.eventbridge.send(new sdk.eventbridge.CreateEventBusCommand({ Name: p.name }));
      return { ref: p.name, attributes: { Arn: out.EventBusArn ?? '', Name: p.name } };
    }
    case 'AWS::Events::Rule': {
      const bus = props.EventBusName !== undefined ? String(props.EventBusName) : undefined;
      await c.eventbridge.send(
        new sdk.eventbridge.PutRuleCommand({ Name: p.name, ...(bus !== undefined ? { EventBusName: bus } : {}), EventPattern: text(props.EventPattern), State: (props.State as EventBridge.RuleState | undefined) ?? 'ENABLED' }),
      );
      const targets = (props.Targets as EventBridge.Target[] | undefined) ?? [];
      if (targets.length > 0) await c.eventbridge.send(new sdk.eventbridge.PutTargetsCommand({ Rule: p.name, ...(bus !== undefined ? { EventBusName: bus } : {}), Targets: targets }));
      return { ref: p.name, attributes: {} };
    }
    case 'AWS::DynamoDB::Table':
    case 'AWS::DynamoDB::GlobalTable': {
      const stream = props.StreamSpecification as { StreamViewType?: DynamoDb.StreamViewType } | undefined;
      const indexes = (props.GlobalSecondaryIndexes as DynamoDb.GlobalSecondaryIndex[] | undefined)?.map((i) => ({ IndexName: i.IndexName, KeySchema: i.KeySchema, Projection: i.Projection }));
      const out = await c.dynamodb.send(
        new sdk.dynamodb.CreateTableCommand({
          TableName: p.name,
          KeySchema: props.KeySchema as DynamoDb.KeySchemaElement[],
          AttributeDefinitions: props.AttributeDefinitions as DynamoDb.AttributeDefinition[],
          BillingMode: 'PAY_PER_REQUEST',
          ...(indexes !== undefined && indexes.length > 0 ? { GlobalSecondaryIndexes: indexes } : {}),
          ...(stream?.StreamViewType !== undefined ? { StreamSpecification: { StreamEnabled: true, StreamViewType: stream.StreamViewType } } : {}),
        }),
      );
      const ttl = props.TimeToLiveSpecification as { AttributeName?: string; Enabled?: boolean } | undefined;
      if (ttl?.Enabled === true && ttl.AttributeName !== undefined) {
        await c.dynamodb.send(new sdk.dynamodb.UpdateTimeToLiveCommand({ TableName: p.name, TimeToLiveSpecification: { AttributeName: ttl.AttributeName, Enabled: true } }));
      }
      return { ref: p.name, attributes: { Arn: out.TableDescription?.TableArn ?? '' } };
    }
    case 'AWS::S3::Bucket': {
      const s3 = sdk.s3();
      const region = await c.s3().config.region();
      // us-east-1 takes no location constraint; every other region needs its own
      await c.s3().send(new s3.CreateBucketCommand({ Bucket: p.name, ...(region !== 'us-east-1' ? { CreateBucketConfiguration: { LocationConstraint: region as S3.BucketLocationConstraint } } : {}) }));
      const versioning = props.VersioningConfiguration as { Status?: S3.BucketVersioningStatus } | undefined;
      if (versioning?.Status !== undefined) await c.s3().send(new s3.PutBucketVersioningCommand({ Bucket: p.name, VersioningConfiguration: { Status: versioning.Status } }));
      return { ref: p.name, attributes: s3BucketAttributes(p.name) };
    }
    default:
      throw new InternalError(`the local run cannot create ${String(p.type)}`);
  }
}

/** Creates a secret (or gives it a new value) in moto's Secrets Manager. */
export async function putSecret(sdk: AwsSdk, clients: AwsClients, name: string, value: string): Promise<void> {
  try {
    await clients.secrets.send(new sdk.secrets.CreateSecretCommand({ Name: name, SecretString: value }));
  } catch (e) {
    if ((e as { name?: string }).name !== 'ResourceExistsException') throw e;
    await clients.secrets.send(new sdk.secrets.PutSecretValueCommand({ SecretId: name, SecretString: value }));
  }
}
