import { Token } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import {
  DEFAULT_SCHEMA_COMPATIBILITY,
  DEFAULT_SCHEMA_DATA_FORMAT,
  GLUE_NAME_PATTERN,
  MAX_SCHEMA_DEFINITION_LENGTH,
  eventEnvelopeSchema,
  type SchemaCompatibility,
  type SchemaDataFormat,
} from '../core/schema-defaults';

export { eventEnvelopeSchema, type SchemaCompatibility, type SchemaDataFormat } from '../core/schema-defaults';

/** One event type whose schema the registry holds. */
export interface SchemaRegistryEvent {
  /** The event type, which is also the schema's name (Glue: 1-255 of a-z A-Z 0-9 - _ $ # .). */
  readonly name: string;
  /**
   * The schema: a JSON Schema object (format JSON; an Avro schema object also works for AVRO) or the schema text
   * (any format; the only form for PROTOBUF).
   * @default - for JSON, the platform envelope with an object `data` (`eventEnvelopeSchema`); required otherwise
   */
  readonly definition?: Record<string, unknown> | string;
  /**
   * What the event means, shown in the Glue console.
   * @default - none
   */
  readonly description?: string;
}

export interface SchemaRegistryProps {
  /** Name of the Glue registry (1-255 of a-z A-Z 0-9 - _ $ # .). */
  readonly registryName: string;
  /** The events; each gets one schema, named after it. */
  readonly events: readonly SchemaRegistryEvent[];
  /**
   * Format of every schema definition.
   * @default 'JSON'
   */
  readonly dataFormat?: SchemaDataFormat;
  /**
   * Which new versions a schema accepts.
   * @default 'BACKWARD'
   */
  readonly compatibility?: SchemaCompatibility;
  /**
   * What the registry holds, shown in the Glue console.
   * @default - none
   */
  readonly description?: string;
}

/** Read a schema and its versions (consumers; deserializers look versions up by id). */
const READ_ACTIONS = [
  'glue:GetRegistry',
  'glue:ListSchemas',
  'glue:GetSchema',
  'glue:ListSchemaVersions',
  'glue:GetSchemaVersion',
  'glue:GetSchemaByDefinition',
  'glue:GetSchemaVersionsDiff',
  'glue:QuerySchemaVersionMetadata',
];

/** Register new versions of the existing schemas (producers with auto-registration); no CreateSchema. */
const REGISTER_ACTIONS = ['glue:RegisterSchemaVersion', 'glue:PutSchemaVersionMetadata'];

/** JSON text of `value` with object keys sorted at every level, so equal schemas always serialize equally. */
export function stableStringify(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(entries.map(([k, v]) => [k, sortKeys(v)]));
  }
  return value;
}

function byName(a: SchemaRegistryEvent, b: SchemaRegistryEvent): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/**
 * An AWS Glue schema registry with one schema per event type. It guarantees: schemas created in name order with
 * definitions serialized with sorted keys (the same events always give the same template), names Glue accepts
 * (all problems reported at once), the chosen compatibility mode on every schema, and grants that name this
 * registry and its schemas, never "*".
 */
export class SchemaRegistry extends Construct {
  readonly registry: glue.CfnRegistry;
  readonly registryArn: string;
  readonly registryName: string;
  readonly dataFormat: SchemaDataFormat;
  readonly compatibility: SchemaCompatibility;
  /** The schemas, by event name. */
  readonly schemas: ReadonlyMap<string, glue.CfnSchema>;

  constructor(scope: Construct, id: string, props: SchemaRegistryProps) {
    super(scope, id);
    this.dataFormat = props.dataFormat ?? DEFAULT_SCHEMA_DATA_FORMAT;
    this.compatibility = props.compatibility ?? DEFAULT_SCHEMA_COMPATIBILITY;
    this.registryName = props.registryName;
    const events = [...props.events].sort(byName);
    const definitions = validate(props.registryName, events, this.dataFormat);

    this.registry = new glue.CfnRegistry(this, 'Registry', {
      name: props.registryName,
      ...(props.description !== undefined ? { description: props.description } : {}),
    });
    this.registryArn = this.registry.attrArn;
    const schemas = new Map<string, glue.CfnSchema>();
    for (const event of events) {
      schemas.set(
        event.name,
        new glue.CfnSchema(this, `Schema.${event.name}`, {
          name: event.name,
          registry: { arn: this.registryArn },
          dataFormat: this.dataFormat,
          compatibility: this.compatibility,
          schemaDefinition: definitions.get(event.name),
          ...(event.description !== undefined ? { description: event.description } : {}),
        }),
      );
    }
    this.schemas = schemas;
  }

