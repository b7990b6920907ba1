/**
 * gRPC for the services whose `protocols` include grpc: services and messages derived from the same zod schemas as
 * the REST routes, served with Connect (gRPC, gRPC-Web and the Connect protocol) on the service's own port beside its
 * HTTP routes, with `grpc.health.v1` health checking and, outside production, server reflection. Imported as
 * `@<architecture>/platform/grpc`, so that services without gRPC do not load it.
 */
import { fromJson, toBinary, toJson, type DescMethod, type DescService, type FileRegistry, type JsonObject, type JsonValue, type Message } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import { Code, ConnectError, createClient, type ConnectRouter, type HandlerContext, type Transport } from '@connectrpc/connect';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import type { z } from 'zod';
import { problemFields, toPageQuery } from './api';
import type { CrudEntity, EventSourcedEntity, ReadModelRows } from './entities';
import { HttpError, type ProblemField } from './http';
import type { Logger } from './logger';
import type { PageQuery } from './page';
import { EMPTY, ProtoSchema, STRUCT, type ProtoField } from './proto';
import type { NodeHandler, RequestWrapper } from './server';
import { pascal } from './shapes';

export type { CrudEntity, CrudUseCases, EventSourcedEntity, EventSourcedUseCases, ReadModelRows } from './entities';

/** A unary method's implementation over JSON: the request as proto3 JSON in, the response as JSON out. */
type JsonHandler = (request: JsonObject, context: HandlerContext) => Promise<JsonValue>;

const CODES: Readonly<Record<number, Code>> = {
  400: Code.InvalidArgument,
  401: Code.Unauthenticated,
  403: Code.PermissionDenied,
  404: Code.NotFound,
  409: Code.AlreadyExists,
  412: Code.FailedPrecondition,
  422: Code.InvalidArgument,
  429: Code.ResourceExhausted,
  503: Code.Unavailable,
  504: Code.DeadlineExceeded,
};

/** The gRPC status of an error the application services throw: an {@link HttpError}'s status mapped, else Internal. */
export function grpcError(err: unknown): ConnectError {
  if (err instanceof ConnectError) return err;
  if (err instanceof HttpError && err.status < 500) return new ConnectError(withFields(err.message, err.errors), CODES[err.status] ?? Code.InvalidArgument);
  if (err instanceof HttpError) return new ConnectError(err.message, CODES[err.status] ?? Code.Internal);
  return new ConnectError('internal error', Code.Internal);
}

/** `message (#/name: Too small; limit: ...)`: the fields at fault in the status message, which every client shows. */
function withFields(message: string, errors: readonly ProblemField[] | undefined): string {
  if (!errors || errors.length === 0) return message;
  return `${message} (${errors.map((e) => `${e.pointer ?? e.parameter ?? ''}: ${e.detail}`).join('; ')})`;
}

/** A string field of a request in JSON ('' when absent, as proto3 has it). */
function text(value: JsonValue | undefined): string {
  return typeof value === 'string' ? value : '';
}

/** Parses `value` with `schema`, or throws INVALID_ARGUMENT naming each field (a JSON Pointer into the message). */
export function parseMessage<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new ConnectError(withFields(`${what} does not match its schema`, problemFields(result.error, 'json')), Code.InvalidArgument);
}

/** One method of a service: its request and response messages, and what it runs (the request as proto3 JSON). */
interface GrpcMethod {
  readonly input: string;
  readonly output: string;
  run(request: JsonObject): Promise<unknown>;
}

const ID: ProtoField = { name: 'id', type: 'string' };
const PAGE_FIELDS: readonly ProtoField[] = [
  { name: 'limit', type: 'int32', optional: true, comment: 'Items per page (default 20, at most 100)' },
  { name: 'cursor', type: 'string', optional: true, comment: 'The next_cursor of the previous page' },
];
const NEXT_CURSOR: ProtoField = { name: 'next_cursor', type: 'string', optional: true, comment: 'Pass as cursor for the next page; absent on the last one' };

/** The page a list request asks for: its limit, its cursor and its filter fields (checked by the repository). */
function pageQueryOf(req: JsonObject): PageQuery {
  const { limit, cursor, filter } = req as { limit?: number; cursor?: string; filter?: Record<string, string> };
  return toPageQuery({ ...filter, limit, cursor });
}

