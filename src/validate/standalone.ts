import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import standaloneCode from 'ajv/dist/standalone';
import { architectureJsonSchema } from '../model/schema';
import type { ValidateFunction } from 'ajv';
import { CORE_SCHEMA, load } from 'js-yaml';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { writeCodeCache } from './code-cache';
import { dirname } from 'node:path';

/** The options every compile of the architecture schema uses, at build time and at run time. */
export const AJV_OPTIONS = { allErrors: true, strict: true, useDefaults: true, $data: false, allowUnionTypes: false } as const;
export const FORMATS = ['email', 'uri'] as const;

/** A fresh Ajv with our options; `source` keeps the generated code for standalone output. */
export function newAjv(source: boolean): Ajv2020 {
  const ajv = new Ajv2020({ ...AJV_OPTIONS, ...(source ? { code: { source: true } } : {}) });
  addFormats(ajv, [...FORMATS]);
  return ajv;
}

/**
 * Compile the schema ahead of time into a CommonJS module (run by the `compile` task after tsc): the CLI then
 * loads a ready validator instead of compiling the schema at every start (~200 ms).
 */
export function writeStandaloneValidator(file: string): void {
  const ajv = newAjv(true);
  const validate = ajv.compile(architectureJsonSchema());
  write(file, `// Generated at build time from src/model/schema.ts by src/validate/standalone.ts. Do not edit.\n${standaloneCode(ajv, validate)}`);
}

/** Everything the compile task precomputes into the build output `lib/` (see .projenrc.ts). */
export function writeBuildArtifacts(libDir: string, sample = 'examples/shop/architecture.yaml'): void {
  const validator = `${libDir}/src/validate/architecture-validator.generated.js`;
  writeStandaloneValidator(validator);
  // Its V8 code cache, warmed on the reference example so that the functions a validation runs are in it.
  const data = existsSync(sample) ? load(readFileSync(sample, 'utf8'), { schema: CORE_SCHEMA }) : {};
  writeCodeCache(validator, (validate) => void (validate as ValidateFunction)(data));
  write(`${libDir}/src/model/architecture.schema.generated.json`, JSON.stringify(architectureJsonSchema()));
}

/** Build output only (lib/): a plain write is enough; the user-facing writer is emit/atomic.ts. */
function write(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
}
