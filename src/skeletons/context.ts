import type { ResolvedArchitecture, ResolvedService } from '../resolve/index';
import { OutputFile, managed, managedJson } from '../model/output-file';
import { pick, RuntimeDependency } from './versions';
import { platformPackageName } from './platform';
import { eventsPackageOf } from './template';
import { storageDependencies } from './storage';

/** What a service's skeleton is rendered from. */
export interface ServiceContext {
  readonly model: ResolvedArchitecture;
  readonly service: ResolvedService;
  /** `services/<name>` */
  readonly dir: string;
  /** The shared runtime package name, e.g. `@shop-platform/platform`. */
  readonly platform: string;
}

export function serviceContext(model: ResolvedArchitecture, service: ResolvedService): ServiceContext {
  return { model, service, dir: `services/${service.name}`, platform: platformPackageName(model) };
}

/** The archetypes whose services export their route definitions (`ROUTES` in src/routes.ts) for typed clients. */
export const ROUTE_EXPORTING: readonly string[] = ['stateless', 'event-sourced', 'saga-orchestrator', 'gateway'];

/**
 * The archetypes whose dependencies carry their typed clients (`deps.clients`, on the service's policy and outbound
 * fetch); the others get them ready-wired from `defaultClients(config)` in src/clients.ts (which the stateless
 * services' dependencies call too).
 */
export const CLIENTS_IN_DEPS: readonly string[] = ['bff', 'saga-orchestrator', 'stateless'];

/** The archetypes that make their clients on a policy of their own (the BFF's downstream settings, the saga's steps'). */
export const OWN_CLIENT_POLICY: readonly string[] = ['bff', 'saga-orchestrator'];

/**
 * The services `ctx`'s service calls over HTTP and gets typed clients of, those that export their route definitions
 * ({@link ROUTE_EXPORTING}): the aggregated services of a BFF, the depended-on services of any other.
 */
export function typedCallees(ctx: ServiceContext): string[] {
  const s = ctx.service;
  const called = s.kind === 'bff' ? (s.spec.bff?.aggregates ?? []) : (s.spec.depends_on ?? []);
  return called.filter((name) => ctx.model.services.some((o) => o.name === name && ROUTE_EXPORTING.includes(o.kind)));
}

/** The service's package.json. */
export function servicePackage(ctx: ServiceContext, deps: readonly RuntimeDependency[] = []): OutputFile {
  const s = ctx.service;
  return managedJson(`${ctx.dir}/package.json`, {
    name: `@${ctx.model.file.architecture.name}/${s.name}`,
    version: '0.0.0',
    private: true,
    description: s.spec.responsibility ?? '',
    main: 'src/index.ts',
    // the events package, and the services it has typed clients of: their route definitions are imported (workspace packages)
    dependencies: { [ctx.platform]: '0.0.0', [eventsPackageOf(ctx.platform)]: '0.0.0', ...Object.fromEntries(typedCallees(ctx).map((c) => [`@${ctx.model.file.architecture.name}/${c}`, '0.0.0'])), ...pick([...deps, ...storageDependencies(ctx)]) },
    allframe: { archetype: s.kind, compute: s.compute },
  });
}

/** A multi-stage, non-root Dockerfile running the container entry (bundled with esbuild). */
export function dockerfile(ctx: ServiceContext, entry: 'server' | 'worker'): OutputFile {
  const runtime = ctx.model.nodeMajor;
  return managed(
    `${ctx.dir}/Dockerfile`,
    `# Build from the repository root: docker build -f ${ctx.dir}/Dockerfile .
FROM node:${runtime}-bookworm-slim AS build
WORKDIR /repo
COPY package.json package-lock.json* ./
COPY packages/platform/package.json packages/platform/
COPY packages/events/package.json packages/events/
COPY ${ctx.dir}/package.json ${ctx.dir}/
${typedCallees(ctx).map((c) => `COPY services/${c}/package.json services/${c}/
`).join('')}RUN npm ci --ignore-scripts --no-audit --no-fund
COPY packages/platform packages/platform
COPY packages/events packages/events
${typedCallees(ctx).map((c) => `COPY services/${c} services/${c}\n`).join('')}COPY ${ctx.dir} ${ctx.dir}
RUN npx esbuild ${ctx.dir}/src/entry/${entry}.ts --bundle --platform=node --target=node${runtime} --keep-names --outfile=/out/index.js

FROM node:${runtime}-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /out/index.js ./index.js
USER node
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s CMD node -e "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
CMD ["node", "index.js"]
`,
  );
}