/** Options for {@link GrpcApi.server}. */
export interface GrpcServerOptions {
  readonly logger: Logger;
  /** Serve server reflection (grpcurl, Postman list and describe the services): the same switch as the docs, API_DOCS. */
  readonly reflection: boolean;
  /** Readiness (the same as GET /readyz): NOT_SERVING when it is false or throws. Serving when omitted. */
  readonly ready?: () => Promise<boolean> | boolean;
}

/**
 * The gRPC API of one service: its .proto file, built from the entities' zod schemas, and the implementation of each
 * method, calling the same use cases as the REST routes. {@link server} serves it.
 */
export class GrpcApi {
  readonly proto: ProtoSchema;
  private readonly handlers = new Map<string, JsonHandler>();

  /**
   * @param packageName `shop_platform.user_service.v1`
   * @param fileName `user_service.proto`, the name of the committed file (and the one reflection hands out)
   */
  constructor(packageName: string, fileName: string) {
    this.proto = new ProtoSchema(fileName, packageName);
  }

  /**
   * The service `UserService`: `GetUser(id)`, `ListUsers(limit, cursor, filter)` (a page: `items`, `next_cursor`),
   * `CreateUser(UserInput)`, `UpdateUser(id, input)` and `DeleteUser(id)`, calling the same use cases as the REST
   * routes; inputs are checked against the same zod schema (INVALID_ARGUMENT naming the field).
   */
  crud<T, I>(e: CrudEntity<T, I>): this {
    const p = this.proto;
    const item = p.messageOf(e.schema, e.name, 'output');
    const input = p.messageOf(e.input, `${e.name}Input`, 'input');
    const plural = pascal(e.plural);
    const filterFields = e.filters.map((f): ProtoField => ({ name: f, type: 'string', optional: true }));
    const filter = filterFields.length > 0 ? [{ name: 'filter', type: 'message' as const, typeName: p.message({ name: `${e.name}Filter`, fields: filterFields, comment: 'Items whose fields equal these' }) }] : [];
    return this.service(`${e.name}Service`, {
      [`Get${e.name}`]: { input: p.message({ name: `Get${e.name}Request`, fields: [ID] }), output: item, run: (req) => e.useCases.get(text(req['id'])) },
      [`List${plural}`]: {
        input: p.message({ name: `List${plural}Request`, fields: [...PAGE_FIELDS, ...filter] }),
        output: p.message({ name: `List${plural}Response`, fields: [{ name: 'items', type: 'message', typeName: item, repeated: true }, NEXT_CURSOR] }),
        run: (req) => e.useCases.page(pageQueryOf(req)),
      },
      [`Create${e.name}`]: { input, output: item, run: (req) => e.useCases.create(parseMessage(e.input, req, 'the request')) },
      [`Update${e.name}`]: {
        input: p.message({ name: `Update${e.name}Request`, fields: [ID, { name: 'input', type: 'message', typeName: input }] }),
        output: item,
        run: (req) => e.useCases.update(text(req['id']), parseMessage(e.input, req['input'] ?? {}, 'input')),
      },
      [`Delete${e.name}`]: {
        input: p.message({ name: `Delete${e.name}Request`, fields: [ID] }),
        output: p.wellKnown(EMPTY),
        run: async (req) => {
          await e.useCases.remove(text(req['id']));
          return {};
        },
      },
    });
  }

