/**
 * stream-processor: windows over event timestamps (tumbling, sliding or session, from stream.windowing), the user's
 * aggregate per closed window producing the output events, and input from Kinesis or SQS (Lambda) or HTTP and NATS JetStream (container).
 */
import type { OutputFile } from '../../model/output-file';
import type { ServiceContext } from '../context';
import { dockerfile, servicePackage } from '../context';
import { inputSubjects, natsInputConfig } from '../nats-config';
import { apiDocsVar, serviceConfig, serviceData, serviceOpenApiTest } from '../service-files';
import { templateFile } from '../template';

/** The window of the service, as the generated `WindowSpec` literal. */
export function windowSpec(ctx: ServiceContext): string {
  const w = ctx.service.spec.stream?.windowing;
  const { type, duration_seconds } = ctx.service.sizing.windowing;
  const durationMs = duration_seconds * 1000;
  switch (type) {
    case 'sliding':
      return `{ type: 'sliding', sizeMs: ${durationMs}, slideMs: ${w?.slide_seconds !== undefined ? w.slide_seconds * 1000 : Math.max(1, Math.floor(durationMs / 2))} }`;
    case 'session':
      return `{ type: 'session', gapMs: ${durationMs} }`;
    default:
      return `{ type: 'tumbling', sizeMs: ${durationMs} }`;
  }
}

/** The files of the service, from templates/stream-processor/: the aggregate and its test are the user's from the first synth on. */
const FILES: readonly (readonly ['managed' | 'owned', string])[] = [
  ['managed', 'src/windows.ts'],
  ['managed', 'src/deps.ts'],
  ['owned', 'src/application/aggregate.ts'],
  ['managed', 'src/processor.ts'],
  ['managed', 'src/records.ts'],
  ['managed', 'src/app.ts'],
  ['managed', 'src/entry/lambda.ts'],
  ['managed', 'src/entry/server.ts'],
  ['managed', 'src/entry/jetstream.ts'],
  ['managed', 'test/windows.test.ts'],
  ['managed', 'test/processor.test.ts'],
  ['managed', 'test/jetstream.test.ts'],
  ['owned', 'test/aggregate.test.ts'],
];

export function renderStreamProcessor(ctx: ServiceContext): OutputFile[] {
  const stream = ctx.service.spec.stream ?? { input_events: [] };
  const inputs = [...stream.input_events];
  const outputs = [...(stream.output_events ?? [])];
  const events = outputs.map((e) => `newEvent('${e}', source, summary, { time: summary.windowEnd })`);
  const data = serviceData(ctx, {
    names: {
      input: inputs[0] ?? 'Input',
      inputList: inputs.join(', '),
      outputList: outputs.join(', '),
      windowType: ctx.service.sizing.windowing.type,
      sourceParam: outputs.length > 0 ? 'source' : '_source',
      publishNote: outputs.length > 0 ? outputs.join(', ') : 'nothing (no output events)',
    },
    flags: { outputs: outputs.length > 0 },
    lists: { inputs: inputs.map((e) => ({ Input: e })), outputs: outputs.map((e) => ({ Output: e })) },
    slots: {
      window: `export const WINDOW: WindowSpec = ${windowSpec(ctx)};`,
      expectedWindow: `expect(WINDOW).toEqual(${windowSpec(ctx)});`,
      result: `return { summary, events: [${events.join(', ')}] };`,
    },
  });
  return [
    servicePackage(ctx, ['hono', '@hono/zod-openapi', 'zod']),
    serviceConfig(ctx, {
      ALLOWED_LATENESS_MS: { kind: 'int', default: '0', description: 'How far behind the latest event time an event may arrive and still count' },
      IDLE_FLUSH_MS: { kind: 'int', default: '0', description: 'Container entry: every this often, close the windows wall-clock time has passed (0: only new events close windows)' },
      ...natsInputConfig(ctx, inputSubjects(ctx), 'durable'),
      API_DOCS: apiDocsVar(ctx),
    }),
    dockerfile(ctx, 'server'),
    ...FILES.map(([kind, file]) => templateFile(kind, ctx.dir, `stream-processor/${file}`, data)),
    serviceOpenApiTest(ctx, { appArgs: 'deps, new StreamProcessor(deps)', imports: ["import { StreamProcessor } from '../src/processor';"] }),
  ];
}
