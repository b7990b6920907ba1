/**
 * One list of the environment variables that are not the file's to set (src/model/environment.ts): validation
 * refuses them in services[].environment (AF4013), and here every variable the targets put on a synthesized
 * service, on each target and for every archetype, is either in that list (allframe's, the cloud's, a callee's URL,
 * a secret of the service) or one of the file's own. A variable a target starts to set without adding it to the
 * list fails this test, so validation cannot fall behind the targets.
 */
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { ALLFRAME_ENVIRONMENT, RESERVED_ENVIRONMENT, reservedEnvironmentReason } from '../../src/model/environment';
import type { ResolvedArchitecture, ResolvedService } from '../../src/resolve';
import { runServiceName } from '../../src/targets/gcp/naming';
import { awsModel, buildApp, FIXTURES, fixtureFiles, REFERENCE } from './aws/helpers';
import { FLY_FIXTURES, FLY_REFERENCE, flyFixtureFiles, flyModel } from './fly/helpers';
import { planServices } from '../../src/targets/fly/app';
import { container, GCP_FIXTURES, GCP_REFERENCE, gcpFixtureFiles, gcpModel, ROOT, synth } from './gcp/helpers';

/** The file's own variables, added to every service of the model (as `environment:` in the file would). */
const USERS = { APP_FEATURE_FLAG: 'on', APP_MODE: 'test' };

function withUserEnvironment(model: ResolvedArchitecture): ResolvedArchitecture {
  for (const s of model.services) (s.spec as { environment?: Record<string, string> }).environment = { ...USERS };
  return model;
}

/** The variables of `names` that are neither reserved for the service nor the file's own. */
function unlisted(s: ResolvedService, names: Iterable<string>): string[] {
  return [...new Set(names)].filter((n) => !(n in USERS) && reservedEnvironmentReason(s.spec, n) === undefined).sort();
}

type Env = { Variables?: Record<string, unknown> };
type Container = { Environment?: { Name: string }[]; Secrets?: { Name: string }[] };

/** Every variable on the service's functions and containers, per service. */
function awsVariables(model: ResolvedArchitecture): Map<ResolvedService, string[]> {
  const { arch } = buildApp(model);
  const out = new Map<ResolvedService, string[]>();
  for (const s of model.services) {
    const t = Template.fromStack(arch.services.get(s.name)!);
    const fromFunctions = Object.values(t.findResources('AWS::Lambda::Function')).flatMap((r) => Object.keys((r.Properties.Environment as Env | undefined)?.Variables ?? {}));
    const fromContainers = Object.values(t.findResources('AWS::ECS::TaskDefinition')).flatMap((r) =>
      (r.Properties.ContainerDefinitions as Container[]).flatMap((c) => [...(c.Environment ?? []), ...(c.Secrets ?? [])].map((e) => e.Name)),
    );
    out.set(s, [...fromFunctions, ...fromContainers]);
  }
  return out;
}

/** Every variable (plain and from Secret Manager) of the service's Cloud Run container, per service. */
function gcpVariables(model: ResolvedArchitecture): Map<ResolvedService, string[]> {
  const tf = synth(model);
  const out = new Map<ResolvedService, string[]>();
  for (const s of model.services) {
    const run = tf.values('google_cloud_run_v2_service').find((r) => r.name === runServiceName(model, s));
    if (run) out.set(s, container(run).env.map((e) => e.name));
  }
  return out;
}

/** Every variable (plain, and secret by name) of a service's Fly app, per service. */
function flyVariables(model: ResolvedArchitecture): Map<ResolvedService, string[]> {
  return new Map(planServices(model).map((p) => [p.service, [...p.env.keys(), ...p.secrets.keys()]]));
}

/** Every variable seen on a synthesized service, of any target. */
const seen = new Set<string>();

describe('the reserved list', () => {
  test('allframe\'s names are sorted and unique, and each says who sets it', () => {
    expect(ALLFRAME_ENVIRONMENT).toEqual([...new Set(ALLFRAME_ENVIRONMENT)].sort());
    expect(RESERVED_ENVIRONMENT.get('SERVICE_NAME')).toBe('allframe');
    expect(RESERVED_ENVIRONMENT.get('PORT')).toBe('Cloud Run');
    expect(RESERVED_ENVIRONMENT.get('_HANDLER')).toBe('AWS Lambda');
    // AWS_REGION: Lambda sets it, and allframe sets it on Fargate containers
    expect(RESERVED_ENVIRONMENT.get('AWS_REGION')).toBe('allframe');
  });
});

describe.each([
  ['aws', [REFERENCE, ...fixtureFiles().map((f) => join(FIXTURES, f))], (file: string) => awsVariables(withUserEnvironment(awsModel(file)))],
  // the coverage file adds what no fixture sets (a bucket and its reader)
  ['gcp', [GCP_REFERENCE, ...gcpFixtureFiles().map((f) => join(GCP_FIXTURES, f)), join(ROOT, 'fixtures', 'key-coverage', 'gcp.yaml')], (file: string) => gcpVariables(withUserEnvironment(gcpModel(file)))],
  ['fly', [FLY_REFERENCE, ...flyFixtureFiles().map((f) => join(FLY_FIXTURES, f))], (file: string) => flyVariables(withUserEnvironment(flyModel(file)))],
] as const)('on %s, every variable of a synthesized service is reserved or the file\'s own', (_target, files, variables) => {
  test.each(files.map((f) => [f.slice(f.lastIndexOf('/', f.lastIndexOf('/') - 1) + 1), f]))('%s', (_name, file) => {
    // GIVEN the architecture with variables of the file's own on every service; WHEN it is synthesized
    const byService = variables(file);
    // THEN every service got variables, including the file's, and none outside the list
    expect(byService.size).toBeGreaterThan(0);
    for (const [s, names] of byService) {
      for (const n of names) seen.add(n);
      expect({ service: s.name, unlisted: unlisted(s, names) }).toEqual({ service: s.name, unlisted: [] });
      if (names.length > 0) expect(names).toEqual(expect.arrayContaining(Object.keys(USERS)));
    }
  });
});

test('every name of allframe\'s list is set by a target on some archetype (the list holds no stale name)', () => {
  expect(ALLFRAME_ENVIRONMENT.filter((n) => !seen.has(n))).toEqual([]);
});

test('a model that skipped validation with a reserved name fails to build on both targets instead of losing the value', () => {
  const bad = (model: ResolvedArchitecture) => {
    (model.services[0]!.spec as { environment?: Record<string, string> }).environment = { SERVICE_NAME: 'mine' };
    return model;
  };
  expect(() => buildApp(bad(awsModel(join(FIXTURES, 'stateless.yaml'))))).toThrow(/environment sets SERVICE_NAME, which allframe or the cloud sets itself \(AF4013\)/);
  expect(() => synth(bad(gcpModel(join(GCP_FIXTURES, 'stateless.yaml'))))).toThrow(/environment sets SERVICE_NAME, which allframe or the cloud sets itself \(AF4013\)/);
});
