/**
 * `.allframe/manifest.json`: which files allframe generated, and the hash of each managed file as written.
 * The manifest is committed with the output. Its paths are untrusted input: anything absolute, with `..`, or
 * otherwise outside the output root is refused.
 */
import { existsSync, readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { FileKind, MARKER } from '../model/output-file';

export const MANIFEST_DIR = '.allframe';
export const MANIFEST_PATH = `${MANIFEST_DIR}/manifest.json`;
/** The manifest a synth is about to commit, written before any file: a crash leaves it behind. */
export const PENDING_PATH = `${MANIFEST_DIR}/manifest.pending.json`;
/** Temp files of atomic writes; wiped at the start of every synth. */
export const TMP_DIR = `${MANIFEST_DIR}/tmp`;

export interface ManifestEntry {
  readonly kind: FileKind;
  /** sha256 of the content as written; managed files only. */
  readonly sha256?: string;
}

export interface Manifest {
  readonly version: 1;
  readonly files: Readonly<Record<string, ManifestEntry>>;
}

export const EMPTY_MANIFEST: Manifest = { version: 1, files: {} };

export type ManifestProblem = { readonly path?: string; readonly message: string };

/**
 * Is `p` a safe relative path inside the output root? Forward slashes, no absolute path, no `..`, no empty or
 * `.` segments, nothing inside `.allframe/` itself, no NUL.
 */
export function unsafePathReason(p: string): string | undefined {
  if (typeof p !== 'string' || p === '') return 'empty path';
  if (p.includes('\0')) return 'NUL byte in path';
  if (p.includes('\\')) return 'backslash in path';
  if (posix.isAbsolute(p) || /^[A-Za-z]:/.test(p)) return 'absolute path';
  const parts = p.split('/');
  if (parts.some((s) => s === '..')) return 'path goes up with ..';
  if (parts.some((s) => s === '' || s === '.')) return 'empty or . segment';
  if (parts[0] === MANIFEST_DIR) return `path inside ${MANIFEST_DIR}/`;
  return undefined;
}

/** Read and check a manifest; absent is empty. Problems name the offending entry; bad entries are dropped. */
export function readManifest(file: string): { manifest: Manifest; problems: ManifestProblem[] } {
  if (!existsSync(file)) return { manifest: EMPTY_MANIFEST, problems: [] };
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    return { manifest: EMPTY_MANIFEST, problems: [{ message: `not valid JSON (${(e as Error).message})` }] };
  }
  const problems: ManifestProblem[] = [];
  const files: Record<string, ManifestEntry> = {};
  const obj = raw as { version?: unknown; files?: unknown };
  if (typeof raw !== 'object' || raw === null || obj.version !== 1 || typeof obj.files !== 'object' || obj.files === null || Array.isArray(obj.files)) {
    return { manifest: EMPTY_MANIFEST, problems: [{ message: 'not an allframe manifest (expected {"version": 1, "files": {...}})' }] };
  }
  for (const [path, entry] of Object.entries(obj.files as Record<string, unknown>)) {
    const reason = unsafePathReason(path);
    if (reason) {
      problems.push({ path, message: reason });
      continue;
    }
    const e = entry as { kind?: unknown; sha256?: unknown };
    if (e?.kind === 'owned') files[path] = { kind: 'owned' };
    else if (e?.kind === 'managed' && typeof e.sha256 === 'string' && /^[0-9a-f]{64}$/.test(e.sha256)) files[path] = { kind: 'managed', sha256: e.sha256 };
    else problems.push({ path, message: 'entry is not {"kind": "owned"} or {"kind": "managed", "sha256": "<hex>"}' });
  }
  return { manifest: { version: 1, files }, problems };
}

/** The manifest as committed: sorted, stable, with the generated-file marker. */
export function manifestText(files: Record<string, ManifestEntry>): string {
  const sorted: Record<string, ManifestEntry> = {};
  for (const k of Object.keys(files).sort()) sorted[k] = files[k]!;
  return JSON.stringify({ '//': MARKER, version: 1, files: sorted }, null, 2) + '\n';
}
