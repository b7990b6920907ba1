/**
 * Defaults of the NATS JetStream event bus allframe runs on Fly.io, in one place: the server's ports, where it keeps
 * its streams and how much it may store. The streams' own limits (retention, duplicate window) belong to whoever
 * creates the streams, the platform package (src/skeletons/platform/src/nats.ts), and live there.
 */

/** What a bus app's server configuration takes when its props say nothing. */
export interface NatsBusDefaults {
  /** The client port. */
  readonly port: number;
  /** The monitoring port, whose `/healthz` Fly's checks call. */
  readonly monitorPort: number;
  /** The address both listen on: `::` takes IPv6 (Fly's private network) and IPv4 alike. */
  readonly host: string;
  /** Where JetStream keeps its files: the mount point of the bus app's Fly volume plus `jetstream`. */
  readonly storeDir: string;
  /** The most JetStream may keep on disk, in bytes: about 75% of the volume, leaving room for the filesystem. */
  readonly maxFileStore: number;
  /** The most JetStream may keep in memory, in bytes (the streams are on disk; this bounds memory streams). */
  readonly maxMemoryStore: number;
  /** The size of the volume `storeDir` is on, in GB (Fly's smallest volume). */
  readonly volumeSizeGb: number;
}

const MIB = 1024 * 1024;

/** Fresh defaults of a bus app (see {@link NatsBusDefaults}). */
export function natsBusDefaults(): NatsBusDefaults {
  return {
    port: 4222,
    monitorPort: 8222,
    host: '::',
    storeDir: '/data/jetstream',
    maxFileStore: 768 * MIB,
    maxMemoryStore: 64 * MIB,
    volumeSizeGb: 1,
  };
}

/**
 * The user the bus's operators connect as, with every permission (inspecting and redriving the DLQ, editing the
 * streams' limits). An underscore cannot start a service name (kebab-case), so it never collides with one.
 */
export const NATS_ADMIN_USER = '_admin';

/** The environment variable of the bus app holding the admin user's password. */
export const NATS_ADMIN_PASSWORD_VARIABLE = 'NATS_ADMIN_PASSWORD';
