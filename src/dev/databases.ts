/** The PostgreSQL databases of a local run, created with the workspace's own `pg` client. */

import { PG_SERVICE_USER } from './constants';

/**
 * Creates the services' database user ({@link PG_SERVICE_USER}: no superuser, no BYPASSRLS; CREATEDB, for a database
 * per tenant) and each database of
 * `names` that does not exist yet, owned by it, connected to `adminUrl` (the server's `postgres` database as the
 * superuser).
 */
export async function createDatabases(req: NodeJS.Require, adminUrl: string, names: readonly string[]): Promise<void> {
  const { Client } = req('pg') as typeof import('pg');
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const role = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [PG_SERVICE_USER]);
    if (role.rowCount === 0) await client.query(`CREATE ROLE ${PG_SERVICE_USER} LOGIN`);
    // every time, so that a cluster made by an earlier version has the user and owners of this one
    await client.query(`ALTER ROLE ${PG_SERVICE_USER} NOSUPERUSER NOBYPASSRLS CREATEDB NOCREATEROLE`);
    for (const name of names) {
      const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${name}" OWNER ${PG_SERVICE_USER}`);
      else await client.query(`ALTER DATABASE "${name}" OWNER TO ${PG_SERVICE_USER}`);
    }
  } finally {
    await client.end();
  }
}
