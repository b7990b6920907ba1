/**
 * Service skeletons: one npm workspace at the root of the user's repo, `packages/platform` (shared runtime),
 * `packages/events` (the event contracts) and one package per service under `services/<name>/`, per archetype.
 */
import type { ArchetypeKind } from '../model/archetypes';
import type { ResolvedArchitecture } from '../resolve/index';
import type { OutputFile } from '../model/output-file';
import { CLIENTS_IN_DEPS, ServiceContext, serviceContext } from './context';
import { eventsFiles } from './events';
import { platformFiles } from './platform';
import { rootFiles } from './root';
import { serviceClients, serviceSecrets } from './service-files';
import { renderBff } from './archetypes/bff';
import { renderCache } from './archetypes/cache';
import { renderConsumer } from './archetypes/consumer';
import { renderEventSourced } from './archetypes/event-sourced';
import { renderGateway } from './archetypes/gateway';
import { renderLegacyAdapter } from './archetypes/legacy-adapter';
import { renderProducer } from './archetypes/producer';
import { renderSagaOrchestrator } from './archetypes/saga-orchestrator';
import { renderScheduled } from './archetypes/scheduled';
import { renderStateless } from './archetypes/stateless';
import { renderStreamProcessor } from './archetypes/stream-processor';
import { renderWebsocketGateway } from './archetypes/websocket-gateway';

export type ServiceRenderer = (ctx: ServiceContext) => OutputFile[];

/** One renderer per archetype: a missing one fails the type-check, not a user. */
export const RENDERERS: Record<ArchetypeKind, ServiceRenderer> = {
  stateless: renderStateless,
  'event-sourced': renderEventSourced,
  'saga-orchestrator': renderSagaOrchestrator,
  gateway: renderGateway,
  consumer: renderConsumer,
  producer: renderProducer,
  bff: renderBff,
  'websocket-gateway': renderWebsocketGateway,
  scheduled: renderScheduled,
  'legacy-adapter': renderLegacyAdapter,
  'stream-processor': renderStreamProcessor,
  cache: renderCache,
};

export interface RenderOptions {
  /** The architecture file's path relative to the output root, for READMEs and scripts. */
  readonly sourceFile: string;
  /** Given the files as they are rendered, a part at a time (the root and platform files, then each service's). */
  readonly onFiles?: (files: readonly OutputFile[]) => void;
}

/** Every file of the generated workspace, in a stable order. */
export function renderRepository(model: ResolvedArchitecture, options: RenderOptions): OutputFile[] {
  const files = [...rootFiles(model, options.sourceFile), ...platformFiles(model), ...eventsFiles(model)];
  options.onFiles?.(files);
  for (const service of model.services) {
    const ctx = serviceContext(model, service);
    // the typed clients of what the service calls: the archetypes that carry them in their dependencies render them
    // themselves, the others get them ready-wired (defaultClients)
    const own = [...RENDERERS[service.kind](ctx), ...serviceSecrets(ctx), ...(CLIENTS_IN_DEPS.includes(service.kind) ? [] : serviceClients(ctx))];
    options.onFiles?.(own);
    files.push(...own);
  }
  return files;
}