  /**
   * The service `LedgerService` of an event-sourced entity: `GetLedger(id)` (its state), `RunLedgerCommand(id, command,
   * input)` (the state after the command; `command` as the routes name it, `deposit-funds`, input checked against the
   * same zod schema), and per read model `ListAccountBalance(limit, cursor)` (a page of rows) and
   * `GetAccountBalanceRow(id)`. Rows are `google.protobuf.Struct`: a row holds its events' fields beside `id` and
   * `version`, which a message would drop.
   */
  eventSourced<T, I>(e: EventSourcedEntity<T, I>, readModels: readonly ReadModelRows[] = []): this {
    const p = this.proto;
    const state = p.messageOf(e.schema, e.name, 'output');
    const input: ProtoField = { name: 'input', ...p.fieldOf(e.input, `${e.name}CommandInput`, 'input') };
    const methods: Record<string, GrpcMethod> = {
      [`Get${e.name}`]: { input: p.message({ name: `Get${e.name}Request`, fields: [ID] }), output: state, run: (req) => e.useCases.get(text(req['id'])) },
      [`Run${e.name}Command`]: {
        input: p.message({ name: `Run${e.name}CommandRequest`, fields: [ID, { name: 'command', type: 'string', comment: `One of: ${e.commands.join(', ')}` }, input] }),
        output: state,
        run: (req) => {
          const command = text(req['command']);
          if (!e.commands.includes(command)) throw new ConnectError(`unknown command "${command}": one of ${e.commands.join(', ')}`, Code.InvalidArgument);
          return e.useCases.execute(text(req['id']), command, parseMessage(e.input, req['input'] ?? {}, 'input'));
        },
      },
    };
    for (const m of readModels) {
      const row = p.wellKnown(STRUCT);
      methods[`List${m.name}`] = {
        input: p.message({ name: `List${m.name}Request`, fields: PAGE_FIELDS }),
        output: p.message({ name: `${m.name}Page`, fields: [{ name: 'items', type: 'message', typeName: row, repeated: true }, NEXT_CURSOR] }),
        run: (req) => m.page(pageQueryOf(req)),
      };
      methods[`Get${m.name}Row`] = {
        input: p.message({ name: `Get${m.name}RowRequest`, fields: [ID] }),
        output: row,
        run: async (req) => {
          const found = await m.get(text(req['id']));
          if (found === undefined) throw new ConnectError(`no ${m.name} row ${text(req['id'])}`, Code.NotFound);
          return found;
        },
      };
    }
    return this.service(`${e.name}Service`, methods);
  }

  /** Adds the service `name` with its methods: their messages in the .proto file, their implementations here. */
  private service(name: string, methods: Readonly<Record<string, GrpcMethod>>): this {
    this.proto.service({ name, methods: Object.entries(methods).map(([method, m]) => ({ name: method, input: m.input, output: m.output })) });
    for (const [method, m] of Object.entries(methods)) {
      this.handlers.set(`${this.proto.qualify(name)}/${method}`, async (req) => JSON.parse(JSON.stringify(await m.run(req))) as JsonValue);
    }
    return this;
  }

  /** The descriptor of the service `name` (`UserService`), for a client. */
  serviceDesc(name: string): DescService {
    const service = this.proto.registry().getService(this.proto.qualify(name));
    if (!service) throw new Error(`no service ${this.proto.qualify(name)}`);
    return service;
  }

  /**
   * A server of the API: the service's methods, `grpc.health.v1.Health` and, when on, `grpc.reflection.v1` (and
   * v1alpha, which older tools ask for). Handed to `serve`, it answers gRPC, gRPC-Web and Connect requests on the
   * service's port and passes every other request to the HTTP app.
   */
  server(options: GrpcServerOptions): GrpcServer {
    return new GrpcServer(this, this.handlers, options);
  }
}

/** The wrapper `serve` puts around the HTTP app: gRPC requests to the gRPC API, the rest to the app. */
export class GrpcServer implements RequestWrapper {
  private readonly registry: FileRegistry;
  /** The API's services, `shop.user_service.v1.UserService`: what health checks and reflection lists. */
  private readonly services: readonly DescService[];

  constructor(
    /** The API served: its .proto file, and its descriptors for clients. */
    readonly api: GrpcApi,
    private readonly handlers: ReadonlyMap<string, JsonHandler>,
    private readonly options: GrpcServerOptions,
  ) {
    this.registry = api.proto.registry();
    this.services = this.registry.getFile(api.proto.fileName)?.services ?? [];
  }

  /** Routes the API's methods, health and reflection, in a Connect router. */
  routes(router: ConnectRouter): void {
    for (const service of this.services) {
      for (const method of service.methods) {
        const handler = this.handlers.get(`${service.typeName}/${method.name}`);
        if (handler) router.rpc(method, this.unary(method, handler) as never);
      }
    }
    this.health(router);
    if (this.options.reflection) for (const version of ['v1', 'v1alpha'] as const) this.reflection(router, version);
  }

  /** The Node request handler: gRPC, gRPC-Web and Connect requests to their method; anything else to `fallback`. */
  wrap(fallback: NodeHandler): NodeHandler {
    return connectNodeAdapter({ routes: (router) => this.routes(router), fallback: fallback as Parameters<typeof connectNodeAdapter>[0]['fallback'] });
  }

