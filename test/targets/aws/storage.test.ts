/**
 * services[].storage on AWS: the owner's bucket (encrypted, TLS only, public access blocked, access-logged,
 * versioned, a lifecycle from retention_days), granted object by object to the owner's workloads and read-only to
 * its readers, wherever their stack; the variables the platform's ObjectStore reads.
 */
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { Duration } from 'aws-cdk-lib';
import { ServiceBucket } from '../../../lib-constructs/aws/service-bucket';
import { check, where } from '../../helpers';
import { awsModelOf, buildApp } from './helpers';

const PIPELINE = `
architecture: { name: lake }
cloud: { primary: aws, aws: { region: eu-west-1 } }
services:
  - name: ingest
    type: producer
    publishes: [ReadingReceived]
  - name: archive
    type: consumer
    consumes: [{ event: ReadingReceived, from: ingest }]
    consumer: {}
    storage: { retention_days: 90, readers: [query] }
  - name: query
    type: stateless
  - name: scratch
    type: stateless
    storage: { versioning: false }
`;

type Statement = { Action: string | string[]; Resource: unknown; Effect: string };

function statements(t: Template): Statement[] {
  return Object.values(t.findResources('AWS::IAM::Policy')).flatMap((p) => (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement);
}

const s3Statements = (t: Template) => statements(t).filter((st) => [st.Action].flat().some((a) => a.startsWith('s3:')));

describe('object storage on AWS', () => {
  const { arch } = buildApp(awsModelOf(PIPELINE));
  const archive = Template.fromStack(arch.services.get('archive')!);
  const query = Template.fromStack(arch.services.get('query')!);
  const scratch = Template.fromStack(arch.services.get('scratch')!);
  const ingest = Template.fromStack(arch.services.get('ingest')!);
  const bucketName = { 'Fn::Join': ['', ['lake-archive-', { Ref: 'AWS::AccountId' }, '-eu-west-1']] };

  test('the owner\'s bucket: named for the service, SSE-S3, TLS only, no public access, access-logged, retained', () => {
    archive.resourceCountIs('AWS::S3::Bucket', 2); // the data and its server access logs
    archive.hasResource('AWS::S3::Bucket', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        BucketName: bucketName,
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
        VersioningConfiguration: { Status: 'Enabled' },
        LoggingConfiguration: { DestinationBucketName: { Ref: Match.stringLikeRegexp('^StorageAccessLogs') }, LogFilePrefix: 'server-access-logs/' },
      }),
    });
    // TLS only: a Deny on aws:SecureTransport false
    archive.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: Match.stringLikeRegexp('^StorageBucket') },
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  test('retention_days is an expiration rule; versioning keeps earlier versions 30 days; unfinished uploads go after 7', () => {
    archive.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: bucketName,
      LifecycleConfiguration: { Rules: [{ Id: 'allframe', Status: 'Enabled', ExpirationInDays: 90, NoncurrentVersionExpiration: { NoncurrentDays: 30 }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } }] },
    });
    // versioning: false and no retention: no versions, no expiration
    scratch.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: { 'Fn::Join': ['', ['lake-scratch-', { Ref: 'AWS::AccountId' }, '-eu-west-1']] },
      LifecycleConfiguration: { Rules: [{ Id: 'allframe', Status: 'Enabled', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } }] },
    });
    const scratchBucket = Object.values(scratch.findResources('AWS::S3::Bucket', { Properties: { BucketName: Match.anyValue() } }))[0] as { Properties: Record<string, unknown> };
    expect(scratchBucket.Properties.VersioningConfiguration).toBeUndefined();
  });

  test('the owner may get, put and delete objects and list its bucket; nothing else of S3', () => {
    const s3 = s3Statements(archive);
    const actions = s3.flatMap((st) => [st.Action].flat()).sort();
    expect(actions).toEqual(['s3:AbortMultipartUpload', 's3:DeleteObject', 's3:GetObject', 's3:ListBucket', 's3:PutObject']);
    const list = s3.find((st) => st.Action === 's3:ListBucket')?.Resource as { 'Fn::GetAtt': [string, string] };
    expect(list['Fn::GetAtt'][0]).toMatch(/^StorageBucket/);
  });

  test('a reader may get and list, in its own stack, without an export from the owner\'s', () => {
    const s3 = s3Statements(query);
    expect(s3.flatMap((st) => [st.Action].flat()).sort()).toEqual(['s3:GetObject', 's3:ListBucket']);
    expect(s3.find((st) => st.Action === 's3:GetObject')?.Resource).toEqual({ 'Fn::Join': ['', ['arn:aws:s3:::lake-archive-', { Ref: 'AWS::AccountId' }, '-eu-west-1/*']] });
    expect(JSON.stringify(query.toJSON())).not.toContain('"Fn::ImportValue":"lake-archive:');
    // a service that neither owns nor reads a bucket gets no S3 grant
    expect(s3Statements(ingest)).toEqual([]);
  });

  test('the variables: OBJECT_STORE and BUCKET_NAME on the owner, BUCKET_<OWNER> on the reader', () => {
    archive.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ OBJECT_STORE: 's3', BUCKET_NAME: bucketName }) } });
    query.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ OBJECT_STORE: 's3', BUCKET_ARCHIVE: bucketName }) } });
    const ingestVars = JSON.stringify(ingest.findResources('AWS::Lambda::Function'));
    expect(ingestVars).not.toContain('OBJECT_STORE');
  });

  test('the ServiceBucket construct passes cdk-nag AwsSolutions, its object wildcard acknowledged on the grantee only', () => {
    const app = new App({ builtinCloudFormationValidation: false });
    const stack = new Stack(app, 'Test');
    const bucket = new ServiceBucket(stack, 'Storage', { retention: Duration.days(30) });
    bucket.grantRead(new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') }));
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
  });
});

describe('object storage: validation on AWS', () => {
  test('a bucket name longer than S3 allows is refused at the storage key', () => {
    const long = `
architecture: { name: a-rather-long-architecture-name-here }
cloud: { primary: aws, aws: { region: ap-southeast-2 } }
services:
  - name: the-archive-service-of-it
    type: stateless
    storage: {}
`;
    const r = check(long);
    expect(where(r.diagnostics)).toEqual(['AF5002@7:5']);
    expect(r.diagnostics[0]!.message).toContain('S3 allows 63');
  });

  test('readers must be other services that run code', () => {
    const text = `
architecture: { name: lake }
services:
  - name: archive
    type: stateless
    storage: { readers: [archive, nobody, warm] }
  - name: warm
    type: cache
    cache: {}
`;
    const r = check(text);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['AF4010', 'AF4002', 'AF4005']);
    expect(where(r.diagnostics)).toEqual([
      'AF4010@6:26',
      'AF4002@6:35',
      'AF4005@6:43',
    ]);
  });

  test('fly refuses what Tigris cannot honour, each at its key', () => {
    const text = `
architecture: { name: lake }
cloud: { primary: fly }
services:
  - name: archive
    type: stateless
    storage: { versioning: true, retention_days: 30, readers: [query] }
  - name: query
    type: stateless
`;
    const r = check(text, { target: 'fly' });
    expect(r.diagnostics.map((d) => `${d.code} ${d.path?.join('.') ?? ''}`)).toEqual([
      'AF5010 services.0.storage.versioning',
      'AF5010 services.0.storage.retention_days',
      'AF5010 services.0.storage.readers',
    ]);
  });
});
