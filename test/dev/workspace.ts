/**
 * A generated workspace on disk that `allframe dev` can run without `npm install`: written under allframe's own
 * node_modules/.cache (so every package the services import resolves to allframe's node_modules, which holds the
 * skeletons' runtime dependencies), with the workspace's own packages linked into its node_modules as npm links them.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { applyPlan, planOutput } from '../../src/emit';
import type { OutputFile } from '../../src/model/output-file';
import type { ResolvedArchitecture } from '../../src/resolve/model';
import { synthesize } from '../../src/synth';
import { validateSource } from '../../src/validate';

const root = join(__dirname, '..', '..');

export interface DevWorkspace {
  readonly dir: string;
  readonly model: ResolvedArchitecture;
  readonly outputs: readonly OutputFile[];
  remove(): void;
}

/**
 * Synthesizes `file` (relative to the repository) and writes its workspace with the emitter, as `allframe synth
 * --out <dir>` would (so a later synth there changes nothing); `edit` then changes files of the user's (their code).
 */
export async function writeDevWorkspace(file: string, options: { env?: Record<string, string>; edit?: (files: Map<string, string>) => void; /** the file's text, when it is not on disk (a template's) */ text?: string } = {}): Promise<DevWorkspace> {
  mkdirSync(join(root, 'node_modules', '.cache'), { recursive: true });
  const dir = mkdtempSync(join(root, 'node_modules', '.cache', 'allframe-dev-ws-'));
  const path = join(root, file);
  const v = validateSource(path, options.text ?? readFileSync(path, 'utf8'), { env: options.env ?? {} });
  if (!v.model) throw new Error(v.diagnostics.map((d) => d.message).join('\n'));
  const r = synthesize(v.model, { validation: false, sourceFile: relative(dir, path) });
  if (!r.ok) throw new Error(r.problems.map((d) => d.message).join('\n'));
  await applyPlan(planOutput(dir, r.outputs));
  const files = new Map(r.outputs.map((f) => [f.path, f.content]));
  const edited = new Map(files);
  options.edit?.(edited);
  for (const [path, content] of edited) {
    if (content !== files.get(path)) writeFileSync(join(dir, path), content);
    const pkg = /^(packages|services)\/[^/]+\/package\.json$/.exec(path);
    if (pkg) {
      const name = (JSON.parse(content) as { name: string }).name;
      const link = join(dir, 'node_modules', ...name.split('/'));
      mkdirSync(dirname(link), { recursive: true });
      symlinkSync(dirname(join(dir, path)), link, 'dir');
    }
  }
  return { dir, model: v.model, outputs: r.outputs, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
