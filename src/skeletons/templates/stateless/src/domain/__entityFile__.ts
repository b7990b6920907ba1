import { HttpError } from '@allframe/platform';

/** A __Entity__. Add your fields here and to parse__Entity__Input. */
export interface __Entity__ {
  readonly id: string;
  readonly name: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface __Entity__Input {
  readonly name: string;
}

/** Fields the list route filters on (`GET /__entitiesPath__?name=...`): top-level string fields of __Entity__. */
export const __Entity__Filters: readonly (keyof __Entity__)[] = ['name'];

/** Validate untrusted input: a 400 for anything that is not a __Entity__Input. */
export function parse__Entity__Input(input: unknown): __Entity__Input {
  if (typeof input !== 'object' || input === null) throw new HttpError(400, 'expected a JSON object');
  const name = (input as { name?: unknown }).name;
  if (typeof name !== 'string' || name.trim() === '') throw new HttpError(400, 'name must be a non-empty string');
  return { name: name.trim() };
}
