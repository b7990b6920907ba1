import { Duration, Stack, Token } from 'aws-cdk-lib';
import type * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { FactName } from 'aws-cdk-lib/region-info';
import { Construct } from 'constructs';
import {
  DEFAULT_CONTAINER_PORT,
  DEFAULT_DEREGISTRATION_DELAY,
  DEFAULT_HEALTH_CHECK_GRACE,
  DEFAULT_HEALTH_CHECK_PATH,
  DEFAULT_HTTP_MAX_CAPACITY,
  DEFAULT_HTTP_MIN_CAPACITY,
  DEFAULT_P99_LATENCY_THRESHOLD,
  DEFAULT_REQUESTS_PER_TARGET,
  DEFAULT_SERVER_ERROR_THRESHOLD,
  DEFAULT_TARGET_CPU_PERCENT,
  defaultLogBucketProps,
} from '../core/fargate-defaults';
import { acknowledgePublicLoadBalancer } from '../core/nag';
import { FargateTask, checkCapacity, containerOptions, type FargateContainerOptions } from './fargate-task';
import type { IServiceNetwork } from './service-network';

export interface FargateHttpServiceProps extends FargateContainerOptions {
  /** The network (VPC and ECS cluster) the service runs in. */
  readonly network: IServiceNetwork;
  /**
   * The fewest tasks.
   * @default 1
   */
  readonly minCapacity?: number;
  /**
   * The most tasks.
   * @default 2
   */
  readonly maxCapacity?: number;
  /**
   * The port the container listens on.
   * @default 8080
   */
  readonly containerPort?: number;
  /**
   * The path of the load balancer's health check (answering 200-399 means healthy).
   * @default '/healthz'
   */
  readonly healthCheckPath?: string;
  /**
   * An internet-facing load balancer in the public subnets, open to any address; otherwise an internal one,
   * reachable only from inside the VPC.
   * @default false
   */
  readonly internetFacing?: boolean;
  /**
   * A certificate for an HTTPS:443 listener (TLS 1.2+/1.3 policy), with port 80 redirecting to it.
   * @default - plain HTTP on port 80 (use only for internal services)
   */
  readonly certificate?: acm.ICertificate;
  /**
   * Where the load balancer writes its access logs (SSE-S3 encrypted: load balancers cannot write to KMS buckets).
   * @default - a bucket created for them (SSE-S3, TLS only, no public access, versioned, retained, logs expire
   * after a year), with its own server-access-log bucket
   */
  readonly accessLogBucket?: s3.IBucket;
  /**
   * Average CPU (percent) above which the service scales out.
   * @default 60
   */
  readonly targetCpuPercent?: number;
  /**
   * Requests per task per minute above which the service scales out.
   * @default 1000
   */
  readonly requestsPerTarget?: number;
  /**
   * A health check ECS runs inside the container. The load balancer's check on `healthCheckPath` is the primary
   * one: a curl or wget command is not in every image (distroless, scratch).
   * @default - none
   */
  readonly containerHealthCheck?: ecs.HealthCheck;
  /**
   * Where the service's alarms (5xx responses, p99 latency) notify.
   * @default - the alarms have no action
   */
  readonly alarmTopic?: sns.ITopic;
  /**
   * Carry gRPC to the tasks too: an HTTPS:443 listener with this certificate (an Application Load Balancer carries
   * gRPC over HTTPS only) forwarding to a gRPC target group on the container port (HTTP/2 to the tasks, health checked
   * by `grpc.health.v1.Health/Check`). The container must speak HTTP/2 without TLS (h2c) on that port.
   * @default - no gRPC listener
   */
  readonly grpcCertificate?: acm.ICertificate;
}

/**
 * A Fargate service behind an Application Load Balancer. Tasks run in private subnets without public IPs and
 * accept traffic only from the load balancer; deployments roll back on the circuit breaker; the load balancer is
 * internal unless asked otherwise, drops invalid headers, serves HTTPS (TLS 1.2+) with a redirect from HTTP when
 * given a certificate, and logs access to an encrypted, TLS-only bucket; the service scales on CPU and on
 * requests per task; alarms watch 5xx responses and p99 latency.
 */
