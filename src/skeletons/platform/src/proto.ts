/**
 * Protocol Buffers schemas built in code: messages and services described once, turned into the descriptor a gRPC
 * server serves (and reflection hands out) and into the `.proto` text a service commits. The entity messages come
 * from the same zod schemas as the REST routes (see {@link ProtoSchema.messageOf}).
 */
import { createFileRegistry, create, type DescFile, type FileRegistry } from '@bufbuild/protobuf';
import {
  FieldDescriptorProto_Label,
  FieldDescriptorProto_Type,
  FileDescriptorProtoSchema,
  file_google_protobuf_empty,
  file_google_protobuf_struct,
  type FileDescriptorProto,
} from '@bufbuild/protobuf/wkt';
import { z } from 'zod';
import { nullableOf, objectPropertiesOf, pascal, type JsonSchemaShape } from './shapes';

/** The scalar types a field may have, and `message` or `enum` (then `typeName` names it). */
export type ProtoFieldType = 'string' | 'int32' | 'double' | 'bool' | 'bytes' | 'message' | 'enum';

/** One field of a message. */
export interface ProtoField {
  /** snake_case, as .proto files spell fields. */
  readonly name: string;
  readonly type: ProtoFieldType;
  /** The type's full name without the leading dot (`google.protobuf.Value`, `shop.v1.User`), for `message` and `enum`. */
  readonly typeName?: string;
  readonly repeated?: boolean;
  /** proto3 `optional`: presence is tracked (null or absent in JSON). */
  readonly optional?: boolean;
  /** The name of the `oneof` the field belongs to. */
  readonly oneof?: string;
  /** The field's number; the previous field's plus one when omitted (1 for the first). */
  readonly number?: number;
  /** The key in JSON when it is not the lowerCamelCase of `name`. */
  readonly jsonName?: string;
  readonly comment?: string;
}

/** An enum, its values numbered from 0 in order. */
export interface ProtoEnum {
  readonly name: string;
  readonly values: readonly string[];
}

export interface ProtoMessage {
  readonly name: string;
  readonly fields: readonly ProtoField[];
  /** Enums declared inside the message (`HealthCheckResponse.ServingStatus`). */
  readonly enums?: readonly ProtoEnum[];
  readonly comment?: string;
}

export interface ProtoMethod {
  readonly name: string;
  /** The request and response messages' full names. */
  readonly input: string;
  readonly output: string;
  readonly clientStreaming?: boolean;
  readonly serverStreaming?: boolean;
  readonly comment?: string;
}

export interface ProtoService {
  readonly name: string;
  readonly methods: readonly ProtoMethod[];
  readonly comment?: string;
}

const SCALARS: Readonly<Record<Exclude<ProtoFieldType, 'message' | 'enum'>, FieldDescriptorProto_Type>> = {
  string: FieldDescriptorProto_Type.STRING,
  int32: FieldDescriptorProto_Type.INT32,
  double: FieldDescriptorProto_Type.DOUBLE,
  bool: FieldDescriptorProto_Type.BOOL,
  bytes: FieldDescriptorProto_Type.BYTES,
};

/** Well-known files a schema may import, by name. */
const WELL_KNOWN: ReadonlyMap<string, DescFile> = new Map([file_google_protobuf_struct, file_google_protobuf_empty].map((f) => [f.name + '.proto', f]));
const VALUE = 'google.protobuf.Value';
export const EMPTY = 'google.protobuf.Empty';
/** Any JSON object. */
export const STRUCT = 'google.protobuf.Struct';
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const INT32 = 2 ** 31;

/** `createdAt` → `created_at`. */
export function snake(text: string): string {
  return text.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/[^A-Za-z0-9_]/g, '_').toLowerCase();
}

