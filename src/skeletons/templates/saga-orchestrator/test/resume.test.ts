import { randomUUID } from 'node:crypto';
import {
  createEventSink,
  createLogger,
  createPostgresPool,
  FirestoreRepository,
  MemoryFirestore,
  MemoryPublisher,
  MemoryRepository,
  PostgresRepository,
  type ClosablePool,
  type Repository,
} from '@allframe/platform';
import { __Saga__Orchestrator, __saga__Steps, type OrchestratorOptions, type SagaState } from '../src/application/saga';
import type { StepContext, StepHandlers } from '../src/application/steps';

/**
 * Step handlers that record their calls; `fail` rejects, `block` waits until `unblock()` (`blocked` resolves when it
 * is reached), as a step does while its process is killed or stalled.
 */
function recorder(options: { fail?: string; block?: string } = {}) {
  const calls: string[] = [];
  let unblock: () => void = () => undefined;
  const released = new Promise<void>((resolve) => (unblock = resolve));
  let reached: () => void = () => undefined;
  const blocked = new Promise<void>((resolve) => (reached = resolve));
  const handler = (name: string) => async (_ctx: StepContext) => {
    calls.push(name);
    if (name === options.block) {
      reached();
      await released;
    }
    if (name === options.fail) throw new Error(`${name} failed`);
    return { done: name };
  };
  const steps: StepHandlers = {
    __handler__: handler('__step__'), // @each steps
    __compHandler__: handler('__comp__'), // @each compensations
  };
  return { calls, steps, unblock, blocked };
}

/** The step names in order, and the compensations of the first `n` steps in the order they run (last step first). */
const STEPS = __saga__Steps(recorder().steps).map((s) => s.name);
const undoing = (n: number) =>
  __saga__Steps(recorder().steps)
    .slice(0, n)
    .flatMap((s) => (s.compensation ? [s.compensation.name] : []))
    .reverse();

const T = Date.parse('2026-03-01T12:00:00.000Z');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** One process: an orchestrator over `sagas` with the clock at `at`, the lease a minute, and the events it published. */
function processAt(sagas: Repository<SagaState>, steps: StepHandlers, at: number, options: Partial<OrchestratorOptions> = {}) {
  const publisher = new MemoryPublisher();
  const logger = createLogger({ service: 'test', level: 'silent' });
  const orchestrator = new __Saga__Orchestrator(__saga__Steps(steps), sagas, createEventSink(publisher), logger, { source: 'test', timeoutMs: HOUR, now: () => at, leaseMs: MINUTE, ...options });
  return { orchestrator, published: () => publisher.published.map((e) => e.type) };
}

/** A saga as a process killed mid-way left it: its lease (held by `dead`) expired a minute before T. */
function leftBehind(fields: Partial<SagaState>): SagaState {
  return {
    id: randomUUID(),
    status: 'running',
    input: { orderId: 'o1' },
    results: {},
    completed: [],
    compensated: [],
    startedAt: new Date(T - 10 * MINUTE).toISOString(),
    deadline: new Date(T + HOUR).toISOString(),
    updatedAt: new Date(T - 2 * MINUTE).toISOString(),
    revision: 3,
    owner: 'dead',
    leaseUntil: new Date(T - MINUTE).toISOString(),
    ...fields,
  };
}

/** Two handles on one store, as two processes have: what the one writes, the other reads. */
type Stores = () => Promise<{ readonly first: Repository<SagaState>; readonly second: Repository<SagaState> }>;

/** How many times each name was called. */
const counts = (calls: readonly string[]) => calls.reduce<Record<string, number>>((acc, c) => ({ ...acc, [c]: (acc[c] ?? 0) + 1 }), {});

