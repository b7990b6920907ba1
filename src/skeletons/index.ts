/**
 * Service skeletons: one npm workspace at the root of the user's repo, `packages/platform` (shared runtime)
 * and one package per service under `services/<name>/`, per archetype.
 */
import type { ArchetypeKind } from '../model/archetypes';
import type { ResolvedArchitecture } from '../resolve/index';
import type { OutputFile } from '../model/output-file';
import { ServiceContext, serviceContext } from './context';
import { platformFiles } from './platform';
import { rootFiles } from './root';
import { renderMinimal } from './archetypes/minimal';
import { renderStateless } from './archetypes/stateless';

export type ServiceRenderer = (ctx: ServiceContext) => OutputFile[];

/** One renderer per archetype: a missing one fails the type-check, not a user. */
export const RENDERERS: Record<ArchetypeKind, ServiceRenderer> = {
  stateless: renderStateless,
  'event-sourced': renderMinimal,
  'saga-orchestrator': renderMinimal,
  gateway: renderMinimal,
  consumer: renderMinimal,
  producer: renderMinimal,
  bff: renderMinimal,
  'websocket-gateway': renderMinimal,
  scheduled: renderMinimal,
  'legacy-adapter': renderMinimal,
  'stream-processor': renderMinimal,
  cache: renderMinimal,
};

export interface RenderOptions {
  /** The architecture file's path relative to the output root, for READMEs and scripts. */
  readonly sourceFile: string;
}

/** Every file of the generated workspace, in a stable order. */
export function renderRepository(model: ResolvedArchitecture, options: RenderOptions): OutputFile[] {
  const files = [...rootFiles(model, options.sourceFile), ...platformFiles(model)];
  for (const service of model.services) files.push(...RENDERERS[service.kind](serviceContext(model, service)));
  return files;
}
