/**
 * scheduled: the user's job behind a runner that enforces the run timeout (an AbortSignal), logs start, end and
 * duration, and applies the overlap policy (skip: a lock; queue: runs wait; allow: nothing); entries for EventBridge
 * (Lambda), HTTP triggers (Cloud Scheduler, Fly cron: POST /run) and a run-once script.
 */
import { OutputFile, managed, owned } from '../../model/output-file';
import type { ServiceContext } from '../context';
import { containerEntry, lambdaEntry, secretsWiring } from '../secrets';
import { dockerfile, servicePackage } from '../context';
import { configFile } from '../common';

const POLICY_DOC = {
  skip: 'skip: a run due while another one is in progress is skipped (the lock is held for the whole run). The lock is in\n * memory: with several instances, give RunLock a shared adapter (e.g. a DynamoDB conditional write).',
  queue: 'queue: a run due while another one is in progress waits for it to finish, then runs (in this process).',
  allow: 'allow: runs may overlap; the job must tolerate running twice at once.',
} as const;

export function renderScheduled(ctx: ServiceContext): OutputFile[] {
  const s = ctx.service;
  const P = ctx.platform;
  const schedule = s.spec.schedule ?? { cron: '@daily' };
  const policy = schedule.overlap_policy ?? 'skip';
  /** The cron expression, safe inside a block comment ("*\/5" would end it). */
  const cron = schedule.cron.replace(/\*\//g, '*\\/');
  const timeoutMinutes = schedule.timeout_minutes ?? 15;
  const publishes = s.spec.publishes ?? [];
  const skip = policy === 'skip';
  const files: OutputFile[] = [
    servicePackage(ctx, ['hono']),
    configFile(ctx, {
      JOB_TIMEOUT_MS: { kind: 'int', default: String(timeoutMinutes * 60_000), description: `schedule.timeout_minutes (${timeoutMinutes}): a run is aborted after this long` },
    }),
    dockerfile(ctx, 'server'),
  ];

  files.push(
    managed(
      `${ctx.dir}/src/deps.ts`,
      `import { closePools, createEventSink, createLogger, createPublisher } from '${P}';
import type { EventSink, Logger } from '${P}';
${skip ? "import { MemoryRunLock, type RunLock } from './adapters/run-lock';\n" : ''}import type { Config } from './config';
${secretsWiring(ctx).importType}
/** Everything the job needs from the outside world. */
export interface Dependencies {
${secretsWiring(ctx).field}  readonly logger: Logger;
  readonly events: EventSink;
${skip ? '  /** Held while a run is in progress (overlap_policy: skip). */\n  readonly lock: RunLock;\n' : ''}  close(): Promise<void>;
}

/** Real adapters (SNS, EventBridge, SQS, Pub/Sub) or in-memory ones, as configured. */
export function createDependencies(config: Config${secretsWiring(ctx).param}): Dependencies {
  return {
${secretsWiring(ctx).prop}    logger: createLogger({ service: config.SERVICE_NAME, level: config.LOG_LEVEL, redact: config.PII_FIELDS }),
    events: createEventSink(createPublisher(config.EVENT_BUS, config.EVENT_TARGET)),
${skip ? '    lock: new MemoryRunLock(),\n' : ''}    close: () => closePools(),
  };
}
`,
    ),
  );
  if (skip) {
    files.push(
      managed(
        `${ctx.dir}/src/adapters/run-lock.ts`,
        `/** Port: at most one holder at a time. */
export interface RunLock {
  /** Takes the lock; false when it is already held. */
  tryAcquire(): Promise<boolean>;
  release(): Promise<void>;
}

/** A lock held in this process (one instance; a shared lock is needed across instances). */
export class MemoryRunLock implements RunLock {
  private held = false;

  tryAcquire(): Promise<boolean> {
    if (this.held) return Promise.resolve(false);
    this.held = true;
    return Promise.resolve(true);
  }

  release(): Promise<void> {
    this.held = false;
    return Promise.resolve();
  }
}
`,
      ),
    );
  }

  // The job: the user's from the first synth on.
  files.push(
    owned(
      `${ctx.dir}/src/application/job.ts`,
      `${publishes.length ? `import { newEvent } from '${P}';\n` : ''}import type { Dependencies } from '../deps';

/** What a run gets: the scheduled time and a signal aborted when the run times out (${timeoutMinutes} min). */
export interface JobContext {
  readonly now: Date;
  readonly signal: AbortSignal;
}

/** What the job may use. */
export type JobDeps = Pick<Dependencies, 'logger' | 'events'>;

/**
 * The job, run on "${cron}" (${schedule.timezone ?? 'UTC'}). Check \`signal\` between steps (\`signal.throwIfAborted()\`)
 * and pass it to I/O that accepts one; throw to fail the run (it is retried ${schedule.retry_attempts ?? 2} time(s)).
 */
export async function runJob(deps: JobDeps, { now, signal }: JobContext): Promise<void> {
  signal.throwIfAborted();
  deps.logger.info({ scheduledFor: now.toISOString() }, 'job running');
${publishes.length ? `  await deps.events.emit([${publishes.map((e) => `newEvent('${e}', '${s.name}', { runAt: now.toISOString() })`).join(', ')}]);\n` : '  await Promise.resolve(); // the work goes here\n'}}
`,
    ),
  );

  const runBody = {
    skip: `    if (!(await this.deps.lock.tryAcquire())) {
      this.deps.logger.warn({ job: '${s.name}' }, 'previous run still in progress: run skipped');
      return { status: 'skipped', startedAt: at.toISOString(), durationMs: 0 };
    }
    try {
      return await this.execute(at);
    } finally {
      await this.deps.lock.release();
    }`,
    queue: `    const run = this.tail.then(() => this.execute(at));
    this.tail = run.then(() => undefined);
    return run;`,
    allow: `    return this.execute(at);`,
  }[policy];
  files.push(
    managed(
      `${ctx.dir}/src/runner.ts`,
      `import { runJob, type JobContext } from './application/job';
import type { Dependencies } from './deps';

/** How a run ended. */
export interface RunResult {
  readonly status: 'succeeded' | 'failed' | 'timed-out' | 'skipped';
  readonly startedAt: string;
  readonly durationMs: number;
  readonly error?: string;
}

/** A job as the runner calls it. */
export type Job = (deps: Dependencies, context: JobContext) => Promise<void>;

/** Options of {@link JobRunner}. */
export interface RunnerOptions {
  /** schedule.timeout_minutes, in milliseconds: the run's signal is aborted and the run fails after this long. */
  readonly timeoutMs: number;
  /** The job; {@link runJob} by default. */
  readonly job?: Job;
}

/** True when the run failed or timed out (the trigger should retry it). */
export function isFailure(result: RunResult): boolean {
  return result.status === 'failed' || result.status === 'timed-out';
}

/** Rejects with \`reason\` once \`signal\` is aborted. */
function abortion(signal: AbortSignal, reason: Error): Promise<never> {
  return new Promise((_, reject) => signal.addEventListener('abort', () => reject(reason), { once: true }));
}

/**
 * Runs the job with a timeout, logging start, end and duration.
 * overlap_policy ${POLICY_DOC[policy]}
 */
export class JobRunner {
  private readonly job: Job;
${policy === 'queue' ? '  private tail: Promise<void> = Promise.resolve();\n' : ''}
  constructor(
    private readonly deps: Dependencies,
    private readonly options: RunnerOptions,
  ) {
    this.job = options.job ?? runJob;
  }

  /** Runs the job once for the time \`at\` (now by default); never throws: failures are in the result. */
  ${skip ? 'async ' : ''}run(at: Date = new Date()): Promise<RunResult> {
${runBody}
  }

  private async execute(at: Date): Promise<RunResult> {
    const { logger } = this.deps;
    const started = Date.now();
    const controller = new AbortController();
    const timeout = new Error(\`timed out after \${this.options.timeoutMs} ms\`);
    const timer = setTimeout(() => controller.abort(timeout), this.options.timeoutMs);
    logger.info({ job: '${s.name}', scheduledFor: at.toISOString() }, 'run started');
    let result: RunResult;
    try {
      const job = Promise.resolve().then(() => this.job(this.deps, { now: at, signal: controller.signal }));
      await Promise.race([job, abortion(controller.signal, timeout)]);
      result = { status: 'succeeded', startedAt: new Date(started).toISOString(), durationMs: Date.now() - started };
    } catch (err) {
      const status = controller.signal.aborted ? 'timed-out' : 'failed';
      result = { status, startedAt: new Date(started).toISOString(), durationMs: Date.now() - started, error: err instanceof Error ? err.message : String(err) };
    } finally {
      clearTimeout(timer);
    }
    const line = { job: '${s.name}', status: result.status, durationMs: result.durationMs };
    if (isFailure(result)) logger.error({ ...line, error: result.error }, 'run failed');
    else logger.info(line, 'run finished');
    return result;
  }
}
`,
    ),
    managed(
      `${ctx.dir}/src/app.ts`,
      `import { createHttpApp } from '${P}';
import type { Dependencies } from './deps';
import { isFailure, type JobRunner } from './runner';

/** Health and readiness, and \`POST /run\` for HTTP triggers (Cloud Scheduler, Fly cron): 200, or 500 when the run failed. */
export function buildApp(deps: Dependencies, runner: JobRunner) {
  const app = createHttpApp({ service: '${s.name}', logger: deps.logger });
  app.post('/run', async (c) => {
    const result = await runner.run();
    return c.json(result, isFailure(result) ? 500 : 200);
  });
  return app;
}
`,
    ),
    managed(
      `${ctx.dir}/src/entry/lambda.ts`,
      lambdaEntry(ctx, `import type { ScheduledEvent } from 'aws-lambda';
import { loadConfig } from '../config';
import { createDependencies } from '../deps';
import { JobRunner, isFailure, type RunResult } from '../runner';

const config = loadConfig(process.env);
const runner = new JobRunner(createDependencies(config), { timeoutMs: config.JOB_TIMEOUT_MS });

/** EventBridge scheduled rule ("${cron}", ${schedule.timezone ?? 'UTC'}): a failed run throws so that it is retried. */
export const handler = async (event: ScheduledEvent): Promise<RunResult> => {
  const result = await runner.run(new Date(event.time));
  if (isFailure(result)) throw new Error(\`run \${result.status}: \${result.error ?? ''}\`);
  return result;
};
`),
    ),
    managed(
      `${ctx.dir}/src/entry/server.ts`,
      containerEntry(ctx, `import { serve } from '${P}';
import { buildApp } from '../app';
import { loadConfig } from '../config';
import { createDependencies } from '../deps';
import { JobRunner } from '../runner';

const config = loadConfig(process.env);
const deps = createDependencies(config);
serve(buildApp(deps, new JobRunner(deps, { timeoutMs: config.JOB_TIMEOUT_MS })), {
  port: config.PORT,
  logger: deps.logger,
  onShutdown: () => deps.close(),
});
`),
    ),
    managed(
      `${ctx.dir}/src/entry/run-once.ts`,
      containerEntry(ctx, `// Runs the job once and exits: 0 when it succeeded (or was skipped), 1 otherwise. For cron-style platforms.
import { loadConfig } from '../config';
import { createDependencies } from '../deps';
import { JobRunner, isFailure } from '../runner';

async function main(): Promise<number> {
  const config = loadConfig(process.env);
  const deps = createDependencies(config);
  try {
    return isFailure(await new JobRunner(deps, { timeoutMs: config.JOB_TIMEOUT_MS }).run()) ? 1 : 0;
  } finally {
    await deps.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
`),
    ),
  );

  // Tests: the job (owned) and the runner (managed).
  const overlapTest = {
    skip: `  test('overlap_policy skip: a run while one is in progress is skipped', async () => {
    // GIVEN a run in progress
    const gate = deferred();
    const runner = new JobRunner(deps, { timeoutMs: 1000, job: () => gate.promise });
    const first = runner.run(AT);
    // WHEN another run is due
    const second = await runner.run(AT);
    // THEN it is skipped, and the next one after the first finished runs
    expect(second.status).toBe('skipped');
    gate.resolve();
    expect((await first).status).toBe('succeeded');
    expect((await new JobRunner(deps, { timeoutMs: 1000, job: () => Promise.resolve() }).run(AT)).status).toBe('succeeded');
  });`,
    queue: `  test('overlap_policy queue: a run while one is in progress waits for it', async () => {
    const gate = deferred();
    const order: string[] = [];
    let calls = 0;
    const runner = new JobRunner(deps, {
      timeoutMs: 1000,
      job: async () => {
        const n = ++calls;
        order.push(\`start \${n}\`);
        if (n === 1) await gate.promise;
        order.push(\`end \${n}\`);
      },
    });
    const first = runner.run(AT);
    const second = runner.run(AT);
    await new Promise((resolve) => setTimeout(resolve, 5));
    gate.resolve();
    expect((await first).status).toBe('succeeded');
    expect((await second).status).toBe('succeeded');
    expect(order).toEqual(['start 1', 'end 1', 'start 2', 'end 2']);
  });`,
    allow: `  test('overlap_policy allow: runs may overlap', async () => {
    const gate = deferred();
    let running = 0;
    let most = 0;
    const runner = new JobRunner(deps, {
      timeoutMs: 1000,
      job: async () => {
        most = Math.max(most, ++running);
        await gate.promise;
        running--;
      },
    });
    const runs = [runner.run(AT), runner.run(AT)];
    await new Promise((resolve) => setTimeout(resolve, 5));
    gate.resolve();
    expect((await Promise.all(runs)).map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
    expect(most).toBe(2);
  });`,
  }[policy];
  files.push(
    owned(
      `${ctx.dir}/test/job.test.ts`,
      `import { MemoryPublisher, createEventSink, createLogger } from '${P}';
import { runJob } from '../src/application/job';

describe('job', () => {
  test('a run ${publishes.length ? `publishes ${publishes.join(', ')}` : 'succeeds'}', async () => {
    // GIVEN the job's dependencies
    const publisher = new MemoryPublisher();
    const deps = { logger: createLogger({ service: 'test', level: 'silent' }), events: createEventSink(publisher) };
    // WHEN it runs
    await runJob(deps, { now: new Date('2030-01-01T02:00:00Z'), signal: new AbortController().signal });
    // THEN
    expect(publisher.published.map((e) => e.type)).toEqual(${JSON.stringify(publishes)});
  });

  test('an aborted run stops', async () => {
    const deps = { logger: createLogger({ service: 'test', level: 'silent' }), events: createEventSink(new MemoryPublisher()) };
    const controller = new AbortController();
    controller.abort(new Error('timed out'));
    await expect(runJob(deps, { now: new Date(), signal: controller.signal })).rejects.toThrow('timed out');
  });
});
`,
    ),
    managed(
      `${ctx.dir}/test/runner.test.ts`,
      `import { buildApp } from '../src/app';
import { loadConfig } from '../src/config';
import { createDependencies } from '../src/deps';
import { JobRunner } from '../src/runner';

const deps = createDependencies(loadConfig({ LOG_LEVEL: 'silent' })${secretsWiring(ctx).testArg});
const AT = new Date('2030-01-01T02:00:00Z');

function deferred() {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('job runner', () => {
  afterAll(() => deps.close());

  test('runs the job with the scheduled time and a live signal', async () => {
    // GIVEN a runner
    const seen: { now: Date; aborted: boolean }[] = [];
    const runner = new JobRunner(deps, {
      timeoutMs: 1000,
      job: (_deps, { now, signal }) => {
        seen.push({ now, aborted: signal.aborted });
        return Promise.resolve();
      },
    });
    // WHEN it runs
    const result = await runner.run(AT);
    // THEN the job ran once and the run succeeded
    expect(result.status).toBe('succeeded');
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
    expect(seen).toEqual([{ now: AT, aborted: false }]);
  });

  test('a failing job is a failed run', async () => {
    const fails = new JobRunner(deps, { timeoutMs: 1000, job: () => Promise.reject(new Error('boom')) });
    expect(await fails.run(AT)).toMatchObject({ status: 'failed', error: 'boom' });
    const odd = new JobRunner(deps, { timeoutMs: 1000, job: () => Promise.reject('text') }); // eslint-disable-line @typescript-eslint/prefer-promise-reject-errors
    expect(await odd.run(AT)).toMatchObject({ status: 'failed', error: 'text' });
  });

  test('the timeout aborts the run', async () => {
    // GIVEN a job that waits for its signal, and one that ignores it
    let aborted = false;
    const polite = new JobRunner(deps, {
      timeoutMs: 5,
      job: (_deps, { signal }) => new Promise<void>((_, reject) =>
          signal.addEventListener('abort', () => {
            aborted = true;
            reject(new Error('stopped'));
          }),
        ),
    });
    const stubborn = new JobRunner(deps, { timeoutMs: 5, job: () => new Promise<void>(() => undefined) });
    // WHEN they run THEN both time out
    expect((await polite.run(AT)).status).toBe('timed-out');
    expect(aborted).toBe(true);
    expect(await stubborn.run()).toMatchObject({ status: 'timed-out', error: 'timed out after 5 ms' });
  });

${overlapTest}

  test('POST /run runs the job: 200, or 500 when it fails', async () => {
    const ok = buildApp(deps, new JobRunner(deps, { timeoutMs: 1000, job: () => Promise.resolve() }));
    const res = await ok.request('/run', { method: 'POST' });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { status: string }).status).toBe('succeeded');
    const failing = buildApp(deps, new JobRunner(deps, { timeoutMs: 1000, job: () => Promise.reject(new Error('boom')) }));
    expect((await failing.request('/run', { method: 'POST' })).status).toBe(500);
    expect((await ok.request('/healthz')).status).toBe(200);
  });

  test('the default job is the application\\'s', async () => {
    expect((await new JobRunner(deps, { timeoutMs: 1000 }).run(AT)).status).not.toBe('skipped');
  });
});
`,
    ),
  );
  return files;
}
