import { newEvent } from '@allframe/platform'; // @if outputs
import type { EventEnvelope } from '@allframe/platform';
import type { ClosedWindow } from '../windows';

/** What a window produced: a summary for the log, and the events to publish. */
export interface WindowOutput {
  readonly summary: Record<string, unknown>;
  readonly events: readonly EventEnvelope[];
}

/**
 * Aggregates one closed __windowType__ window of __inputList__: by default, the count of events per type,  // @if outputs
 * published as __outputList__. // @if outputs
 * Aggregates one closed __windowType__ window of __inputList__: by default, the count of events per type (no output_events: logged only). // @if !outputs
 */
export function aggregate(window: ClosedWindow, /*=sourceParam*/ source: string): WindowOutput {
  const counts: Record<string, number> = {};
  for (const event of window.events) counts[event.type] = (counts[event.type] ?? 0) + 1;
  const summary = { windowStart: new Date(window.start).toISOString(), windowEnd: new Date(window.end).toISOString(), counts };
  // @slot result
  return { summary, events: [newEvent('Output', source, summary, { time: summary.windowEnd })] };
  // @end
}
