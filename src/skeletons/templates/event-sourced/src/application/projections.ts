import type { Repository } from '@allframe/platform'; // @if projections
import type { StoredEvent } from '../adapters/event-store';

/** A row of a read model: by default one per __Entity__, with its latest fields. */
export interface ProjectionRow {
  readonly id: string;
  readonly version: number;
  readonly lastEvent: string;
  readonly updatedAt: string;
  readonly [field: string]: unknown;
}

/** Builds one read model from stored events. Events may be replayed: keep `project` idempotent. */
export interface Projector {
  readonly name: string;
  project(event: StoredEvent): Promise<void>;
}

// @if projections
/** Keeps one row per stream with the fields of its events; skips events it has already seen. */
abstract class RowPerStreamProjector implements Projector {
  abstract readonly name: string;

  constructor(readonly rows: Repository<ProjectionRow>) {}

  async project(event: StoredEvent): Promise<void> {
    const current = await this.rows.get(event.streamId);
    if (current && current.version >= event.version) return;
    await this.rows.put({ ...current, ...event.data, id: event.streamId, version: event.version, lastEvent: event.type, updatedAt: event.time });
  }
}
// @end
// @each projections

/** The __Projection__ read model. */
export class __Projection__Projector extends RowPerStreamProjector {
  readonly name = '__projectionFile__';
}
// @end
