/**
 * GraphQL for the services whose `protocols` include graphql: a schema derived from the same zod schemas as the REST
 * routes, served by graphql-yoga at /graphql on the service's Hono app, with GraphQL Armor's depth, cost and alias
 * limits. Imported as `@<architecture>/platform/graphql`, so that services without GraphQL do not load it.
 */
import { costLimitPlugin } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import {
  GraphQLBoolean,
  GraphQLEnumType,
  GraphQLError,
  GraphQLFloat,
  GraphQLID,
  GraphQLInputObjectType,
  GraphQLInt,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLScalarType,
  GraphQLSchema,
  GraphQLString,
  buildClientSchema,
  getIntrospectionQuery,
  printSchema,
  valueFromASTUntyped,
  type IntrospectionQuery,
  type GraphQLFieldConfig,
  type GraphQLFieldConfigArgumentMap,
  type GraphQLFieldConfigMap,
  type GraphQLInputType,
  type GraphQLOutputType,
} from 'graphql';
import { createYoga } from 'graphql-yoga';
import type { Env, Hono } from 'hono';
import { z } from 'zod';
import { problemFields } from './api';
import type { CrudEntity, EventSourcedEntity, ReadModelRows } from './entities';
import { HttpError, type ProblemField } from './http';
import type { Logger } from './logger';
import { MAX_PAGE_SIZE, type PageQuery } from './page';
export type { CrudEntity, CrudUseCases, EventSourcedEntity, EventSourcedUseCases, ReadModelRows } from './entities';
import { nullableOf, objectPropertiesOf, pascal, type JsonSchemaShape as JsonSchema } from './shapes';

/** Where a service serves GraphQL. */
export const GRAPHQL_PATH = '/graphql';

/** Any JSON value: the type of a field whose schema GraphQL cannot spell (`z.unknown()`, a record, a union). */
export const JsonScalar = new GraphQLScalarType({
  name: 'JSON',
  description: 'Any JSON value',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: (ast, variables) => valueFromASTUntyped(ast, variables),
});

const NAME = /^[_A-Za-z][_0-9A-Za-z]*$/;

/** One side of the types (output or input): the types made so far, by name, and how an object type is made. */
interface Side<T> {
  readonly types: Map<string, T>;
  object(name: string, description: string | undefined, fields: () => Record<string, { type: T }>): T;
}
const INT32 = 2 ** 31;

/**
 * Turns zod schemas into GraphQL types, once per name: objects become object types (input types for inputs), arrays
 * lists, string enums enums, integers that fit 32 bits Int (other numbers Float), and what GraphQL cannot spell
 * (unions, records, `unknown`, keys that are not GraphQL names) the JSON scalar. Required fields are non-null.
 */
export class GraphqlTypes {
  private readonly outputs: Side<GraphQLOutputType> = {
    types: new Map(),
    object: (name, description, fields) => new GraphQLObjectType({ name, ...(description === undefined ? {} : { description }), fields }),
  };
  private readonly inputs: Side<GraphQLInputType> = {
    types: new Map(),
    object: (name, description, fields) => new GraphQLInputObjectType({ name, ...(description === undefined ? {} : { description }), fields }),
  };
  private readonly enums = new Map<string, GraphQLEnumType>();

