import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { buildArchitecture, appContext, AwsArchitecture } from '../../../src/targets/aws/app';
import { reviewCode } from '../../../src/targets/aws/code';
import { REVIEW_CONTEXT } from '../../../src/targets/aws/synth';
import type { TargetId } from '../../../src/model/constants';
import type { ResolvedArchitecture } from '../../../src/resolve';
import { validateSource } from '../../../src/validate';

export const ROOT = join(__dirname, '..', '..', '..');
export const REFERENCE = join(ROOT, 'examples', 'shop', 'architecture.yaml');
export const FIXTURES = join(ROOT, 'fixtures', 'archetypes');

/** The AWS model of an architecture file (empty environment: defaults apply). */
export function awsModel(file: string, environment?: string): ResolvedArchitecture {
  return targetModel(file, 'aws', environment !== undefined ? { environment } : {});
}

/** The model of an architecture file (or of its text) for `target`; throws naming the diagnostics when it is invalid. */
export function targetModel(file: string, target: TargetId, options: { text?: string; environment?: string } = {}): ResolvedArchitecture {
  const r = validateSource(file, options.text ?? readFileSync(file), { env: {}, target, ...(options.environment !== undefined ? { environment: options.environment } : {}) });
  if (!r.model) throw new Error(`${file}: ${r.diagnostics.map((d) => `${d.code} ${d.message}`).join('; ')}`);
  return r.model;
}

/** Secrets of both kinds, on a function and on containers (the rotation function is shared within a stack). */
export const SECRETS_ARCHITECTURE = `
architecture: { name: vault-demo }
cloud: { primary: aws, aws: { region: eu-west-1 } }
security: { api_key_rotation_days: 30 }
services:
  - name: signer
    type: stateless
    secrets: [SIGNING_KEY, { name: WEBHOOK_TOKEN, managed: allframe }, { name: STRIPE_API_KEY, managed: external }]
  - name: mailer
    type: stateless
    compute: fargate
    secrets: [{ name: SMTP_PASSWORD, managed: external }, SESSION_KEY]
`;

/** The AWS model of architecture text (a test's own file, named `file` in diagnostics). */
export function awsModelOf(text: string, file = 'architecture.yaml'): ResolvedArchitecture {
  const r = validateSource(file, text, { env: {}, target: 'aws' });
  if (!r.model) throw new Error(`${file}: ${r.diagnostics.map((d) => `${d.code} ${d.message}`).join('; ')}`);
  return r.model;
}

/** Build (not synthesize) the stacks in a fresh App, as allframe synth does, without the built-in validation. */
export function buildApp(model: ResolvedArchitecture, options: { validation?: boolean; outdir?: string } = {}): { app: App; arch: AwsArchitecture } {
  const app = new App({ ...(options.outdir !== undefined ? { outdir: options.outdir } : {}), analyticsReporting: false, builtinCloudFormationValidation: options.validation ?? false, context: appContext(), postCliContext: { ...REVIEW_CONTEXT } });
  const arch = buildArchitecture(app, model, { code: reviewCode(model.file.architecture.name) });
  return { app, arch };
}

export function fixtureFiles(): string[] {
  return readdirSync(FIXTURES).filter((f) => f.endsWith('.yaml')).sort();
}

/**
 * Compare `actual` with the golden file, or write it with UPDATE_GOLDEN=1. Returns the golden content.
 */
export function golden(path: string, actual: string): string {
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(path)) {
    if (process.env.UPDATE_GOLDEN !== '1' && process.env.CI !== undefined) throw new Error(`missing golden file ${path}: run with UPDATE_GOLDEN=1`);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, actual);
  }
  return readFileSync(path, 'utf8');
}

/** One state of a saga's definition, as far as the tests read it. */
export interface SagaState {
  readonly Type: string;
  readonly Next?: string;
  readonly Catch?: { readonly Next: string }[];
  readonly Resource?: string;
  readonly Parameters?: Record<string, unknown>;
  readonly ResultPath?: string | null;
}

/** The definition of the one state machine of `t`; every token (ARNs, API ids) rendered as TOKEN. */
export function sagaDefinition(t: Template): { StartAt: string; States: Record<string, SagaState> } {
  const machines = Object.values(t.findResources('AWS::StepFunctions::StateMachine')) as { Properties: { DefinitionString: { 'Fn::Join': [string, unknown[]] } } }[];
  if (machines.length !== 1) throw new Error(`expected one state machine, found ${machines.length}`);
  const text = machines[0]!.Properties.DefinitionString['Fn::Join'][1].map((p) => (typeof p === 'string' ? p : 'TOKEN')).join('');
  return JSON.parse(text) as { StartAt: string; States: Record<string, SagaState> };
}

export { walkSaga } from '../../saga-walk';
