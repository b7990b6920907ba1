/**
 * The Fly.io target: under infrastructure/fly/<env>/, one fly.toml per service, the event bus's app (fly.toml,
 * Dockerfile, nats.conf) when any service publishes or consumes, and deploy.sh. Every fly.toml is checked (the
 * SchemaStore schema and the rules it misses) before anything is written.
 */
import { renderFlyToml, type FlyAppConfig } from '../../../lib-constructs/fly/fly-app';
import type { DiagnosticInit } from '../../model/diagnostics';
import { MARKER, managed, type OutputFile } from '../../model/output-file';
import type { ResolvedArchitecture } from '../../resolve/index';
import { appConfig, appPlan, planServices } from './app';
import { busAppConfig, busDockerfile } from './bus';
import { busServerConfig } from './bus-config';
import { checkFlyToml, type FlyTomlProblem } from './checks';
import { deployScript } from './deploy-script';
import { flyDir } from './naming';

export interface FlySynthResult {
  readonly files: readonly OutputFile[];
  /** The environment's directory: infrastructure/fly/<env>. */
  readonly dir: string;
  /** The apps written: the services' and the bus's. */
  readonly apps: readonly string[];
  /** fly.toml problems (AF52xx), located at the service they concern; nothing is to be written when any. */
  readonly problems: readonly DiagnosticInit[];
}

/** A fly.toml as a managed file: the marker first, then what the app is. */
function flyToml(path: string, config: FlyAppConfig, about: string): OutputFile {
  return { path, content: renderFlyToml(config, [MARKER, about]), kind: 'managed' };
}

export function synthFly(model: ResolvedArchitecture, check: (config: FlyAppConfig, file: string) => readonly FlyTomlProblem[] = checkFlyToml): FlySynthResult {
  const dir = flyDir(model);
  const plans = planServices(model);
  const files: OutputFile[] = [];
  const problems: DiagnosticInit[] = [];
  const apps: string[] = [];
  const checked = (path: string, config: FlyAppConfig, about: string, at: DiagnosticInit['path']) => {
    for (const p of check(config, path)) problems.push({ code: p.code, message: `${path}${p.pointer === '' ? '' : ` at ${p.pointer}`}: ${p.message}`, path: at, hint: 'the generated fly.toml breaks a Fly.io rule: report it with the architecture file' });
    files.push(flyToml(path, config, about));
    apps.push(config.app);
  };
  const users = plans.filter((p) => p.onBus);
  if (users.length > 0) {
    const bus = busAppConfig(model);
    checked(`${dir}/nats/fly.toml`, bus, `The event bus of ${model.file.architecture.name}: NATS JetStream, on the private network only.`, ['services']);
    files.push(managed(`${dir}/nats/Dockerfile`, busDockerfile()));
    files.push(managed(`${dir}/nats/nats.conf`, busServerConfig(model, users)));
  }
  for (const plan of plans) {
    const s = plan.service;
    checked(`${dir}/${s.name}/fly.toml`, appConfig(plan), `${s.name} (${s.kind}) of ${model.file.architecture.name}.`, ['services', s.index]);
  }
  files.push(managed(`${dir}/deploy.sh`, deployScript(model, plans.map(appPlan), { used: users.length > 0, users: users.map((p) => p.service.name) }), { executable: true }));
  return problems.length > 0 ? { files: [], dir, apps, problems } : { files: files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)), dir, apps, problems };
}
