import type { EventEnvelope } from './events';
import type { FirestoreWrite } from './firestore';
import { DynamoDbOutbox, FirestoreOutbox, PostgresOutbox } from './outbox';
import { isSchemaPerTenant } from './postgres';
import { DynamoDbRepository, FirestoreRepository, PostgresRepository, type Repository, type TransactItem } from './repository';
import { TenantScopedRepository } from './tenant-repository';
import type { EventSink } from './wiring';

/** A state change and the events it raises. */
export interface Change<T extends { id: string }> {
  readonly put?: T;
  readonly remove?: string;
  readonly events?: readonly EventEnvelope[];
}

/** Commits a state change together with its events. */
export interface UnitOfWork<T extends { id: string }> {
  commit(change: Change<T>): Promise<void>;
}

/**
 * The transactional outbox: with the outbox pattern, the state change and its events are written in ONE
 * transaction — a DynamoDB TransactWrite, one PostgreSQL statement, or one Firestore batch (in the repository's
 * database) — so an event exists if and only if its state change does; the relay publishes it later. With direct publishing (or in memory) the change is written
 * first and the events are published after it.
 */
export function createUnitOfWork<T extends { id: string }>(repository: Repository<T>, sink: EventSink): UnitOfWork<T> {
  if (repository instanceof TenantScopedRepository) {
    // row-level tenancy: the adapter's own transaction, over the tenant's keys and items
    const scoped = repository as TenantScopedRepository<T>;
    const inner = createUnitOfWork(scoped.adapter, sink);
    return {
      commit: (change) =>
        inner.commit({
          ...(change.put !== undefined ? { put: scoped.scopeItem(change.put) } : {}),
          ...(change.remove !== undefined ? { remove: scoped.scopeKey(change.remove) } : {}),
          ...(change.events !== undefined ? { events: change.events } : {}),
        }),
    };
  }
  const outbox = sink.outbox;
  if (repository instanceof DynamoDbRepository && outbox instanceof DynamoDbOutbox) {
    const repo = repository as DynamoDbRepository<T>;
    return {
      async commit(change) {
        const items: TransactItem[] = [];
        if (change.put) items.push(repo.transactPut(change.put));
        if (change.remove !== undefined) items.push(repo.transactDelete(change.remove));
        items.push(...(outbox.transactItems(change.events ?? []) as unknown as TransactItem[]));
        if (items.length > 100) throw new Error('a DynamoDB transaction holds at most 100 writes');
        if (items.length > 0) await repo.transact(items);
      },
    };
  }
  if (repository instanceof FirestoreRepository && outbox instanceof FirestoreOutbox) {
    const repo = repository as FirestoreRepository<T>;
    return {
      async commit(change) {
        const writes: FirestoreWrite[] = [];
        if (change.put) writes.push(repo.writePut(change.put));
        if (change.remove !== undefined) writes.push(repo.writeDelete(change.remove));
        writes.push(...outbox.writes(change.events ?? []));
        await repo.commit(writes); // refused above 500 writes rather than split
      },
    };
  }
  if (repository instanceof PostgresRepository && outbox instanceof PostgresOutbox) {
    const repo = repository as PostgresRepository<T>;
    let ready: Promise<void> | undefined;
    return {
      async commit(change) {
        ready ??= Promise.all([repo.ensureTable(), outbox.ensureTable()]).then(() => undefined);
        await ready;
        // Data-modifying CTEs run as one statement, so the state change and the outbox rows commit together. With a
        // schema per tenant, the statement runs in the tenant's schema alone, and the outbox every tenant shares is public's.
        const outboxTable = `${isSchemaPerTenant(repo.sql) ? 'public.' : ''}${outbox.tableName}`;
        const events = JSON.stringify(change.events ?? []);
        const [state, values] =
          change.put !== undefined
            ? [`insert into ${repo.tableName} (id, data) values ($1, $2) on conflict (id) do update set data = excluded.data`, [change.put.id, JSON.stringify(change.put), events]]
            : [`delete from ${repo.tableName} where id = $1`, [change.remove ?? '', events]];
        await repo.sql.query(
          `with s as (${state} returning 1), o as (insert into ${outboxTable} (id, status, created_at, event) ` +
            `select e->>'id', 'pending', e->>'time', e from jsonb_array_elements($${values.length}::jsonb) as e on conflict (id) do nothing returning 1) ` +
            'select (select count(*) from s) as state, (select count(*) from o) as events',
          values,
        );
      },
    };
  }
  return {
    async commit(change) {
      if (change.put) await repository.put(change.put);
      if (change.remove !== undefined) await repository.delete(change.remove);
      if (change.events && change.events.length > 0) await sink.emit(change.events);
    },
  };
}
