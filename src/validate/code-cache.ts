/**
 * V8's code cache for the precompiled schema validator (about 300 KB of generated JavaScript): compiling it costs
 * about 25 ms of every cold start, while loading it with the cache made at build time costs a few. The cache is an
 * optimisation only: V8 rejects it for another Node.js version or other flags, and the module is then compiled
 * as usual (same behaviour, slower).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire, wrap } from 'node:module';
import { dirname, resolve } from 'node:path';
import { Script } from 'node:vm';

/** The code cache of the CommonJS module `file`. */
export function codeCacheFile(file: string): string {
  return file.replace(/\.c?js$/, '.v8-cache');
}

/** Load the CommonJS module `file` as `require` would, with its code cache when there is one that V8 accepts. */
export function requireWithCodeCache(file: string): unknown {
  return loadWithCodeCache(file).exports;
}

/** The module's exports, and whether V8 took its code cache (false: none, or made by another Node.js or flags). */
export function loadWithCodeCache(file: string): { exports: unknown; cacheAccepted: boolean } {
  const cache = codeCacheFile(file);
  const script = new Script(wrap(readFileSync(file, 'utf8')), { filename: file, ...(existsSync(cache) ? { cachedData: readFileSync(cache) } : {}) });
  const exports = run(script, file);
  return { exports, cacheAccepted: script.cachedDataRejected === false };
}

/**
 * Write the code cache of `file` (at build time), after `warmUp` has run what a validation runs: V8 compiles
 * functions lazily, and the cache holds those compiled so far.
 */
export function writeCodeCache(file: string, warmUp: (exports: unknown) => void): void {
  const script = new Script(wrap(readFileSync(file, 'utf8')), { filename: file });
  warmUp(run(script, file));
  writeFileSync(codeCacheFile(file), script.createCachedData());
}

function run(script: Script, relative: string): unknown {
  const file = resolve(relative);
  const module = { exports: {} as unknown };
  const fn = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: { exports: unknown }, filename: string, dirname: string) => void;
  fn(module.exports, createRequire(file), module, file, dirname(file));
  return module.exports;
}
