import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import { SchemaRegistry, eventEnvelopeSchema, stableStringify, type SchemaRegistryEvent } from '../../lib-constructs/aws/schema-registry';
import { ServiceFunction } from '../../lib-constructs/aws/service-function';
import { JSON_SCHEMA_DRAFT_07 } from '../../lib-constructs/core/schema-defaults';

function stack(app = new App({ builtinCloudFormationValidation: false })): Stack {
  return new Stack(app, 'Test');
}

function handler(s: Stack, id = 'Fn'): ServiceFunction {
  return new ServiceFunction(s, id, { code: lambda.Code.fromInline('exports.handler = async () => {};'), handler: 'index.handler' });
}

const orderCreated = {
  type: 'object',
  required: ['orderId'],
  properties: { total: { type: 'number' }, orderId: { type: 'string' } },
  $schema: JSON_SCHEMA_DRAFT_07,
};

describe('SchemaRegistry', () => {
  test('one schema per event, in name order, with the format, compatibility and key-sorted definition', () => {
    // GIVEN
    const s = stack();
    // WHEN
    new SchemaRegistry(s, 'Events', {
      registryName: 'shop-events',
      description: 'Events of the shop',
      events: [
        { name: 'OrderShipped', definition: '{"type":"object","properties":{"b":{},"a":{}}}' },
        { name: 'OrderCreated', definition: orderCreated, description: 'An order was placed' },
      ],
    });
    // THEN
    const t = Template.fromStack(s);
    t.hasResourceProperties('AWS::Glue::Registry', { Name: 'shop-events', Description: 'Events of the shop' });
    t.resourceCountIs('AWS::Glue::Schema', 2);
    t.hasResourceProperties('AWS::Glue::Schema', {
      Name: 'OrderCreated',
      Description: 'An order was placed',
      DataFormat: 'JSON',
      Compatibility: 'BACKWARD',
      Registry: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('EventsRegistry'), 'Arn'] } },
      SchemaDefinition:
        '{"$schema":"http://json-schema.org/draft-07/schema#","properties":{"orderId":{"type":"string"},"total":{"type":"number"}},"required":["orderId"],"type":"object"}',
    });
    t.hasResourceProperties('AWS::Glue::Schema', { Name: 'OrderShipped', SchemaDefinition: '{"properties":{"a":{},"b":{}},"type":"object"}' });
    const names = Object.values(t.findResources('AWS::Glue::Schema')).map((r) => (r.Properties as { Name: string }).Name);
    expect(names).toEqual(['OrderCreated', 'OrderShipped']);
  });

  test('the same events in another order give the same template', () => {
    // GIVEN
    const events: SchemaRegistryEvent[] = [{ name: 'B.Done' }, { name: 'A.Started', definition: { b: 1, a: { d: 2, c: 3 } } }];
    const templates = [events, [...events].reverse()].map((evs) => {
      const s = stack();
      // WHEN
      new SchemaRegistry(s, 'Events', { registryName: 'r', events: evs });
      return JSON.stringify(Template.fromStack(s).toJSON());
    });
    // THEN
    expect(templates[0]).toBe(templates[1]);
  });

  test('an event without a definition gets the platform envelope schema (draft-07)', () => {
    // GIVEN
    const s = stack();
    // WHEN
    new SchemaRegistry(s, 'Events', { registryName: 'r', events: [{ name: 'UserSignedUp' }] });
    // THEN
    Template.fromStack(s).hasResourceProperties('AWS::Glue::Schema', { Name: 'UserSignedUp', SchemaDefinition: stableStringify(eventEnvelopeSchema('UserSignedUp')) });
  });

  test('eventEnvelopeSchema describes the envelope of src/skeletons/platform events', () => {
    // WHEN
    const schema = eventEnvelopeSchema('OrderCreated');
    // THEN
    expect(schema).toMatchObject({
      $schema: 'http://json-schema.org/draft-07/schema#',
      title: 'OrderCreated',
      type: 'object',
      required: ['id', 'type', 'source', 'time', 'data'],
      properties: {
        id: { type: 'string' },
        type: { type: 'string', const: 'OrderCreated' },
        source: { type: 'string' },
        time: { type: 'string', format: 'date-time' },
        data: { type: 'object' },
        tenant: { type: 'string' },
      },
    });
    expect(eventEnvelopeSchema('X', { type: 'object', required: ['sku'] })).toMatchObject({ properties: { data: { required: ['sku'] } } });
  });

  test('AVRO and PROTOBUF schemas, with another compatibility mode', () => {
    // GIVEN
    const avro = stack();
    const proto = stack();
    const protoText = 'syntax = "proto3";\nmessage OrderCreated { string order_id = 1; }';
    // WHEN
    new SchemaRegistry(avro, 'Events', {
      registryName: 'r',
      dataFormat: 'AVRO',
      compatibility: 'FULL_ALL',
      events: [{ name: 'OrderCreated', definition: { type: 'record', name: 'OrderCreated', fields: [{ name: 'orderId', type: 'string' }] } }],
    });
    new SchemaRegistry(proto, 'Events', { registryName: 'r', dataFormat: 'PROTOBUF', events: [{ name: 'OrderCreated', definition: protoText }] });
    // THEN
    Template.fromStack(avro).hasResourceProperties('AWS::Glue::Schema', {
      DataFormat: 'AVRO',
      Compatibility: 'FULL_ALL',
      SchemaDefinition: '{"fields":[{"name":"orderId","type":"string"}],"name":"OrderCreated","type":"record"}',
    });
    Template.fromStack(proto).hasResourceProperties('AWS::Glue::Schema', { DataFormat: 'PROTOBUF', Compatibility: 'BACKWARD', SchemaDefinition: protoText });
  });

  test('grantRead names the registry and each schema, never "*"', () => {
    // GIVEN
    const s = stack();
    const registry = new SchemaRegistry(s, 'Events', { registryName: 'r', events: [{ name: 'A' }, { name: 'B' }] });
    const fn = handler(s);
    // WHEN
    registry.grantRead(fn.function);
    // THEN
    Template.fromStack(s).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Effect: 'Allow',
            Action: [
              'glue:GetRegistry',
              'glue:ListSchemas',
              'glue:GetSchema',
              'glue:ListSchemaVersions',
              'glue:GetSchemaVersion',
              'glue:GetSchemaByDefinition',
              'glue:GetSchemaVersionsDiff',
              'glue:QuerySchemaVersionMetadata',
            ],
            Resource: [
              { 'Fn::GetAtt': [Match.stringLikeRegexp('EventsRegistry'), 'Arn'] },
              { 'Fn::GetAtt': [Match.stringLikeRegexp('EventsSchemaA'), 'Arn'] },
              { 'Fn::GetAtt': [Match.stringLikeRegexp('EventsSchemaB'), 'Arn'] },
            ],
          },
        ]),
      },
    });
  });

  test('grantRegister adds registering versions of the declared schemas, not creating schemas', () => {
    // GIVEN
    const s = stack();
    const registry = new SchemaRegistry(s, 'Events', { registryName: 'r', events: [{ name: 'A' }] });
    const fn = handler(s);
    // WHEN
    registry.grantRegister(fn.function);
    // THEN
    const t = Template.fromStack(s);
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: Match.arrayWith(['glue:GetSchemaVersion', 'glue:RegisterSchemaVersion', 'glue:PutSchemaVersionMetadata']),
            Resource: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('EventsRegistry'), 'Arn'] }, { 'Fn::GetAtt': [Match.stringLikeRegexp('EventsSchemaA'), 'Arn'] }],
          }),
        ]),
      },
    });
    expect(JSON.stringify(t.findResources('AWS::IAM::Policy'))).not.toContain('glue:CreateSchema');
  });

  test('schemaArn is the schema\'s ARN; an unknown event is refused', () => {
    const s = stack();
    const registry = new SchemaRegistry(s, 'Events', { registryName: 'r', events: [{ name: 'A' }] });
    expect(s.resolve(registry.schemaArn('A'))).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^EventsSchemaA/), 'Arn'] });
    expect(s.resolve(registry.registryArn)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^EventsRegistry/), 'Arn'] });
    expect(() => registry.schemaArn('B')).toThrow('has no event B; it has: A');
  });

  test('every problem with names and definitions is reported at once', () => {
    const s = stack();
    let message = '';
    try {
      new SchemaRegistry(s, 'Events', {
        registryName: 'bad name',
        events: [{ name: 'Ok' }, { name: 'Ok' }, { name: 'has/slash' }, { name: '' }, { name: 'NotJson', definition: '{oops' }, { name: 'Empty', definition: ' ' }],
      });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('registry name "bad name" must be 1 to 255 characters');
    expect(message).toContain('event "Ok" is declared more than once');
    expect(message).toContain('event name "has/slash"');
    expect(message).toContain('event name ""');
    expect(message).toContain('event "NotJson": the JSON definition is not valid JSON');
    expect(message).toContain('event "Empty" has an empty definition');
    expect(() => new SchemaRegistry(s, 'Long', { registryName: 'x'.repeat(256), events: [] })).toThrow('1 to 255');
  });

  test('formats without a default need a definition of the right kind, within Glue\'s size limit', () => {
    const s = stack();
    expect(() => new SchemaRegistry(s, 'A', { registryName: 'r', dataFormat: 'AVRO', events: [{ name: 'E' }] })).toThrow('needs a AVRO definition');
    expect(() => new SchemaRegistry(s, 'P', { registryName: 'r', dataFormat: 'PROTOBUF', events: [{ name: 'E', definition: { a: 1 } }] })).toThrow('the .proto text');
    expect(() => new SchemaRegistry(s, 'L', { registryName: 'r', events: [{ name: 'E', definition: { description: 'x'.repeat(170000) } }] })).toThrow('Glue accepts at most 170000');
  });

  test('passes cdk-nag AwsSolutions with a function granted read and register', () => {
    // GIVEN
    const app = new App({ builtinCloudFormationValidation: false });
    const s = stack(app);
    const registry = new SchemaRegistry(s, 'Events', { registryName: 'shop-events', events: [{ name: 'OrderCreated', definition: orderCreated }, { name: 'OrderShipped' }] });
    registry.grantRead(handler(s, 'Consumer').function);
    registry.grantRegister(handler(s, 'Producer').function);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    // WHEN / THEN
    expect(() => app.synth()).not.toThrow();
  });
});
