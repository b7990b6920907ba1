/** The PostgreSQL databases of a local run, created with the workspace's own `pg` client. */

/** Creates each database of `names` that does not exist yet, connected to `adminUrl` (the server's `postgres` database). */
export async function createDatabases(req: NodeJS.Require, adminUrl: string, names: readonly string[]): Promise<void> {
  const { Client } = req('pg') as typeof import('pg');
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    for (const name of names) {
      const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${name}"`);
    }
  } finally {
    await client.end();
  }
}
