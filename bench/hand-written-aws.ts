/**
 * The baseline of bench/synth-aws.ts: a plain aws-cdk-lib app, written by hand, building what allframe builds for
 * N stateless Lambda services with one DynamoDB table each (see the generated file in synth-aws.ts):
 *
 * - shared stack: the alarm topic (its own KMS key, TLS-only, CloudWatch allowed to publish) and one SNS topic per
 *   service (AWS-managed key, TLS-only);
 * - per service, a stack: the function (own role, own log group, JSON logs, X-Ray, arm64), an HTTP API with IAM
 *   authorization on `ANY /` and `ANY /{proxy+}`, a throttled `$default` stage with JSON access logs in a log group,
 *   a TableV2 (on-demand, PITR, deletion protection), read/write and publish grants, errors/throttles/p99 alarms;
 * - observability stack: one dashboard with a title and three graphs per service.
 *
 * Plain L2s only, nothing from allframe at run time, so that only aws-cdk-lib is loaded. The app takes the same
 * settings as allframe's (checked against appContext() and REVIEW_CONTEXT by synth-aws.ts before timing).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, AssetHashType, Aws, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { AccessLogField, AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { CURRENTLY_RECOMMENDED_FLAGS } from 'aws-cdk-lib/cx-api';

const ARCH = 'bench-aws';

/** The context allframe's apps start from (src/targets/aws/app.ts appContext), restated without importing allframe. */
export function handWrittenContext(): Record<string, unknown> {
  return { ...CURRENTLY_RECOMMENDED_FLAGS, '@aws-cdk/core:validateAgainstDefaultRules': true, '@aws-cdk/core:defaultCrossStackReferences': 'strong' };
}

/** allframe's REVIEW_CONTEXT (src/targets/aws/synth.ts): no bundling, no asset metadata. */
export const HAND_WRITTEN_POST_CLI_CONTEXT = { 'aws:cdk:bundling-stacks': [], 'aws:cdk:enable-asset-metadata': false };

export interface HandWrittenResult {
  /** Resources per stack name. */
  readonly stacks: Record<string, number>;
  /** Milliseconds building the construct tree, then in app.synth() (validation included). */
  readonly buildMs: number;
  readonly synthMs: number;
}

function codeFor(dir: string, service: string): lambda.Code {
  const assetHash = createHash('sha256').update(`hand-written\0${service}`).digest('hex');
  return lambda.Code.fromAsset(dir, { assetHash, assetHashType: AssetHashType.CUSTOM });
}

