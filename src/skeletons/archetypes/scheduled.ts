/**
 * scheduled: the user's job behind a runner that enforces the run timeout (an AbortSignal), logs start, end and
 * duration, and applies the overlap policy (skip: a lock; queue: runs wait; allow: nothing); entries for EventBridge
 * (Lambda), HTTP triggers (Cloud Scheduler: POST /run, declared with its result schema in the OpenAPI document; the
 * same container fires the job itself on SCHEDULE_CRON where the platform cannot express cron, as on Fly.io) and a
 * run-once script. The code is in templates/scheduled/.
 */
import type { OutputFile } from '../../model/output-file';
import type { ServiceContext } from '../context';
import { dockerfile, servicePackage } from '../context';
import { apiDocsVar, serviceConfig, serviceData, serviceOpenApiTest } from '../service-files';
import { templateFile } from '../template';

export function renderScheduled(ctx: ServiceContext): OutputFile[] {
  const s = ctx.service;
  const schedule = s.spec.schedule ?? { cron: '@daily' };
  const { overlap_policy: policy, timeout_minutes: timeoutMinutes, timezone, retry_attempts: retryAttempts } = s.sizing.schedule;
  const publishes = s.spec.publishes ?? [];
  const data = serviceData(ctx, {
    names: {
      // the cron expression, safe inside a block comment ("*/5" would end it)
      cron: schedule.cron.replace(/\*\//g, '*\\/'),
      timezone,
      timeoutMinutes: String(timeoutMinutes),
      retryAttempts: String(retryAttempts),
      jobOutcome: publishes.length > 0 ? `publishes ${publishes.join(', ')}` : 'succeeds',
    },
    flags: { skip: policy === 'skip', queue: policy === 'queue', allow: policy === 'allow', publishes: publishes.length > 0 },
    lists: { publishes: publishes.map((event) => ({ event })) },
  });
  const file = (kind: 'managed' | 'owned', path: string) => templateFile(kind, ctx.dir, `scheduled/${path}`, data);
  return [
    servicePackage(ctx, ['hono', '@hono/zod-openapi', 'zod']),
    serviceConfig(ctx, {
      JOB_TIMEOUT_MS: { kind: 'int', default: String(timeoutMinutes * 60_000), description: `schedule.timeout_minutes (${timeoutMinutes}): a run is aborted after this long` },
      // The process's own cron scheduler, for platforms whose scheduler cannot express cron (Fly.io): off unless
      // SCHEDULE_CRON is set, so that AWS and GCP keep their trigger (EventBridge, Cloud Scheduler) as the only one.
      SCHEDULE_CRON: { kind: 'string', default: '', description: 'The cron this process fires the job on itself, where the platform cannot (Fly.io); empty: only POST /run and the Lambda entry trigger it' },
      SCHEDULE_TIMEZONE: { kind: 'string', default: timezone, description: `The IANA time zone SCHEDULE_CRON is read in (schedule.timezone: ${timezone})` },
      SCHEDULE_RETRY_ATTEMPTS: { kind: 'int', default: String(retryAttempts), description: `Retries of a failed run fired by SCHEDULE_CRON (schedule.retry_attempts: ${retryAttempts})` },
      API_DOCS: apiDocsVar(ctx),
    }),
    dockerfile(ctx, 'server'),
    file('managed', 'src/deps.ts'),
    ...(policy === 'skip' ? [file('managed', 'src/adapters/run-lock.ts')] : []),
    // the job: the user's from the first synth on
    file('owned', 'src/application/job.ts'),
    file('managed', 'src/runner.ts'),
    file('managed', 'src/app.ts'),
    file('managed', 'src/entry/lambda.ts'),
    file('managed', 'src/entry/server.ts'),
    file('managed', 'src/entry/run-once.ts'),
    file('owned', 'test/job.test.ts'),
    file('managed', 'test/runner.test.ts'),
    serviceOpenApiTest(ctx, { appArgs: 'deps, new JobRunner(deps, { timeoutMs: 1000 })', imports: ["import { JobRunner } from '../src/runner';"] }),
  ];
}
