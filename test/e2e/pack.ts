/**
 * The npm package as a user gets it, for the end-to-end tests: `npm pack` of a copy of this working tree (tracked
 * and new files, no lib/), so the tarball is built by the package's own prepack script, as `npm publish` builds it,
 * and the tests never rebuild the lib/ that other tests are reading.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');

export interface Packed {
  /** Absolute path of the .tgz. */
  readonly tarball: string;
  /** The version in its package.json. */
  readonly version: string;
  /** Seconds `npm pack` took, prepack's compile included. */
  readonly seconds: number;
  /** Removes the tarball and the staging copy. */
  readonly dispose: () => void;
}

/** Where a tarball packed from a tree with these contents is kept, so the next test of the same run reuses it. */
const CACHE = join(tmpdir(), 'allframe-pack-cache');

/** A digest of the working tree's files (paths and contents): the same tree packs the same tarball. */
function treeDigest(files: readonly string[]): string {
  const hash = createHash('sha256');
  for (const file of [...files].sort()) {
    const path = join(ROOT, file);
    if (file === 'node_modules' || !existsSync(path)) continue;
    hash.update(`${file}\0`).update(readFileSync(path)).update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

/**
 * Packs a copy of the working tree; throws with npm's output when packing fails. A tree packed before in this run
 * (the same files, byte for byte) reuses that tarball: packing compiles lib/, about a minute on 2 cores.
 */
export function packAllframe(): Packed {
  const files = sourceFiles();
  const digest = treeDigest(files);
  const cached = join(CACHE, digest);
  const hit = existsSync(cached) ? readdirSync(cached).find((f) => f.endsWith('.tgz')) : undefined;
  if (hit !== undefined) {
    const version = /^allframe-(.+)\.tgz$/.exec(hit)?.[1] ?? '?';
    return { tarball: join(cached, hit), version, seconds: 0, dispose: () => undefined };
  }
  const packed = packFresh(files);
  // keep it for the next test of this run; earlier trees' tarballs are dropped
  rmSync(CACHE, { recursive: true, force: true });
  mkdirSync(cached, { recursive: true });
  const kept = join(cached, basename(packed.tarball));
  copyFileSync(packed.tarball, `${kept}.tmp`);
  renameSync(`${kept}.tmp`, kept);
  return packed;
}

function packFresh(files: readonly string[]): Packed {
  const work = mkdtempSync(join(tmpdir(), 'allframe-pack-'));
  const stage = join(work, 'allframe');
  const dest = join(work, 'dist');
  mkdirSync(dest);
  for (const file of files) {
    if (file === 'node_modules' || !existsSync(join(ROOT, file))) continue;
    mkdirSync(dirname(join(stage, file)), { recursive: true });
    copyFileSync(join(ROOT, file), join(stage, file));
  }
  symlinkSync(realpathSync(join(ROOT, 'node_modules')), join(stage, 'node_modules'));
  if (existsSync(join(stage, 'lib'))) throw new Error('the staging copy has a lib/: the tarball would not show that prepack builds it');
  const t0 = Date.now();
  const pack = spawnSync('npm', ['pack', '--pack-destination', dest, '--no-audit', '--no-fund'], { cwd: stage, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  const seconds = (Date.now() - t0) / 1000;
  const tgz = readdirSync(dest).filter((f) => f.endsWith('.tgz'));
  if (pack.status !== 0 || tgz.length !== 1) throw new Error(`npm pack failed (${pack.status}):\n${pack.stdout}\n${pack.stderr}`.slice(-6000));
  const version = /^allframe-(.+)\.tgz$/.exec(tgz[0]!)?.[1] ?? '?';
  return { tarball: join(dest, tgz[0]!), version, seconds, dispose: () => rmSync(work, { recursive: true, force: true }) };
}

/** The working tree's files: git's tracked and new files, or, outside a git checkout, all but builds and installs. */
function sourceFiles(): string[] {
  const listed = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' });
  if (listed.status === 0) return listed.stdout.split('\0').filter((f) => f !== '');
  const skip = /^(node_modules|lib|\.git|coverage|cdk\.out|bench\/out)$|\.tgz$/;
  const walk = (dir: string): string[] =>
    readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
      const path = dir === '' ? e.name : `${dir}/${e.name}`;
      if (skip.test(path)) return [];
      return e.isDirectory() ? walk(path) : e.isFile() ? [path] : [];
    });
  return walk('');
}

/**
 * Writes package.json and package-lock.json into an empty `dir` so that `npm ci --offline` installs the tarball:
 * its dependencies are the non-dev entries of this repository's package-lock.json, whose tarballs the repository's
 * own `npm ci` left in npm's cache. (A plain `npm install --offline <tarball>` would need every dependency's registry
 * metadata, which `npm ci` does not cache.) A user with the registry runs `npm install allframe` instead.
 */
export function writeOfflineInstall(dir: string, packed: Packed): void {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, Record<string, unknown> & { dev?: boolean }> };
  const self = lock.packages['']!;
  const spec = `file:${packed.tarball}`;
  const packages: Record<string, unknown> = {
    '': { name: 'try-allframe', dependencies: { allframe: spec } },
    'node_modules/allframe': { version: packed.version, resolved: spec, license: self.license, dependencies: self.dependencies, bin: self.bin, engines: self.engines },
  };
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path !== '' && entry.dev !== true && entry.link !== true) packages[path] = entry;
  }
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'try-allframe', private: true, dependencies: { allframe: spec } }, null, 2));
  writeFileSync(join(dir, 'package-lock.json'), JSON.stringify({ name: 'try-allframe', lockfileVersion: 3, requires: true, packages }, null, 2));
}

/** The files in a tarball (paths without npm's `package/` prefix). */
export function tarballFiles(tarball: string): string[] {
  const listed = spawnSync('tar', ['-tzf', tarball], { encoding: 'utf8' });
  if (listed.status !== 0) throw new Error(`tar -tzf failed: ${listed.stderr}`);
  return listed.stdout.split('\n').filter((l) => l !== '').map((l) => l.replace(/^package\//, '')).sort();
}

/** Runs a command, returning its exit status, output and time (never throws: the tests assert on all of them). */
export function run(cmd: string, args: readonly string[], cwd: string, env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string; seconds: number } {
  const t0 = Date.now();
  const r = spawnSync(cmd, [...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, seconds: (Date.now() - t0) / 1000 };
}

/** `run` without blocking the event loop, so two commands that each hold one core (or wait on the registry) overlap. */
export function runAsync(cmd: string, args: readonly string[], cwd: string, env: Record<string, string> = {}): Promise<{ status: number | null; stdout: string; stderr: string; seconds: number }> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const child = spawn(cmd, [...args], { cwd, env: { ...process.env, NO_COLOR: '1', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (e) => resolve({ status: null, stdout, stderr: `${stderr}${e.message}`, seconds: (Date.now() - t0) / 1000 }));
    child.on('close', (status) => resolve({ status, stdout, stderr, seconds: (Date.now() - t0) / 1000 }));
  });
}

/** The status, and the output's tail when it failed: a failure shows why. */
export const outcome = (r: { status: number | null; stdout: string; stderr: string }) => ({ status: r.status, out: r.status === 0 ? '' : `${r.stdout}\n${r.stderr}`.slice(-6000) });

/** No AWS credentials, no telemetry: `cdk synth` must need neither. */
export const CDK_ENV = { CDK_DISABLE_CLI_TELEMETRY: 'true', AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_PROFILE: 'allframe-none', AWS_EC2_METADATA_DISABLED: 'true' };
