import { testSecrets } from '@allframe/platform';
import { compileErrors, validate } from '@readme/openapi-parser';
import { buildApp } from '../src/app';
import { loadConfig } from '../src/config';
import { createDependencies } from '../src/deps';
import { JobRunner } from '../src/runner';
import { SECRET_NAMES } from '../src/secrets';

const deps = createDependencies(loadConfig({ LOG_LEVEL: 'silent', API_DOCS: 'true' }), testSecrets(SECRET_NAMES));
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

  // @if skip
  test('overlap_policy skip: a run while one is in progress is skipped', async () => {
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
  });
  // @end
  // @if queue
  test('overlap_policy queue: a run while one is in progress waits for it', async () => {
    const gate = deferred();
    const order: string[] = [];
    let calls = 0;
    const runner = new JobRunner(deps, {
      timeoutMs: 1000,
      job: async () => {
        const n = ++calls;
        order.push(`start ${n}`);
        if (n === 1) await gate.promise;
        order.push(`end ${n}`);
      },
    });
    const first = runner.run(AT);
    const second = runner.run(AT);
    await new Promise((resolve) => setTimeout(resolve, 5));
    gate.resolve();
    expect((await first).status).toBe('succeeded');
    expect((await second).status).toBe('succeeded');
    expect(order).toEqual(['start 1', 'end 1', 'start 2', 'end 2']);
  });
  // @end
  // @if allow
  test('overlap_policy allow: runs may overlap', async () => {
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
  });
  // @end

  test('POST /run runs the job: 200, or 500 when it fails', async () => {
    const ok = buildApp(deps, new JobRunner(deps, { timeoutMs: 1000, job: () => Promise.resolve() }));
    const res = await ok.request('/run', { method: 'POST' });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { status: string }).status).toBe('succeeded');
    const failing = buildApp(deps, new JobRunner(deps, { timeoutMs: 1000, job: () => Promise.reject(new Error('boom')) }));
    const failed = await failing.request('/run', { method: 'POST' });
    expect([failed.status, await failed.json()]).toEqual([500, expect.objectContaining({ status: 'failed', error: 'boom' })]);
    expect((await ok.request('/healthz')).status).toBe(200);
  });

  test('serves its OpenAPI 3.1 document, valid, with POST /run, and the docs page', async () => {
    const app = buildApp(deps, new JobRunner(deps, { timeoutMs: 1000, job: () => Promise.resolve() }));
    const doc = (await (await app.request('/openapi.json')).json()) as { openapi: string; paths: Record<string, unknown> };
    const result = await validate(structuredClone(doc) as never);
    expect(result.valid ? 'valid' : compileErrors(result)).toBe('valid');
    expect([doc.openapi, Object.keys(doc.paths)]).toEqual(['3.1.0', ['/run']]);
    expect((await app.request('/docs')).status).toBe(200);
    expect((await app.request('/run', { method: 'GET' })).status).toBe(404);
  });

  test('the default job is the application\'s', async () => {
    expect((await new JobRunner(deps, { timeoutMs: 1000 }).run(AT)).status).not.toBe('skipped');
  });
});
