/**
 * The precompiled schema validator loads through V8's code cache made at build time (src/validate/code-cache.ts):
 * GIVEN the build artifacts WHEN the validator is loaded THEN V8 takes the cache and the validator gives the same
 * answers; a cache V8 refuses (corrupt, another Node.js) only costs time.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ValidateFunction } from 'ajv';
import { codeCacheFile, loadWithCodeCache } from '../../src/validate/code-cache';
import { writeBuildArtifacts } from '../../src/validate/standalone';

const ROOT = join(__dirname, '..', '..');

/** Load the validator in a fresh process (V8 keeps the scripts a process compiled in memory, and would not look at a cache again). */
function loadFresh(validator: string): { cacheAccepted: boolean; valid: boolean } {
  const script = `
    const { loadWithCodeCache } = require('./src/validate/code-cache.ts');
    const { exports, cacheAccepted } = loadWithCodeCache(process.argv[1]);
    process.stdout.write(JSON.stringify({ cacheAccepted, valid: exports({ architecture: { name: 'shop' }, services: [{ name: 'users', type: 'stateless' }] }) }));
  `;
  const p = spawnSync(process.execPath, ['--import', 'tsx', '-e', script, validator], { cwd: ROOT, encoding: 'utf8' });
  if (p.status !== 0) throw new Error(p.stderr);
  return JSON.parse(p.stdout) as { cacheAccepted: boolean; valid: boolean };
}

describe('the schema validator through its code cache', () => {
  // Under node_modules/.cache so that the generated module finds ajv's runtime as it does in lib/.
  const base = join(ROOT, 'node_modules', '.cache');
  let dir: string;
  let validator: string;
  beforeAll(() => {
    mkdirSync(base, { recursive: true });
    dir = mkdtempSync(join(base, 'allframe-code-cache-'));
    writeBuildArtifacts(dir, join(ROOT, 'examples', 'shop', 'architecture.yaml'));
    validator = join(dir, 'src', 'validate', 'architecture-validator.generated.js');
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('the build writes the cache beside the validator, and V8 takes it', () => {
    expect(readFileSync(codeCacheFile(validator)).length).toBeGreaterThan(10_000);
    expect(loadFresh(validator)).toEqual({ cacheAccepted: true, valid: true });
    const validate = loadWithCodeCache(validator).exports as ValidateFunction;
    expect(validate({ architecture: { name: 'shop' }, services: [{ name: 'users', type: 'stateless' }] })).toBe(true);
    expect(validate({ architecture: { name: 'shop' }, services: [{ name: 'users', type: 'stateless', memroy_mb: 1 }] })).toBe(false);
    expect(validate.errors?.[0]).toMatchObject({ keyword: 'additionalProperties', params: { additionalProperty: 'memroy_mb' } });
  });

  test('a cache V8 refuses (here: corrupt) is passed over: the validator is compiled and answers the same', () => {
    writeFileSync(codeCacheFile(validator), Buffer.from('not a V8 code cache'));
    expect(loadFresh(validator)).toEqual({ cacheAccepted: false, valid: true });
  }, 60_000);
});
