/**
 * What the API protocols beside REST (GraphQL, gRPC) are given of a service: its entities, with the zod schemas of
 * the REST routes and the use cases of its application services, so that every protocol calls the same code.
 */
import type { z } from 'zod';
import type { Page, PageQuery } from './page';

/** The use cases a CRUD entity offers (what the stateless services' application services have). */
export interface CrudUseCases<T, I> {
  create(input: I): Promise<T>;
  get(id: string): Promise<T>;
  update(id: string, input: I): Promise<T>;
  remove(id: string): Promise<void>;
  page(query: PageQuery): Promise<Page<T>>;
}

/** One CRUD entity: its names, its schemas (those of the REST routes) and its use cases. */
export interface CrudEntity<T, I> {
  /** The type name, `User`. */
  readonly name: string;
  /** The list's name, `users`. */
  readonly plural: string;
  readonly schema: z.ZodType<T>;
  readonly input: z.ZodType<I>;
  /** Fields the list filters on (equality). */
  readonly filters: readonly string[];
  readonly useCases: CrudUseCases<T, I>;
}

/** The commands of an event-sourced entity: its state and the use case that runs a command. */
export interface EventSourcedUseCases<T, I> {
  get(id: string): Promise<T>;
  execute(id: string, command: string, input: I): Promise<T>;
}

/** One event-sourced entity: its name, its schemas (those of the REST routes), its commands. */
export interface EventSourcedEntity<T, I> {
  /** The type name, `Product`. */
  readonly name: string;
  readonly schema: z.ZodType<T>;
  /** The body of a command. */
  readonly input: z.ZodType<I>;
  /** The commands, as the routes name them (`update-product`). */
  readonly commands: readonly string[];
  readonly useCases: EventSourcedUseCases<T, I>;
}

/** A read model: its rows, a page at a time and by id. */
export interface ReadModelRows {
  /** The names' stem, `ProductList` (`ProductListRow`, `ProductListPage`, `ListProductList`). */
  readonly name: string;
  get(id: string): Promise<unknown>;
  page(query: PageQuery): Promise<Page<unknown>>;
}
