/**
 * `allframe cdk-app`: the architecture as a CDK app for the CDK CLI (`cdk.json`: "app": "npx allframe cdk-app").
 * One Stage per environment (each with its own account and region), or the base file's stacks when the file
 * declares no environments. Code is bundled from the generated workspace by default.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stage } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { DiagnosticInit } from '../../model/diagnostics';
import type { ResolvedArchitecture } from '../../resolve/index';
import { appContext, buildArchitecture } from './app';
import { WorkspaceNotInstalledError, bundledCode, reviewCode } from './code';

/** The workspace cannot provide the code (not generated, not installed): a user's error, exit 2. */
export class WorkspaceNotReadyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorkspaceNotReadyError';
  }
}

export interface CdkAppOptions {
  /** Absolute path of the generated workspace (holding services/ and packages/). */
  readonly workspace: string;
  readonly code: 'bundled' | 'review';
  /** The App to build into (tests); by default a new App reading the CDK CLI's context and output directory. */
  readonly app?: App;
}

export interface CdkAppResult {
  readonly app: App;
  readonly problems: readonly DiagnosticInit[];
}

export function cdkApp(models: readonly { name?: string; model: ResolvedArchitecture }[], options: CdkAppOptions): CdkAppResult {
  const app = options.app ?? new App({ context: appContext(), analyticsReporting: false });
  const problems: DiagnosticInit[] = [];
  for (const { name, model } of models) {
    if (options.code === 'bundled') {
      const missing = model.services.filter((s) => !existsSync(join(options.workspace, 'services', s.name, 'src', 'entry')));
      if (missing.length > 0) {
        throw new WorkspaceNotReadyError(
          `${options.workspace} has no generated code for ${missing.map((s) => s.name).join(', ')}: run "allframe synth" there first (or pass --workspace)`,
        );
      }
    }
    const aws = model.file.cloud?.aws;
    const scope: Construct = name !== undefined
      ? new Stage(app, name, { env: { ...(aws?.account_id !== undefined ? { account: aws.account_id } : {}), ...(aws?.region !== undefined ? { region: aws.region } : {}) } })
      : app;
    const code = options.code === 'bundled' ? bundledCode(options.workspace, model.nodeMajor) : reviewCode(model.file.architecture.name);
    const arch = buildArchitecture(scope, model, { code });
    for (const s of arch.services.values()) problems.push(...s.problems);
  }
  if (problems.length > 0) return { app, problems };
  try {
    app.synth();
  } catch (e) {
    if (e instanceof WorkspaceNotInstalledError || (e instanceof Error && e.message.includes('has no node_modules'))) {
      throw new WorkspaceNotReadyError(e.message);
    }
    throw e;
  }
  return { app, problems: [] };
}
