/**
 * The event bus on Fly.io: a NATS JetStream server in an app of its own, on the private network only, its streams
 * on a volume, one user per service (passwords from the app's secrets) allowed its own subjects only.
 */
import { httpCheck, type FlyAppConfig } from '../../../lib-constructs/fly/fly-app';
import type { ResolvedArchitecture } from '../../resolve/index';
import { BUS_VOLUME } from './deploy-script';
import { busAppName } from './naming';

/** The nats-server image the bus runs (JetStream with several filter subjects per consumer needs 2.10). */
export const NATS_IMAGE = 'nats:2.10.29-alpine';
/** Where the image's server reads the configuration deploy.sh builds into it. */
export const NATS_CONFIG_PATH = '/etc/nats/nats-server.conf';
/** The monitoring port: /healthz answers once JetStream is up. */
export const NATS_MONITOR_PORT = 8222;

/** The bus app's Dockerfile: the pinned image with the generated configuration. */
export function busDockerfile(): string {
  return `FROM ${NATS_IMAGE}\nCOPY nats.conf ${NATS_CONFIG_PATH}\n`;
}

/** The bus app's fly.toml: private, one Machine with the volume, checked on the monitoring port. */
export function busAppConfig(model: ResolvedArchitecture): FlyAppConfig {
  const fly = model.platform.fly;
  return {
    app: busAppName(model),
    primary_region: fly.primary_region,
    // nats-server shuts down cleanly on SIGTERM (lame duck mode is SIGUSR2, for clusters)
    kill_signal: 'SIGTERM',
    kill_timeout: 30,
    build: { dockerfile: 'Dockerfile' },
    // a volume belongs to one Machine: it is replaced in place, once its checks pass
    deploy: { strategy: 'rolling' },
    checks: { jetstream: { type: 'http', port: NATS_MONITOR_PORT, ...httpCheck('/healthz?js-enabled-only=true') } },
    mounts: [{ source: BUS_VOLUME, destination: '/data', initial_size: `${fly.bus_volume_gb}gb` }],
    vm: [{ cpu_kind: 'shared', cpus: 1, memory: '1024mb' }],
  };
}