  private unary(method: DescMethod, handler: JsonHandler) {
    const { logger } = this.options;
    return async (request: Parameters<typeof toJson>[1], context: HandlerContext) => {
      let json: JsonObject;
      try {
        json = toJson(method.input, request, { alwaysEmitImplicit: true }) as JsonObject;
      } catch (err) {
        // a message the client built but protobuf cannot read as JSON (a google.protobuf.Value without its kind)
        throw new ConnectError(`the request is not valid: ${err instanceof Error ? err.message : String(err)}`, Code.InvalidArgument);
      }
      try {
        return fromJson(method.output, await handler(json, context), { ignoreUnknownFields: true });
      } catch (err) {
        const error = grpcError(err);
        if (error.code === Code.Internal && !(err instanceof ConnectError)) logger.error({ err, method: `${method.parent.typeName}/${method.name}` }, 'grpc method failed');
        throw error;
      }
    };
  }

  /** `grpc.health.v1.Health`: Check and Watch for the server ("") and each service; NOT_FOUND for others. */
  private health(router: ConnectRouter): void {
    const registry = healthProto().registry();
    const service = registry.getService('grpc.health.v1.Health')!;
    const known = new Set(['', ...this.services.map((s) => s.typeName)]);
    const status = async (name: string): Promise<JsonObject> => {
      if (!known.has(name)) throw new ConnectError(`unknown service ${name}`, Code.NotFound);
      let ready = true;
      try {
        ready = this.options.ready ? await this.options.ready() : true;
      } catch {
        ready = false;
      }
      return { status: ready ? 'SERVING' : 'NOT_SERVING' };
    };
    const [check, watch] = [service.method['check']!, service.method['watch']!];
    router.rpc(check, (async (req: Parameters<typeof toJson>[1]) => fromJson(check.output, await status(text((toJson(check.input, req) as JsonObject)['service']))) as never) as never);
    router.rpc(watch, async function* (req: Parameters<typeof toJson>[1], context: HandlerContext) {
      yield fromJson(watch.output, await status(text((toJson(watch.input, req) as JsonObject)['service'])));
      // the status does not change while the process runs: hold the stream open until the client leaves
      await new Promise((resolve) => context.signal.addEventListener('abort', resolve, { once: true }));
    } as never);
  }

  /** Server reflection: the services, and the file descriptors that define a symbol or a file. */
  private reflection(router: ConnectRouter, version: 'v1' | 'v1alpha'): void {
    const registry = reflectionProto(version).registry();
    const method = registry.getService(`grpc.reflection.${version}.ServerReflection`)!.methods[0]!;
    const answer = (req: JsonObject): JsonObject => this.reflect(req);
    router.rpc(method, async function* (requests: AsyncIterable<Parameters<typeof toJson>[1]>) {
      for await (const request of requests) {
        const req = toJson(method.input, request) as JsonObject;
        yield fromJson(method.output, { validHost: req['host'] ?? '', originalRequest: req, ...answer(req) });
      }
    } as never);
  }

  private reflect(req: JsonObject): JsonObject {
    const notFound = (what: string): JsonObject => ({ errorResponse: { errorCode: Code.NotFound, errorMessage: `${what} not found` } });
    const files = (name: string | undefined): JsonObject | undefined => {
      const file = name === undefined ? undefined : this.registry.getFile(name);
      if (!file) return undefined;
      const all = [file, ...file.dependencies];
      return { fileDescriptorResponse: { fileDescriptorProto: all.map((f) => Buffer.from(toBinary(FileDescriptorProtoSchema, f.proto)).toString('base64')) } };
    };
    if (typeof req['listServices'] === 'string') return { listServicesResponse: { service: this.services.map((s) => ({ name: s.typeName })) } };
    if (typeof req['fileByFilename'] === 'string') return files(req['fileByFilename']) ?? notFound(`file ${req['fileByFilename']}`);
    if (typeof req['fileContainingSymbol'] === 'string') {
      const symbol = req['fileContainingSymbol'].replace(/^\./, '');
      const owner = this.ownerOf(symbol);
      return files(owner) ?? notFound(`symbol ${symbol}`);
    }
    if (typeof req['allExtensionNumbersOfType'] === 'string') return { allExtensionNumbersResponse: { baseTypeName: req['allExtensionNumbersOfType'], extensionNumber: [] } };
    return { errorResponse: { errorCode: Code.Unimplemented, errorMessage: 'this server has no extensions' } };
  }

