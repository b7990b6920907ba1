/** The bus's nats-server configuration: its users from the services that publish or consume. */
import type { ResolvedArchitecture } from '../../resolve/index';
import type { FlyServicePlan } from './app';
import { busPasswordVariable } from './deploy-script';

export function busServerConfig(model: ResolvedArchitecture, plans: readonly FlyServicePlan[]): string {
  const users = plans.filter((p) => p.env.has('NATS_URL')).map((p) => p.service.name);
  return [
    `# The event bus of ${model.file.architecture.name}.`,
    'port: 4222',
    'http_port: 8222',
    'jetstream {',
    '  store_dir: "/data/jetstream"',
    '}',
    'authorization {',
    '  users: [',
    ...users.map((u) => `    { user: "${u}", password: $${busPasswordVariable(u)} }`),
    '  ]',
    '}',
    '',
  ].join('\n');
}
