import { Duration, TimeZone } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { toEventBridgeCron } from '../core/cron';
import { acknowledgeDeadLetterQueue, acknowledgeFunctionVersions } from '../core/nag';
import { defaultDeadLetterQueueProps } from '../core/sqs-defaults';

export interface ScheduledJobProps {
  /** Five-field cron expression (minute hour day-of-month month day-of-week) or a macro such as @daily. */
  readonly cron: string;
  /** The function the schedule invokes. */
  readonly handler: lambda.IFunction;
  /**
   * IANA time zone the expression is read in.
   * @default 'UTC'
   */
  readonly timeZone?: string;
  /**
   * Retries of a failed invocation before the event goes to the dead-letter queue.
   * @default 2
   */
  readonly retryAttempts?: number;
  /**
   * How long Scheduler keeps trying to deliver one run.
   * @default Duration.hours(1)
   */
  readonly maxEventAge?: Duration;
}

/**
 * An EventBridge Scheduler schedule invoking a function, in a time zone, with a retry policy and a
 * dead-letter queue for runs that could not be delivered.
 */
export class ScheduledJob extends Construct {
  readonly schedule: scheduler.Schedule;
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: ScheduledJobProps) {
    super(scope, id);
    const retryAttempts = props.retryAttempts ?? 2;
    if (!Number.isInteger(retryAttempts) || retryAttempts < 0 || retryAttempts > 185) {
      throw new Error(`retryAttempts must be a whole number from 0 to 185, got ${retryAttempts}`);
    }
    this.deadLetterQueue = new sqs.Queue(this, 'Dlq', { ...defaultDeadLetterQueueProps(), enforceSSL: true });
    // The schedule's own role (not the stack-wide one the target would create), so its grants stay with this job.
    const role = new iam.Role(this, 'Role', { assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com') });
    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      schedule: scheduler.ScheduleExpression.expression(toEventBridgeCron(props.cron), TimeZone.of(props.timeZone ?? 'UTC')),
      target: new targets.LambdaInvoke(props.handler, {
        role,
        retryAttempts,
        maxEventAge: props.maxEventAge ?? Duration.hours(1),
        deadLetterQueue: this.deadLetterQueue,
      }),
    });
    acknowledgeDeadLetterQueue(this.deadLetterQueue, 'the EventBridge Scheduler target');
    acknowledgeFunctionVersions(role, props.handler, 'The Scheduler role');
  }
}
