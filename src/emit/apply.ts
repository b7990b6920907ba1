import { chmodSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, rmdirSync, statSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { InternalError } from '../model/diagnostics';
import { fsyncDir, writeFileAtomic } from './atomic';
import { MANIFEST_DIR, MANIFEST_PATH, PENDING_PATH, TMP_DIR, manifestText } from './manifest';
import type { Plan } from './plan';

export interface ApplyOptions {
  /** Called after each step that changes the disk (progress, and crash tests). */
  readonly onStep?: (step: string) => void;
}

/**
 * Apply a plan, crash-safe and as close to all-or-nothing as a file system allows:
 * 1. every new file is staged (written and fsynced) in .allframe/tmp/ — a failure here leaves the tree as it was;
 * 2. the new manifest is written as manifest.pending.json, before any file changes;
 * 3. staged files are renamed into place (each rename atomic) and orphans deleted;
 * 4. the pending manifest becomes the manifest.
 * A synth killed at any point leaves every file either old or new, never torn, and the next run accepts the
 * hashes of both manifests as allframe's own, so it completes the work instead of refusing.
 *
 * A plan that changes nothing (no file to write, delete or make executable, the manifest already saying what
 * it would say, no pending manifest of a killed synth to complete) touches nothing at all: not a file, not the
 * manifest, not a directory's modification time.
 */
export function applyPlan(plan: Plan, options: ApplyOptions = {}): { written: number; deleted: number } {
  if (plan.problems.some((p) => p.severity === 'error')) throw new InternalError('applyPlan called on a plan with errors');
  const step = options.onStep ?? (() => undefined);
  const root = plan.root;
  if (isNoOp(plan)) return { written: 0, deleted: 0 };
  const tmpDir = join(root, TMP_DIR);
  rmSync(tmpDir, { recursive: true, force: true });
  try {
    mkdirSync(tmpDir, { recursive: true });
    const staged: { tmp: string; abs: string; content: string; mode: number; path: string }[] = [];
    for (const f of plan.files) {
      if (f.action !== 'create' && f.action !== 'update') continue;
      const tmp = join(tmpDir, `${staged.length}.tmp`);
      const mode = f.executable ? 0o755 : 0o644;
      writeDurably(tmp, f.content!, mode);
      staged.push({ tmp, abs: join(root, f.path), content: f.content!, mode, path: f.path });
      step(`stage ${f.path}`);
    }

    writeFileAtomic(join(root, PENDING_PATH), manifestText(plan.manifest), { tmpDir });
    fsyncDir(join(root, MANIFEST_DIR));
    step('pending manifest');

    for (const s of staged) {
      mkdirSync(dirname(s.abs), { recursive: true });
      try {
        renameSync(s.tmp, s.abs);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
        writeFileAtomic(s.abs, s.content, { mode: s.mode }); // another file system: temp beside the target
      }
      step(`write ${s.path}`);
    }
    let deleted = 0;
    for (const f of plan.files) {
      const abs = join(root, f.path);
      if (f.action === 'unchanged' && f.executable && (statSync(abs).mode & 0o111) === 0) chmodSync(abs, 0o755);
      if (f.action !== 'delete') continue;
      rmSync(abs, { force: true });
      removeEmptyParents(root, dirname(f.path));
      deleted++;
      step(`delete ${f.path}`);
    }
    renameSync(join(root, PENDING_PATH), join(root, MANIFEST_PATH));
    fsyncDir(join(root, MANIFEST_DIR));
    step('manifest');
    return { written: staged.length, deleted };
  } finally {
    rmSync(tmpDir, { recursive: true, force: true });
  }
}

/** Whether applying `plan` would leave every byte, mode and manifest as it is. */
function isNoOp(plan: Plan): boolean {
  const root = plan.root;
  for (const f of plan.files) {
    if (f.action === 'create' || f.action === 'update' || f.action === 'delete') return false;
    if (f.action === 'unchanged' && f.executable && (statSync(join(root, f.path)).mode & 0o111) === 0) return false;
  }
  if (existsSync(join(root, PENDING_PATH)) || existsSync(join(root, TMP_DIR))) return false;
  let committed: string;
  try {
    committed = readFileSync(join(root, MANIFEST_PATH), 'utf8');
  } catch {
    return false;
  }
  return committed === manifestText(plan.manifest);
}

function writeDurably(file: string, content: string, mode: number): void {
  const fd = openSync(file, 'w', mode);
  try {
    writeSync(fd, Buffer.from(content, 'utf8'));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  chmodSync(file, mode);
}

function removeEmptyParents(root: string, rel: string): void {
  let dir = rel;
  while (dir !== '.' && dir !== '' && dir !== '/') {
    const abs = join(root, dir);
    try {
      if (readdirSync(abs).length > 0) return;
      rmdirSync(abs);
    } catch {
      return;
    }
    dir = dirname(dir);
  }
}
