/** The bus's nats-server configuration: one user per service that publishes or consumes, allowed its own subjects only. */
import { renderNatsServerConfig } from '../../../lib-constructs/fly/nats-bus';
import { publishedEvents, type ResolvedArchitecture } from '../../resolve/model';
import type { FlyServicePlan } from './app';
import { busAppName } from './naming';

/** The share of the bus's volume JetStream may fill: the rest is headroom for compaction and the server's own files. */
const STORE_SHARE = 0.75;

/** `users`: the plans of the services on the bus. */
export function busServerConfig(model: ResolvedArchitecture, users: readonly FlyServicePlan[]): string {
  return renderNatsServerConfig({
    architecture: model.file.architecture.name,
    services: users.map((p) => ({ name: p.service.name, publishes: publishedEvents(p.service).length > 0, consumes: p.consumedSubjects, broadcasts: p.broadcastSubjects })),
    maxFileStore: Math.floor(model.platform.fly.bus_volume_gb * 1024 ** 3 * STORE_SHARE),
    serverName: busAppName(model),
  });
}
