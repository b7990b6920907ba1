// @if platformValues
import {
  HttpError, // @if httpError
  newEvent, // @if publishes
} from '@allframe/platform';
// @end
import type {
  EventSink,
  Repository, // @if polling
} from '@allframe/platform';
import type {
  LegacyRecord, // @if webhook
  Upstream,
} from '../adapters/upstream';
import type { __Entity__ } from '../domain/__entityFile__'; // @if entityType
import { toDomain } from './translator';
// @if polling

/** How far the poller got: the time its last successful poll started. */
export interface SyncCursor {
  readonly id: string;
  readonly since: string;
}
// @end

/** __syncHow__, translated into __Entity__s__publishedAs__. */
export class __Entity__Sync {
  constructor(
    private readonly upstream: Upstream,
    private readonly events: EventSink,
    private readonly source: string,
    private readonly cursors: Repository<SyncCursor>, // @if polling
    private readonly now: () => Date = () => new Date(), // @if polling
  ) {}
  // @if polling

  /** Takes the changes since the last poll, translates and publishes them; returns how many there were. */
  async poll(): Promise<number> {
    const started = this.now().toISOString();
    const cursor = await this.cursors.get('cursor');
    const items = (await this.upstream.changes(cursor?.since)).map(toDomain);
    await this.publish(items); // @if publishes
    await this.cursors.put({ id: 'cursor', since: started });
    return items.length;
  }
  // @end
  // @if webhook

  /** A change pushed by the legacy system: one record or an array of them. */
  async receive(input: LegacyRecord | readonly LegacyRecord[]): Promise<__Entity__[]> {
    const records: readonly LegacyRecord[] = Array.isArray(input) ? input : [input as LegacyRecord];
    const items = records.map(toDomain);
    await this.publish(items); // @if publishes
    return items;
  }
  // @end
  // @if onDemand

  /** One __Entity__, fetched from the legacy system and translated. */
  async get(id: string): Promise<__Entity__> {
    const record = await this.upstream.fetch(id);
    if (!record) throw new HttpError(404, '__Entity__ not found');
    return toDomain(record);
  }
  // @end
  // @if publishes

  private async publish(items: readonly __Entity__[]): Promise<void> {
    if (items.length > 0) await this.events.emit(items.map((item) => newEvent('__event__', this.source, item)));
  }
  // @end
}
