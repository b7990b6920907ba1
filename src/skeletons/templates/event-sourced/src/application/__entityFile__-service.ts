import {
  HttpError,
  newEvent, // @if publishes
} from '@allframe/platform';
import type { EventSink } from '@allframe/platform';
import { ConcurrencyError, type EventStore, type StoredEvent } from '../adapters/event-store';
import { type __Entity__, type __Entity__CommandInput, apply__Entity__Event, decide, initial__Entity__, is__Entity__Command } from '../domain/__entityFile__';
import type { Projector } from './projections';

export interface __Entity__ServiceOptions {
  /** The service name: the source of published events. */
  readonly source: string;
  /** Snapshot every N events (0: never). */
  readonly snapshotEvery: number;
  readonly now?: () => Date;
}

/** Use cases of a __Entity__: run a command (decide, append at the version read, snapshot, project__publishNote__), read the state. */
export class __Entity__Service {
  constructor(
    private readonly store: EventStore,
    private readonly projectors: readonly Projector[],
    private readonly events: EventSink,
    private readonly options: __Entity__ServiceOptions,
  ) {}

  /** The current state: the latest snapshot plus the events after it. */
  async load(id: string): Promise<__Entity__> {
    const snapshot = await this.store.loadSnapshot<__Entity__>(id);
    const events = await this.store.read(id, snapshot?.version ?? 0);
    return events.reduce((state, event) => apply__Entity__Event(state, event), snapshot?.state ?? initial__Entity__(id));
  }

  async get(id: string): Promise<__Entity__> {
    const state = await this.load(id);
    if (state.version === 0) throw new HttpError(404, '__Entity__ not found');
    return state;
  }

  /** `input` was checked against __Entity__CommandInputSchema by the route. */
  async execute(id: string, command: string, input: __Entity__CommandInput): Promise<__Entity__> {
    if (!is__Entity__Command(command)) throw new HttpError(404, `unknown command ${command}`);
    const state = await this.load(id);
    const time = (this.options.now ?? (() => new Date()))().toISOString();
    let stored: StoredEvent[];
    try {
      stored = await this.store.append(id, state.version, decide(state, command, input), time);
    } catch (err) {
      if (err instanceof ConcurrencyError) throw new HttpError(409, err.message);
      throw err;
    }
    const next = stored.reduce((s, event) => apply__Entity__Event(s, event), state);
    const every = this.options.snapshotEvery;
    if (every > 0 && Math.floor(next.version / every) > Math.floor(state.version / every)) {
      await this.store.saveSnapshot({ streamId: id, version: next.version, state: next });
    }
    for (const projector of this.projectors) for (const event of stored) await projector.project(event);
    await this.events.emit(stored.map((e) => newEvent(e.type, this.options.source, { id, version: e.version, ...e.data }, { id: e.id, time: e.time }))); // @if publishes
    void this.events; // nothing is published: add events to the architecture's publishes // @if !publishes
    return next;
  }
}
