/** The part of a `pg` Pool (or Client) the Postgres adapters use; tests pass a fake that records queries. */
export interface SqlPool {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

/** A pool that can be closed. */
export interface ClosablePool extends SqlPool {
  end(): Promise<void>;
}

/** Creates a real `pg` Pool for `connectionString`, loading `pg` only when called; it connects on first query. */
export async function createPostgresPool(connectionString: string): Promise<ClosablePool> {
  const { Pool } = await import('pg');
  return new Pool({ connectionString });
}

const TABLE_NAME = /^[a-z_][a-z0-9_]*$/;

/** Throws unless `table` is a plain lower-case SQL identifier (table names are interpolated into SQL). */
export function assertTableName(table: string): void {
  if (!TABLE_NAME.test(table)) throw new Error(`invalid table name ${JSON.stringify(table)}`);
}

/** Turns a resource name such as `shop-orders-order` into a valid table name (`shop_orders_order`). */
export function pgTableName(name: string): string {
  const table = name.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  return /^[0-9]/.test(table) ? `_${table}` : table;
}

/** Wraps `pool` so that `setup` (e.g. `create table if not exists`) runs once, before the first query. */
export function withSetup(pool: SqlPool, setup: (pool: SqlPool) => Promise<void>): SqlPool {
  let ready: Promise<void> | undefined;
  return {
    async query(text, values) {
      ready ??= setup(pool).catch((err: unknown) => {
        ready = undefined;
        throw err;
      });
      await ready;
      return pool.query(text, values);
    },
  };
}