function describeResumption(name: string, stores: Stores): void {
  describe(`resuming interrupted __Saga__ sagas (${name})`, () => {
    test('a running saga whose process died continues with the first step not completed (the interrupted one again), and completes', async () => {
      // GIVEN a saga whose first step completed before its process died
      const { first, second } = await stores();
      const saga = leftBehind({ completed: STEPS.slice(0, 1), results: { [STEPS[0]!]: { done: STEPS[0] } } });
      await first.put(saga);
      // WHEN a new process starts and resumes the interrupted sagas
      const { calls, steps } = recorder();
      const restarted = processAt(second, steps, T, { instance: 'restarted' });
      const { ids, ended } = await restarted.orchestrator.resumeInterrupted();
      // THEN it took the saga over, ran the remaining steps in order, and completed it
      expect(ids).toEqual([saga.id]);
      expect((await ended).map((s) => s.status)).toEqual(['completed']);
      expect(calls).toEqual(STEPS.slice(1));
      expect(await first.get(saga.id)).toMatchObject({ status: 'completed', completed: STEPS, owner: 'restarted', leaseUntil: new Date(T).toISOString() });
      expect(restarted.published()).toEqual(/*=successJson*/ STEPS);
    });

    test('a running saga past its deadline compensates the completed steps, in reverse order, and runs no step', async () => {
      // GIVEN a saga that ran all but its last step before its process died, and whose deadline has passed
      const { first, second } = await stores();
      const saga = leftBehind({ completed: STEPS.slice(0, -1), deadline: new Date(T - 1).toISOString() });
      await first.put(saga);
      // WHEN a new process resumes it
      const { calls, steps } = recorder();
      const restarted = processAt(second, steps, T);
      const [state] = await (await restarted.orchestrator.resumeInterrupted()).ended;
      // THEN the completed steps were undone, last first, once each
      expect(calls).toEqual(undoing(STEPS.length - 1));
      expect(state).toMatchObject({ status: 'compensated', compensated: undoing(STEPS.length - 1), error: 'saga timed out after 3600000 ms' });
      expect(await first.get(saga.id)).toMatchObject({ status: 'compensated', compensated: undoing(STEPS.length - 1) });
      expect(restarted.published()).toEqual(/*=failureJson*/ STEPS);
    });

    test('a compensating saga runs the compensations not run yet, in reverse order', async () => {
      // GIVEN a saga that had completed every step and run the first compensation (if any) when its process died
      const { first, second } = await stores();
      const all = undoing(STEPS.length);
      const saga = leftBehind({ status: 'compensating', completed: STEPS, compensated: all.slice(0, 1), error: 'a step failed' });
      await first.put(saga);
      // WHEN a new process resumes it
      const { calls, steps } = recorder();
      const [state] = await (await processAt(second, steps, T).orchestrator.resumeInterrupted()).ended;
      // THEN only the others ran, in order, and the saga is compensated
      expect(calls).toEqual(all.slice(1));
      expect(state).toMatchObject({ status: 'compensated', compensated: all, error: 'a step failed' });
    });

    test('a saga whose lease has not expired (its process is alive) is left alone, and so is a saga that ended', async () => {
      // GIVEN a saga running in a live process, and a completed one
      const { first, second } = await stores();
      await first.put(leftBehind({ leaseUntil: new Date(T + 1).toISOString() }));
      await first.put(leftBehind({ status: 'completed', completed: STEPS }));
      // WHEN another process looks for interrupted sagas
      const { calls, steps } = recorder();
      const { ids } = await processAt(second, steps, T).orchestrator.resumeInterrupted();
      // THEN it takes none
      expect(ids).toEqual([]);
      expect(calls).toEqual([]);
    });

    test('two processes resuming at once take each saga once', async () => {
      // GIVEN five sagas left running, no step completed
      const { first, second } = await stores();
      const sagas = [1, 2, 3, 4, 5].map(() => leftBehind({}));
      for (const saga of sagas) await first.put(saga);
      // WHEN two processes resume at once
      const a = recorder();
      const b = recorder();
      const [fromA, fromB] = await Promise.all([processAt(first, a.steps, T).orchestrator.resumeInterrupted(), processAt(second, b.steps, T).orchestrator.resumeInterrupted()]);
      const ended = [...(await fromA.ended), ...(await fromB.ended)];
      // THEN every saga went to exactly one of them, and each step ran once per saga
      expect([...fromA.ids, ...fromB.ids].sort()).toEqual(sagas.map((s) => s.id).sort());
      expect(ended.map((s) => s.status)).toEqual(Array<string>(5).fill('completed'));
      expect(counts([...a.calls, ...b.calls])).toEqual(Object.fromEntries(STEPS.map((s) => [s, 5])));
    });

    test('a process stalled past its lease is taken over: the other completes the saga, the stalled one stops at its next write', async () => {
      // GIVEN a saga stalled in its last step in one process (its lease renewed by nothing: the clock stands still)
      const { first, second } = await stores();
      const stalled = recorder({ block: '__lastStep__' });
      const one = processAt(first, stalled.steps, T, { instance: 'stalled' });
      const started = one.orchestrator.start({ orderId: 'o1' });
      await stalled.blocked;
      // WHEN another process, two minutes later, resumes the interrupted sagas
      const other = recorder();
      const two = processAt(second, other.steps, T + 2 * MINUTE, { instance: 'other' });
      const { ids, ended } = await two.orchestrator.resumeInterrupted();
      const [state] = await ended;
      // THEN it ran the interrupted step again and completed the saga
      expect(ids).toHaveLength(1);
      expect(other.calls).toEqual(STEPS.slice(-1));
      expect(state).toMatchObject({ status: 'completed', completed: STEPS, owner: 'other' });
      // AND the stalled process, once its step returns, writes nothing and answers what the other wrote
      stalled.unblock();
      expect(await started).toMatchObject({ status: 'completed', owner: 'other' });
      expect(await first.get(ids[0]!)).toMatchObject({ status: 'completed', owner: 'other', completed: STEPS });
      expect(stalled.calls).toEqual(STEPS);
      expect(one.published()).toEqual([]);
      expect(two.published()).toEqual(/*=successJson*/ STEPS);
    });
    // @if failingComp

    test('a process stalled in a compensation is taken over: the other runs the rest in reverse order, each compensation once in the saga', async () => {
      // GIVEN a saga whose last step failed, stalled in the compensation of its first step
      const { first, second } = await stores();
      const stalled = recorder({ fail: '__lastStep__', block: '__firstComp__' });
      const one = processAt(first, stalled.steps, T);
      const started = one.orchestrator.start({ orderId: 'o1' });
      await stalled.blocked;
      // WHEN another process, two minutes later, resumes it
      const other = recorder();
      const two = processAt(second, other.steps, T + 2 * MINUTE);
      const [state] = await (await two.orchestrator.resumeInterrupted()).ended;
      // THEN it ran the interrupted compensation again, and the saga is compensated with each compensation once, last step first
      const undone = undoing(STEPS.length - 1);
      expect(other.calls).toEqual(['__firstComp__']);
      expect(state).toMatchObject({ status: 'compensated', compensated: undone, error: '__lastStep__ failed' });
      stalled.unblock();
      expect(await started).toMatchObject({ status: 'compensated', compensated: undone });
      expect(stalled.calls).toEqual([...STEPS, ...undone]);
      expect(one.published()).toEqual([]);
      expect(two.published()).toEqual(/*=failureJson*/ STEPS);
    });
    // @end
  });
}

