import type { EventEnvelope } from '@allframe/platform';
import { aggregate as aggregateWindow, type WindowOutput } from './application/aggregate';
import type { Dependencies } from './deps';
import { Windower, type ClosedWindow, type WindowSpec } from './windows';

/** stream.windowing. */
// @slot window
export const WINDOW: WindowSpec = { type: 'sliding', sizeMs: 300000, slideMs: 60000 };
// @end

/** stream.input_events: other event types are ignored. */
export const INPUT_EVENTS: readonly string[] = [
  '__Input__', // @each inputs
];

export const SOURCE = '__service__';

/** The user's aggregate of one window. */
export type Aggregate = (window: ClosedWindow, source: string) => WindowOutput;

/** What one batch did. */
export interface BatchOutcome {
  readonly accepted: number;
  readonly ignored: number;
  readonly late: number;
  /** Output events published for the windows the batch closed. */
  readonly emitted: number;
}

/** Feeds input events into the windows and publishes the aggregate of each window as it closes. */
export class StreamProcessor {
  constructor(
    private readonly deps: Dependencies,
    private readonly windower: Windower = new Windower(WINDOW),
    private readonly aggregate: Aggregate = aggregateWindow,
  ) {}

  async handle(events: readonly EventEnvelope[]): Promise<BatchOutcome> {
    let accepted = 0;
    let ignored = 0;
    let late = 0;
    for (const event of events) {
      if (!INPUT_EVENTS.includes(event.type)) ignored++;
      else if (this.windower.add(event)) accepted++;
      else {
        late++;
        this.deps.logger.warn({ eventId: event.id, type: event.type, time: event.time }, 'late event dropped');
      }
    }
    return { accepted, ignored, late, emitted: await this.emit(this.windower.advance()) };
  }

  /** Closes the windows ending at or before `watermark` (e.g. wall-clock time when the stream is idle). */
  closeUntil(watermark: number): Promise<number> {
    return this.emit(this.windower.advance(watermark));
  }

  /** Closes every open window (at shutdown). */
  flush(): Promise<number> {
    return this.emit(this.windower.drain());
  }

  private async emit(windows: readonly ClosedWindow[]): Promise<number> {
    let emitted = 0;
    for (const window of windows) {
      const output = this.aggregate(window, SOURCE);
      this.deps.logger.info({ ...output.summary, events: window.events.length, outputs: output.events.length }, 'window closed');
      await this.deps.events.emit(output.events);
      emitted += output.events.length;
    }
    return emitted;
  }
}