  /** The object type `name` of an entity (its output shape). */
  output(schema: z.ZodType, name: string): GraphQLOutputType {
    return this.typeOf(z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' }) as JsonSchema, name, this.outputs);
  }

  /** The input object type `name` of what a client sends (its input shape). */
  input(schema: z.ZodType, name: string): GraphQLInputType {
    return this.typeOf(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema, name, this.inputs);
  }

  /** The type of `schema` on one side (output or input), named `name`, made once. */
  private typeOf<T extends GraphQLOutputType | GraphQLInputType>(schema: JsonSchema, name: string, side: Side<T>): T {
    const nullable = this.nullable(schema);
    if (nullable) return this.typeOf(nullable, name, side);
    const known = side.types.get(name);
    if (known) return known;
    if (schema.type === 'array' && schema.items) return new GraphQLList(this.required(this.typeOf(schema.items, `${name}Item`, side), !this.nullable(schema.items) && this.spelled(schema.items))) as unknown as T;
    const properties = this.objectProperties(schema);
    if (!properties) return this.scalar(schema, name) as T;
    const type = side.object(name, schema.description, () =>
      Object.fromEntries(Object.entries(properties).map(([key, field]) => [key, { type: this.required(this.typeOf(field, name + pascal(key), side), this.isRequired(schema, key, field)) as T }])),
    );
    side.types.set(name, type);
    return type;
  }

  private nullable(schema: JsonSchema): JsonSchema | undefined {
    return nullableOf(schema);
  }

  /** True when GraphQL can spell the value (so `required` may make it non-null); `unknown` may be null. */
  private spelled(schema: JsonSchema): boolean {
    return (schema.type !== undefined && !Array.isArray(schema.type)) || schema.enum !== undefined;
  }

  private isRequired(parent: JsonSchema, key: string, field: JsonSchema): boolean {
    return (parent.required ?? []).includes(key) && this.nullable(field) === undefined && this.spelled(field);
  }

  /** The properties of an object whose keys are GraphQL names, else undefined (the JSON scalar). */
  private objectProperties(schema: JsonSchema): Record<string, JsonSchema> | undefined {
    return objectPropertiesOf(schema, NAME);
  }

  private required<T extends GraphQLOutputType | GraphQLInputType>(type: T, required: boolean): T | GraphQLNonNull<T> {
    return required ? new GraphQLNonNull(type) : type;
  }

  private scalar(schema: JsonSchema, name: string): GraphQLScalarType | GraphQLEnumType {
    const values = schema.enum;
    if (schema.type === 'string' && values && values.every((v) => typeof v === 'string' && NAME.test(v))) {
      const known = this.enums.get(name);
      if (known) return known;
      const type = new GraphQLEnumType({ name, values: Object.fromEntries((values as string[]).map((v) => [v, { value: v }])) });
      this.enums.set(name, type);
      return type;
    }
    switch (schema.type) {
      case 'string':
        return GraphQLString;
      case 'boolean':
        return GraphQLBoolean;
      case 'integer':
        return (schema.minimum ?? -Infinity) >= -INT32 && (schema.maximum ?? Infinity) < INT32 ? GraphQLInt : GraphQLFloat;
      case 'number':
        return GraphQLFloat;
      default:
        return JsonScalar;
    }
  }
}

/** A GraphQL error a client can act on: `code` in its extensions (BAD_USER_INPUT, NOT_FOUND, ...), and the fields. */
export function graphqlError(message: string, code: string, errors?: readonly ProblemField[]): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...(errors && errors.length > 0 ? { errors } : {}) } });
}

const CODES: Readonly<Record<number, string>> = { 400: 'BAD_REQUEST', 401: 'UNAUTHENTICATED', 403: 'FORBIDDEN', 404: 'NOT_FOUND', 409: 'CONFLICT', 422: 'BAD_USER_INPUT', 429: 'RATE_LIMITED' };

/**
 * Runs a resolver's use case: an {@link HttpError} the application services throw becomes a GraphQL error with the
 * same message and fields (its status as `code`); anything else is left to the server, which hides it from the client.
 */
export async function resolve<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof HttpError && err.status < 500) throw graphqlError(err.message, CODES[err.status] ?? 'BAD_REQUEST', err.errors);
    throw err;
  }
}

/** Parses `value` with `schema`, or throws BAD_USER_INPUT naming each field (a JSON Pointer into the argument). */
export function parseArgument<T extends z.ZodType>(schema: T, value: unknown, argument: string): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw graphqlError(`the argument ${argument} does not match its schema`, 'BAD_USER_INPUT', problemFields(result.error, 'json'));
}

/** Queries and mutations, for {@link graphqlSchema}. */
export interface GraphqlFields {
  readonly query: GraphQLFieldConfigMap<unknown, unknown>;
  readonly mutation: GraphQLFieldConfigMap<unknown, unknown>;
}

/**
 * The queries `user(id)` (null when there is none) and `users(limit, cursor, filter)` (a page: `items`, `nextCursor`),
 * and the mutations `createUser(input)`, `updateUser(id, input)` and `deleteUser(id)` of one entity, calling the same
 * use cases as the REST routes. Inputs are checked against the same zod schema (BAD_USER_INPUT naming the field).
 */
export function crudFields<T, I>(types: GraphqlTypes, e: CrudEntity<T, I>): GraphqlFields {
  const item = types.output(e.schema, e.name);
  const input = new GraphQLNonNull(types.input(e.input, `${e.name}Input`));
  const id = ID_ARG;
  const filter: GraphQLFieldConfigArgumentMap =
    e.filters.length > 0 ? { filter: { type: new GraphQLInputObjectType({ name: `${e.name}Filter`, fields: Object.fromEntries(e.filters.map((f) => [f, { type: GraphQLString }])) }) } } : {};
  const page = pageType(item, `${e.name}Page`);
  const lower = e.name.charAt(0).toLowerCase() + e.name.slice(1);
  const parse = (value: unknown): I => parseArgument(e.input, value, 'input');
  return {
    query: {
      [lower]: field(item, { id }, ({ id: key }) => resolve(() => e.useCases.get(String(key))).catch(nullWhenNotFound)),
      [e.plural]: field(page, { ...PAGE_ARGS, ...filter }, (args) => resolve(() => e.useCases.page(pageArgs(args)))),
    },
    mutation: {
      [`create${e.name}`]: field(new GraphQLNonNull(item), { input: { type: input } }, ({ input: value }) => resolve(() => e.useCases.create(parse(value)))),
      [`update${e.name}`]: field(new GraphQLNonNull(item), { id, input: { type: input } }, ({ id: key, input: value }) => resolve(() => e.useCases.update(String(key), parse(value)))),
      [`delete${e.name}`]: field(new GraphQLNonNull(GraphQLBoolean), { id }, ({ id: key }) => resolve(async () => (await e.useCases.remove(String(key)), true))),
    },
  };
}

