/** Defaults of every DynamoDB table allframe builds. */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';

/** On-demand, encrypted, point-in-time recovery, deletion protection, retained on stack deletion. */
export function defaultTableProps(): Omit<dynamodb.TablePropsV2, 'partitionKey'> {
  return {
    billing: dynamodb.Billing.onDemand(),
    encryption: dynamodb.TableEncryptionV2.awsManagedKey(),
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    deletionProtection: true,
    removalPolicy: RemovalPolicy.RETAIN,
  };
}