/** The JSON name protoc gives a field: `created_at` → `createdAt`. */
function defaultJsonName(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** One .proto file: a package of messages and services, written out as a descriptor or as text. */
export class ProtoSchema {
  private readonly messages = new Map<string, ProtoMessage>();
  private readonly services: ProtoService[] = [];
  private readonly imports = new Set<string>();

  /** @param fileName `shop/user_service/v1/user_service.proto` @param packageName `shop.user_service.v1` */
  constructor(
    readonly fileName: string,
    readonly packageName: string,
  ) {}

  /** `Name` qualified with the package. */
  qualify(name: string): string {
    return `${this.packageName}.${name}`;
  }

  /** Adds a message (once per name) and returns its full name. */
  message(message: ProtoMessage): string {
    if (!this.messages.has(message.name)) this.messages.set(message.name, message);
    return this.qualify(message.name);
  }

  /** The full name of a well-known type, importing its file. */
  wellKnown(fullName: typeof VALUE | typeof EMPTY | typeof STRUCT): string {
    this.imports.add(fullName === EMPTY ? 'google/protobuf/empty.proto' : 'google/protobuf/struct.proto');
    return fullName;
  }

  service(service: ProtoService): void {
    this.services.push(service);
  }

  /**
   * The message `name` of an object schema (its output or input shape), and those of its nested objects, named after
   * their path (`UserAddress`). Strings, booleans and numbers map to string, bool, int32 (integers that fit 32 bits)
   * and double; arrays to repeated fields; optional and nullable fields to proto3 `optional`; what protobuf cannot
   * spell (records, unions, `unknown`, objects open to more keys, arrays of arrays) to `google.protobuf.Value`, which
   * carries any JSON. Field names are snake_case with the schema's key as their JSON name.
   */
  messageOf(schema: z.ZodType, name: string, io: 'input' | 'output'): string {
    const json = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchemaShape;
    const properties = objectPropertiesOf(json, NAME);
    if (!properties) throw new Error(`${name}: a message needs an object schema with named fields`);
    return this.objectMessage(json, properties, name);
  }

  /**
   * The type of a field holding `schema` (a message named `name` for an object with named fields, `google.protobuf.Value`
   * for what protobuf cannot spell), by the same mapping as {@link messageOf}.
   */
  fieldOf(schema: z.ZodType, name: string, io: 'input' | 'output'): Pick<ProtoField, 'type' | 'typeName' | 'repeated'> {
    const json = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchemaShape;
    return this.fieldShape(nullableOf(json) ?? json, name);
  }

  private objectMessage(schema: JsonSchemaShape, properties: Record<string, JsonSchemaShape>, name: string): string {
    if (this.messages.has(name)) return this.qualify(name);
    const fields = Object.entries(properties).map(([key, field]) => {
      const inner = nullableOf(field);
      const optional = inner !== undefined || !(schema.required ?? []).includes(key);
      const shape = this.fieldShape(inner ?? field, name + pascal(key));
      const protoName = snake(key);
      return {
        name: protoName,
        ...shape,
        ...(optional && !shape.repeated && shape.typeName !== VALUE ? { optional: true } : {}),
        ...(defaultJsonName(protoName) === key ? {} : { jsonName: key }),
        ...(field.description === undefined ? {} : { comment: field.description }),
      };
    });
    return this.message({ name, fields, ...(schema.description === undefined ? {} : { comment: schema.description }) });
  }

  private fieldShape(schema: JsonSchemaShape, name: string): Pick<ProtoField, 'type' | 'typeName' | 'repeated'> {
    if (schema.type === 'array' && schema.items) {
      const item = nullableOf(schema.items) === undefined ? this.fieldShape(schema.items, `${name}Item`) : undefined;
      return item && !item.repeated && item.typeName !== VALUE ? { ...item, repeated: true } : { type: 'message', typeName: this.wellKnown(VALUE) };
    }
    const properties = objectPropertiesOf(schema, NAME);
    if (properties) return { type: 'message', typeName: this.objectMessage(schema, properties, name) };
    switch (schema.type) {
      case 'string':
        return { type: 'string' };
      case 'boolean':
        return { type: 'bool' };
      case 'integer':
        return { type: (schema.minimum ?? -Infinity) >= -INT32 && (schema.maximum ?? Infinity) < INT32 ? 'int32' : 'double' };
      case 'number':
        return { type: 'double' };
      default:
        return { type: 'message', typeName: this.wellKnown(VALUE) };
    }
  }

  /** The file's descriptor (what reflection hands out and the server's registry reads). */
  descriptor(): FileDescriptorProto {
    return create(FileDescriptorProtoSchema, {
      name: this.fileName,
      package: this.packageName,
      syntax: 'proto3',
      dependency: [...this.imports].sort(),
      messageType: [...this.messages.values()].map((m) => {
        const oneofs: string[] = [];
        const oneofIndex = (name: string): number => {
          if (!oneofs.includes(name)) oneofs.push(name);
          return oneofs.indexOf(name);
        };
        const numbers = numbered(m.fields);
        const fields = m.fields.map((f, i) => ({
          name: f.name,
          number: numbers[i]!,
          label: f.repeated ? FieldDescriptorProto_Label.REPEATED : FieldDescriptorProto_Label.OPTIONAL,
          type: f.type === 'message' ? FieldDescriptorProto_Type.MESSAGE : f.type === 'enum' ? FieldDescriptorProto_Type.ENUM : SCALARS[f.type],
          ...(f.typeName === undefined ? {} : { typeName: `.${f.typeName}` }),
          jsonName: f.jsonName ?? defaultJsonName(f.name),
          ...(f.oneof === undefined ? {} : { oneofIndex: oneofIndex(f.oneof) }),
          ...(f.optional ? { proto3Optional: true } : {}),
        }));
        // proto3 optional fields each get a synthetic oneof, after the real ones
        const synthetic = fields.map((field) => (field.proto3Optional ? { ...field, oneofIndex: oneofIndex(`_${field.name}`) } : field));
        const enumType = (m.enums ?? []).map((e) => ({ name: e.name, value: e.values.map((name, number) => ({ name, number })) }));
        return { name: m.name, field: synthetic, oneofDecl: oneofs.map((name) => ({ name })), enumType };
      }),
      service: this.services.map((s) => ({
        name: s.name,
        method: s.methods.map((m) => ({ name: m.name, inputType: `.${m.input}`, outputType: `.${m.output}`, clientStreaming: m.clientStreaming ?? false, serverStreaming: m.serverStreaming ?? false })),
      })),
    });
  }

  /** A registry of the file and what it imports. */
  registry(): FileRegistry {
    return createFileRegistry(this.descriptor(), (name) => WELL_KNOWN.get(name));
  }

  /** The .proto text of the file: what a service commits, and what other languages generate clients from. */
  print(): string {
    const lines = ['// Generated by allframe from the service\'s schemas: do not edit (the service\'s tests rewrite it).', 'syntax = "proto3";', '', `package ${this.packageName};`];
    if (this.imports.size > 0) lines.push('', ...[...this.imports].sort().map((i) => `import "${i}";`));
    for (const s of this.services) {
      lines.push('', ...comment(s.comment, ''), `service ${s.name} {`);
      for (const m of s.methods) {
        lines.push(...comment(m.comment, '  '), `  rpc ${m.name}(${m.clientStreaming ? 'stream ' : ''}${this.local(m.input)}) returns (${m.serverStreaming ? 'stream ' : ''}${this.local(m.output)});`);
      }
      lines.push('}');
    }
    for (const m of this.messages.values()) {
      lines.push('', ...comment(m.comment, ''), `message ${m.name} {`);
      for (const e of m.enums ?? []) lines.push(`  enum ${e.name} {`, ...e.values.map((v, i) => `    ${v} = ${i};`), '  }');
      const printed = new Set<string>();
      const numbers = numbered(m.fields);
      m.fields.forEach((f, i) => {
        if (f.oneof !== undefined) {
          if (printed.has(f.oneof)) return;
          printed.add(f.oneof);
          lines.push(`  oneof ${f.oneof} {`);
          m.fields.forEach((g, j) => {
            if (g.oneof === f.oneof) lines.push(...comment(g.comment, '    '), `    ${this.fieldLine(g, numbers[j]!)}`);
          });
          lines.push('  }');
          return;
        }
        lines.push(...comment(f.comment, '  '), `  ${f.repeated ? 'repeated ' : f.optional ? 'optional ' : ''}${this.fieldLine(f, numbers[i]!)}`);
      });
      lines.push('}');
    }
    return `${lines.join('\n')}\n`;
  }

  private fieldLine(f: ProtoField, number: number): string {
    const type = f.type === 'message' || f.type === 'enum' ? this.local(f.typeName ?? VALUE) : f.type;
    return `${type} ${f.name} = ${number}${f.jsonName === undefined ? '' : ` [json_name = "${f.jsonName}"]`};`;
  }

  /** A type's name as the file spells it: without the package when it is the file's own. */
  private local(fullName: string): string {
    return fullName.startsWith(`${this.packageName}.`) ? fullName.slice(this.packageName.length + 1) : fullName;
  }
}

/** Each field's number: its own, or the one after the previous field's. */
function numbered(fields: readonly ProtoField[]): number[] {
  let last = 0;
  return fields.map((f) => (last = f.number ?? last + 1));
}

function comment(text: string | undefined, indent: string): string[] {
  return text === undefined ? [] : text.split('\n').map((line) => `${indent}// ${line}`.trimEnd());
}
