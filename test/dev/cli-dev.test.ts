/**
 * `allframe dev` as users run it (the CLI's command, in process, with its signals given by the test): the reference
 * architecture comes up whole and stops on Ctrl-C; a missing tool, a port in use and an invalid file are clear errors
 * (exit code 2) before anything starts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { devCommand, type DevFlags } from '../../src/cli/dev';
import type { Io } from '../../src/cli/io';
import { listening } from '../../src/dev/processes';
import { describeWithReferee } from '../referees';
import { writeDevWorkspace, type DevWorkspace } from './workspace';

const root = join(__dirname, '..', '..');
const SHOP = join(root, 'examples', 'shop', 'architecture.yaml');

function io(env: Record<string, string | undefined> = process.env) {
  const out: string[] = [];
  const err: string[] = [];
  const value: Io = { stdout: (s) => out.push(s), stderr: (s) => err.push(s), cwd: root, env, isTTY: false };
  return { io: value, out: () => out.join(''), err: () => err.join('') };
}

const flags = (more: Partial<DevFlags>): DevFlags => ({ format: 'pretty', ...more });

async function until(what: string, ok: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('allframe dev refuses before anything starts', () => {
  let ws: DevWorkspace;
  beforeAll(async () => (ws = await writeDevWorkspace('fixtures/dev/system.yaml')));
  afterAll(() => ws.remove());
  const file = join(root, 'fixtures', 'dev', 'system.yaml');

  test('a missing tool: exit 2, naming it and how to install it; nothing listens', async () => {
    // GIVEN a PATH with node only (no moto_server)
    const bin = mkdtempSync(join(tmpdir(), 'allframe-path-'));
    symlinkSync(process.execPath, join(bin, 'node'));
    try {
      const t = io({ ...process.env, PATH: bin });
      expect(await devCommand(file, flags({ out: ws.dir, portBase: '5300' }), t.io, new EventEmitter())).toBe(2);
      expect(t.err()).toContain('allframe dev: allframe dev needs programs that are not installed:\n  moto_server: the AWS API emulator moto: pipx install "moto[server]"');
      expect(await listening(5300)).toBe(false);
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });

  test('a port in use: exit 2, naming the port and the service', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(5410, '127.0.0.1', r));
    try {
      const t = io();
      expect(await devCommand(file, flags({ out: ws.dir, portBase: '5400' }), t.io, new EventEmitter())).toBe(2);
      expect(t.err()).toContain('allframe dev: port 5410 (order-api) is in use: stop what uses it, or choose other ports with --port-base');
      expect(await listening(5400)).toBe(false);
    } finally {
      server.close();
    }
  });

  test("a port base putting a service on a port fetch refuses (the Fetch standard's blocked ports): exit 2, naming the ports", async () => {
    const t = io();
    expect(await devCommand(file, flags({ out: ws.dir, portBase: '5050' }), t.io, new EventEmitter())).toBe(2);
    expect(t.err()).toContain("allframe dev: port 5060 (order-api), port 5061 (order-mailer): fetch refuses to connect to them (the Fetch standard's blocked ports), so nothing could reach them: choose other ports with --port-base");
    expect(await listening(5050)).toBe(false);
  });

  test('an invalid --port-base, an --only naming no service, and a --trigger of a service that is not scheduled: exit 2 with the reason', async () => {
    const a = io();
    expect(await devCommand(file, flags({ out: ws.dir, portBase: 'x' }), a.io, new EventEmitter())).toBe(2);
    expect(a.err()).toBe('allframe dev: --port-base must be a whole number from 1024 to 65000, got x\n');
    const c = io();
    expect(await devCommand(file, flags({ out: ws.dir, portBase: '5800', only: ['order-ap'] }), c.io, new EventEmitter())).toBe(2);
    expect(c.err()).toBe('allframe dev: --only names no service of the architecture: order-ap\n');
    const b = io();
    expect(await devCommand(file, flags({ out: ws.dir, trigger: 'order-api' }), b.io, new EventEmitter())).toBe(2);
    expect(b.err()).toBe('allframe dev --trigger: order-api is not a scheduled service of the architecture (scheduled: nightly-report)\n');
  });

  test('an invalid architecture file: exit 2 with the located diagnostic, nothing written or started', async () => {
    const t = io();
    expect(await devCommand(join(root, 'fixtures', 'invalid', 'bad-enum-compute.yaml'), flags({ out: ws.dir }), t.io, new EventEmitter())).toBe(2);
    expect(t.err()).toMatch(/bad-enum-compute\.yaml:\d+:\d+: error AF\d{4}/);
    expect(t.out()).toBe('');
  });
});

describeWithReferee('moto_server', 'allframe dev on the reference architecture', () => {
  describeWithReferee('pg_ctlcluster', 'with PostgreSQL', () => {
    describeWithReferee('redis-server', 'and Redis', () => {
      let ws: DevWorkspace;
      beforeAll(async () => (ws = await writeDevWorkspace('examples/shop/architecture.yaml')));
      afterAll(() => ws.remove());

      test('every service of the shop answers /readyz; the table shows where; Ctrl-C stops everything (exit 0, every port free)', async () => {
        const signals = new EventEmitter();
        const t = io();
        const done = devCommand(SHOP, flags({ out: ws.dir, portBase: '5100' }), t.io, signals);
        let stopped = false;
        try {
          await until('the ready table', () => t.out().includes(' ready in '), 90_000).catch((e: unknown) => {
            throw new Error(`${String(e)}\n${t.err()}\n${t.out().slice(-3000)}`);
          });
          const table = t.out().slice(t.out().indexOf('allframe dev: 13 services ready in'));
          expect(table).toContain('  inventory-service     stateless          http://127.0.0.1:5114      http://127.0.0.1:5114/docs');
          expect(table).toContain('  postgres              emulator           postgres://allframe@127.0.0.1:5101');
          expect(table).toContain('sagas run their steps in process');
          for (let port = 5110; port <= 5122; port++) expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
          // the docs page of a service is served
          expect((await fetch('http://127.0.0.1:5110/docs')).status).toBe(200);
          // inventory-service keeps its data in its own PostgreSQL database (the platform creates its table at first use)
          const created = await fetch('http://127.0.0.1:5114/inventories', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'widget' }) });
          expect(created.status).toBe(201);
          const { id } = (await created.json()) as { id: string };
          expect(await (await fetch(`http://127.0.0.1:5114/inventories/${id}`)).json()).toMatchObject({ id, name: 'widget' });
          const { Client } = await import('pg');
          const pg = new Client({ connectionString: 'postgres://allframe@127.0.0.1:5101/inventory_service' });
          await pg.connect();
          try {
            const tables = await pg.query<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1");
            expect(tables.rows.map((r) => r.table_name)).toEqual(expect.arrayContaining([expect.stringMatching(/^shop_platform_inventory_service_inventor/)]));
            // made by the services' own database user, which is no superuser (row-level security holds for it)
            const owners = await pg.query<{ tableowner: string; rolsuper: boolean; rolbypassrls: boolean }>(
              "SELECT DISTINCT t.tableowner, r.rolsuper, r.rolbypassrls FROM pg_tables t JOIN pg_roles r ON r.rolname = t.tableowner WHERE t.schemaname = 'public'",
            );
            expect(owners.rows).toEqual([{ tableowner: 'allframe_service', rolsuper: false, rolbypassrls: false }]);
          } finally {
            await pg.end();
          }
          // WHEN Ctrl-C
          signals.emit('SIGINT');
          stopped = true;
          // THEN every process stops, politely, and the command ends with 0
          expect(await done).toBe(0);
          for (const port of [5100, 5101, 5102, ...Array.from({ length: 13 }, (_, i) => 5110 + i)]) expect(await listening(port)).toBe(false);
          expect(t.err()).toContain('allframe dev: stopping (Ctrl-C again to kill)');
        } finally {
          if (!stopped) {
            signals.emit('SIGINT');
            await done;
          }
        }
      }, 150_000);
    });
  });
});

describeWithReferee('moto_server', 'bin/allframe dev, the real process', () => describeWithReferee('redis-server', 'and its signals', () => {
  let ws: DevWorkspace;
  beforeAll(async () => (ws = await writeDevWorkspace('fixtures/dev/system.yaml')));
  afterAll(() => ws.remove());
  const file = join(root, 'fixtures', 'dev', 'system.yaml');
  const ports = (base: number) => [base, base + 2, ...Array.from({ length: 6 }, (_, i) => base + 10 + i)];

  /** Starts bin/allframe dev (the compiled CLI, as users run it) and resolves once it printed its ready table. */
  async function start(base: number, more: string[] = []): Promise<{ child: ChildProcess; out: () => string; exited: Promise<number | null> }> {
    const child = spawn(join(root, 'bin', 'allframe'), ['dev', file, '--out', ws.dir, '--port-base', String(base), ...more], { cwd: root, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await until('bin/allframe dev ready', () => / ready in |"event":"ready"/.test(out) || child.exitCode !== null, 60_000);
    if (child.exitCode !== null) throw new Error(out);
    return { child, out: () => out, exited };
  }

  test('SIGINT stops every process and exits 0; --format json writes one JSON object a line', async () => {
    const run = await start(5500, ['--format', 'json']);
    const lines = run.out().trim().split('\n').filter((l) => l.startsWith('{'));
    for (const line of lines) expect(() => JSON.parse(line) as unknown).not.toThrow();
    const ready = lines.map((l) => JSON.parse(l) as { event?: string; services?: { name: string; url: string; docs: string }[] }).find((l) => l.event === 'ready')!;
    expect(ready.services).toContainEqual({ name: 'order-api', kind: 'stateless', url: 'http://127.0.0.1:5510', docs: 'http://127.0.0.1:5510/docs' });
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(0);
    for (const port of ports(5500)) expect(await listening(port)).toBe(false);
  }, 90_000);

  test('--only starts the services named, on their usual ports; the emulators and every queue come up all the same', async () => {
    const signals = new EventEmitter();
    const t = io();
    const done = devCommand(file, flags({ out: ws.dir, portBase: '5700', only: ['order-mailer', 'order-api'] }), t.io, signals);
    try {
      await until('the run ready', () => t.out().includes(' ready in '), 60_000);
      expect(t.out()).toContain('allframe dev: 2 services ready in');
      // order-api and order-mailer keep the ports of their places in the file; checkout, not started, is not there
      expect((await fetch('http://127.0.0.1:5710/readyz')).status).toBe(200);
      expect((await fetch('http://127.0.0.1:5711/readyz')).status).toBe(200);
      expect(await listening(5712)).toBe(false);
    } finally {
      signals.emit('SIGINT');
      expect(await done).toBe(0);
    }
  }, 90_000);

  test('a run killed outright (SIGKILL) leaves its processes; the next plain run stops them first, then starts', async () => {
    // GIVEN a run killed with SIGKILL: nothing of it ran, its services and moto go on
    const first = await start(5600);
    first.child.kill('SIGKILL');
    await first.exited;
    expect(await listening(5610)).toBe(true);
    // WHEN allframe dev runs again on the same ports
    const signals = new EventEmitter();
    const t = io();
    const done = devCommand(file, flags({ out: ws.dir, portBase: '5600' }), t.io, signals);
    try {
      await until('the second run ready', () => t.out().includes(' ready in '), 60_000);
      // THEN it stopped what the first left, and runs
      expect(t.out()).toMatch(/allframe +\| stopped \d+ processes an earlier allframe dev left running/);
      expect((await fetch('http://127.0.0.1:5610/readyz')).status).toBe(200);
      // AND allframe dev --trigger runs the scheduled job of the run that is up
      const trigger = io();
      expect(await devCommand(file, flags({ out: ws.dir, portBase: '5600', synth: false, trigger: 'nightly-report' }), trigger.io, new EventEmitter())).toBe(0);
      expect(trigger.out()).toMatch(/^nightly-report: 200 \{"status":"succeeded"/);
    } finally {
      // a second Ctrl-C kills at once: the command ends with 130 and every port is free
      signals.emit('SIGINT');
      signals.emit('SIGINT');
      expect(await done).toBe(130);
      for (const port of ports(5600)) expect(await listening(port)).toBe(false);
    }
  }, 120_000);
}));
