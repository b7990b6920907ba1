import { randomUUID } from 'node:crypto';
import {
  HttpError,
  newEvent, // @if events
} from '@allframe/platform';
import type { Page, PageQuery, Repository, UnitOfWork } from '@allframe/platform';
import type { __Entity__, __Entity__Input } from '../domain/__entityFile__';

/**
 * Use cases of __Entity__: create, read, list (a page at a time), update, delete__eventsNote__. Every change goes through the unit of
 * work, which writes it together with its events (in one transaction with the outbox pattern).
 */
export class __Entity__Service {
  constructor(
    private readonly repository: Repository<__Entity__>,
    private readonly unit: UnitOfWork<__Entity__>,
    private readonly source: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** `input` was checked against __Entity__InputSchema by the route. */
  async create(input: __Entity__Input): Promise<__Entity__> {
    const time = this.now().toISOString();
    const item: __Entity__ = { ...input, id: randomUUID(), createdAt: time, updatedAt: time };
    await this.unit.commit({
      put: item,
      events: [newEvent('__Entity__Created', this.source, item)], // @if created
    });
    return item;
  }

  async get(id: string): Promise<__Entity__> {
    const item = await this.repository.get(id);
    if (!item) throw new HttpError(404, '__Entity__ not found');
    return item;
  }

  /** One page of the list, after `query.cursor`, filtered on the fields of __Entity__Filters. */
  page(query: PageQuery): Promise<Page<__Entity__>> {
    return this.repository.page(query);
  }

  async update(id: string, input: __Entity__Input): Promise<__Entity__> {
    const current = await this.get(id);
    const item: __Entity__ = { ...current, ...input, updatedAt: this.now().toISOString() };
    await this.unit.commit({
      put: item,
      events: [newEvent('__Entity__Updated', this.source, item)], // @if updated
    });
    return item;
  }

  async remove(id: string): Promise<void> {
    await this.get(id);
    await this.unit.commit({
      remove: id,
      events: [newEvent('__Entity__Deleted', this.source, { id })], // @if deleted
    });
  }
}
