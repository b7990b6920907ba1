import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderText } from '../helpers';

const fixture = readFileSync(join(__dirname, '..', '..', 'fixtures', 'archetypes', 'stream-processor.yaml'), 'utf8');

function render(text: string) {
  return new Map(renderText(text).map((f) => [f.path, f]));
}

describe('stream-processor skeleton', () => {
  // GIVEN the stream-processor fixture: fraud-scorer, sliding 300 s windows every 60 s, PaymentAttempted → FraudScoreComputed
  const files = render(fixture);
  const dir = 'services/fraud-scorer';
  const content = (p: string) => files.get(`${dir}/${p}`)?.content ?? '';

  test('managed windowing: tumbling, sliding and session windows over event timestamps', () => {
    expect(files.get(`${dir}/src/windows.ts`)?.kind).toBe('managed');
    expect(content('src/windows.ts')).toContain('export class Windower');
    expect(content('src/processor.ts')).toContain("export const WINDOW: WindowSpec = { type: 'sliding', sizeMs: 300000, slideMs: 60000 };");
    expect(content('src/processor.ts')).toContain("export const INPUT_EVENTS: readonly string[] = [\n  'PaymentAttempted',\n];");
  });

  test('the window of other settings: sliding by half the duration by default, sessions with the duration as gap', () => {
    const half = render(fixture.replace(', slide_seconds: 60', ''));
    expect(half.get(`${dir}/src/processor.ts`)?.content).toContain("{ type: 'sliding', sizeMs: 300000, slideMs: 150000 }");
    const session = render(fixture.replace('type: sliding, duration_seconds: 300, slide_seconds: 60', 'type: session, duration_seconds: 300'));
    expect(session.get(`${dir}/src/processor.ts`)?.content).toContain("{ type: 'session', gapMs: 300000 }");
    const tumbling = render(fixture.replace('{ type: sliding, duration_seconds: 300, slide_seconds: 60 }', '{}'));
    expect(tumbling.get(`${dir}/src/processor.ts`)?.content).toContain("{ type: 'tumbling', sizeMs: 60000 }");
  });

  test('an owned aggregate per window producing the output events; none: logged only', () => {
    expect(files.get(`${dir}/src/application/aggregate.ts`)?.kind).toBe('owned');
    expect(content('src/application/aggregate.ts')).toContain("newEvent('FraudScoreComputed', source, summary, { time: summary.windowEnd })");
    const none = render(fixture.replace('      output_events: [FraudScoreComputed]\n', ''));
    expect(none.get(`${dir}/src/application/aggregate.ts`)?.content).toContain('return { summary, events: [] };');
    expect(none.get(`${dir}/src/application/aggregate.ts`)?.content).toContain('(no output_events: logged only)');
    expect(none.get(`${dir}/src/application/aggregate.ts`)?.content).not.toContain('newEvent');
  });

  test('input from Kinesis or SQS on Lambda, and from POST /events on the container', () => {
    expect(content('src/entry/lambda.ts')).toContain('(event: KinesisStreamEvent | SQSEvent)');
    expect(content('src/records.ts')).toContain("'kinesis' in record");
    expect(content('src/app.ts')).toContain("createRoute({ method: 'post', path: '/events', tags: ['Events'], middleware: [bodyAsJson], request: { body: { ...jsonContent(body, 'An event envelope or an array of them'), required: true } }, responses: { 202: jsonContent(BatchOutcomeSchema, 'The batch, windowed'), ...problemResponses(400, 422) } })");
    expect(content('test/openapi.test.ts')).toContain("import { StreamProcessor } from '../src/processor';");
    expect(content('test/processor.test.ts')).toContain("errors: [{ pointer: '#/1/id' }]");
    const test = content('test/windows.test.ts');
    for (const name of ['tumbling windows', 'sliding windows', 'session windows', 'late events are dropped']) expect(test).toContain(name);
    expect(content('test/aggregate.test.ts')).toContain('closed windows publish FraudScoreComputed');
  });

  test('on the container, input from a durable JetStream consumer too when NATS_URL is set, one pull loop, acknowledged once processed', () => {
    expect(content('src/entry/server.ts')).toContain('const jetStream = await startJetStreamInput(config, deps, processor);');
    expect(content('src/entry/server.ts')).toContain('await jetStream?.stop();\n      await processor.flush();');
    const input = content('src/entry/jetstream.ts');
    expect(input).toContain('concurrency: 1,');
    expect(input).toContain('await processor.handle([event]);');
    expect(content('src/config.ts')).toContain('NATS_FILTER_SUBJECTS: { kind: \'list\', default: "payments-risk.events.payment-service.PaymentAttempted"');
    expect(files.get(`${dir}/test/jetstream.test.ts`)?.kind).toBe('managed');
  });
});