export class FargateHttpService extends Construct implements ec2.IConnectable {
  readonly service: ecs.FargateService;
  readonly task: FargateTask;
  /** The application container (e.g. to `addEnvironment` after construction). */
  readonly container: ecs.ContainerDefinition;
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly listener: elbv2.ApplicationListener;
  readonly targetGroup: elbv2.ApplicationTargetGroup;
  /** `http://` or `https://` and the load balancer's DNS name. */
  readonly url: string;
  /** The role the application runs as: grant it what the code calls. */
  readonly taskRole: iam.Role;
  /** The tasks' security group(s): allow them to reach databases and caches. */
  readonly connections: ec2.Connections;
  readonly logGroup: logs.LogGroup;
  /** The bucket of the load balancer's access logs. */
  readonly accessLogBucket: s3.IBucket;
  /** Fires on 5xx responses from the tasks. */
  readonly serverErrorAlarm: cloudwatch.Alarm;
  /** Fires when the p99 response time of the tasks is too high. */
  readonly latencyAlarm: cloudwatch.Alarm;
  /** The HTTPS listener that carries gRPC, with `grpcCertificate`. */
  readonly grpcListener?: elbv2.ApplicationListener;
  /** The gRPC target group, with `grpcCertificate`. */
  readonly grpcTargetGroup?: elbv2.ApplicationTargetGroup;

