/** The bus's nats-server configuration: one user per service that publishes or consumes, allowed its own subjects only. */
import { renderNatsServerConfig } from '../../../lib-constructs/fly/nats-bus';
import type { ResolvedArchitecture } from '../../resolve/index';
import type { FlyServicePlan } from './app';

/** The share of the bus's volume JetStream may fill: the rest is headroom for compaction and the server's own files. */
const STORE_SHARE = 0.75;

export function busServerConfig(model: ResolvedArchitecture, plans: readonly FlyServicePlan[]): string {
  return renderNatsServerConfig({
    architecture: model.file.architecture.name,
    services: plans
      .filter((p) => p.env.has('NATS_URL'))
      .map((p) => ({ name: p.service.name, publishes: p.env.has('EVENT_TARGET'), consumes: p.consumedSubjects })),
    maxFileStore: Math.floor(model.platform.fly.bus_volume_gb * 1024 ** 3 * STORE_SHARE),
    serverName: `${model.platform.fly.app_prefix}-nats`,
  });
}
