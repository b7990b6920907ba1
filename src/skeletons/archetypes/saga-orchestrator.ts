/** saga-orchestrator: skeleton (placeholder until its renderer lands: a health-only service). */
import type { OutputFile } from '../../model/output-file';
import type { ServiceContext } from '../context';
import { renderMinimal } from './minimal';

export function renderSagaOrchestrator(ctx: ServiceContext): OutputFile[] {
  return renderMinimal(ctx);
}
