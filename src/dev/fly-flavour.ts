/**
 * The fly flavour of `allframe dev`: what the Fly.io target deploys, on loopback. The event bus is nats-server with
 * JetStream (Debian's package) running the bus app's configuration (its users, their permissions and passwords);
 * PostgreSQL stands in for Fly Managed Postgres and Redis for Upstash. Every service runs its container entry with
 * its app's environment and secrets (fly-plan.ts), so the services create their streams and durable consumers,
 * dead-letter and sign their calls as they do on Fly.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NATS_ADMIN_USER } from '../../lib-constructs/core/nats-defaults';
import type { ResolvedArchitecture } from '../resolve/model';
import { EMULATOR_PORTS } from './constants';
import type { Flavour, RunPlace } from './flavour';
import { createLocalBuckets, LOCAL_BUCKETS_DIR, usesBuckets } from './buckets';
import { flyLocalPlan } from './fly-plan';
import { answers200, waitUntil } from './processes';
import { dataServers } from './servers';

/** The fly flavour (see the module comment). */
export function flyFlavour(model: ResolvedArchitecture, place: RunPlace, state: string): Flavour {
  const { base, ports } = place;
  const natsPort = base + EMULATOR_PORTS.nats;
  const monitorPort = base + EMULATOR_PORTS.natsMonitor;
  const servers = dataServers(model, base);
  const natsDir = join(state, 'nats');
  const bucketsDir = join(state, LOCAL_BUCKETS_DIR);
  const plan = flyLocalPlan(model, {
    natsPort,
    natsMonitorPort: monitorPort,
    // (the server keeps its streams in <store_dir>/jetstream)
    natsStoreDir: natsDir,
    serviceUrl: (name) => `http://127.0.0.1:${ports.get(name)}`,
    port: (name) => ports.get(name)!,
    databaseUrl: servers.databaseUrl,
    cacheUrl: servers.cacheUrl,
    bucketsDir,
    secret: (name) => place.env[name],
  });
  const bus = plan.bus;
  const notes = [
    'every service runs its container entry (src/entry/server.ts) on Node, one process each: on Fly an app with background work beside its HTTP API runs it in a worker process group',
  ];
  if (bus !== undefined) {
    notes.push(`the event bus is nats-server on loopback with the bus app's configuration: each service its own user and password (generated for the run); the operators' user is ${NATS_ADMIN_USER}, its password in the nats URL above`);
  }
  if (plan.signed) notes.push('calls between services are signed with a key pair per caller and callee, generated for the run; internal services also let unsigned requests through (INBOUND_AUTH=ed25519-optional), so you can call them directly');
  notes.push('secrets of the file are given as the variables fly secrets would set, from your environment or local-<name>');
  if (usesBuckets(model)) notes.push(`no Tigris runs locally: each bucket is a directory under ${bucketsDir} (OBJECT_STORE=fs), removed at the end of the run`);
  notes.push(...servers.notes);
  return {
    tools: [...(bus !== undefined ? (['nats-server'] as const) : []), ...servers.tools],
    ports: [...(bus !== undefined ? ([['nats', natsPort], ['nats monitoring', monitorPort]] as const) : []), ...servers.ports],
    sdkProbe: bus !== undefined ? '@nats-io/transport-node' : 'hono',
    environments: plan.environments,
    emulators: new Map([
      ...(bus !== undefined
        ? ([
            ['nats', `nats://${NATS_ADMIN_USER}:${bus.adminPassword}@127.0.0.1:${natsPort}`],
            ['nats monitoring', `http://127.0.0.1:${monitorPort}`],
          ] as const)
        : []),
      ...servers.emulators,
    ]),
    notes,
    async start(context) {
      const { supervisor, childEnv } = context;
      createLocalBuckets(bucketsDir, plan.buckets);
      const starting: Promise<void>[] = [servers.start(context)];
      if (bus !== undefined) {
        mkdirSync(natsDir, { recursive: true });
        const config = join(natsDir, 'nats.conf');
        writeFileSync(config, bus.config);
        const p = supervisor.start('nats', context.tools['nats-server']!, ['-c', config], { env: { ...childEnv, ...bus.env } });
        starting.push(waitUntil('nats-server', () => answers200(`http://127.0.0.1:${monitorPort}/healthz?js-enabled-only=true`), { timeoutMs: 30_000, intervalMs: 100, process: p }));
      }
      await Promise.all(starting);
    },
    close: () => Promise.resolve(),
  };
}
