import { chmodSync, closeSync, existsSync, fchmodSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, rmdirSync, statSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { InternalError } from '../model/diagnostics';
import { fsyncDir, fsyncDirAsync, fsyncPathAsync, syncFileSystem, writeFileAtomic } from './atomic';
import { MANIFEST_DIR, MANIFEST_PATH, PENDING_PATH, TMP_DIR, manifestText } from './manifest';
import type { Plan } from './plan';
import { StagingLayout, type EarlyStaging, type NewDir } from './stage';

export interface ApplyOptions {
  /** Called after each step that changes the disk (progress, and crash tests). */
  readonly onStep?: (step: string) => void;
  /**
   * fsync file by file and directory by directory even where one syncfs(2) of the file system would do
   * (syncFileSystem): the path taken where syncfs is not available, chosen here to test it on Linux.
   */
  readonly fsyncEach?: boolean;
  /** What an EarlyStager staged while the synth rendered (its `finish()`): those files are not written again. */
  readonly early?: EarlyStaging;
}

/**
 * Where syncfs is not available (not Linux): files fsynced, and directories fsynced, at once. An fsync waits for
 * the disk; several under way overlap their waits, and a journalling file system can commit them together. Twice libuv's 4 threads, so that a thread done with
 * one fsync finds the next file written and waiting. On the 100-service Fly synth (1970 files, 2 cores, a virtual
 * disk with ext4 without a journal) 8 at a time staged in about 0.7 of the time one at a time took, and faster than 4;
 * 16, or more libuv threads, gained nothing measurable.
 */
const APPLY_CONCURRENCY = 8;

/**
 * Apply a plan, crash-safe and as close to all-or-nothing as a file system allows:
 * 1. every new file is staged (written) in .allframe/tmp/ and made durable: with one syncfs of the file system
 *    where there is one (Linux), else by an fsync per file, several at once — a failure here leaves the tree as it
 *    was;
 * 2. the new manifest is written as manifest.pending.json, before any file changes;
 * 3. staged files are renamed into place (each rename atomic) and orphans deleted;
 * 4. every directory in which step 3 added or removed an entry is made durable (one syncfs per file system those
 *    directories are on, else an fsync per directory, several at once), so that no rename can be lost once the
 *    manifest records it;
 * 5. the pending manifest becomes the manifest.
 * A synth killed at any point (SIGKILL, power loss) leaves every file either old or new, never torn, and the next
 * run accepts the hashes of both manifests as allframe's own, so it completes the work instead of refusing.
 *
 * A plan that changes nothing (no file to write, delete or make executable, the manifest already saying what
 * it would say, no pending manifest of a killed synth to complete) touches nothing at all: not a file, not the
 * manifest, not a directory's modification time.
 */
export async function applyPlan(plan: Plan, options: ApplyOptions = {}): Promise<{ written: number; deleted: number }> {
  if (plan.problems.some((p) => p.severity === 'error')) throw new InternalError('applyPlan called on a plan with errors');
  const step = options.onStep ?? (() => undefined);
  const root = plan.root;
  if (isNoOp(plan)) return { written: 0, deleted: 0 };
  // Files an EarlyStager staged while the synth rendered are used as they are; without one (or for another root),
  // .allframe/tmp/ holds only what a killed synth left, and is cleared.
  const early = options.early !== undefined && options.early.layout.root === root ? options.early : undefined;
  const layout = early?.layout ?? new StagingLayout(root);
  const tmpDir = layout.tmpDir;
  if (early === undefined) rmSync(tmpDir, { recursive: true, force: true });
  try {
    mkdirSync(tmpDir, { recursive: true });
    // 1. stage (where: StagingLayout), and make the staged files durable
    const files = plan.files
      .filter((f) => f.action === 'create' || f.action === 'update')
      .map((f): StagedFile => {
        const content = f.content!;
        return { path: f.path, abs: join(root, f.path), content, mode: f.executable ? 0o755 : 0o644, ...layout.place(f.path), early: early?.staged.get(f.path) === content };
      });
    // an early file the plan does not write (none, unless the tree changed under the synth) must not ride along
    // in a directory renamed whole
    const planned = new Set(files.map((f) => f.path));
    for (const path of early?.staged.keys() ?? []) if (!planned.has(path)) rmSync(layout.place(path).tmp, { force: true });
    const made = new Set<string>();
    for (const s of files) {
      if (!s.early) {
        const dir = dirname(s.tmp);
        if (!made.has(dir)) mkdirSync(dir, { recursive: true });
        made.add(dir);
        writeStaged(s.tmp, s.content, s.mode);
      }
      step(`stage ${s.path}`);
    }
    if (options.fsyncEach === true || !syncFileSystem(tmpDir)) {
      await forEachConcurrently(files, APPLY_CONCURRENCY, (s) => fsyncPathAsync(s.tmp));
      await forEachConcurrently([tmpDir, ...layout.stagedDirs], APPLY_CONCURRENCY, fsyncDirAsync);
    }
    step('staged files durable');

    // 2. the pending manifest (and .allframe/ itself, made by the first synth)
    writeFileAtomic(join(root, PENDING_PATH), manifestText(plan.manifest), { tmpDir });
    fsyncDir(join(root, MANIFEST_DIR));
    fsyncDir(root);
    step('pending manifest');

    // 3. rename and delete, noting the directories whose entries change
    const changedDirs = new Set<string>();
    const inNewDir = new Map<NewDir, StagedFile[]>();
    for (const s of files) {
      if (s.newDir === undefined) continue;
      const staged = inNewDir.get(s.newDir);
      if (staged === undefined) inNewDir.set(s.newDir, [s]);
      else staged.push(s);
    }
    for (const [d, staged] of inNewDir) {
      mkdirSync(dirname(d.abs), { recursive: true });
      try {
        renameSync(d.tmp, d.abs);
        changedDirs.add(dirname(d.abs)).add(d.abs);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code !== 'EXDEV' && code !== 'EEXIST' && code !== 'ENOTEMPTY') throw e;
        // made since the plan, or staged on another file system: file by file
        for (const s of staged) moveIntoPlace(s, changedDirs);
      }
      step(`write ${d.path}/`);
    }
    for (const s of files) {
      if (s.newDir !== undefined) continue;
      moveIntoPlace(s, changedDirs);
      step(`write ${s.path}`);
    }
    let deleted = 0;
    for (const f of plan.files) {
      const abs = join(root, f.path);
      if (f.action === 'unchanged' && f.executable && (statSync(abs).mode & 0o111) === 0) chmodSync(abs, 0o755);
      if (f.action !== 'delete') continue;
      rmSync(abs, { force: true });
      changedDirs.add(removeEmptyParents(root, dirname(f.path)));
      deleted++;
      step(`delete ${f.path}`);
    }

    // 4. make the renames and deletions durable
    await makeDirectoriesDurable([...changedDirs], options.fsyncEach === true);

    // 5. the manifest
    renameSync(join(root, PENDING_PATH), join(root, MANIFEST_PATH));
    fsyncDir(join(root, MANIFEST_DIR));
    step('manifest');
    return { written: files.length, deleted };
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

interface StagedFile {
  readonly path: string;
  /** Where it is staged, and where it goes. */
  readonly tmp: string;
  readonly abs: string;
  readonly content: string;
  readonly mode: number;
  /** The new directory it is staged in, renamed into place whole; undefined: renamed alone. */
  readonly newDir?: NewDir;
  /** Staged already, with this content, by an EarlyStager. */
  readonly early: boolean;
}

/** Rename one staged file into place (its directory made if need be), noting the directories whose entries change. */
function moveIntoPlace(s: StagedFile, changedDirs: Set<string>): void {
  const made = changedDirs.has(dirname(s.abs)) ? undefined : mkdirSync(dirname(s.abs), { recursive: true });
  try {
    renameSync(s.tmp, s.abs);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
    writeFileAtomic(s.abs, s.content, { mode: s.mode }); // another file system: temp beside the target
  }
  addDirsOf(changedDirs, s.abs, made);
}

/** Write `file` with `mode`, which the umask does not narrow; not yet durable (step 1 of applyPlan does that). */
function writeStaged(file: string, content: string, mode: number): void {
  const fd = openSync(file, 'w', mode);
  try {
    writeSync(fd, Buffer.from(content, 'utf8'));
    fchmodSync(fd, mode);
  } finally {
    closeSync(fd);
  }
}

/**
 * Make the entries of `dirs` durable: one syncfs for each file system they are on (a directory of the tree can be a
 * mount point), else, or with `fsyncEach`, an fsync per directory, several at once.
 */
async function makeDirectoriesDurable(dirs: readonly string[], fsyncEach: boolean): Promise<void> {
  if (!fsyncEach) {
    const byDevice = new Map<number, string>();
    for (const dir of dirs) {
      const dev = statSync(dir, { throwIfNoEntry: false })?.dev;
      if (dev !== undefined && !byDevice.has(dev)) byDevice.set(dev, dir);
    }
    if ([...byDevice.values()].every((dir) => syncFileSystem(dir))) return;
  }
  await forEachConcurrently(dirs, APPLY_CONCURRENCY, fsyncDirAsync);
}

/**
 * Run `work` on every item, at most `limit` at a time. After a failure no item is started; those under way are
 * waited for (so that none writes after the caller cleans up), then the first failure is thrown.
 */
async function forEachConcurrently<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < items.length) {
      const item = items[next++]!;
      try {
        await work(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure !== undefined) throw failure.error;
}

/**
 * Note in `dirs` the directories whose entries a rename to `file` changed: the file's own, and, when mkdir made
 * directories for it (`made`, the first one it made), the parent of each of those.
 */
function addDirsOf(dirs: Set<string>, file: string, made: string | undefined): void {
  let dir = dirname(file);
  dirs.add(dir);
  if (made === undefined) return;
  const top = dirname(made);
  while (dir !== top && dirname(dir) !== dir) {
    dir = dirname(dir);
    dirs.add(dir);
  }
}

/** Remove `rel` (relative to `root`) and its parents while they are empty; returns the directory that remains. */
function removeEmptyParents(root: string, rel: string): string {
  let dir = rel;
  while (dir !== '.' && dir !== '' && dir !== '/') {
    const abs = join(root, dir);
    try {
      if (readdirSync(abs).length > 0) return abs;
      rmdirSync(abs);
    } catch {
      return abs;
    }
    dir = dirname(dir);
  }
  return root;
}
