/**
 * A database per tenant under `allframe dev`, aws flavour (moto and a local PostgreSQL): fixtures/tenancy/aws.yaml's
 * notes-service keeps each tenant's notes and outbox in a PostgreSQL database of the tenant's own, made at the
 * tenant's first request, as the services' user (no superuser) makes it. Two tenants use it at once: neither reads,
 * lists or changes the other's notes, each has its database, registered in the service's own, and the outbox relay
 * sweeps both tenants' databases, so each tenant's NoteCreated reaches the digest consumer through SNS and SQS.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { describeWithReferee } from '../referees';
import { architectureOnMoto } from './template-run';

type Note = { id: string; name: string };

describeWithReferee('moto_server', 'allframe dev with a database per tenant (aws flavour)', () => {
  describeWithReferee('pg_ctlcluster', 'on a local PostgreSQL', () => {
    const { run, service, handledEvents } = architectureOnMoto(() => readFileSync(join(__dirname, '..', '..', 'fixtures', 'tenancy', 'aws.yaml'), 'utf8'), { name: 'dev-tenant-databases', portBase: 6700 });

    const as = (tenant: string, path: string, init: { method?: string; body?: unknown } = {}) =>
      fetch(`${service('notes-service').url}${path}`, {
        method: init.method ?? 'GET',
        headers: { 'content-type': 'application/json', 'X-Org-ID': tenant },
        ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
      });

    test('each tenant\'s notes are in its own database, made at its first request; neither tenant reaches the other\'s', async () => {
      // GIVEN a note of acme's and one of globex's
      const made: Record<string, Note> = {};
      for (const tenant of ['acme', 'globex']) {
        const res = await as(tenant, '/notes', { method: 'POST', body: { name: `${tenant}'s note` } });
        expect(res.status).toBe(201);
        made[tenant] = (await res.json()) as Note;
      }
      // THEN each lists its own, and globex can neither read, change nor delete acme's
      expect(((await (await as('acme', '/notes')).json()) as { items: Note[] }).items.map((n) => n.name)).toEqual(["acme's note"]);
      expect(((await (await as('globex', '/notes')).json()) as { items: Note[] }).items.map((n) => n.name)).toEqual(["globex's note"]);
      expect((await as('globex', `/notes/${made.acme!.id}`)).status).toBe(404);
      expect((await as('globex', `/notes/${made.acme!.id}`, { method: 'PUT', body: { name: 'taken' } })).status).toBe(404);
      expect((await as('globex', `/notes/${made.acme!.id}`, { method: 'DELETE' })).status).toBe(404);
      expect(await (await as('acme', `/notes/${made.acme!.id}`)).json()).toMatchObject({ name: "acme's note" });
      // AND on the server: a database per tenant beside the service's, owned by the services' user, registered there
      const serviceDb = new URL(service('notes-service').environment.DATABASE_URL!).pathname.slice(1);
      const admin = new Client({ connectionString: `${run().emulators.get('postgres')!}/postgres` });
      await admin.connect();
      try {
        const dbs = await admin.query<{ datname: string; owner: string }>("SELECT datname, pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname LIKE $1 ORDER BY 1", [`${serviceDb}_t_%`]);
        expect(dbs.rows).toEqual([
          { datname: `${serviceDb}_t_acme`, owner: 'allframe_service' },
          { datname: `${serviceDb}_t_globex`, owner: 'allframe_service' },
        ]);
      } finally {
        await admin.end();
      }
      const own = new Client({ connectionString: service('notes-service').environment.DATABASE_URL! });
      await own.connect();
      try {
        expect((await own.query('SELECT tenant FROM allframe_tenants ORDER BY 1')).rows).toEqual([{ tenant: 'acme' }, { tenant: 'globex' }]);
      } finally {
        await own.end();
      }
    }, 60_000);

    test('the relay sweeps every tenant\'s database: each tenant\'s NoteCreated reaches the digest consumer, once', async () => {
      const handled = await handledEvents('digest-service', 2, 'NoteCreated of acme and globex handled by the digest service');
      expect(handled).toHaveLength(2);
    }, 90_000);
  });
});
