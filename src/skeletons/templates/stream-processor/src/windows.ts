import type { EventEnvelope } from '@allframe/platform';

/** How events are grouped: fixed windows, overlapping windows every `slideMs`, or sessions closed by a gap. */
export type WindowSpec =
  | { readonly type: 'tumbling'; readonly sizeMs: number }
  | { readonly type: 'sliding'; readonly sizeMs: number; readonly slideMs: number }
  | { readonly type: 'session'; readonly gapMs: number };

/** A closed window: [start, end) in epoch milliseconds, and its events in time order. */
export interface ClosedWindow {
  readonly start: number;
  readonly end: number;
  readonly events: readonly EventEnvelope[];
}

interface OpenWindow {
  start: number;
  end: number;
  events: EventEnvelope[];
}

const timeOf = (event: EventEnvelope): number => Date.parse(event.time);

/**
 * Assigns events to windows by their `time`, and closes the windows the watermark has passed. The watermark is the
 * latest event time seen minus the allowed lateness; an event whose every window is already closed is late and
 * dropped. Sessions end `gapMs` after their last event and merge when a new event bridges them. The state is
 * in memory: windows still open when the process stops are lost unless {@link Windower.drain}ed.
 */
export class Windower {
  private open: OpenWindow[] = [];
  private closedUntil = -Infinity;
  private latest = -Infinity;
  private readonly session: boolean;
  /** Window length; for sessions, the gap. */
  private readonly size: number;
  private readonly slide: number;

  constructor(
    spec: WindowSpec,
    private readonly allowedLatenessMs = 0,
  ) {
    this.session = spec.type === 'session';
    this.size = spec.type === 'session' ? spec.gapMs : spec.sizeMs;
    this.slide = spec.type === 'sliding' ? spec.slideMs : this.size;
  }

  /** The latest event time seen minus the allowed lateness. */
  get watermark(): number {
    return this.latest - this.allowedLatenessMs;
  }

  /** Adds `event` to its windows; false when it is late (or has no valid time) and was dropped. */
  add(event: EventEnvelope): boolean {
    const t = timeOf(event);
    if (Number.isNaN(t)) return false;
    const accepted = this.session ? this.addToSession(event, t) : this.addToWindows(event, t);
    if (accepted) this.latest = Math.max(this.latest, t);
    return accepted;
  }

  /** Closes the windows ending at or before `watermark` (the current one by default), in start order. */
  advance(watermark = this.watermark): ClosedWindow[] {
    this.closedUntil = Math.max(this.closedUntil, watermark);
    return this.take((w) => w.end <= this.closedUntil);
  }

  /** Closes every open window (at shutdown). */
  drain(): ClosedWindow[] {
    return this.take(() => true);
  }

  private take(closing: (w: OpenWindow) => boolean): ClosedWindow[] {
    const closed = this.open.filter(closing);
    this.open = this.open.filter((w) => !closing(w));
    return closed.sort((a, b) => a.start - b.start).map((w) => ({ start: w.start, end: w.end, events: w.events }));
  }

  private addToWindows(event: EventEnvelope, t: number): boolean {
    let added = false;
    for (let start = Math.floor(t / this.slide) * this.slide; start > t - this.size; start -= this.slide) {
      if (start + this.size <= this.closedUntil) continue;
      let window = this.open.find((w) => w.start === start);
      if (!window) {
        window = { start, end: start + this.size, events: [] };
        this.open.push(window);
      }
      window.events.push(event);
      added = true;
    }
    return added;
  }

  private addToSession(event: EventEnvelope, t: number): boolean {
    if (t + this.size <= this.closedUntil) return false;
    let merged: OpenWindow = { start: t, end: t + this.size, events: [event] };
    const touching = this.open.filter((s) => s.start < merged.end && merged.start < s.end);
    for (const s of touching) {
      merged = { start: Math.min(s.start, merged.start), end: Math.max(s.end, merged.end), events: [...s.events, ...merged.events] };
    }
    merged.events.sort((a, b) => timeOf(a) - timeOf(b));
    this.open = [...this.open.filter((s) => !touching.includes(s)), merged];
    return true;
  }
}