/** Builds and synthesizes the app for `n` services into `outdir`. */
export function synthHandWritten(n: number, outdir: string): HandWrittenResult {
  const t0 = process.hrtime.bigint();
  const codeDir = mkdtempSync(join(tmpdir(), 'hand-written-code-'));
  writeFileSync(join(codeDir, 'README.md'), 'placeholder\n');
  const app = new App({
    outdir,
    analyticsReporting: false,
    builtinCloudFormationValidation: true,
    context: handWrittenContext(),
    postCliContext: { ...HAND_WRITTEN_POST_CLI_CONTEXT },
  });
  const env = { account: '123456789012', region: 'eu-west-1' };
  const tags = { 'allframe:architecture': ARCH };

  const shared = new Stack(app, 'shared', { env, tags, stackName: `${ARCH}-shared` });
  const alarmKey = new kms.Key(shared, 'AlarmsKey', { enableKeyRotation: true, pendingWindow: Duration.days(30), removalPolicy: RemovalPolicy.RETAIN });
  alarmKey.addToResourcePolicy(
    new iam.PolicyStatement({ principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')], actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: ['*'] }),
  );
  const alarmTopic = new sns.Topic(shared, 'AlarmsTopic', { masterKey: alarmKey, enforceSSL: true, signatureVersion: '2' });
  alarmTopic.addToResourcePolicy(
    new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['sns:Publish'],
      resources: [alarmTopic.topicArn],
      conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID }, ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:*` } },
    }),
  );
  const alarmAction = new actions.SnsAction(alarmTopic);
  const snsKey = kms.Alias.fromAliasName(shared, 'SnsKey', 'alias/aws/sns');

  const observability = new Stack(app, 'observability', { env, tags, stackName: `${ARCH}-observability` });
  const dashboard = new cloudwatch.Dashboard(observability, 'Dashboard', { dashboardName: ARCH, defaultInterval: Duration.hours(3) });
  dashboard.addWidgets(new cloudwatch.TextWidget({ markdown: 'Hand-written', width: 24, height: 1 }));

  const accessLogFormat = AccessLogFormat.custom(
    JSON.stringify({
      requestId: AccessLogField.contextRequestId(),
      ip: AccessLogField.contextIdentitySourceIp(),
      requestTime: AccessLogField.contextRequestTime(),
      httpMethod: AccessLogField.contextHttpMethod(),
      routeKey: AccessLogField.contextRouteKey(),
      status: AccessLogField.contextStatus(),
      protocol: AccessLogField.contextProtocol(),
      responseLength: AccessLogField.contextResponseLength(),
      integrationError: AccessLogField.contextIntegrationErrorMessage(),
      latency: AccessLogField.contextResponseLatency(),
      integrationLatency: AccessLogField.contextIntegrationLatency(),
    }),
  );
  const stacks: Stack[] = [shared];
  for (let i = 1; i <= n; i++) {
    const name = `svc-${String(i).padStart(3, '0')}`;
    const topic = new sns.Topic(shared, `${name}-events`, { topicName: `${ARCH}-${name}-events`, enforceSSL: true, masterKey: snsKey });

    const stack = new Stack(app, name, { env, tags: { ...tags, 'allframe:service': name }, stackName: `${ARCH}-${name}` });
    stack.addDependency(shared);
    stacks.push(stack);
    const logGroup = new logs.LogGroup(stack, 'ApiLogs', { retention: logs.RetentionDays.ONE_YEAR, removalPolicy: RemovalPolicy.RETAIN });
    const role = new iam.Role(stack, 'ApiRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }));
    const table = new dynamodb.TableV2(stack, 'ItemTable', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      tableName: `${ARCH}-${name}-item`,
      billing: dynamodb.Billing.onDemand(),
      encryption: dynamodb.TableEncryptionV2.awsManagedKey(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const fn = new lambda.Function(stack, 'ApiFunction', {
      runtime: lambda.Runtime.NODEJS_24_X,
      code: codeFor(codeDir, name),
      handler: 'lambda.handler',
      role,
      memorySize: 512,
      timeout: Duration.seconds(30),
      architecture: lambda.Architecture.ARM_64,
      tracing: lambda.Tracing.ACTIVE,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      description: `${name} (stateless): lambda`,
      environment: { SERVICE_NAME: name, LOG_LEVEL: 'info', OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1', EVENT_BUS: 'sns', EVENT_TARGET: topic.topicArn, STORE: 'dynamodb', TABLE_PREFIX: `${ARCH}-${name}` },
    });
    table.grantReadWriteData(fn);
    iam.Grant.addToPrincipal({ grantee: fn, actions: ['sns:Publish'], resourceArns: [topic.topicArn] });

    const accessLogs = new logs.LogGroup(stack, 'HttpAccessLogs', { retention: logs.RetentionDays.ONE_YEAR, removalPolicy: RemovalPolicy.RETAIN });
    const api = new apigwv2.HttpApi(stack, 'HttpApi', { apiName: `${ARCH}-${name}`, createDefaultStage: false });
    api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: 1000, burstLimit: 100 },
      accessLogSettings: { destination: new apigwv2.LogGroupLogDestination(accessLogs), format: accessLogFormat },
    });
    const integration = new HttpLambdaIntegration('Handler', fn, { payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0 });
    const authorizer = new HttpIamAuthorizer();
    for (const path of ['/', '/{proxy+}']) api.addRoutes({ path, methods: [apigwv2.HttpMethod.ANY], integration, authorizer });

    const alarm = (id: string, metric: cloudwatch.IMetric, threshold: number) => {
      const a = new cloudwatch.Alarm(stack, id, {
        alarmName: `${ARCH}-${name}-${id}`,
        metric,
        threshold,
        evaluationPeriods: 1,
        datapointsToAlarm: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      a.addAlarmAction(alarmAction);
    };
    const period = Duration.minutes(5);
    alarm('Api-errors', fn.metricErrors({ statistic: 'Sum', period }), 0);
    alarm('Api-throttles', fn.metricThrottles({ statistic: 'Sum', period }), 0);
    alarm('Api-duration-p99', fn.metricDuration({ statistic: 'p99', period }), 24_000);
    alarm('http-5xx', api.metricServerError({ statistic: 'Sum', period: Duration.minutes(1) }), 0);
    alarm('http-latency-p99', api.metricLatency({ statistic: 'p99', period }), 1000);

    dashboard.addWidgets(new cloudwatch.TextWidget({ markdown: `### ${name}`, width: 24, height: 1 }));
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({ title: `${name}: Invocations`, left: [fn.metricInvocations({ statistic: 'Sum', period, label: 'Api' })], width: 8, height: 6, period }),
      new cloudwatch.GraphWidget({ title: `${name}: Errors`, left: [fn.metricErrors({ statistic: 'Sum', period, label: 'Api' })], width: 8, height: 6, period }),
      new cloudwatch.GraphWidget({ title: `${name}: Duration p99 (ms)`, left: [fn.metricDuration({ statistic: 'p99', period, label: 'Api' })], width: 8, height: 6, period }),
    );
  }
  stacks.push(observability);
  const t1 = process.hrtime.bigint();
  const assembly = app.synth();
  const counts: Record<string, number> = {};
  for (const stack of stacks) {
    const template = assembly.getStackByName(stack.stackName).template as { Resources?: object };
    counts[stack.stackName] = Object.keys(template.Resources ?? {}).length;
  }
  const t2 = process.hrtime.bigint();
  return { stacks: counts, buildMs: Number(t1 - t0) / 1e6, synthMs: Number(t2 - t1) / 1e6 };
}
