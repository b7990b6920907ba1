/** Constants of `allframe dev` that the CLI reads without loading the runner. */

/** The first port of a local run by default: the emulators take the first ten, the services the next ones. */
export const DEFAULT_PORT_BASE = 4700;

/** Ports from the base reserved for the emulators. */
export const EMULATOR_PORTS = { moto: 0, postgres: 1, redis: 2, pubsub: 3, firestore: 4, nats: 6, natsMonitor: 7 } as const;

/** Services listen from this far from the base, in the file's order. */
export const SERVICE_PORT_OFFSET = 10;

/** The PostgreSQL user of a local run (trust authentication on loopback, or inside the compose network). */
export const PG_USER = 'allframe';

/**
 * The database user the services of a local run connect as: no superuser and no BYPASSRLS, owner of their databases,
 * so that row-level security (a multi-tenant service's tables) holds locally as it does in the cloud.
 */
export const PG_SERVICE_USER = 'allframe_service';
