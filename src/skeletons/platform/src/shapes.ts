/**
 * The part of a JSON Schema (as zod's `toJSONSchema` writes it) that the GraphQL and protobuf type mappings read, and
 * the questions both ask of it.
 */

/** The keys of a JSON Schema the mappings read. */
export interface JsonSchemaShape {
  type?: string | string[];
  properties?: Record<string, JsonSchemaShape>;
  required?: string[];
  items?: JsonSchemaShape;
  anyOf?: JsonSchemaShape[];
  enum?: unknown[];
  additionalProperties?: unknown;
  minimum?: number;
  maximum?: number;
  description?: string;
}

/** `user` → `User`. */
export function pascal(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The schema of T of a `T | null` schema (`anyOf` with null, or `type: [t, 'null']`), else undefined. */
export function nullableOf(schema: JsonSchemaShape): JsonSchemaShape | undefined {
  if (Array.isArray(schema.type) && schema.type.includes('null')) {
    const others = schema.type.filter((t) => t !== 'null');
    return { ...schema, type: others.length === 1 ? others[0]! : others };
  }
  const others = schema.anyOf?.filter((s) => s.type !== 'null');
  return others?.length === 1 && others.length < (schema.anyOf?.length ?? 0) ? others[0] : undefined;
}

/**
 * The properties of an object whose keys all match `name`, else undefined: a record, odd keys, an empty object, or an
 * object open to more keys than it names (`.catchall()`, `.passthrough()`), whose other keys a typed message would drop.
 */
export function objectPropertiesOf(schema: JsonSchemaShape, name: RegExp): Record<string, JsonSchemaShape> | undefined {
  if (schema.type !== 'object' || !schema.properties) return undefined;
  if (schema.additionalProperties !== undefined && schema.additionalProperties !== false) return undefined;
  const keys = Object.keys(schema.properties);
  return keys.length > 0 && keys.every((k) => name.test(k)) ? schema.properties : undefined;
}
