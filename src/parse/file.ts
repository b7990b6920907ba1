/**
 * Finding and reading the architecture file: the one place that says a file is missing or unreadable (AF1001).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { Diagnostic } from '../model/diagnostics';
import { fileDiagnostic } from './document';

/** The names looked for when no file is given, in this order. */
export const DEFAULT_FILES: readonly string[] = ['architecture.yaml', 'architecture.yml', 'architecture.toml'];

export interface ArchitectureFileBytes {
  /** Absolute path. */
  readonly path: string;
  /** The path as shown in diagnostics: relative to `cwd` when under it. */
  readonly display: string;
  readonly bytes: Buffer;
}

/**
 * Find and read the architecture file: `file` (a file, or a directory holding one of DEFAULT_FILES) or, without it,
 * one of DEFAULT_FILES in `cwd`. Never throws: a file not found or unreadable is AF1001.
 */
export function readArchitectureFile(file: string | undefined, cwd: string): ArchitectureFileBytes | { readonly error: Diagnostic } {
  const notFound = (display: string, message: string) => ({
    error: fileDiagnostic(display, { code: 'AF1001', message, hint: 'pass the path of an architecture file, or run in a directory that has architecture.yaml' }),
  });
  if (file === undefined) {
    const hit = DEFAULT_FILES.find((f) => existsSync(join(cwd, f)));
    if (hit === undefined) return notFound('.', `no architecture file in ${cwd} (looked for ${DEFAULT_FILES.join(', ')})`);
    file = hit;
  }
  let path = resolve(cwd, file);
  let display = relative(cwd, path) || file;
  try {
    if (statSync(path).isDirectory()) {
      const hit = DEFAULT_FILES.find((f) => existsSync(join(path, f)));
      if (hit === undefined) return notFound(display, `${display} is a directory without ${DEFAULT_FILES.join(', ')}`);
      path = join(path, hit);
      display = join(display, hit);
    }
  } catch {
    return notFound(display, `cannot read ${display}: no such file`);
  }
  try {
    return { path, display, bytes: readFileSync(path) };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return notFound(display, `cannot read ${display}: ${code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (code ?? 'unreadable')}`);
  }
}
