/** The bus's nats-server configuration: one user per service that publishes or consumes, allowed its own subjects only. */
import { renderNatsServerConfig, type NatsBusProps } from '../../../lib-constructs/fly/nats-bus';
import { publishedEvents, type ResolvedArchitecture } from '../../resolve/model';
import type { FlyServicePlan } from './app';
import { busAppName } from './naming';

/** The share of the bus's volume JetStream may fill: the rest is headroom for compaction and the server's own files. */
const STORE_SHARE = 0.75;

/** Where a bus listens and keeps its streams, when not where the bus app has them (a local run's server). */
export type BusPlace = Pick<NatsBusProps, 'host' | 'port' | 'monitorPort' | 'storeDir'>;

/** `users`: the plans of the services on the bus; `place`: the bus app's addresses and volume unless given. */
export function busServerConfig(model: ResolvedArchitecture, users: readonly FlyServicePlan[], place: BusPlace = {}): string {
  return renderNatsServerConfig({
    ...place,
    architecture: model.file.architecture.name,
    services: users.map((p) => ({ name: p.service.name, publishes: publishedEvents(p.service).length > 0, consumes: p.consumedSubjects, broadcasts: p.broadcastSubjects })),
    maxFileStore: Math.floor(model.platform.fly.bus_volume_gb * 1024 ** 3 * STORE_SHARE),
    serverName: busAppName(model),
  });
}