/** A query without arguments: its type (from a zod schema, named) and the use case that answers it. */
export interface QueryField {
  readonly schema: z.ZodType;
  /** The GraphQL type's name, `Overview`. */
  readonly name: string;
  readonly description?: string;
  resolve(): Promise<unknown>;
}

/** Queries without arguments (`overview`), each typed by its zod schema and answered by its use case. */
export function queryFields(types: GraphqlTypes, fields: Readonly<Record<string, QueryField>>): GraphqlFields {
  const query = Object.fromEntries(
    Object.entries(fields).map(([key, f]) => [key, { ...field(new GraphQLNonNull(types.output(f.schema, f.name)), {}, () => resolve(() => f.resolve())), ...(f.description === undefined ? {} : { description: f.description }) }]),
  );
  return { query, mutation: {} };
}

/**
 * The query `product(id)` (the state; null when the stream is empty) and the mutation `productCommand(id, command,
 * input)` (the state after it) of an event-sourced entity. Commands are an enum, `UPDATE_PRODUCT` for the route's
 * `update-product`; the input is checked against the same zod schema as the route's body.
 */
export function eventSourcedFields<T, I>(types: GraphqlTypes, e: EventSourcedEntity<T, I>): GraphqlFields {
  const state = types.output(e.schema, e.name);
  const commands = new GraphQLEnumType({ name: `${e.name}Command`, values: Object.fromEntries(e.commands.map((c) => [c.replace(/-/g, '_').toUpperCase(), { value: c }])) });
  const lower = e.name.charAt(0).toLowerCase() + e.name.slice(1);
  return {
    query: { [lower]: field(state, { id: ID_ARG }, ({ id }) => resolve(() => e.useCases.get(String(id))).catch(nullWhenNotFound)) },
    mutation: {
      [`${lower}Command`]: field(new GraphQLNonNull(state), { id: ID_ARG, command: { type: new GraphQLNonNull(commands) }, input: { type: new GraphQLNonNull(types.input(e.input, `${e.name}CommandInput`)) } }, ({ id, command, input }) =>
        resolve(() => e.useCases.execute(String(id), String(command), parseArgument(e.input, input, 'input'))),
      ),
    },
  };
}

/** A read model served over GraphQL: its rows, a page at a time and by id, typed by the rows' schema. */
export interface ReadModel extends ReadModelRows {
  /** The list's field name, `productList`; the row's is `productListRow`. */
  readonly field: string;
  readonly schema: z.ZodType;
}

/** The queries `productList(limit, cursor)` and `productListRow(id)` (null when there is none) of read models. */
export function readModelFields(types: GraphqlTypes, models: readonly ReadModel[]): GraphqlFields {
  const query: GraphQLFieldConfigMap<unknown, unknown> = {};
  for (const m of models) {
    const row = types.output(m.schema, `${m.name}Row`);
    query[m.field] = field(pageType(row, `${m.name}Page`), PAGE_ARGS, (args) => resolve(() => m.page(pageArgs(args))));
    query[`${m.field}Row`] = field(row, { id: ID_ARG }, async ({ id }) => (await m.get(String(id))) ?? null);
  }
  return { query, mutation: {} };
}

const ID_ARG = { type: new GraphQLNonNull(GraphQLID) };
const PAGE_ARGS: GraphQLFieldConfigArgumentMap = { limit: { type: GraphQLInt, description: `Items per page (default 20, at most ${MAX_PAGE_SIZE})` }, cursor: { type: GraphQLString, description: 'The `nextCursor` of the previous page' } };

/** `{ items: [item!]!, nextCursor }`, non-null: a page of a list. */
function pageType(item: GraphQLOutputType, name: string): GraphQLNonNull<GraphQLObjectType> {
  return new GraphQLNonNull(
    new GraphQLObjectType({
      name,
      fields: { items: { type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(item))) }, nextCursor: { type: GraphQLString, description: 'Pass as `cursor` for the next page; null on the last one' } },
    }),
  );
}

function field(type: GraphQLOutputType, args: GraphQLFieldConfigArgumentMap, run: (args: Record<string, unknown>) => Promise<unknown>): GraphQLFieldConfig<unknown, unknown> {
  return { type, args, resolve: (_source, values: Record<string, unknown>) => run(values) };
}

