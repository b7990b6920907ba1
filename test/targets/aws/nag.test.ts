/**
 * cdk-nag AwsSolutions on the reference example and every AWS fixture: zero unacknowledged errors and warnings;
 * every acknowledgement in one file (lib-constructs/core/nag.ts) covering at most 8 rule ids, each naming an exact
 * finding on one resource; no IAM statement with `Resource: "*"` beyond the documented actions acknowledged on its
 * role; SMG4 only for the secrets the file marks `managed: external`, and every other secret rotated.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { App, CfnResource, Stack, Stage, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { ServiceFunction } from '../../../lib-constructs/aws/service-function';
import { ACKNOWLEDGED_RULES, WILDCARD_RESOURCE_ACTIONS, acknowledgedWildcardActions } from '../../../lib-constructs/core/nag';
import type { ResolvedArchitecture } from '../../../src/resolve';
import { serviceSecrets } from '../../../src/resolve/model';
import { REFERENCE, ROOT, SECRETS_ARCHITECTURE, awsModel, awsModelOf, buildApp, fixtureFiles, FIXTURES } from './helpers';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return name === 'platform' ? [] : sources(p);
    return p.endsWith('.ts') ? [p] : [];
  });
}

const MODELS: [string, () => ResolvedArchitecture][] = [
  ['reference', () => awsModel(REFERENCE)],
  ...fixtureFiles().map((f): [string, () => ResolvedArchitecture] => [f, () => awsModel(join(FIXTURES, f))]),
  ['secrets of both kinds', () => awsModelOf(SECRETS_ARCHITECTURE)],
];

interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource?: unknown;
}

/** Every IAM policy document in the tree with the construct that holds it (resolved as CloudFormation will see it). */
function policyDocuments(app: App): { node: IConstruct; statements: Statement[] }[] {
  const found: { node: IConstruct; statements: Statement[] }[] = [];
  for (const node of app.node.findAll()) {
    const docs: unknown[] = [];
    if (node instanceof iam.CfnPolicy || node instanceof iam.CfnManagedPolicy) docs.push(Stack.of(node).resolve(node.policyDocument));
    if (node instanceof iam.CfnRole) for (const p of (Stack.of(node).resolve(node.policies) as { policyDocument: unknown }[] | undefined) ?? []) docs.push(p.policyDocument);
    for (const doc of docs) found.push({ node, statements: (doc as { Statement?: Statement[] }).Statement ?? [] });
  }
  return found;
}

/** Actions granted on `Resource: "*"` that are not documented in nag.ts and acknowledged on their role. */
function wildcardOffences(app: App): { offending: string[]; wildcards: number } {
  const offending: string[] = [];
  let wildcards = 0;
  for (const { node, statements } of policyDocuments(app)) {
    const acknowledged = acknowledgedWildcardActions(node);
    for (const s of statements) {
      if (s.Effect !== 'Allow' || ![s.Resource].flat().includes('*')) continue;
      wildcards++;
      for (const action of [s.Action].flat()) {
        if (!(action in WILDCARD_RESOURCE_ACTIONS) || !acknowledged.has(action)) offending.push(`${node.node.path}: ${action} on "*"`);
      }
    }
  }
  return { offending, wildcards };
}

/** The acknowledgements recorded in the tree: rule id, reason and the construct they sit on. */
function acknowledgements(app: App): { id: string; reason: string; node: IConstruct }[] {
  return app.node.findAll().flatMap((node) =>
    node.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) => Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({ id: id.replace(/^annotation::/i, ''), reason, node }))),
  );
}

