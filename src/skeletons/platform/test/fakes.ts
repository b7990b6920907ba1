// Small fakes shared by the platform tests (not a test file itself).
import { z } from '@hono/zod-openapi';
import type { Span, Tracer } from '@opentelemetry/api';
import type { AwsClient } from '../src/aws';
import type { CrudUseCases } from '../src/graphql';
import { HttpError } from '../src/http';
import type { SqlPool } from '../src/postgres';
import { MemoryRepository } from '../src/repository';
import type { Logger } from '../src/logger';
import type { FetchFn } from '../src/signed-fetch';

/** A logger that records calls. */
export function fakeLogger(): Logger & { [K in keyof Logger]: jest.Mock } {
  return { debug: jest.fn(), info: jest.fn(), warn: jest.fn(), error: jest.fn() };
}

/** An AWS SDK v3 client that records every command and answers with `reply(command)`. */
export function fakeAws(reply: (command: object) => unknown = () => ({})): AwsClient & { sent: object[] } {
  const sent: object[] = [];
  return {
    sent,
    send(command: object): Promise<unknown> {
      sent.push(command);
      try {
        return Promise.resolve(reply(command));
      } catch (err) {
        return Promise.reject(err instanceof Error ? err : new Error(String(err)));
      }
    },
  };
}

/** The `input` of a recorded SDK command. */
export function inputOf(command: object | undefined): Record<string, unknown> {
  return (command as { input: Record<string, unknown> }).input;
}

/** A clock advanced by hand. */
export function fakeClock(start = 1_700_000_000_000): { now: () => number; advance(ms: number): void } {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

/** A span whose methods are jest mocks. */
export type FakeSpan = Span & Record<'end' | 'recordException' | 'setStatus' | 'updateName' | 'setAttributes', jest.Mock>;

/** A tracer that hands out one recording fake span and remembers the spans started. */
export function fakeTracer(): { tracer: Tracer; span: FakeSpan; started: { name: string; options: unknown }[] } {
  const span = {
    end: jest.fn(),
    recordException: jest.fn(),
    setStatus: jest.fn(),
    updateName: jest.fn(),
    setAttributes: jest.fn(),
    spanContext: () => ({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 }),
  };
  const started: { name: string; options: unknown }[] = [];
  const tracer = {
    startActiveSpan: (name: string, options: unknown, fn: (s: Span) => unknown) => {
      started.push({ name, options });
      return fn(span as unknown as Span);
    },
  };
  return { tracer: tracer as unknown as Tracer, span: span as unknown as FakeSpan, started };
}

/** A Postgres pool that records queries and answers every one with `rows(text, values)`. */
export function fakePool(
  rows: (text: string, values: unknown[] | undefined) => unknown[] = () => [],
): SqlPool & { calls: { text: string; values: unknown[] | undefined }[] } {
  const calls: { text: string; values: unknown[] | undefined }[] = [];
  return {
    calls,
    query: (text, values) => {
      calls.push({ text, values });
      return Promise.resolve({ rows: rows(text, values) });
    },
  };
}

/** A fetch that records what it was asked to send. */
export function recorder() {
  const sent: { url: string; init: RequestInit; headers: Record<string, string> }[] = [];
  const fetchFn: FetchFn = (url, init = {}) => {
    sent.push({ url, init, headers: init.headers as Record<string, string> });
    return Promise.resolve(new Response('{}'));
  };
  return { sent, fetchFn };
}

export const ItemInput = z.object({ name: z.string().trim().min(1).max(20), size: z.number().int().min(0).max(100).optional() }).openapi('ItemInput');
export const Item = ItemInput.extend({ id: z.string() }).openapi('Item');
export type ItemInput = z.infer<typeof ItemInput>;
export type Item = z.infer<typeof Item>;

/** The use cases of a CRUD service over the memory repository, as a stateless service's application service has them. */
export function itemUseCases(): CrudUseCases<Item, ItemInput> & { repo: MemoryRepository<Item> } {
  const repo = new MemoryRepository<Item>();
  let next = 0;
  const get = async (id: string): Promise<Item> => {
    const item = await repo.get(id);
    if (!item) throw new HttpError(404, `Item ${id} not found`);
    return item;
  };
  return {
    repo,
    create: async (input) => {
      const item = { ...input, id: `item-${String(++next).padStart(3, '0')}` };
      await repo.put(item);
      return item;
    },
    get,
    update: async (id, input) => {
      const item = { ...input, id: (await get(id)).id };
      await repo.put(item);
      return item;
    },
    remove: async (id) => {
      await get(id);
      await repo.delete(id);
    },
    page: (query) => repo.page(query),
  };
}