  /** The ARN of the schema of `eventName`; throws when the registry has no such event. */
  schemaArn(eventName: string): string {
    const schema = this.schemas.get(eventName);
    if (!schema) throw new Error(`schema registry ${this.registryName} has no event ${eventName}; it has: ${[...this.schemas.keys()].join(', ') || 'none'}`);
    return schema.attrArn;
  }

  /** Let `grantee` read this registry and its schemas' versions (and nothing else). */
  grantRead(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({ grantee, actions: READ_ACTIONS, resourceArns: this.resourceArns() });
  }

  /**
   * Let `grantee` (a producer whose serializer registers versions) read, and register new versions of, the schemas
   * of this registry. The schemas themselves are created by CloudFormation only: no glue:CreateSchema.
   */
  grantRegister(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({ grantee, actions: [...READ_ACTIONS, ...REGISTER_ACTIONS], resourceArns: this.resourceArns() });
  }

  private resourceArns(): string[] {
    return [this.registryArn, ...[...this.schemas.values()].map((s) => s.attrArn)];
  }
}

/** Checks names and definitions; returns the serialized definitions or throws once with every problem. */
function validate(registryName: string, events: readonly SchemaRegistryEvent[], format: SchemaDataFormat): Map<string, string> {
  const problems: string[] = [];
  const checkName = (what: string, name: string): void => {
    if (!Token.isUnresolved(name) && !GLUE_NAME_PATTERN.test(name)) {
      problems.push(`${what} "${name}" must be 1 to 255 characters of a-z, A-Z, 0-9, -, _, $, # and .`);
    }
  };
  checkName('registry name', registryName);
  const definitions = new Map<string, string>();
  for (const event of events) {
    checkName('event name', event.name);
    if (definitions.has(event.name)) {
      problems.push(`event "${event.name}" is declared more than once`);
      continue;
    }
    const text = serialize(event, format, problems);
    if (text === undefined) continue;
    if (text.length > MAX_SCHEMA_DEFINITION_LENGTH) {
      problems.push(`the schema of event "${event.name}" is ${text.length} characters; Glue accepts at most ${MAX_SCHEMA_DEFINITION_LENGTH}`);
    }
    definitions.set(event.name, text);
  }
  if (problems.length > 0) throw new Error(`SchemaRegistry ${registryName}:\n- ${problems.join('\n- ')}`);
  return definitions;
}

function serialize(event: SchemaRegistryEvent, format: SchemaDataFormat, problems: string[]): string | undefined {
  const definition = event.definition ?? (format === 'JSON' ? eventEnvelopeSchema(event.name) : undefined);
  if (definition === undefined) {
    problems.push(`event "${event.name}" needs a ${format} definition (only JSON schemas have a default)`);
    return undefined;
  }
  if (typeof definition !== 'string') {
    if (format === 'PROTOBUF') {
      problems.push(`event "${event.name}": a PROTOBUF definition is the .proto text, not an object`);
      return undefined;
    }
    return stableStringify(definition);
  }
  if (definition.trim() === '') {
    problems.push(`event "${event.name}" has an empty definition`);
    return undefined;
  }
  if (format === 'PROTOBUF') return definition;
  // JSON Schema and Avro schema texts are JSON: normalize them like objects, and refuse text that is not JSON.
  try {
    return stableStringify(JSON.parse(definition));
  } catch (e) {
    problems.push(`event "${event.name}": the ${format} definition is not valid JSON (${(e as Error).message})`);
    return undefined;
  }
}
