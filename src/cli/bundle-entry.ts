/**
 * The entry point of the CLI bundle, `lib/allframe.cjs` (src/cli/bundle.ts): what bin/allframe runs, and what the
 * build runs once to warm V8's code cache of the bundle.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderRepository } from '../skeletons/index';
import type { TargetId } from '../model/constants';
import { synthesize } from '../synth/index';
import { TARGET_SYNTHESIZERS } from '../targets/index';
import { validateSource } from '../validate/index';

export { run } from './main';
export { synthesize } from '../synth/index';
export { validateSource } from '../validate/index';

/** Load a target's modules ahead of its first synth (the benches time loading apart from building). */
export function loadTarget(target: TargetId): void {
  TARGET_SYNTHESIZERS[target].load();
}

/** The examples a warm-up runs, with the target each is checked against. */
export const WARM_UP_EXAMPLES = [
  { file: join('examples', 'shop-gcp', 'architecture.yaml'), environment: 'prod' },
  { file: join('examples', 'shop', 'architecture.yaml') },
] as const;

/**
 * What a typical run executes, done once at build time so that V8's code cache of the bundle holds those functions
 * compiled (V8 compiles lazily; the cache keeps what was compiled when it was made): validate both examples, render
 * both workspaces, synthesize the GCP one (the AWS target's cost is aws-cdk-lib, which is not in the bundle). Reads
 * the examples under `root`; throws if one is not valid, as the build is then broken.
 */
export function warmUp(root: string): void {
  for (const example of WARM_UP_EXAMPLES) {
    const file = join(root, example.file);
    const v = validateSource(file, readFileSync(file), { env: {}, ...('environment' in example ? { environment: example.environment } : {}) });
    if (!v.ok || v.model === undefined) throw new Error(`warm-up: ${example.file} is not valid: ${JSON.stringify(v.diagnostics.slice(0, 3))}`);
    if (v.model.target === 'gcp') synthesize(v.model, { sourceFile: example.file });
    else renderRepository(v.model, { sourceFile: example.file });
  }
}