function nullWhenNotFound(err: unknown): null {
  if (err instanceof GraphQLError && err.extensions['code'] === 'NOT_FOUND') return null;
  throw err;
}

/** The page query of a list field's arguments; a limit out of range is BAD_USER_INPUT. */
function pageArgs(args: Record<string, unknown>): PageQuery {
  const { limit, cursor, filter } = args;
  if (typeof limit === 'number' && (limit < 1 || limit > MAX_PAGE_SIZE)) {
    throw graphqlError(`limit must be between 1 and ${MAX_PAGE_SIZE}`, 'BAD_USER_INPUT', [{ parameter: 'limit', detail: `between 1 and ${MAX_PAGE_SIZE}` }]);
  }
  const where = Object.fromEntries(Object.entries((filter ?? {}) as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === 'string'));
  return { ...(typeof limit === 'number' ? { limit } : {}), ...(typeof cursor === 'string' ? { cursor } : {}), ...(Object.keys(where).length > 0 ? { where } : {}) };
}

/** A schema of the queries and, when there are any, the mutations of `parts`. */
export function graphqlSchema(...parts: readonly GraphqlFields[]): GraphQLSchema {
  const query = Object.assign({}, ...parts.map((p) => p.query)) as GraphQLFieldConfigMap<unknown, unknown>;
  const mutation = Object.assign({}, ...parts.map((p) => p.mutation)) as GraphQLFieldConfigMap<unknown, unknown>;
  return new GraphQLSchema({
    query: new GraphQLObjectType({ name: 'Query', fields: query }),
    ...(Object.keys(mutation).length > 0 ? { mutation: new GraphQLObjectType({ name: 'Mutation', fields: mutation }) } : {}),
  });
}

/** Limits of every operation (GraphQL Armor), before it runs. */
export interface GraphqlLimits {
  /** Deepest selection (default 8). */
  readonly maxDepth: number;
  /** Most expensive operation: objects cost 2, scalars 1, times 1.5 per level of depth (default 5000). */
  readonly maxCost: number;
  /** Most aliases in one operation (default 15). */
  readonly maxAliases: number;
}

export const DEFAULT_GRAPHQL_LIMITS: GraphqlLimits = { maxDepth: 8, maxCost: 5000, maxAliases: 15 };

/** Options for {@link mountGraphql}. */
export interface GraphqlOptions {
  readonly logger: Logger;
  /** Serve GraphiQL on GET /graphql from a browser (the same switch as the docs page: API_DOCS). */
  readonly graphiql: boolean;
  readonly limits?: Partial<GraphqlLimits>;
}

/**
 * Serves `schema` at /graphql on `app` (GET and POST) with graphql-yoga: operations over the limits are refused before
 * they run, unexpected errors are logged and masked, and GraphiQL is served only when `graphiql` is on.
 */
export function mountGraphql<E extends Env>(app: Hono<E>, schema: GraphQLSchema, options: GraphqlOptions): void {
  const limits = { ...DEFAULT_GRAPHQL_LIMITS, ...options.limits };
  const yoga = createYoga({
    schema,
    graphqlEndpoint: GRAPHQL_PATH,
    graphiql: options.graphiql,
    landingPage: false,
    logging: {
      debug: () => undefined,
      info: (...args: unknown[]) => options.logger.info({ args }, 'graphql'),
      warn: (...args: unknown[]) => options.logger.warn({ args }, 'graphql'),
      error: (...args: unknown[]) => options.logger.error({ args }, 'graphql'),
    },
    plugins: [
      maxDepthPlugin({ n: limits.maxDepth, exposeLimits: true }),
      costLimitPlugin({ maxCost: limits.maxCost, exposeLimits: true }),
      maxAliasesPlugin({ n: limits.maxAliases, exposeLimits: true }),
    ],
  });
  app.on(['GET', 'POST'], GRAPHQL_PATH, (c) => yoga.fetch(c.req.raw));
}

/**
 * The schema `app` serves at /graphql in SDL, read by introspection as a client reads it: what a service commits as
 * its schema.graphql.
 */
export async function servedGraphqlSchema<E extends Env>(app: Hono<E>): Promise<string> {
  const res = await app.request(GRAPHQL_PATH, { method: 'POST', body: JSON.stringify({ query: getIntrospectionQuery() }), headers: { 'content-type': 'application/json' } });
  const body = (await res.json()) as { data?: IntrospectionQuery; errors?: { message: string }[] };
  if (!body.data) throw new Error(`introspection failed: ${body.errors?.map((e) => e.message).join('; ') ?? res.status}`);
  return `${printSchema(buildClientSchema(body.data))}\n`;
}
