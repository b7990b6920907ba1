/**
 * The JSON Schema of each event as the generated workspace commits it: `packages/events/schemas/<Event>.json`,
 * written by the events package's test from the zod schemas (synth cannot run the user's code, so the targets read
 * what the workspace wrote).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Event type → the JSON Schema of its data (the registry wraps it in the envelope). */
export type EventJsonSchemas = Readonly<Record<string, Record<string, unknown>>>;

/** Where the workspace commits the JSON Schemas of its events, relative to its root. */
export const EVENT_SCHEMAS_DIR = 'packages/events/schemas';

/** The committed JSON Schemas under the workspace `root`, by event type; none when the folder does not exist. */
export function readEventSchemas(root: string): EventJsonSchemas {
  const dir = join(root, ...EVENT_SCHEMAS_DIR.split('/'));
  if (!existsSync(dir)) return {};
  const out: Record<string, Record<string, unknown>> = {};
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.json')).sort()) {
    const value: unknown = JSON.parse(readFileSync(join(dir, name), 'utf8'));
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) out[name.slice(0, -'.json'.length)] = value as Record<string, unknown>;
  }
  return out;
}
