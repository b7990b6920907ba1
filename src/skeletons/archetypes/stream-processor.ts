/**
 * stream-processor: windows over event timestamps (tumbling, sliding or session, from stream.windowing), the user's
 * aggregate per closed window producing the output events, and input from Kinesis or SQS (Lambda) or HTTP (container).
 */
import { OutputFile, managed, owned } from '../../model/output-file';
import type { ServiceContext } from '../context';
import { containerEntry, lambdaEntry, secretNames, secretsWiring, testSecrets } from '../secrets';
import { dockerfile, servicePackage } from '../context';
import { configFile } from '../common';

/** The window of the service, as the generated `WindowSpec` literal. */
export function windowSpec(ctx: ServiceContext): string {
  const w = ctx.service.spec.stream?.windowing ?? {};
  const durationMs = (w.duration_seconds ?? 60) * 1000;
  switch (w.type ?? 'tumbling') {
    case 'sliding':
      return `{ type: 'sliding', sizeMs: ${durationMs}, slideMs: ${w.slide_seconds !== undefined ? w.slide_seconds * 1000 : Math.max(1, Math.floor(durationMs / 2))} }`;
    case 'session':
      return `{ type: 'session', gapMs: ${durationMs} }`;
    default:
      return `{ type: 'tumbling', sizeMs: ${durationMs} }`;
  }
}

const WINDOWS_TS = (P: string) => `import type { EventEnvelope } from '${P}';

/** How events are grouped: fixed windows, overlapping windows every \`slideMs\`, or sessions closed by a gap. */
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
 * Assigns events to windows by their \`time\`, and closes the windows the watermark has passed. The watermark is the
 * latest event time seen minus the allowed lateness; an event whose every window is already closed is late and
 * dropped. Sessions end \`gapMs\` after their last event and merge when a new event bridges them. The state is
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

  /** Adds \`event\` to its windows; false when it is late (or has no valid time) and was dropped. */
  add(event: EventEnvelope): boolean {
    const t = timeOf(event);
    if (Number.isNaN(t)) return false;
    const accepted = this.session ? this.addToSession(event, t) : this.addToWindows(event, t);
    if (accepted) this.latest = Math.max(this.latest, t);
    return accepted;
  }

  /** Closes the windows ending at or before \`watermark\` (the current one by default), in start order. */
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
`;