describeResumption('in memory', () => {
  const sagas = new MemoryRepository<SagaState>();
  return Promise.resolve({ first: sagas, second: sagas });
});

describeResumption('Firestore, in memory', () => {
  const db = new MemoryFirestore();
  return Promise.resolve({ first: new FirestoreRepository<SagaState>(db, 'sagas'), second: new FirestoreRepository<SagaState>(db, 'sagas') });
});

describe('the lease', () => {
  afterEach(() => jest.useRealTimers());

  test('is renewed while a step runs, so that a live saga is never taken for an interrupted one', async () => {
    // GIVEN a saga whose last step takes ten minutes, with a lease of a minute
    jest.useFakeTimers({ now: T });
    const sagas = new MemoryRepository<SagaState>();
    const slow = recorder({ block: '__lastStep__' });
    const one = processAt(sagas, slow.steps, T, { now: Date.now });
    const started = one.orchestrator.start({});
    await slow.blocked;
    // WHEN ten minutes pass, and another process looks for interrupted sagas
    await jest.advanceTimersByTimeAsync(10 * MINUTE);
    const { ids } = await processAt(sagas, recorder().steps, T, { now: Date.now }).orchestrator.resumeInterrupted();
    // THEN the saga was not taken: its lease runs at least a minute past now
    expect(ids).toEqual([]);
    const [saga] = await sagas.list();
    expect(Date.parse(saga!.leaseUntil!)).toBeGreaterThanOrEqual(Date.now() + MINUTE - MINUTE / 3);
    // AND once the step returns the saga completes, its lease ending
    slow.unblock();
    expect(await started).toMatchObject({ status: 'completed', leaseUntil: new Date(Date.now()).toISOString() });
  });

  test('a renewal that finds the saga taken over aborts the step in progress, and the process stops running the saga', async () => {
    // GIVEN a process stalled in its last step, whose step watches its signal
    jest.useFakeTimers({ now: T });
    const sagas = new MemoryRepository<SagaState>();
    const stalled = recorder({ block: '__lastStep__' });
    let aborted = false;
    const last = stalled.steps./*=lastHandler*/ __handler__;
    stalled.steps./*=lastHandler*/ __handler__ = (ctx) => {
      ctx.signal.addEventListener('abort', () => (aborted = true));
      return last(ctx);
    };
    const one = processAt(sagas, stalled.steps, T, { now: Date.now, instance: 'stalled' });
    const started = one.orchestrator.start({});
    await stalled.blocked;
    // WHEN another process, whose clock is two minutes ahead, takes it over and completes it
    const [state] = await (await processAt(sagas, recorder().steps, T, { now: () => Date.now() + 2 * MINUTE, instance: 'other' }).orchestrator.resumeInterrupted()).ended;
    expect(state).toMatchObject({ status: 'completed', owner: 'other' });
    // AND the stalled process's next renewal comes
    await jest.advanceTimersByTimeAsync(MINUTE / 3);
    // THEN its step was aborted, and it answers what the other wrote without waiting for the step
    expect(aborted).toBe(true);
    expect(await started).toMatchObject({ status: 'completed', owner: 'other' });
    expect(one.published()).toEqual([]);
    stalled.unblock();
  });

  test('with executions (Step Functions, Workflows), nothing is resumed here', async () => {
    const sagas = new MemoryRepository<SagaState>();
    await sagas.put(leftBehind({}));
    const { ids } = await processAt(sagas, recorder().steps, T, { executions: { start: () => Promise.resolve() } }).orchestrator.resumeInterrupted();
    expect(ids).toEqual([]);
  });

  test('a saga written before revisions were kept is left alone', async () => {
    const sagas = new MemoryRepository<SagaState>();
    const old: Partial<SagaState> = leftBehind({});
    delete old.revision;
    await sagas.put(old as SagaState);
    expect((await processAt(sagas, recorder().steps, T).orchestrator.resumeInterrupted()).ids).toEqual([]);
  });

  test('a store that fails: the look-up rejects; a resumed saga that cannot be written ends unchanged, for a later look-up', async () => {
    // GIVEN a store whose conditional writes fail once `broken`
    let broken = true;
    const sagas = new MemoryRepository<SagaState>();
    const putIf = sagas.putIf.bind(sagas);
    sagas.putIf = (item, field, expected) => (broken ? Promise.reject(new Error('connection lost')) : putIf(item, field, expected));
    const saga = leftBehind({});
    await sagas.put(saga);
    const { steps } = recorder();
    steps./*=firstHandler*/ __handler__ = () => {
      broken = true;
      return Promise.resolve({});
    };
    // WHEN it looks for interrupted sagas THEN it fails
    await expect(processAt(sagas, steps, T).orchestrator.resumeInterrupted()).rejects.toThrow('connection lost');
    // WHEN the store works for the take-over only (the first step breaks it)
    broken = false;
    const { ids, ended } = await processAt(sagas, steps, T).orchestrator.resumeInterrupted();
    // THEN the saga was taken, could not be run on, and is still running for the next look-up once its lease expires
    expect(ids).toEqual([saga.id]);
    expect((await ended).map((s) => s.status)).toEqual(['compensating']);
    expect(await sagas.get(saga.id)).toMatchObject({ status: 'running', revision: 4 });
  });
});

/** A real PostgreSQL database to resume on as well (e.g. postgres://localhost/test); the test's table is dropped. */
const databaseUrl = process.env.TEST_DATABASE_URL ?? '';

(databaseUrl === '' ? describe.skip : describe)('on a real PostgreSQL (TEST_DATABASE_URL)', () => {
  const table = `saga_resume_test_${randomUUID().replace(/-/g, '')}`;
  const pools: ClosablePool[] = [];
  let tables = 0;
  afterAll(async () => {
    const [pool] = pools;
    if (pool) {
      const { rows } = await pool.query('select tablename from pg_tables where starts_with(tablename, $1)', [table]);
      for (const { tablename } of rows as { tablename: string }[]) await pool.query(`drop table ${tablename}`);
    }
    await Promise.all(pools.map((p) => p.end()));
  });

  // Each test a fresh table, seen by two processes through pools of their own.
  describeResumption('PostgreSQL', async () => {
    const name = `${table}_${++tables}`;
    const [one, two] = [await createPostgresPool(databaseUrl), await createPostgresPool(databaseUrl)];
    pools.push(one, two);
    const first = new PostgresRepository<SagaState>(one, name);
    await first.ensureTable();
    return { first, second: new PostgresRepository<SagaState>(two, name) };
  });
});