describe('cdk-nag AwsSolutions', () => {
  test.each(MODELS)('%s: no unacknowledged finding', (_name, model) => {
    // GIVEN the stacks with the AwsSolutions rules attached
    const { app } = buildApp(model());
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    // WHEN / THEN synthesis passes (cdk-nag 3 fails it on any unacknowledged error or warning)
    expect(() => app.synth()).not.toThrow();
  });

  test('acknowledgements live in lib-constructs/core/nag.ts only, and cover at most 8 rule ids', () => {
    const callers = [...sources(join(ROOT, 'src')), ...sources(join(ROOT, 'lib-constructs'))]
      .filter((f) => /\.acknowledge\(/.test(readFileSync(f, 'utf8')))
      .map((f) => relative(ROOT, f));
    expect(callers).toEqual(['lib-constructs/core/nag.ts']);
    expect(ACKNOWLEDGED_RULES.length).toBeLessThanOrEqual(8);
    expect(new Set(ACKNOWLEDGED_RULES).size).toBe(ACKNOWLEDGED_RULES.length);
  });
});

describe('acknowledgements name exact findings', () => {
  const built = MODELS.map(([name, model]) => {
    const m = model();
    const { app } = buildApp(m);
    app.synth();
    return { name, model: m, app };
  });

  test.each(built.map((b) => [b.name, b] as const))('%s: no IAM statement grants Resource "*" beyond the documented actions acknowledged on its role', (_name, { app }) => {
    // GIVEN every policy of every stack; THEN each action on "*" is documented and acknowledged on its very role
    const { offending, wildcards } = wildcardOffences(app);
    expect(offending).toEqual([]);
    expect(wildcards).toBeGreaterThan(0); // every architecture has traced functions
  });

  test('the check catches an undocumented or unacknowledged grant on "*"', () => {
    // GIVEN a function whose role gets s3:GetObject on "*", and a role granting X-Ray upload without acknowledging it
    const app = new App();
    const stack = new Stack(app, 'S');
    const fn = new ServiceFunction(stack, 'Fn', { code: lambda.Code.fromInline('exports.handler = async () => {};'), handler: 'index.handler' });
    fn.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['*'] }));
    const bare = new iam.Role(stack, 'Bare', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    bare.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['xray:PutTraceSegments'], resources: ['*'] }));
    // WHEN
    const { offending } = wildcardOffences(app);
    // THEN both are named; the function's acknowledged X-Ray statement is not
    expect(offending).toEqual(['S/Fn/Role/DefaultPolicy/Resource: s3:GetObject on "*"', 'S/Bare/DefaultPolicy/Resource: xray:PutTraceSegments on "*"']);
  });

  test.each(built.map((b) => [b.name, b] as const))('%s: every acknowledgement names its finding and sits on one resource, never a stack or a whole role for IAM5', (_name, { app }) => {
    // (aws-cdk-lib acknowledges its own CloudFormation-Validate warnings on stacks; these are cdk-nag's)
    const acks = acknowledgements(app).filter((a) => a.id.startsWith('AwsSolutions-'));
    expect(acks.length).toBeGreaterThan(0);
    for (const { id, reason, node } of acks) {
      // IAM5 has one finding per wildcard (Resource::… or Action::…): it is acknowledged by finding, never as a rule
      if (id.startsWith('AwsSolutions-IAM5')) expect(id).toMatch(/^AwsSolutions-IAM5\[(Resource|Action)::.+\]$/);
      // on a construct below its stack (a resource or the L2 holding it), never an App, Stage or Stack
      expect(node instanceof App || node instanceof Stage || Stack.isStack(node)).toBe(false);
      expect(reason.length).toBeGreaterThan(40);
      // the IAM5 Resource::* acknowledgements of a role name the actions they cover, all documented
      if (id === 'AwsSolutions-IAM5[Resource::*]') {
        const reasons = acks.filter((a) => a.node === node && a.id === id).map((a) => a.reason).join('\n');
        const actions = acknowledgedWildcardActions(node);
        expect(actions.size).toBeGreaterThan(0);
        for (const a of actions) {
          expect(Object.keys(WILDCARD_RESOURCE_ACTIONS)).toContain(a);
          expect(reasons).toContain(a);
        }
      }
    }
  });

  test.each(built.map((b) => [b.name, b] as const))('%s: SMG4 is acknowledged only for secrets marked managed: external; every other secret rotates', (_name, { app, model }) => {
    // GIVEN the secrets the file declares, by their Secrets Manager name suffix
    const external = new Set(model.services.flatMap((s) => serviceSecrets(s).filter((x) => x.managed === 'external').map((x) => `${s.name}/${x.name}`)));
    const all = model.services.flatMap((s) => serviceSecrets(s).map((x) => `${s.name}/${x.name}`));
    const nameOf = (secret: IConstruct): string => {
      const cfn = secret.node.defaultChild;
      if (!(cfn instanceof secretsmanager.CfnSecret)) throw new Error(`${secret.node.path} is not a secret`);
      return String(cfn.name).split('/').slice(-2).join('/');
    };
    // WHEN
    const smg4 = acknowledgements(app).filter((a) => a.id === 'AwsSolutions-SMG4').map((a) => nameOf(a.node));
    const secrets = app.node.findAll().filter((n): n is secretsmanager.Secret => n instanceof secretsmanager.Secret && n.node.defaultChild instanceof CfnResource);
    const rotated = app.node
      .findAll()
      .filter((n): n is secretsmanager.CfnRotationSchedule => n instanceof secretsmanager.CfnRotationSchedule)
      .flatMap((r) => secrets.filter((s) => JSON.stringify(Stack.of(s).resolve(s.secretArn)) === JSON.stringify(Stack.of(r).resolve(r.secretId))).map(nameOf));
    // THEN
    expect(smg4.sort()).toEqual([...external].sort());
    // (secrets allframe makes for itself, such as database credentials, have rotations of their own)
    expect(rotated.filter((n) => all.includes(n)).sort()).toEqual(all.filter((n) => !external.has(n)).sort());
  });
});