  constructor(scope: Construct, id: string, props: FargateHttpServiceProps) {
    super(scope, id);
    const minCapacity = props.minCapacity ?? DEFAULT_HTTP_MIN_CAPACITY;
    const maxCapacity = props.maxCapacity ?? DEFAULT_HTTP_MAX_CAPACITY;
    checkCapacity(minCapacity, maxCapacity, 1);
    const healthCheckPath = props.healthCheckPath ?? DEFAULT_HEALTH_CHECK_PATH;
    if (!healthCheckPath.startsWith('/')) throw new Error(`healthCheckPath must start with "/", got '${healthCheckPath}'`);
    const targetCpuPercent = props.targetCpuPercent ?? DEFAULT_TARGET_CPU_PERCENT;
    if (targetCpuPercent < 10 || targetCpuPercent > 90) throw new Error(`targetCpuPercent must be from 10 to 90, got ${targetCpuPercent}`);
    const requestsPerTarget = props.requestsPerTarget ?? DEFAULT_REQUESTS_PER_TARGET;
    if (!Number.isInteger(requestsPerTarget) || requestsPerTarget < 1) throw new Error(`requestsPerTarget must be a whole number of at least 1, got ${requestsPerTarget}`);
    const containerPort = props.containerPort ?? DEFAULT_CONTAINER_PORT;
    const internetFacing = props.internetFacing ?? false;
    const network = props.network;

    this.task = new FargateTask(this, 'Task', { ...containerOptions(props), containerPort, ...(props.containerHealthCheck ? { healthCheck: props.containerHealthCheck } : {}) });
    this.taskRole = this.task.taskRole;
    this.container = this.task.container;
    this.logGroup = this.task.logGroup;

    this.service = new ecs.FargateService(this, 'Service', {
      cluster: network.cluster,
      taskDefinition: this.task.taskDefinition,
      desiredCount: minCapacity,
      vpcSubnets: network.privateSubnets,
      assignPublicIp: false,
      circuitBreaker: { enable: true, rollback: true },
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      healthCheckGracePeriod: DEFAULT_HEALTH_CHECK_GRACE,
      enableECSManagedTags: true,
      propagateTags: ecs.PropagatedTagSource.SERVICE,
    });
    this.connections = this.service.connections;

    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
      vpc: network.vpc,
      internetFacing,
      vpcSubnets: internetFacing ? network.publicSubnets : network.privateSubnets,
      dropInvalidHeaderFields: true,
      deletionProtection: false,
    });
    this.accessLogBucket = props.accessLogBucket ?? this.createLogBuckets();
    this.enableAccessLogs(this.accessLogBucket, 'alb');

    const https = props.certificate !== undefined;
    this.listener = https
      ? this.loadBalancer.addListener('Https', {
          port: 443,
          protocol: elbv2.ApplicationProtocol.HTTPS,
          certificates: [elbv2.ListenerCertificate.fromCertificateManager(props.certificate)],
          sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
          open: internetFacing,
        })
      : this.loadBalancer.addListener('Http', { port: 80, protocol: elbv2.ApplicationProtocol.HTTP, open: internetFacing });
    if (https) this.loadBalancer.addRedirect({ sourcePort: 80, targetPort: 443, open: internetFacing });
    if (internetFacing) {
      for (const sg of this.loadBalancer.connections.securityGroups) acknowledgePublicLoadBalancer(sg);
    } else {
      for (const port of https ? [80, 443] : [80]) {
        this.loadBalancer.connections.allowFrom(ec2.Peer.ipv4(network.cidr), ec2.Port.tcp(port), `port ${port} from inside the VPC`);
      }
    }
    this.url = `${https ? 'https' : 'http'}://${this.loadBalancer.loadBalancerDnsName}`;

    this.targetGroup = this.listener.addTargets('Tasks', {
      port: containerPort,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targets: [this.service],
      deregistrationDelay: DEFAULT_DEREGISTRATION_DELAY,
      healthCheck: {
        path: healthCheckPath,
        healthyHttpCodes: '200-399',
        interval: Duration.seconds(15),
        timeout: Duration.seconds(5),
        healthyThresholdCount: 2,
        unhealthyThresholdCount: 3,
      },
    });

    if (props.grpcCertificate) {
      if (https) throw new Error('grpcCertificate needs the HTTP listener on port 80: leave certificate unset (gRPC takes port 443)');
      this.grpcListener = this.loadBalancer.addListener('Grpc', {
        port: 443,
        protocol: elbv2.ApplicationProtocol.HTTPS,
        certificates: [elbv2.ListenerCertificate.fromCertificateManager(props.grpcCertificate)],
        sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
        open: internetFacing,
      });
      if (!internetFacing) this.loadBalancer.connections.allowFrom(ec2.Peer.ipv4(network.cidr), ec2.Port.tcp(443), 'gRPC (port 443) from inside the VPC');
      this.grpcTargetGroup = this.grpcListener.addTargets('GrpcTasks', {
        port: containerPort,
        protocol: elbv2.ApplicationProtocol.HTTP,
        protocolVersion: elbv2.ApplicationProtocolVersion.GRPC,
        targets: [this.service],
        deregistrationDelay: DEFAULT_DEREGISTRATION_DELAY,
        healthCheck: {
          path: '/grpc.health.v1.Health/Check',
          healthyGrpcCodes: '0',
          interval: Duration.seconds(15),
          timeout: Duration.seconds(5),
          healthyThresholdCount: 2,
          unhealthyThresholdCount: 3,
        },
      });
    }

    const scaling = this.service.autoScaleTaskCount({ minCapacity, maxCapacity });
    scaling.scaleOnCpuUtilization('Cpu', { targetUtilizationPercent: targetCpuPercent });
    scaling.scaleOnRequestCount('Requests', { requestsPerTarget, targetGroup: this.targetGroup });

    this.serverErrorAlarm = new cloudwatch.Alarm(this, 'ServerErrorAlarm', {
      alarmDescription: 'The service answers with 5xx responses.',
      metric: this.metricServerErrors(),
      threshold: DEFAULT_SERVER_ERROR_THRESHOLD,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.latencyAlarm = new cloudwatch.Alarm(this, 'LatencyAlarm', {
      alarmDescription: `The p99 response time of the service is above ${DEFAULT_P99_LATENCY_THRESHOLD.toSeconds()} s.`,
      metric: this.metricTargetResponseTimeP99(),
      threshold: DEFAULT_P99_LATENCY_THRESHOLD.toSeconds(),
      evaluationPeriods: 3,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    if (props.alarmTopic) {
      for (const alarm of [this.serverErrorAlarm, this.latencyAlarm]) alarm.addAlarmAction(new actions.SnsAction(props.alarmTopic));
    }
  }

  /** 5xx responses of the tasks (HTTPCode_Target_5XX_Count), summed per 5 minutes. */
  metricServerErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.targetGroup.metrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, { period: Duration.minutes(5), statistic: 'Sum', ...props });
  }

  /** 5xx responses the load balancer itself returns (HTTPCode_ELB_5XX_Count: no healthy task, timeouts), per 5 minutes. */
  metricLoadBalancerErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.loadBalancer.metrics.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT, { period: Duration.minutes(5), statistic: 'Sum', ...props });
  }

  /** p99 of the tasks' response time (TargetResponseTime, seconds), per minute. */
  metricTargetResponseTimeP99(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.targetGroup.metrics.targetResponseTime({ period: Duration.minutes(1), statistic: 'p99', ...props });
  }

  /**
   * Turns on the load balancer's access logs. `logAccessLogs` needs a concrete region (it picks the region's
   * Elastic Load Balancing account); in an environment-agnostic stack the account is looked up at deploy time
   * (Fn::FindInMap over the regions aws-cdk-lib knows, so such a stack deploys only to those regions), and the
   * log-delivery service principal of the regions launched since August 2022 is granted too.
   */
  private enableAccessLogs(bucket: s3.IBucket, prefix: string): void {
    const stack = Stack.of(this);
    if (!Token.isUnresolved(stack.region)) {
      this.loadBalancer.logAccessLogs(bucket, prefix);
      return;
    }
    this.loadBalancer.setAttribute('access_logs.s3.enabled', 'true');
    this.loadBalancer.setAttribute('access_logs.s3.bucket', bucket.bucketName);
    this.loadBalancer.setAttribute('access_logs.s3.prefix', prefix);
    const objects = bucket.arnForObjects(`${prefix}/AWSLogs/${stack.account}/*`);
    bucket.addToResourcePolicy(
      new iam.PolicyStatement({ actions: ['s3:PutObject'], principals: [new iam.AccountPrincipal(stack.regionalFact(FactName.ELBV2_ACCOUNT))], resources: [objects] }),
    );
    bucket.addToResourcePolicy(
      new iam.PolicyStatement({ actions: ['s3:PutObject'], principals: [new iam.ServicePrincipal('logdelivery.elasticloadbalancing.amazonaws.com')], resources: [objects] }),
    );
    if (bucket.policy) this.loadBalancer.node.addDependency(bucket.policy);
  }

  /**
   * The access-log bucket and, for its own server access logs (cdk-nag S1), a second bucket; that one is a log
   * destination, which S1 accepts, so it needs no logs of its own. S3 delivers server access logs under a bucket
   * policy naming the logged bucket and account (not the legacy log-delivery ACL, whatever the app's feature flags).
   */
  private createLogBuckets(): s3.Bucket {
    const serverAccessLogs = new s3.Bucket(this, 'AccessLogsAccessLogs', defaultLogBucketProps());
    const accessLogs = new s3.Bucket(this, 'AccessLogs', defaultLogBucketProps());
    const prefix = 'server-access-logs/';
    serverAccessLogs.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'S3ServerAccessLogsPolicy',
        principals: [new iam.ServicePrincipal('logging.s3.amazonaws.com')],
        actions: ['s3:PutObject'],
        resources: [serverAccessLogs.arnForObjects(`${prefix}*`)],
        conditions: { ArnLike: { 'aws:SourceArn': accessLogs.bucketArn }, StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );
    (accessLogs.node.defaultChild as s3.CfnBucket).loggingConfiguration = { destinationBucketName: serverAccessLogs.bucketName, logFilePrefix: prefix };
    return accessLogs;
  }
}
