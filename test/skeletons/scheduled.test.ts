import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderText } from '../helpers';

const fixture = readFileSync(join(__dirname, '..', '..', 'fixtures', 'archetypes', 'scheduled.yaml'), 'utf8');

function render(text: string) {
  return new Map(renderText(text).map((f) => [f.path, f]));
}

describe('scheduled skeleton', () => {
  // GIVEN the scheduled fixture: nightly-invoicing, 10 minute timeout, overlap_policy skip, publishes InvoicesIssued
  const files = render(fixture);
  const dir = 'services/nightly-invoicing';
  const content = (p: string) => files.get(`${dir}/${p}`)?.content ?? '';

  test('an owned job taking the scheduled time and an abort signal', () => {
    expect(files.get(`${dir}/src/application/job.ts`)?.kind).toBe('owned');
    expect(content('src/application/job.ts')).toContain('export async function runJob(deps: JobDeps, { now, signal }: JobContext)');
    expect(content('src/application/job.ts')).toContain("newEvent('InvoicesIssued'");
  });

  test('a managed runner enforcing the timeout, logging start and end, skipping overlapping runs with a lock', () => {
    const runner = content('src/runner.ts');
    expect(runner).toContain('controller.abort(timeout)');
    expect(runner).toContain("'run started'");
    expect(runner).toContain("'run finished'");
    expect(runner).toContain('overlap_policy skip');
    expect(runner).toContain('this.deps.lock.tryAcquire()');
    expect(content('src/adapters/run-lock.ts')).toContain('export class MemoryRunLock implements RunLock');
    expect(content('src/config.ts')).toContain('JOB_TIMEOUT_MS: { kind: \'int\', default: "600000"');
  });

  test('entries: EventBridge Lambda, POST /run on the container, and a run-once script', () => {
    expect(content('src/entry/lambda.ts')).toContain('async (event: ScheduledEvent)');
    expect(content('src/app.ts')).toContain("createRoute({ method: 'post', path: '/run', tags: ['Job'], responses: { 200: jsonContent(RunResultSchema, 'The run succeeded, or was skipped'), ...problemResponses(), 500: failed } })");
    expect(content('src/app.ts')).toContain('return isFailure(result) ? c.json(result, 500) : c.json(result, 200);');
    expect(content('test/openapi.test.ts')).toContain("import { JobRunner } from '../src/runner';");
    expect(content('src/entry/run-once.ts')).toContain('process.exit(code)');
    const test = content('test/runner.test.ts');
    expect(test).toContain('the timeout aborts the run');
    expect(test).toContain('overlap_policy skip: a run while one is in progress is skipped');
  });

  test('the container fires the job itself only when SCHEDULE_CRON is set, never in an HTTP-only process, and stops it on shutdown', () => {
    // (set by the Fly.io target; AWS and GCP leave it empty and trigger the job through EventBridge and Cloud Scheduler)
    const config = content('src/config.ts');
    expect(config).toContain("SCHEDULE_CRON: { kind: 'string', default: \"\",");
    expect(config).toContain("SCHEDULE_TIMEZONE: { kind: 'string', default: \"Europe/Berlin\",");
    expect(config).toContain("SCHEDULE_RETRY_ATTEMPTS: { kind: 'int', default: \"1\",");
    const server = content('src/entry/server.ts');
    expect(server).toContain("import { startCronScheduler } from '@billing/platform/scheduler';");
    expect(server).toContain("config.SCHEDULE_CRON !== '' && runsBackgroundWork()");
    expect(server).toContain('startCronScheduler({ cron: config.SCHEDULE_CRON, timeZone: config.SCHEDULE_TIMEZONE, retryAttempts: config.SCHEDULE_RETRY_ATTEMPTS, run: (at) => runner.run(at), logger: deps.logger })');
    expect(server).toContain('await scheduler?.stop();');
  });

  test('queue and allow policies: no lock; queued runs wait', () => {
    const queue = render(fixture.replace('overlap_policy: skip', 'overlap_policy: queue'));
    expect(queue.has(`${dir}/src/adapters/run-lock.ts`)).toBe(false);
    expect(queue.get(`${dir}/src/runner.ts`)?.content).toContain('this.tail.then(() => this.execute(at))');
    const allow = render(fixture.replace('overlap_policy: skip', 'overlap_policy: allow'));
    expect(allow.get(`${dir}/src/runner.ts`)?.content).toContain('    return this.execute(at);');
    expect(allow.get(`${dir}/test/runner.test.ts`)?.content).toContain('overlap_policy allow: runs may overlap');
  });

  test('a cron expression cannot end a generated comment', () => {
    const files5 = render(fixture.replace('cron: "30 1 * * *"', 'cron: "*/5 * * * *"'));
    expect(files5.get(`${dir}/src/entry/lambda.ts`)?.content).toContain('("*\\/5 * * * *", Europe/Berlin)');
  });
});
