/**
 * `allframe cdk-app`: the architecture as a CDK app for the CDK CLI (`cdk.json`: "app": "npx allframe cdk-app").
 * One Stage per environment (each with its own account and region), or the base file's stacks when the file
 * declares no environments. Code is bundled from the generated workspace by default.
 */
import { readEventSchemas } from '../../model/event-schemas';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stage } from 'aws-cdk-lib';
import { OUTDIR_ENV } from 'aws-cdk-lib/cx-api';
import type { Construct } from 'constructs';
import type { DiagnosticInit } from '../../model/diagnostics';
import { makeTempDir } from '../../model/temp';
import type { ResolvedArchitecture } from '../../resolve/index';
import { appContext, buildArchitecture } from './app';
import { CodeSource, WorkspaceNotInstalledError, bundledCode, reviewCode } from './code';

export interface CdkAppOptions {
  /** Absolute path of the generated workspace (holding services/ and packages/). */
  readonly workspace: string;
  readonly code: 'bundled' | 'review';
  /**
   * The App to build into (tests). @default - a new App reading the CDK CLI's context and output directory
   * (CDK_OUTDIR); without one, a temporary directory removed when the process ends
   */
  readonly app?: App;
}

export interface CdkAppResult {
  /** The app; absent when the workspace cannot provide the code (checked before anything is made). */
  readonly app?: App;
  /** What the file or the workspace got wrong (AF5004, AF7001, AF7002), to locate in the file; nothing synthesized when any. */
  readonly problems: readonly DiagnosticInit[];
}

/** The workspace cannot provide the code: services without generated code (AF7001), or not installed (AF7002). */
function workspaceProblems(models: readonly { model: ResolvedArchitecture }[], workspace: string): DiagnosticInit[] {
  const problems: DiagnosticInit[] = [];
  const seen = new Set<string>();
  for (const { model } of models) {
    for (const s of model.services) {
      if (seen.has(s.name)) continue;
      seen.add(s.name);
      if (!existsSync(join(workspace, 'services', s.name, 'src', 'entry'))) {
        problems.push({
          code: 'AF7001',
          message: `${workspace} has no generated code for ${s.name}: run "allframe synth" there first (or pass --workspace)`,
          path: ['services', s.index, 'name'],
          hint: 'cdk-app bundles the code of the generated workspace; --code review synthesizes with placeholders instead',
        });
      }
    }
  }
  if (problems.length === 0 && !existsSync(join(workspace, 'node_modules'))) {
    problems.push({ code: 'AF7002', message: new WorkspaceNotInstalledError(workspace).message, path: [], hint: `run "npm ci" in ${workspace}` });
  }
  return problems;
}

export function cdkApp(models: readonly { name?: string; model: ResolvedArchitecture }[], options: CdkAppOptions): CdkAppResult {
  if (options.code === 'bundled') {
    const problems = workspaceProblems(models, options.workspace);
    if (problems.length > 0) return { problems };
  }
  const app = options.app ?? new App({ context: appContext(), analyticsReporting: false, ...(process.env[OUTDIR_ENV] === undefined ? { outdir: makeTempDir('allframe-cdk-app-') } : {}) });
  const problems: DiagnosticInit[] = [];
  const codes: CodeSource[] = [];
  // the schemas the workspace's events test committed, as synth registers them
  const eventSchemas = readEventSchemas(options.workspace);
  try {
    for (const { name, model } of models) {
      const aws = model.file.cloud?.aws;
      const scope: Construct = name !== undefined
        ? new Stage(app, name, { env: { ...(aws?.account_id !== undefined ? { account: aws.account_id } : {}), ...(aws?.region !== undefined ? { region: aws.region } : {}) } })
        : app;
      const code = options.code === 'bundled' ? bundledCode(options.workspace, model.nodeMajor) : reviewCode(model.file.architecture.name);
      codes.push(code);
      const arch = buildArchitecture(scope, model, { code, eventSchemas });
      for (const s of arch.services.values()) problems.push(...s.problems);
    }
    if (problems.length > 0) return { app, problems };
    app.synth();
  } catch (e) {
    // Checked above; the bundler checks again in case the workspace changed in between.
    // (aws-cdk-lib wraps what a bundler throws in an Error of its own)
    if (e instanceof WorkspaceNotInstalledError || (e instanceof Error && e.message.includes('has no node_modules'))) {
      return { app, problems: [{ code: 'AF7002', message: new WorkspaceNotInstalledError(options.workspace).message, path: [] }] };
    }
    throw e;
  } finally {
    for (const code of codes) code.dispose();
  }
  return { app, problems: [] };
}
