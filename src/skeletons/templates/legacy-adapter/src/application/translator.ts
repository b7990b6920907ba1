import { HttpError } from '@allframe/platform';
import type { LegacyRecord } from '../adapters/upstream';
import type { __Entity__ } from '../domain/__entityFile__';

/** LEGACY_FIELD, LegacyField or legacy-field → legacyField. */
function camelCase(name: string): string {
  const words = name.split(/[_\s-]+|(?<=[a-z0-9])(?=[A-Z])/).map((w) => w.toLowerCase());
  return words.map((w, i) => (i === 0 ? w : w.charAt(0).toUpperCase() + w.slice(1))).join('');
}

/** The legacy model → the domain model: rename, convert and drop fields here. A record without an id is refused. */
export function toDomain(record: LegacyRecord): __Entity__ {
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) fields[camelCase(key)] = value;
  const id = fields.id ?? fields.__entity__Id;
  if (typeof id !== 'string' && typeof id !== 'number') throw new HttpError(422, 'a legacy __Entity__ record without an id');
  delete fields.id;
  delete fields.__entity__Id;
  return { id: String(id), fields };
}

/** The domain model → the legacy model (UPPER_SNAKE_CASE fields), for what goes back to the legacy system. */
export function toLegacy(__entity__: __Entity__): LegacyRecord {
  const record: Record<string, unknown> = { ID: __entity__.id };
  for (const [key, value] of Object.entries(__entity__.fields)) record[key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()] = value;
  return record;
}