export function renderStreamProcessor(ctx: ServiceContext): OutputFile[] {
  const s = ctx.service;
  const P = ctx.platform;
  const stream = s.spec.stream ?? { input_events: [] };
  const inputs = [...stream.input_events];
  const outputs = [...(stream.output_events ?? [])];
  const windowing = stream.windowing ?? {};
  const files: OutputFile[] = [
    servicePackage(ctx, ['hono']),
    configFile(ctx, {
      ALLOWED_LATENESS_MS: { kind: 'int', default: '0', description: 'How far behind the latest event time an event may arrive and still count' },
      IDLE_FLUSH_MS: { kind: 'int', default: '0', description: 'Container entry: every this often, close the windows wall-clock time has passed (0: only new events close windows)' },
    }),
    dockerfile(ctx, 'server'),
    managed(`${ctx.dir}/src/windows.ts`, WINDOWS_TS(P)),
  ];

  files.push(
    managed(
      `${ctx.dir}/src/deps.ts`,
      `import { closePools, createEventSink, createLogger, createPublisher } from '${P}';
import type { EventSink, Logger } from '${P}';
import type { Config } from './config';
${secretsWiring(ctx).importType}
/** Everything the processor needs from the outside world. */
export interface Dependencies {
${secretsWiring(ctx).field}  readonly logger: Logger;
  /** Where the output events go. */
  readonly events: EventSink;
  close(): Promise<void>;
}

/** Real adapters (SNS, EventBridge, SQS, Pub/Sub) or in-memory ones, as configured. */
export function createDependencies(config: Config${secretsWiring(ctx).param}): Dependencies {
  return {
${secretsWiring(ctx).prop}    logger: createLogger({ service: config.SERVICE_NAME, level: config.LOG_LEVEL, redact: config.PII_FIELDS }),
    events: createEventSink(createPublisher(config.EVENT_BUS, config.EVENT_TARGET)),
    close: () => closePools(),
  };
}
`,
    ),
    // The aggregate: the user's from the first synth on.
    owned(
      `${ctx.dir}/src/application/aggregate.ts`,
      `import ${outputs.length ? `{ newEvent, type EventEnvelope }` : 'type { EventEnvelope }'} from '${P}';
import type { ClosedWindow } from '../windows';

/** What a window produced: a summary for the log, and the events to publish. */
export interface WindowOutput {
  readonly summary: Record<string, unknown>;
  readonly events: readonly EventEnvelope[];
}

/**
 * Aggregates one closed ${windowing.type ?? 'tumbling'} window of ${inputs.join(', ')}: by default, the count of events per type${
        outputs.length ? `,\n * published as ${outputs.join(', ')}` : ' (no output_events: logged only)'
      }.
 */
export function aggregate(window: ClosedWindow, ${outputs.length ? 'source' : '_source'}: string): WindowOutput {
  const counts: Record<string, number> = {};
  for (const event of window.events) counts[event.type] = (counts[event.type] ?? 0) + 1;
  const summary = { windowStart: new Date(window.start).toISOString(), windowEnd: new Date(window.end).toISOString(), counts };
  return { summary, events: [${outputs.map((e) => `newEvent('${e}', source, summary, { time: summary.windowEnd })`).join(', ')}] };
}
`,
    ),
    managed(
      `${ctx.dir}/src/processor.ts`,
      `import type { EventEnvelope } from '${P}';
import { aggregate as aggregateWindow, type WindowOutput } from './application/aggregate';
import type { Dependencies } from './deps';
import { Windower, type ClosedWindow, type WindowSpec } from './windows';

/** stream.windowing. */
export const WINDOW: WindowSpec = ${windowSpec(ctx)};

/** stream.input_events: other event types are ignored. */
export const INPUT_EVENTS: readonly string[] = ${JSON.stringify(inputs)};

export const SOURCE = '${s.name}';

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

  /** Closes the windows ending at or before \`watermark\` (e.g. wall-clock time when the stream is idle). */
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
`,
    ),
    managed(
      `${ctx.dir}/src/records.ts`,
      `import { HttpError, parseEnvelope } from '${P}';
import type { EventEnvelope, Logger } from '${P}';
import type { KinesisStreamEvent, KinesisStreamRecord, SQSEvent, SQSRecord } from 'aws-lambda';

/** The event envelopes of a Kinesis or SQS batch; a record that is not an envelope is logged and skipped. */
export function parseRecords(event: KinesisStreamEvent | SQSEvent, logger: Logger): EventEnvelope[] {
  const records: readonly (KinesisStreamRecord | SQSRecord)[] = event.Records;
  const events: EventEnvelope[] = [];
  for (const record of records) {
    const body = 'kinesis' in record ? Buffer.from(record.kinesis.data, 'base64').toString('utf8') : record.body;
    try {
      events.push(parseEnvelope(body));
    } catch (err) {
      logger.warn({ err }, 'record skipped: not an event envelope');
    }
  }
  return events;
}

/** The envelopes of an HTTP body: one envelope or an array of them; anything else is a 400. */
export function parseBody(body: unknown): EventEnvelope[] {
  try {
    return (Array.isArray(body) ? body : [body]).map((item) => parseEnvelope(JSON.stringify(item)));
  } catch {
    throw new HttpError(400, 'expected an event envelope or an array of them');
  }
}
`,
    ),
    managed(
      `${ctx.dir}/src/app.ts`,
      `import { createHttpApp, HttpError } from '${P}';
import type { Dependencies } from './deps';
import type { StreamProcessor } from './processor';
import { parseBody } from './records';

/** Health and readiness, and \`POST /events\` (an envelope or an array of them): 202 with what the batch did. */
export function buildApp(deps: Dependencies, processor: StreamProcessor) {
  const app = createHttpApp({ service: '${s.name}', logger: deps.logger });
  app.post('/events', async (c) => {
    const body: unknown = await c.req.json().catch(() => {
      throw new HttpError(400, 'expected a JSON body');
    });
    return c.json(await processor.handle(parseBody(body)), 202);
  });
  return app;
}
`,
    ),
    managed(
      `${ctx.dir}/src/entry/lambda.ts`,
      lambdaEntry(ctx, `import type { KinesisStreamEvent, SQSEvent } from 'aws-lambda';
import { loadConfig } from '../config';
import { createDependencies } from '../deps';
import { StreamProcessor, WINDOW, type BatchOutcome } from '../processor';
import { parseRecords } from '../records';
import { Windower } from '../windows';

const config = loadConfig(process.env);
const deps = createDependencies(config);
// Open windows live in this instance's memory: run with reserved concurrency 1 (or one shard) for complete windows.
const processor = new StreamProcessor(deps, new Windower(WINDOW, config.ALLOWED_LATENESS_MS));

/** Kinesis or SQS event source mapping. */
export const handler = (event: KinesisStreamEvent | SQSEvent): Promise<BatchOutcome> => processor.handle(parseRecords(event, deps.logger));
`),
    ),
    managed(
      `${ctx.dir}/src/entry/server.ts`,
      containerEntry(ctx, `import { serve } from '${P}';
import { buildApp } from '../app';
import { loadConfig } from '../config';
import { createDependencies } from '../deps';
import { StreamProcessor, WINDOW } from '../processor';
import { Windower } from '../windows';

const config = loadConfig(process.env);
const deps = createDependencies(config);
const processor = new StreamProcessor(deps, new Windower(WINDOW, config.ALLOWED_LATENESS_MS));
const idle =
  config.IDLE_FLUSH_MS > 0
    ? setInterval(() => {
        processor.closeUntil(Date.now() - config.ALLOWED_LATENESS_MS).catch((err: unknown) => deps.logger.error({ err }, 'window flush failed'));
      }, config.IDLE_FLUSH_MS)
    : undefined;
serve(buildApp(deps, processor), {
  port: config.PORT,
  logger: deps.logger,
  onShutdown: async () => {
    clearInterval(idle);
    await processor.flush();
    await deps.close();
  },
});
`),
    ),
  );

  // Tests: the windows and the processor (managed), the aggregate (owned).
  const input = inputs[0] ?? 'Input';
  files.push(
    managed(
      `${ctx.dir}/test/windows.test.ts`,
      `import { newEvent } from '${P}';
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
`,
    ),
    managed(
      `${ctx.dir}/test/processor.test.ts`,
      `import { MemoryPublisher, createEventSink, createLogger, newEvent } from '${P}';
import type { KinesisStreamEvent, SQSEvent } from 'aws-lambda';
import { buildApp } from '../src/app';
import { loadConfig } from '../src/config';
import { createDependencies } from '../src/deps';
import { INPUT_EVENTS, StreamProcessor, WINDOW, type Aggregate } from '../src/processor';
import { parseRecords } from '../src/records';
import { Windower } from '../src/windows';

const logger = createLogger({ service: 'test', level: 'silent' });
const at = (seconds: number, type = '${input}') => newEvent(type, 'test', {}, { time: new Date(seconds * 1000).toISOString() });
const countOut: Aggregate = (window, source) => ({ summary: {}, events: [newEvent('Out', source, { n: window.events.length })] });

function setup(aggregate: Aggregate = countOut) {
  const publisher = new MemoryPublisher();
  const deps = { ${secretNames(ctx).length > 0 ? `secrets: ${testSecrets(ctx)}, ` : ''}logger, events: createEventSink(publisher), close: () => Promise.resolve() };
  const processor = new StreamProcessor(deps, new Windower({ type: 'tumbling', sizeMs: 10_000 }), aggregate);
  return { deps, publisher, processor };
}

describe('stream processor', () => {
  test('the windowing of the architecture file', () => {
    expect(WINDOW).toEqual(${windowSpec(ctx)});
    expect(INPUT_EVENTS).toEqual(${JSON.stringify(inputs)});
  });

  test('input events are windowed and each closed window is aggregated and published', async () => {
    // GIVEN a processor over 10 s windows
    const { processor, publisher } = setup();
    // WHEN a batch fills one window and starts the next, with an event of another type
    const outcome = await processor.handle([at(1), at(2), at(3, 'SomethingElse'), at(11)]);
    // THEN the first window's output is published
    expect(outcome).toEqual({ accepted: 3, ignored: 1, late: 0, emitted: 1 });
    expect(publisher.published.map((e) => [e.type, e.source, e.data])).toEqual([['Out', '${s.name}', { n: 2 }]]);
    expect(await processor.handle([at(4)])).toMatchObject({ late: 1, emitted: 0 });
    expect(await processor.closeUntil(20_000)).toBe(1);
    expect(await processor.flush()).toBe(0);
  });

  test('the default aggregate and windowing', async () => {
    const deps = createDependencies(loadConfig({ LOG_LEVEL: 'silent' })${secretsWiring(ctx).testArg});
    const processor = new StreamProcessor(deps);
    await processor.handle([at(1)]);
    await expect(processor.flush()).resolves.toBeGreaterThanOrEqual(0);
    await deps.close();
  });

  test('Kinesis and SQS records are parsed; other records are skipped', () => {
    const event = at(1);
    const kinesis = { Records: [{ kinesis: { data: Buffer.from(JSON.stringify(event)).toString('base64') } }] } as unknown as KinesisStreamEvent;
    const sqs = { Records: [{ body: JSON.stringify(event) }, { body: 'nope' }] } as unknown as SQSEvent;
    expect(parseRecords(kinesis, logger)).toEqual([event]);
    expect(parseRecords(sqs, logger)).toEqual([event]);
  });

  test('POST /events takes an envelope or an array of them', async () => {
    const { deps, processor, publisher } = setup();
    const app = buildApp(deps, processor);
    const post = (body: string) => app.request('/events', { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    expect((await post(JSON.stringify(at(1)))).status).toBe(202);
    const res = await post(JSON.stringify([at(2), at(12)]));
    expect(await res.json()).toEqual({ accepted: 2, ignored: 0, late: 0, emitted: 1 });
    expect(publisher.published).toHaveLength(1);
    expect((await post('{')).status).toBe(400);
    expect((await post('[{"id":1}]')).status).toBe(400);
    expect((await app.request('/healthz')).status).toBe(200);
  });
});
`,
    ),
    owned(
      `${ctx.dir}/test/aggregate.test.ts`,
      `import { MemoryPublisher, createEventSink, createLogger, newEvent } from '${P}';
import { aggregate } from '../src/application/aggregate';
import { StreamProcessor } from '../src/processor';
import { Windower } from '../src/windows';

const at = (seconds: number, type: string) => newEvent(type, 'test', {}, { time: new Date(seconds * 1000).toISOString() });

describe('aggregate', () => {
  test('counts the events of a window per type', () => {
    // GIVEN a closed window
    const window = { start: 0, end: 60_000, events: [at(1, '${input}'), at(2, '${input}'), at(3, 'Other')] };
    // WHEN it is aggregated
    const output = aggregate(window, '${s.name}');
    // THEN
    expect(output.summary).toEqual({ windowStart: '1970-01-01T00:00:00.000Z', windowEnd: '1970-01-01T00:01:00.000Z', counts: { ${input}: 2, Other: 1 } });
    expect(output.events.map((e) => e.type)).toEqual(${JSON.stringify(outputs)});
  });

  test('closed windows publish ${outputs.length ? outputs.join(', ') : 'nothing (no output events)'}', async () => {
    const publisher = new MemoryPublisher();
    const deps = { ${secretNames(ctx).length > 0 ? `secrets: ${testSecrets(ctx)}, ` : ''}logger: createLogger({ service: 'test', level: 'silent' }), events: createEventSink(publisher), close: () => Promise.resolve() };
    const processor = new StreamProcessor(deps, new Windower({ type: 'tumbling', sizeMs: 10_000 }));
    await processor.handle([at(1, '${input}'), at(12, '${input}')]);
    expect(publisher.published.map((e) => [e.type, e.source])).toEqual(${JSON.stringify(outputs.map((o) => [o, s.name]))});
  });
});
`,
    ),
  );
  return files;
}
