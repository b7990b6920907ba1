import type { Pool } from 'pg';
import { assertTableName, createPostgresPool, pgTableName, withSetup, type ClosablePool } from '../src/postgres';
import { fakePool } from './fakes';

// Compile-time check: a real pg Pool fits the port.
export const realPoolFits = (pool: Pool): ClosablePool => pool;

describe('postgres helpers', () => {
  it('accepts plain lower-case identifiers only', () => {
    // GIVEN / WHEN / THEN
    expect(() => assertTableName('orders_2')).not.toThrow();
    for (const bad of ['Orders', 'a-b', '1a', 'a;drop', '']) expect(() => assertTableName(bad)).toThrow('invalid table name');
  });

  it('derives table names from resource names', () => {
    expect(pgTableName('Shop-Orders-order')).toBe('shop_orders_order');
    expect(pgTableName('3d-prints')).toBe('_3d_prints');
  });

  it('runs the setup once before the first query, and again after it failed', async () => {
    // GIVEN a setup failing once
    const pool = fakePool();
    const setup = jest.fn<Promise<void>, [unknown]>().mockRejectedValueOnce(new Error('no db')).mockResolvedValue(undefined);
    const prepared = withSetup(pool, setup);
    // WHEN three queries run
    await expect(prepared.query('select 1')).rejects.toThrow('no db');
    await Promise.all([prepared.query('select 2', [1]), prepared.query('select 3')]);
    // THEN the setup ran twice in all (failed, then once for both) and the failed query never reached the pool
    expect(setup).toHaveBeenCalledTimes(2);
    expect(pool.calls.map((c) => c.text)).toEqual(['select 2', 'select 3']);
  });

  it('creates a real pool lazily, without connecting', async () => {
    // GIVEN / WHEN a pool is created (pg connects only on the first query)
    const pool = await createPostgresPool('postgres://u:p@127.0.0.1:1/db');
    // THEN it can be ended cleanly
    await expect(pool.end()).resolves.toBeUndefined();
  });
});
