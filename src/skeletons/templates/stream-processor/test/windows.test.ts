import { newEvent } from '@allframe/platform';
import { Windower } from '../src/windows';

const at = (seconds: number, type = 'E') => newEvent(type, 'test', { seconds }, { time: new Date(seconds * 1000).toISOString() });
const spans = (windows: { start: number; end: number; events: readonly { data: unknown }[] }[]) =>
  windows.map((w) => [w.start / 1000, w.end / 1000, w.events.map((e) => (e.data as { seconds: number }).seconds)]);

describe('tumbling windows', () => {
  test('fixed windows close when the watermark reaches their end; late events are dropped', () => {
    // GIVEN 10 s windows
    const w = new Windower({ type: 'tumbling', sizeMs: 10_000 });
    // WHEN events arrive on both sides of the 10 s boundary
    expect([at(0), at(9.999), at(5)].map((e) => w.add(e))).toEqual([true, true, true]);
    expect(w.advance()).toEqual([]);
    expect(w.add(at(10))).toBe(true);
    // THEN the first window closes once an event reaches 10 s
    expect(spans(w.advance())).toEqual([[0, 10, [0, 9.999, 5]]]);
    expect(w.add(at(3))).toBe(false);
    expect(w.add(newEvent('E', 'test', {}, { time: 'not a time' }))).toBe(false);
    expect(spans(w.drain())).toEqual([[10, 20, [10]]]);
  });

  test('the allowed lateness holds windows open', () => {
    const w = new Windower({ type: 'tumbling', sizeMs: 10_000 }, 5_000);
    w.add(at(3));
    w.add(at(12));
    expect(w.watermark).toBe(7_000);
    expect(w.advance()).toEqual([]);
    expect(w.add(at(4))).toBe(true);
    w.add(at(16));
    expect(spans(w.advance())).toEqual([[0, 10, [3, 4]]]);
  });
});

describe('sliding windows', () => {
  test('an event belongs to every window covering it', () => {
    // GIVEN 10 s windows every 5 s
    const w = new Windower({ type: 'sliding', sizeMs: 10_000, slideMs: 5_000 });
    // WHEN events at 7 s and 12 s arrive, then the watermark reaches 15 s
    w.add(at(7));
    w.add(at(12));
    expect(spans(w.advance(10_000))).toEqual([[0, 10, [7]]]);
    expect(spans(w.advance(15_000))).toEqual([[5, 15, [7, 12]]]);
    // THEN an event whose windows all closed is late; one with an open window still counts there
    expect(w.add(at(7))).toBe(false);
    expect(w.add(at(14))).toBe(true);
    expect(spans(w.drain())).toEqual([[10, 20, [12, 14]]]);
  });
});

describe('session windows', () => {
  test('a gap closes a session; an event bridging two sessions merges them', () => {
    // GIVEN sessions with a 10 s gap
    const w = new Windower({ type: 'session', gapMs: 10_000 });
    // WHEN events arrive at 0, 5 and 20 s
    w.add(at(0));
    w.add(at(5));
    w.add(at(20));
    // THEN the first session closes 10 s after its last event; a session is extended by events within the gap
    expect(spans(w.advance(15_000))).toEqual([[0, 15, [0, 5]]]);
    w.add(at(40));
    w.add(at(36));
    expect(spans(w.advance())).toEqual([[20, 30, [20]]]);
    expect(w.add(at(12))).toBe(false);
    w.add(at(45));
    expect(spans(w.drain())).toEqual([[36, 55, [36, 40, 45]]]);
  });

  test('sessions merge when an event falls between them', () => {
    const w = new Windower({ type: 'session', gapMs: 10_000 });
    for (const s of [0, 5, 20, 12]) w.add(at(s));
    expect(spans(w.drain())).toEqual([[0, 30, [0, 5, 12, 20]]]);
  });
});
