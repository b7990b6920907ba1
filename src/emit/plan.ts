/**
 * Decide, for every output file and every file the manifest remembers, what a synth would do — before
 * anything is written. A plan with errors is never applied.
 */
import { existsSync, lstatSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { Diagnostic, ErrorCode, InternalError } from '../model/diagnostics';
import { FileKind, OutputFile, sha256 } from '../model/output-file';
import { MANIFEST_PATH, Manifest, ManifestEntry, PENDING_PATH, readManifest, unsafePathReason } from './manifest';

export type Action = 'create' | 'update' | 'unchanged' | 'delete' | 'keep';

export interface PlannedFile {
  readonly path: string;
  readonly kind: FileKind;
  readonly action: Action;
  /** New content (create, update, unchanged). */
  readonly content?: string;
  /** What is on disk now (update, delete), for diffs. */
  readonly current?: string;
  readonly executable?: boolean;
  /** Why a file is kept or replaced, for the listing. */
  readonly note?: string;
}

export interface Plan {
  readonly root: string;
  readonly files: readonly PlannedFile[];
  /** Errors stop the synth (nothing is written); warnings are reported. */
  readonly problems: readonly Diagnostic[];
  /** The manifest to commit after applying. */
  readonly manifest: Record<string, ManifestEntry>;
}

export interface PlanOptions {
  /** Overwrite edited generated files and files in the way. @default false */
  readonly force?: boolean;
}

/** What the file at `path` under `root` is; symbolic links anywhere on the way are reported, not followed. */
function probe(root: string, path: string): { state: 'absent' | 'file' | 'other' | 'symlink'; at?: string } {
  const parts = path.split('/');
  let cur = root;
  for (let i = 0; i < parts.length; i++) {
    cur = join(cur, parts[i]!);
    let st;
    try {
      st = lstatSync(cur);
    } catch {
      return { state: 'absent' };
    }
    if (st.isSymbolicLink()) return { state: 'symlink', at: parts.slice(0, i + 1).join('/') };
    if (i === parts.length - 1) return { state: st.isFile() ? 'file' : 'other' };
    if (!st.isDirectory()) return { state: 'other', at: parts.slice(0, i + 1).join('/') };
  }
  return { state: 'absent' };
}

export function planOutput(rootDir: string, outputs: readonly OutputFile[], options: PlanOptions = {}): Plan {
  const root = existsSync(rootDir) ? realpathSync(rootDir) : rootDir;
  const problems: Diagnostic[] = [];
  const problem = (code: ErrorCode, path: string, message: string, hint?: string, severity: 'error' | 'warning' = 'error') =>
    problems.push({ code, severity, message, path: [], pointer: '', file: path, line: 1, col: 1, endLine: 1, endCol: 1, ...(hint ? { hint } : {}) });

  const committed = loadManifest(root, MANIFEST_PATH, problem);
  // A manifest left behind by a synth that was killed: its hashes are ours too (the files may already be new).
  const pending = existsSync(join(root, PENDING_PATH)) ? loadManifest(root, PENDING_PATH, problem) : undefined;
  const ours = (path: string, hash: string) => committed.files[path]?.sha256 === hash || pending?.files[path]?.sha256 === hash;
  const known = (path: string) => committed.files[path] ?? pending?.files[path];

  const files: PlannedFile[] = [];
  const manifest: Record<string, ManifestEntry> = {};
  const seen = new Set<string>();

  for (const out of outputs) {
    const unsafe = unsafePathReason(out.path);
    if (unsafe) throw new InternalError(`generator produced an unsafe path ${out.path}: ${unsafe}`);
    if (seen.has(out.path)) throw new InternalError(`generator produced ${out.path} twice`);
    seen.add(out.path);
    const at = probe(root, out.path);
    if (at.state === 'symlink') {
      problem('AF6003', out.path, `${at.at} is a symbolic link; allframe does not write through links`, `replace ${at.at} with a real ${at.at === out.path ? 'file' : 'directory'}`);
      continue;
    }
    if (at.state === 'other') {
      problem('AF6004', out.path, `${at.at ?? out.path} is in the way: it is not a regular file`, 'move it away');
      continue;
    }
    const current = at.state === 'file' ? readFileSync(join(root, out.path), 'utf8') : undefined;
    const flags = out.executable ? { executable: true } : {};
    if (out.kind === 'owned') {
      manifest[out.path] = { kind: 'owned' };
      // Written once. A file the committed manifest already lists as written and that is now gone was
      // deleted by its owner: that is respected too.
      if (current !== undefined) files.push({ path: out.path, kind: 'owned', action: 'keep', note: 'yours' });
      else if (committed.files[out.path]?.kind === 'owned') files.push({ path: out.path, kind: 'owned', action: 'keep', note: 'deleted by you; not recreated' });
      else files.push({ path: out.path, kind: 'owned', action: 'create', content: out.content, ...flags });
      continue;
    }
    const hash = sha256(out.content);
    manifest[out.path] = { kind: 'managed', sha256: hash };
    if (current === undefined) {
      files.push({ path: out.path, kind: 'managed', action: 'create', content: out.content, ...flags });
    } else if (current === out.content) {
      files.push({ path: out.path, kind: 'managed', action: 'unchanged', content: out.content, ...flags });
    } else if (ours(out.path, sha256(current))) {
      files.push({ path: out.path, kind: 'managed', action: 'update', content: out.content, current, ...flags });
    } else if (options.force) {
      files.push({ path: out.path, kind: 'managed', action: 'update', content: out.content, current, note: 'your edits are discarded (--force)', ...flags });
    } else if (known(out.path)?.kind === 'managed') {
      problem('AF6001', out.path, `${out.path} is generated, but it was edited since allframe wrote it; refusing to overwrite it`, 'move the change into the architecture file or an owned file, or rerun with --force to discard it');
    } else {
      problem('AF6004', out.path, `${out.path} exists and was not written by allframe; refusing to replace it`, 'move your file away, or rerun with --force to replace it');
    }
  }

  // Files generated before and no longer produced.
  const previous = new Set([...Object.keys(committed.files), ...Object.keys(pending?.files ?? {})]);
  for (const path of [...previous].sort()) {
    if (seen.has(path)) continue;
    const entry = known(path)!;
    if (entry.kind === 'owned') continue; // the user's: it stays, untracked
    const at = probe(root, path);
    if (at.state !== 'file') continue;
    const current = readFileSync(join(root, path), 'utf8');
    if (ours(path, sha256(current)) || options.force) {
      files.push({ path, kind: 'managed', action: 'delete', current });
    } else {
      files.push({ path, kind: 'managed', action: 'keep', note: 'edited, no longer generated: left in place, now yours' });
      problem('AF6005', path, `${path} is no longer generated, but it was edited: left in place and no longer tracked`, undefined, 'warning');
    }
  }

  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { root, files, problems, manifest };
}

function loadManifest(root: string, rel: string, problem: (code: ErrorCode, path: string, message: string, hint?: string) => void): Manifest {
  const { manifest, problems } = readManifest(join(root, rel));
  for (const p of problems) {
    problem('AF6002', rel, p.path !== undefined ? `manifest entry ${JSON.stringify(p.path)}: ${p.message}` : `manifest ${p.message}`, p.path !== undefined ? `remove the entry from ${rel}` : `fix or delete ${rel}`);
  }
  return manifest;
}

/** Whether applying the plan would change anything on disk (what `--check` asks). */
export function isStale(plan: Plan): boolean {
  return plan.files.some((f) => f.action === 'create' || f.action === 'update' || f.action === 'delete') || plan.problems.some((p) => p.severity === 'error');
}
