import { existsSync, readFileSync } from 'node:fs';
import { srcPath } from './paths';

type Schema = Record<string, unknown>;

/** Written by the compile task beside this module; absent when running from source. */
export const GENERATED_SCHEMA = srcPath('model', 'architecture.schema.generated.json');

let cached: Schema | undefined;

/**
 * The architecture JSON Schema as a plain object. The build ships it precomputed; from source it is built from
 * schema.ts (which loads TypeBox). Both come from the same definitions.
 */
export function jsonSchema(): Schema {
  if (!cached) {
    if (existsSync(GENERATED_SCHEMA)) {
      cached = JSON.parse(readFileSync(GENERATED_SCHEMA, 'utf8')) as Schema;
    } else {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      cached = (require('./schema') as typeof import('./schema')).architectureJsonSchema();
    }
  }
  return cached;
}

/**
 * The (sub)schema governing a document path, following properties, items and additionalProperties;
 * undefined where the path leaves the schema.
 */
export function schemaAtPath(path: ReadonlyArray<string | number>, root: Schema = jsonSchema()): Schema | undefined {
  let s: Schema | undefined = root;
  for (const seg of path) {
    if (!s) return undefined;
    const props = s.properties as Record<string, Schema> | undefined;
    if (typeof seg === 'number') s = s.items as Schema | undefined;
    else if (props && Object.prototype.hasOwnProperty.call(props, seg)) s = props[seg];
    else if (typeof s.additionalProperties === 'object') s = s.additionalProperties as Schema;
    else return undefined;
  }
  return s;
}
