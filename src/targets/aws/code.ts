/**
 * Where a service's code comes from. Two sources, one template shape:
 *
 * - `reviewCode()` (allframe synth): the templates written into the repo for review. Every code asset is named
 *   by a stable identity (architecture, service, entries) instead of a hash of the bundle, so a template changes
 *   when the infrastructure changes, not when someone edits a handler; nothing is bundled and nothing needs the
 *   workspace installed.
 * - `bundledCode(workspace)` (allframe cdk-app, run by `cdk synth/diff/deploy`): the generated service packages,
 *   bundled with esbuild (a direct dependency, never Docker) into one asset per service holding every Lambda entry
 *   it uses, and the container images built from the generated Dockerfiles (a DockerImageAsset; synth needs no
 *   Docker, `cdk deploy` does).
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AssetHashType, DockerImage, ILocalBundling } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { createHash } from 'node:crypto';
import { makeTempDir, removeTempDir } from '../../model/temp';

export interface CodeSource {
  /** How this source names code in templates: 'review' (stable identities) or 'bundled' (content hashes). */
  readonly mode: 'review' | 'bundled';
  /** The Lambda code of a service: its `src/entry/<entry>.ts` files bundled as `<entry>.js` (handler `<entry>.handler`). */
  lambda(service: string, entries: readonly string[]): lambda.Code;
  /** The container image of a service, from `services/<name>/Dockerfile` (built from the workspace root). */
  container(service: string): ecs.ContainerImage;
  /** Remove what the source made to stand in for code (after the app is synthesized). */
  dispose(): void;
}

/** Packages the Lambda runtime provides or the platform loads lazily on other clouds. */
export const BUNDLE_EXTERNALS: readonly string[] = ['@aws-sdk/*', '@google-cloud/firestore', '@google-cloud/pubsub', '@google-cloud/workflows', 'google-auth-library', '@nats-io/*', 'pg-native'];

/** A tiny directory standing in for code in review templates (its path never reaches a template). */
function makePlaceholderDir(): string {
  const dir = makeTempDir('allframe-code-');
  writeFileSync(join(dir, 'README.md'), 'Stands in for service code in allframe review templates.\n');
  writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\n');
  return dir;
}

function identity(...parts: readonly string[]): string {
  return createHash('sha256').update(['allframe-code', ...parts].join('\0')).digest('hex');
}

/**
 * Code named by identity, for review templates (see the module comment). Its placeholder directory lives in the
 * temporary directory until `dispose()`.
 */
export function reviewCode(architecture: string): CodeSource {
  let placeholder: string | undefined;
  const placeholderDir = () => (placeholder ??= makePlaceholderDir());
  return {
    mode: 'review',
    lambda: (service, entries) =>
      lambda.Code.fromAsset(placeholderDir(), {
        assetHash: identity(architecture, service, 'lambda', ...entries),
        assetHashType: AssetHashType.CUSTOM,
      }),
    container: (service) => ecs.ContainerImage.fromAsset(placeholderDir(), { extraHash: identity(architecture, service, 'container') }),
    dispose: () => {
      if (placeholder !== undefined) removeTempDir(placeholder);
      placeholder = undefined;
    },
  };
}

/** The error a user sees when the workspace is not installed and `cdk` needs the bundles. */
export class WorkspaceNotInstalledError extends Error {
  constructor(readonly workspace: string) {
    super(`cannot bundle the service code: ${workspace} has no node_modules. Run "npm ci" there (once), then run cdk again.`);
    this.name = 'WorkspaceNotInstalledError';
  }
}

/** Bundles a service's Lambda entries with esbuild's JS API, in process. */
class EsbuildBundling implements ILocalBundling {
  // Non-enumerable state: CDK serialises bundling options into custom hashes, and paths must not reach them.
  private readonly state: { workspace: string; service: string; entries: readonly string[]; node: number };

  constructor(workspace: string, service: string, entries: readonly string[], node: number) {
    this.state = { workspace, service, entries, node };
    Object.defineProperty(this, 'state', { enumerable: false });
  }

  tryBundle(outputDir: string): boolean {
    const { workspace, service, entries, node } = this.state;
    if (!existsSync(join(workspace, 'node_modules'))) throw new WorkspaceNotInstalledError(workspace);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const esbuild = require('esbuild') as typeof import('esbuild');
    const dir = join(workspace, 'services', service);
    esbuild.buildSync({
      entryPoints: Object.fromEntries(entries.map((e) => [e, join(dir, 'src', 'entry', `${e}.ts`)])),
      outdir: outputDir,
      bundle: true,
      platform: 'node',
      target: `node${node}`,
      format: 'cjs',
      sourcemap: 'linked',
      sourcesContent: false,
      external: [...BUNDLE_EXTERNALS],
      absWorkingDir: workspace,
      logLevel: 'error',
      legalComments: 'none',
    });
    return true;
  }
}

/** Code bundled from the generated workspace at `workspace` (absolute), for `cdk synth/diff/deploy`. */
export function bundledCode(workspace: string, node: number): CodeSource {
  return {
    mode: 'bundled',
    lambda: (service, entries) =>
      lambda.Code.fromAsset(join(workspace, 'services', service), {
        bundling: {
          // Required by the type; never used: the local bundler either bundles or throws.
          image: DockerImage.fromRegistry(`public.ecr.aws/docker/library/node:${node}`),
          local: new EsbuildBundling(workspace, service, entries, node),
        },
      }),
    container: (service) =>
      ecs.ContainerImage.fromAsset(workspace, {
        file: `services/${service}/Dockerfile`,
        exclude: ['**/node_modules', '**/dist', '**/coverage', 'cdk.out', '.git', '.allframe', 'infrastructure'],
      }),
    dispose: () => undefined,
  };
}