  /** The file that defines `symbol`: a service, a method (`Service.Method`), a message or an enum. */
  private ownerOf(symbol: string): string | undefined {
    const direct = this.registry.get(symbol);
    if (direct && 'file' in direct) return direct.file.proto.name;
    const service = this.registry.getService(symbol.slice(0, symbol.lastIndexOf('.')));
    return service?.file.proto.name;
  }
}

/** A client whose unary methods take and give proto3 JSON: what REST clients send, `google.protobuf.Value` as JSON. */
export type JsonClient = Readonly<Record<string, (request: JsonObject) => Promise<JsonObject>>>;

/**
 * A gRPC client of `service` over `transport` (Connect's gRPC, gRPC-Web or Connect transport) that speaks proto3 JSON:
 * each unary method by its local name (`createUser`), the request read from JSON and the response written as JSON,
 * so that tests and scripts need no generated message types.
 */
export function jsonClient(service: DescService, transport: Transport): JsonClient {
  const client = createClient(service, transport) as unknown as Record<string, (request: Message) => Promise<Message>>;
  return Object.fromEntries(
    service.methods.filter((m) => m.methodKind === 'unary').map((m) => [m.localName, async (request: JsonObject) => toJson(m.output, await client[m.localName]!(fromJson(m.input, request))) as JsonObject]),
  );
}

/** `grpc/health/v1/health.proto`, as the gRPC project publishes it. */
function healthProto(): ProtoSchema {
  const p = new ProtoSchema('grpc/health/v1/health.proto', 'grpc.health.v1');
  const request = p.message({ name: 'HealthCheckRequest', fields: [{ name: 'service', type: 'string' }] });
  const response = p.message({
    name: 'HealthCheckResponse',
    enums: [{ name: 'ServingStatus', values: ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'] }],
    fields: [{ name: 'status', type: 'enum', typeName: 'grpc.health.v1.HealthCheckResponse.ServingStatus' }],
  });
  p.service({ name: 'Health', methods: [{ name: 'Check', input: request, output: response }, { name: 'Watch', input: request, output: response, serverStreaming: true }] });
  return p;
}

/** `grpc/reflection/<version>/reflection.proto`, as the gRPC project publishes it (v1alpha has the same messages). */
function reflectionProto(version: 'v1' | 'v1alpha'): ProtoSchema {
  const p = new ProtoSchema(`grpc/reflection/${version}/reflection.proto`, `grpc.reflection.${version}`);
  const str = (name: string, oneof?: string): ProtoField => ({ name, type: 'string', ...(oneof === undefined ? {} : { oneof }) });
  const msg = (name: string, typeName: string, oneof?: string): ProtoField => ({ name, type: 'message', typeName, ...(oneof === undefined ? {} : { oneof }) });
  const extension = p.message({ name: 'ExtensionRequest', fields: [str('containing_type'), { name: 'extension_number', type: 'int32' }] });
  const request = p.qualify('ServerReflectionRequest');
  // field numbers follow the published file: the oneofs start at 3 and 4
  p.message({
    name: 'ServerReflectionRequest',
    fields: [str('host'), { ...str('file_by_filename', 'message_request'), number: 3 }, str('file_containing_symbol', 'message_request'), msg('file_containing_extension', extension, 'message_request'), str('all_extension_numbers_of_type', 'message_request'), str('list_services', 'message_request')],
  });
  const files = p.message({ name: 'FileDescriptorResponse', fields: [{ name: 'file_descriptor_proto', type: 'bytes', repeated: true }] });
  const numbers = p.message({ name: 'ExtensionNumberResponse', fields: [str('base_type_name'), { name: 'extension_number', type: 'int32', repeated: true }] });
  const service = p.message({ name: 'ServiceResponse', fields: [str('name')] });
  const services = p.message({ name: 'ListServiceResponse', fields: [{ name: 'service', type: 'message', typeName: service, repeated: true }] });
  const error = p.message({ name: 'ErrorResponse', fields: [{ name: 'error_code', type: 'int32' }, str('error_message')] });
  const response = p.message({
    name: 'ServerReflectionResponse',
    fields: [str('valid_host'), msg('original_request', request), { ...msg('file_descriptor_response', files, 'message_response'), number: 4 }, msg('all_extension_numbers_response', numbers, 'message_response'), msg('list_services_response', services, 'message_response'), msg('error_response', error, 'message_response')],
  });
  p.service({ name: 'ServerReflection', methods: [{ name: 'ServerReflectionInfo', input: request, output: response, clientStreaming: true, serverStreaming: true }] });
  return p;
}
