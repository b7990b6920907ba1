import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ServiceTable } from '../../lib-constructs/aws/service-table';

const stack = (app = new App({ builtinCloudFormationValidation: false })) => new Stack(app, 'Test');

describe('ServiceTable', () => {
  test('on-demand, encrypted, PITR, deletion protection, retained; pk string', () => {
    const s = stack();
    new ServiceTable(s, 'Users', { timeToLiveAttribute: 'expiresAt' });
    const t = Template.fromStack(s);
    t.hasResource('AWS::DynamoDB::GlobalTable', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    t.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      SSESpecification: { SSEEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      Replicas: [Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true }, DeletionProtectionEnabled: true })],
    });
  });

  test('an event store: sort key and a stream of new images', () => {
    const s = stack();
    new ServiceTable(s, 'Events', { sortKey: { name: 'sk', type: dynamodb.AttributeType.NUMBER }, stream: dynamodb.StreamViewType.NEW_IMAGE });
    Template.fromStack(s).hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
      StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
    });
  });

  test('unprotected tables for throwaway environments are deleted with their stack', () => {
    const s = stack();
    new ServiceTable(s, 'Scratch', { protect: false });
    const t = Template.fromStack(s);
    t.hasResource('AWS::DynamoDB::GlobalTable', { DeletionPolicy: 'Delete' });
    t.hasResourceProperties('AWS::DynamoDB::GlobalTable', { Replicas: [Match.objectLike({ DeletionProtectionEnabled: false })] });
  });

  test('data access is granted on this table only', () => {
    const s = stack();
    const table = new ServiceTable(s, 'Users');
    const role = new iam.Role(s, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    table.grantReadWriteData(role);
    const policy = JSON.stringify(Template.fromStack(s).findResources('AWS::IAM::Policy'));
    expect(policy).toContain('dynamodb:PutItem');
    expect(policy).not.toContain('dynamodb:DeleteTable');
    expect(policy).not.toContain('"Resource":"*"');
  });

  test('passes cdk-nag AwsSolutions with no acknowledgement', () => {
    const app = new App({ builtinCloudFormationValidation: false });
    new ServiceTable(stack(app), 'Users');
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
  });
});
