/**
 * Where applyPlan stages the files it writes (StagingLayout), and staging them early, on a second thread, while the
 * rest of the synth still renders (EarlyStager).
 *
 * Creating a file costs the disk far more than rendering it costs the CPU: on the machines this is measured on
 * (2 cores, ext4 on a virtual disk) about 0.25 ms a file, 0.5 to 1 s for the 2000 files of a first synth of 100
 * services, whatever the number of threads that create them. That time overlaps with rendering when a second thread
 * creates files while the main one renders (bench/RESULTS.md, synth-fly).
 */
import { existsSync, lstatSync, realpathSync, rmSync, rmdirSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { OutputFile } from '../model/output-file';
import { MANIFEST_PATH, PENDING_PATH, TMP_DIR, readManifest } from './manifest';

/** A directory that does not exist yet, staged as a tree and renamed into place whole. */
export interface NewDir {
  /** Relative to the output root. */
  readonly path: string;
  /** Where its tree is staged, and where it goes. */
  readonly tmp: string;
  readonly abs: string;
}

/** Where one file is staged. */
export interface Placement {
  readonly tmp: string;
  /** The new directory it is staged in, renamed into place whole; undefined: renamed alone. */
  readonly newDir?: NewDir;
}

/**
 * Where each file to write is staged, the same for every caller in one synth. A file whose directory exists goes to
 * `tmp/<n>.tmp`, to be renamed into it. A file under a directory that does not exist goes into a tree under
 * `tmp/d<n>/` that mirrors the highest directory missing above it, renamed into place whole: an atomic rename of a
 * directory is as safe as one of a file, and one rename for a service's package instead of one per file matters on
 * a first synth.
 */
export class StagingLayout {
  readonly tmpDir: string;
  private readonly dirs = new Map<string, boolean>();
  private readonly placed = new Map<string, Placement>();
  private readonly newDirsByPath = new Map<string, NewDir>();
  private readonly treeDirs = new Set<string>();

  /** `root` as planOutput has it: the real path of a directory that exists. */
  constructor(readonly root: string) {
    this.tmpDir = join(root, TMP_DIR);
  }

  /** Where the file at `path` (relative to the root) is staged; the same answer each time. */
  place(path: string): Placement {
    let placement = this.placed.get(path);
    if (placement !== undefined) return placement;
    // the highest directory above the file that does not exist, if any
    let top: string | undefined;
    for (let dir = posix.dirname(path); dir !== '.' && !this.isDir(dir); dir = posix.dirname(dir)) top = dir;
    if (top === undefined) {
      placement = { tmp: join(this.tmpDir, `${this.placed.size}.tmp`) };
    } else {
      let newDir = this.newDirsByPath.get(top);
      if (newDir === undefined) {
        newDir = { path: top, tmp: join(this.tmpDir, `d${this.newDirsByPath.size}`), abs: join(this.root, top) };
        this.newDirsByPath.set(top, newDir);
      }
      const tmp = join(newDir.tmp, posix.relative(top, path));
      for (let dir = dirname(tmp); !this.treeDirs.has(dir) && dir !== this.tmpDir; dir = dirname(dir)) this.treeDirs.add(dir);
      placement = { tmp, newDir };
    }
    this.placed.set(path, placement);
    return placement;
  }

  /** Every directory made in the staged trees, parents first: their entries too must be durable before a rename. */
  get stagedDirs(): readonly string[] {
    return [...this.treeDirs].sort();
  }

  /**
   * Whether `rel` (relative to the root; '.' the root) is a directory, a link not followed; asked once per synth.
   * Anything else in the way (a file, a link) counts as missing: planOutput refuses a path through it.
   */
  isDir(rel: string): boolean {
    let known = this.dirs.get(rel);
    if (known === undefined) {
      known = rel === '.' ? existsSync(this.root) : lstatSync(join(this.root, rel), { throwIfNoEntry: false })?.isDirectory() === true;
      this.dirs.set(rel, known);
    }
    return known;
  }
}

/** What was staged early, for applyPlan: the layout and the content each file was staged with. */
export interface EarlyStaging {
  readonly layout: StagingLayout;
  /** Path (relative to the root) → the content staged; a file whose plan content differs is staged again. */
  readonly staged: ReadonlyMap<string, string>;
}

interface StageItem {
  readonly tmp: string;
  readonly content: string;
  readonly mode: number;
}

/**
 * The second thread: writes each file it is sent (making its directory), in order, until told to end; then reports
 * the files written (a prefix of those sent: it stops at the first failure, which applyPlan meets again and reports
 * when it stages the rest itself). Not durable: applyPlan makes every staged file durable.
 *
 * `workerData` is a shared Int32Array [stop, busy] through which a signal's cleanup stops it synchronously
 * (EarlyStager.removeStaged): the thread marks itself busy, then looks at stop, before each file; the cleanup sets
 * stop, then waits while busy. Either the thread sees stop and writes nothing more, or the cleanup sees it busy and
 * waits for the file under way: no file is written after the cleanup removed the staged ones.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const path = require('node:path');
const state = workerData;
const made = new Set();
let written = 0;
let failed = false;
parentPort.on('message', (message) => {
  if (message === 'end') {
    parentPort.postMessage(written);
    return;
  }
  for (const item of message) {
    Atomics.store(state, 1, 1);
    if (failed || Atomics.load(state, 0) === 1) {
      failed = true;
      break;
    }
    try {
      const dir = path.dirname(item.tmp);
      if (!made.has(dir)) {
        fs.mkdirSync(dir, { recursive: true });
        made.add(dir);
      }
      const fd = fs.openSync(item.tmp, 'w', item.mode);
      try {
        fs.writeSync(fd, Buffer.from(item.content, 'utf8'));
        fs.fchmodSync(fd, item.mode);
      } finally {
        fs.closeSync(fd);
      }
      written++;
    } catch {
      failed = true;
    }
  }
  Atomics.store(state, 1, 0);
  Atomics.notify(state, 1);
});
`;

/**
 * Stages, while the synth renders, the files a plan will certainly create: a file is staged early when nothing is
 * at its path (no file, directory or link on the way) and neither the manifest nor a pending one names it — exactly
 * the files planOutput then plans as `create`. That is every file of a first synth, and the new files of a synth
 * that adds services; the others are left to applyPlan, so a synth that changes a few files stages only those, and
 * one that changes nothing writes nothing.
 *
 * Until applyPlan runs, the early files are only in .allframe/tmp/, which every synth clears first. A synth that
 * ends without writing (problems, an error) calls `discard`, and a signal's cleanup `removeStaged`: both remove them,
 * and .allframe/ and the output root if the stager made them. A synth killed outright leaves them for the next one
 * to clear. (`--dry-run`, `--check` and `diff` start no stager.)
 */
export class EarlyStager {
  private layout: StagingLayout | undefined;
  private readonly staged = new Map<string, string>();
  private readonly order: string[] = [];
  /** The paths the manifest or a pending one names; undefined: a manifest is unreadable, and nothing is staged early. */
  private known: ReadonlySet<string> | undefined;
  /** The directories that did not exist when the stager started (the root, .allframe/), deepest first. */
  private readonly madeDirs: string[] = [];
  /** Started with the stager, so that its start-up overlaps validation rather than delaying the first file. */
  private worker: Worker | undefined;
  /** The worker ended on its own (it failed): what it wrote is not known, so none of it is used. */
  private workerGone = false;
  private cleared = false;
  private finished = false;
  private handedOver = false;

  /** [stop, busy], shared with the worker (WORKER_SOURCE). */
  private readonly state = new Int32Array(new SharedArrayBuffer(8));

  constructor() {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: this.state });
    worker.on('error', () => undefined); // reported as its exit
    worker.once('exit', () => {
      this.workerGone = true;
    });
    this.worker = worker;
  }

  /** The output root is the one of the first `offer`. */
  private start(root: string): StagingLayout {
    const layout = new StagingLayout(existsSync(root) ? realpathSync(root) : root);
    // Unreadable manifests stage nothing early: planOutput reports them.
    const committed = readManifest(join(layout.root, MANIFEST_PATH));
    const pending = readManifest(join(layout.root, PENDING_PATH));
    if (committed.problems.length === 0 && pending.problems.length === 0) this.known = new Set([...Object.keys(committed.manifest.files), ...Object.keys(pending.manifest.files)]);
    for (let dir = layout.tmpDir; lstatSync(dir, { throwIfNoEntry: false }) === undefined && dirname(dir) !== dir; dir = dirname(dir)) this.madeDirs.push(dir);
    this.layout = layout;
    return layout;
  }

  /** Stage those of `files` (for the output root `root`) that the plan will create, on the second thread. */
  offer(root: string, files: readonly OutputFile[]): void {
    if (this.finished) return;
    const layout = this.layout ?? this.start(root);
    if (this.known === undefined) return;
    const batch: StageItem[] = [];
    for (const f of files) {
      if (this.known.has(f.path) || this.staged.has(f.path) || !this.absent(layout, f.path)) continue;
      batch.push({ tmp: layout.place(f.path).tmp, content: f.content, mode: f.executable ? 0o755 : 0o644 });
      this.staged.set(f.path, f.content);
      this.order.push(f.path);
    }
    if (batch.length === 0 || this.worker === undefined) return;
    if (!this.cleared) {
      // what a killed synth left
      rmSync(layout.tmpDir, { recursive: true, force: true });
      this.cleared = true;
    }
    this.worker.postMessage(batch);
  }

  /**
   * Wait for the second thread; what it staged, for applyPlan, which takes .allframe/tmp/ over (`discard` then does
   * nothing). Undefined when nothing was offered.
   */
  async finish(): Promise<EarlyStaging | undefined> {
    const written = await this.stop();
    this.handedOver = true;
    if (this.layout === undefined) return undefined;
    return { layout: this.layout, staged: new Map(this.order.slice(0, written).map((path) => [path, this.staged.get(path)!])) };
  }

  /** Wait for the second thread and remove what was staged, unless `finish` handed it to applyPlan. */
  async discard(): Promise<void> {
    await this.stop();
    if (!this.handedOver) this.removeStaged();
  }

  /**
   * Remove what was staged, now: a signal's cleanup, after which the process ends. The second thread is stopped
   * first (it finishes the file under way, at most a second's wait) so that it writes nothing after the removal.
   */
  removeStaged(): void {
    Atomics.store(this.state, 0, 1);
    Atomics.wait(this.state, 1, 1, 1000);
    if (this.order.length === 0 || this.layout === undefined) return;
    rmSync(this.layout.tmpDir, { recursive: true, force: true });
    for (const dir of this.madeDirs.slice(1)) {
      try {
        rmdirSync(dir);
      } catch {
        break; // not empty: not only ours
      }
    }
  }

  /** Nothing at `path`: its directory is missing (known from the layout), or is there without it. */
  private absent(layout: StagingLayout, path: string): boolean {
    return !layout.isDir(posix.dirname(path)) || lstatSync(join(layout.root, path), { throwIfNoEntry: false }) === undefined;
  }

  private async stop(): Promise<number> {
    this.finished = true;
    const worker = this.worker;
    if (worker === undefined) return 0;
    this.worker = undefined;
    if (this.workerGone) return 0;
    const written = await new Promise<number>((done) => {
      worker.once('message', (n: number) => done(n));
      worker.once('exit', () => done(0));
      worker.postMessage('end');
    });
    await worker.terminate();
    return written;
  }
}

