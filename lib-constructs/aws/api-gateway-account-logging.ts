import { RemovalPolicy } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { acknowledgeApiGatewayLoggingRole } from '../core/nag';

/**
 * The account-level role API Gateway needs to write WebSocket (and REST) access logs: one per account and region
 * (`AWS::ApiGateway::Account`). Without it a WebSocket stage with access logging fails to deploy ("CloudWatch Logs
 * role ARN must be set in account settings"). The role and the setting are retained when the stack goes, so other
 * APIs of the account keep logging; a second one in the account replaces the first with an equivalent role.
 * Its policy is inline (no AWS-managed policy).
 */
export class ApiGatewayAccountLogging extends Construct {
  readonly role: iam.Role;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('apigateway.amazonaws.com'),
      description: 'Lets API Gateway write access and execution logs to CloudWatch Logs',
      inlinePolicies: {
        logs: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({
              actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:DescribeLogGroups', 'logs:DescribeLogStreams', 'logs:PutLogEvents', 'logs:GetLogEvents', 'logs:FilterLogEvents'],
              resources: ['*'],
            }),
          ],
        }),
      },
    });
    this.role.applyRemovalPolicy(RemovalPolicy.RETAIN);
    const account = new apigw.CfnAccount(this, 'Account', { cloudWatchRoleArn: this.role.roleArn });
    account.applyRemovalPolicy(RemovalPolicy.RETAIN);
    acknowledgeApiGatewayLoggingRole(this.role);
  }
}
