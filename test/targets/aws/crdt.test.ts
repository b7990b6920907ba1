/**
 * A websocket-gateway's CRDT documents on AWS (websocket.crdt): a documents table of the service's own, read and
 * written by the $connect/$default function alone; the subscribed events' pusher gets no grant on it.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { awsModelOf, buildApp } from './helpers';

const TEXT = `architecture: { name: notes }
cloud: { primary: aws, aws: { region: eu-west-1 } }
services:
  - name: editor
    type: websocket-gateway
    public: true
    websocket: { crdt: { type: yjs } }
    subscriptions: { events: [NoteShared], authorization: none }
  - name: sharing
    type: stateless
    publishes: [NoteShared]
`;

describe('CRDT documents on AWS', () => {
  const { arch } = buildApp(awsModelOf(TEXT));
  const t = Template.fromStack(arch.services.get('editor')!);
  const policies = Object.entries(t.findResources('AWS::IAM::Policy')) as [string, { Properties: { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] }; Roles: unknown[] } }][];
  const documentsTable = Object.keys(t.findResources('AWS::DynamoDB::GlobalTable', { Properties: { TableName: 'notes-editor-documents' } }))[0]!;
  const grantsTable = (policy: (typeof policies)[number][1]) => JSON.stringify(policy.Properties.PolicyDocument.Statement).includes(documentsTable);

  test('a documents table, granted to the connections function only', () => {
    expect(documentsTable).toBeDefined();
    const granted = policies.filter(([, p]) => grantsTable(p)).map(([id]) => id);
    expect(granted).toHaveLength(1);
    expect(granted[0]).toMatch(/^Connections/);
    expect(policies.some(([id]) => id.startsWith('Pusher'))).toBe(true);
  });
});
