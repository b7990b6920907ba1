import { MAX_TIMER_MS, startCronScheduler, type CronSchedulerOptions, type ScheduledRunStatus, type SetTimer } from '../src/scheduler';
import { fakeLogger } from './fakes';

/**
 * A wall clock and timers moved by hand, nothing real waited for. Timers run on a monotonic clock, as setTimeout's
 * do; the wall clock is that plus an offset, which `shiftWall` moves (a machine resumed after a pause, a clock set).
 */
function fakeTime(start: string) {
  let mono = 0;
  let offset = Date.parse(start);
  let ids = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  const delays: number[] = [];
  /** Lets the promises settle: one turn of the event loop, no timer. */
  const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
  const setTimer: SetTimer = (fn, ms) => {
    const id = ++ids;
    delays.push(ms);
    timers.set(id, { at: mono + ms, fn });
    return () => void timers.delete(id);
  };
  /** Moves both clocks on by `ms`, running the timers that come due, in order, each at its time. */
  const advance = async (ms: number): Promise<void> => {
    const end = mono + ms;
    for (;;) {
      await settle();
      const due = [...timers].filter(([, t]) => t.at <= end).sort(([a, x], [b, y]) => x.at - y.at || a - b)[0];
      if (due === undefined) break;
      timers.delete(due[0]);
      mono = Math.max(mono, due[1].at);
      due[1].fn();
    }
    mono = end;
    await settle();
  };
  return {
    now: () => mono + offset,
    setTimer,
    delays,
    pending: () => timers.size,
    advance,
    /** Moves the clocks on to the wall-clock time `iso`. */
    advanceTo: (iso: string) => advance(Date.parse(iso) - (mono + offset)),
    shiftWall: (ms: number) => void (offset += ms),
  };
}

type Time = ReturnType<typeof fakeTime>;

/** A run that records its slots and ends with `status` (by default, succeeded). */
function recordingRun(statuses: (at: Date) => ScheduledRunStatus = () => 'succeeded') {
  const calls: string[] = [];
  const run = (at: Date) => {
    calls.push(at.toISOString());
    return Promise.resolve({ status: statuses(at) });
  };
  return { calls, run };
}

/**
 * A stand-in for a scheduled service's JobRunner: the overlap policy (skip: a lock; queue: runs wait in turn) around
 * a job that the test finishes by hand.
 */
function stubRunner(policy: 'skip' | 'queue') {
  const started: string[] = [];
  const finishers: (() => void)[] = [];
  const results: ScheduledRunStatus[] = [];
  let held = false;
  let tail = Promise.resolve();
  const job = (at: Date) =>
    new Promise<void>((resolve) => {
      started.push(at.toISOString());
      finishers.push(resolve);
    });
  const run = async (at: Date): Promise<{ status: ScheduledRunStatus }> => {
    let status: ScheduledRunStatus = 'succeeded';
    if (policy === 'skip') {
      if (held) status = 'skipped';
      else {
        held = true;
        await job(at).finally(() => (held = false));
      }
    } else {
      const mine = tail.then(() => job(at));
      tail = mine;
      await mine;
    }
    results.push(status);
    return { status };
  };
  return { run, started, results, finishOldest: () => finishers.shift()?.() };
}

function start(time: Time, options: Omit<CronSchedulerOptions, 'logger' | 'now' | 'setTimer'>) {
  const logger = fakeLogger();
  const scheduler = startCronScheduler({ ...options, logger, now: time.now, setTimer: time.setTimer });
  return { scheduler, logger };
}

describe('startCronScheduler', () => {
  describe('fires at the slots of the expression in its time zone', () => {
    test('02:30 daily in Amsterdam across the spring change: 03:30 on the day 02:30 does not exist', async () => {
      // GIVEN 02:30 every day in Europe/Amsterdam, which moves to summer time at 02:00 on 29 March 2026
      const time = fakeTime('2026-03-27T12:00:00Z');
      const { calls, run } = recordingRun();
      const { scheduler } = start(time, { cron: '30 2 * * *', timeZone: 'Europe/Amsterdam', run });
      expect(scheduler.next()?.toISOString()).toBe('2026-03-28T01:30:00.000Z');
      // WHEN four days pass
      await time.advanceTo('2026-03-31T12:00:00Z');
      // THEN 02:30 CET (01:30Z), 03:30 CEST on the day of the change (01:30Z), then 02:30 CEST (00:30Z)
      expect(calls).toEqual(['2026-03-28T01:30:00.000Z', '2026-03-29T01:30:00.000Z', '2026-03-30T00:30:00.000Z', '2026-03-31T00:30:00.000Z']);
      await scheduler.stop();
    });

    test('02:30 daily in Amsterdam across the autumn change: once, though 02:30 comes twice', async () => {
      // GIVEN the same job before winter time comes back at 03:00 CEST on 25 October 2026
      const time = fakeTime('2026-10-24T12:00:00Z');
      const { calls, run } = recordingRun();
      const { scheduler } = start(time, { cron: '30 2 * * *', timeZone: 'Europe/Amsterdam', run });
      // WHEN two days pass
      await time.advanceTo('2026-10-26T12:00:00Z');
      // THEN the first 02:30 (CEST, 00:30Z) only, then 02:30 CET (01:30Z)
      expect(calls).toEqual(['2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z']);
      await scheduler.stop();
    });

    test('hourly in Amsterdam across the autumn change: every real hour, the repeated one included', async () => {
      const time = fakeTime('2026-10-24T23:30:00Z');
      const { calls, run } = recordingRun();
      const { scheduler } = start(time, { cron: '0 * * * *', timeZone: 'Europe/Amsterdam', run });
      await time.advanceTo('2026-10-25T03:30:00Z');
      expect(calls).toEqual(['2026-10-25T00:00:00.000Z', '2026-10-25T01:00:00.000Z', '2026-10-25T02:00:00.000Z', '2026-10-25T03:00:00.000Z']);
      await scheduler.stop();
    });

    test('0 9 * * MON-FRI in New York: 09:00 local on weekdays, before and after the change to EDT', async () => {
      // GIVEN Friday 6 March 2026 at 07:00 EST; New York moves to EDT on Sunday 8 March
      const time = fakeTime('2026-03-06T12:00:00Z');
      const { calls, run } = recordingRun();
      const { scheduler } = start(time, { cron: '0 9 * * MON-FRI', timeZone: 'America/New_York', run });
      // WHEN the clock reaches Tuesday evening
      await time.advanceTo('2026-03-10T22:00:00Z');
      // THEN Friday 14:00Z (09:00 EST), nothing at the weekend, Monday and Tuesday 13:00Z (09:00 EDT)
      expect(calls).toEqual(['2026-03-06T14:00:00.000Z', '2026-03-09T13:00:00.000Z', '2026-03-10T13:00:00.000Z']);
      expect(scheduler.next()?.toISOString()).toBe('2026-03-11T13:00:00.000Z');
      await scheduler.stop();
    });

    test('UTC without a time zone', async () => {
      const time = fakeTime('2026-03-06T12:00:00Z');
      const { run } = recordingRun();
      const { scheduler } = start(time, { cron: '@daily', run });
      expect(scheduler.next()?.toISOString()).toBe('2026-03-07T00:00:00.000Z');
      await scheduler.stop();
    });
  });

  describe('sleeping', () => {
    test('no timer is longer than a minute, so a job 28 days away (more than setTimeout takes) fires on time', async () => {
      // GIVEN a job on 1 March, 28 days away
      const time = fakeTime('2026-02-01T00:00:00Z');
      const { calls, run } = recordingRun();
      const { scheduler } = start(time, { cron: '0 0 1 3 *', run });
      // WHEN 1 March comes
      await time.advanceTo('2026-03-01T00:00:30Z');
      // THEN every sleep was at most a minute, and the job ran once, at midnight
      expect(time.delays.every((ms) => ms <= 60_000)).toBe(true);
      expect(calls).toEqual(['2026-03-01T00:00:00.000Z']);
      await scheduler.stop();
    });

    test('a longer maxSleepMs is capped at what setTimeout takes', async () => {
      const time = fakeTime('2026-02-01T00:00:00Z');
      const { run } = recordingRun();
      const scheduler = startCronScheduler({ cron: '0 0 1 1 *', run, logger: fakeLogger(), now: time.now, setTimer: time.setTimer, maxSleepMs: 2 ** 40 });
      expect(time.delays).toEqual([MAX_TIMER_MS]);
      await scheduler.stop();
    });
  });

  describe('each slot fires once', () => {
    test('a timer that wakes a little early neither fires before the slot nor twice for it', async () => {
      // GIVEN timers that wake 5 ms before their time (the wall clock and the timers' clock drift apart)
      const time = fakeTime('2026-05-04T08:59:30Z');
      const runAt: number[] = [];
      const { calls, run } = recordingRun(() => {
        runAt.push(time.now());
        return 'succeeded';
      });
      const early: SetTimer = (fn, ms) => time.setTimer(fn, Math.max(ms - 5, 1));
      const scheduler = startCronScheduler({ cron: '0 * * * *', run, logger: fakeLogger(), now: time.now, setTimer: early });
      // WHEN 09:00 comes and goes
      await time.advanceTo('2026-05-04T09:00:30Z');
      // THEN one run, not before 09:00
      expect(calls).toEqual(['2026-05-04T09:00:00.000Z']);
      expect(runAt[0]).toBeGreaterThanOrEqual(Date.parse('2026-05-04T09:00:00Z'));
      await scheduler.stop();
    });

    test('a clock set back after a run does not fire that slot again', async () => {
      // GIVEN an hourly job that has just run at 09:00
      const time = fakeTime('2026-05-04T08:30:00Z');
      const { calls, run } = recordingRun();
      const { scheduler } = start(time, { cron: '0 * * * *', run });
      await time.advanceTo('2026-05-04T09:00:00Z');
      expect(calls).toEqual(['2026-05-04T09:00:00.000Z']);
      // WHEN the clock is set back half an hour, then an hour and a half passes
      time.shiftWall(-30 * 60_000);
      await time.advance(90 * 60_000);
      // THEN 09:00 did not run again; 10:00 ran once
      expect(calls).toEqual(['2026-05-04T09:00:00.000Z', '2026-05-04T10:00:00.000Z']);
      await scheduler.stop();
    });

    test('after a pause, the latest slot missed fires once, late; the earlier ones are logged as missed', async () => {
      // GIVEN an hourly job, and a machine suspended at 08:30 for five hours
      const time = fakeTime('2026-05-04T08:30:00Z');
      const { calls, run } = recordingRun();
      const { scheduler, logger } = start(time, { cron: '0 * * * *', run });
      time.shiftWall(5 * 60 * 60_000);
      // WHEN it resumes at 13:30 and runs on to 14:00
      await time.advance(60_000);
      expect(calls).toEqual(['2026-05-04T13:00:00.000Z']);
      expect(logger.warn).toHaveBeenCalledWith(expect.objectContaining({ missedFrom: '2026-05-04T09:00:00.000Z', scheduledFor: '2026-05-04T13:00:00.000Z' }), expect.stringContaining('slots missed'));
      await time.advanceTo('2026-05-04T14:00:00Z');
      // THEN 13:00 ran once, at resumption, then 14:00 on time
      expect(calls).toEqual(['2026-05-04T13:00:00.000Z', '2026-05-04T14:00:00.000Z']);
      await scheduler.stop();
    });

    test('slots before the start are not fired', async () => {
      const time = fakeTime('2026-05-04T09:00:00.001Z');
      const { calls, run } = recordingRun();
      const { scheduler } = start(time, { cron: '0 * * * *', run });
      await time.advance(30 * 60_000);
      expect(calls).toEqual([]);
      await scheduler.stop();
    });
  });

  describe('retries', () => {
    test('a failed run is retried retryAttempts times for the same slot, after 10 s then 20 s, then given up', async () => {
      // GIVEN an hourly job that always fails, with two retries
      const time = fakeTime('2026-05-04T08:30:00Z');
      const runAt: number[] = [];
      const { calls, run } = recordingRun(() => {
        runAt.push(time.now());
        return 'failed';
      });
      const { scheduler, logger } = start(time, { cron: '0 * * * *', run, retryAttempts: 2 });
      // WHEN 09:00 comes and a minute passes
      await time.advanceTo('2026-05-04T09:01:00Z');
      // THEN three runs of the 09:00 slot, at 09:00:00, 09:00:10 and 09:00:30, then nothing more
      expect(calls).toEqual(['2026-05-04T09:00:00.000Z', '2026-05-04T09:00:00.000Z', '2026-05-04T09:00:00.000Z']);
      expect(runAt.map((t) => new Date(t).toISOString())).toEqual(['2026-05-04T09:00:00.000Z', '2026-05-04T09:00:10.000Z', '2026-05-04T09:00:30.000Z']);
      expect(logger.error).toHaveBeenCalledWith({ scheduledFor: '2026-05-04T09:00:00.000Z', attempts: 3 }, expect.stringContaining('given up'));
      // AND the next slot runs as usual
      await time.advanceTo('2026-05-04T10:00:00Z');
      expect(calls).toHaveLength(4);
      await scheduler.stop();
    });

    test('a retry that succeeds ends the retries; a timed-out or throwing run counts as failed', async () => {
      const time = fakeTime('2026-05-04T08:30:00Z');
      const outcomes: (() => Promise<{ status: ScheduledRunStatus }>)[] = [
        () => Promise.resolve({ status: 'timed-out' }),
        () => Promise.reject(new Error('database unreachable')),
        () => Promise.resolve({ status: 'succeeded' }),
      ];
      let calls = 0;
      const { scheduler, logger } = start(time, { cron: '0 * * * *', run: () => outcomes[calls++]!(), retryAttempts: 5 });
      await time.advanceTo('2026-05-04T09:30:00Z');
      expect(calls).toBe(3);
      expect(logger.error).toHaveBeenCalledWith({ scheduledFor: '2026-05-04T09:00:00.000Z', err: new Error('database unreachable') }, 'scheduler: the run threw');
      await scheduler.stop();
    });

    test('no retry starts after the next slot is due: the next run takes over', async () => {
      // GIVEN a job every minute whose 09:00 run fails every time, with three retries
      const time = fakeTime('2026-05-04T08:59:30Z');
      const { calls, run } = recordingRun((at) => (at.getUTCMinutes() === 0 ? 'failed' : 'succeeded'));
      const { scheduler, logger } = start(time, { cron: '* * * * *', run, retryAttempts: 3 });
      // WHEN 09:01 comes
      await time.advanceTo('2026-05-04T09:01:00Z');
      // THEN 09:00 ran at :00, :10 and :30; its third retry (40 s later, after 09:01) was not made
      expect(calls).toEqual(['2026-05-04T09:00:00.000Z', '2026-05-04T09:00:00.000Z', '2026-05-04T09:00:00.000Z', '2026-05-04T09:01:00.000Z']);
      expect(logger.warn).toHaveBeenCalledWith({ scheduledFor: '2026-05-04T09:00:00.000Z', nextRun: '2026-05-04T09:01:00.000Z' }, expect.stringContaining('not retried'));
      await scheduler.stop();
    });
  });

  describe('overlap, through the job runner', () => {
    test('skip: a slot due while a run is in progress is skipped, and not retried', async () => {
      // GIVEN a job every minute whose first run lasts past the next slot, with retries
      const time = fakeTime('2026-05-04T08:59:30Z');
      const runner = stubRunner('skip');
      const { scheduler } = start(time, { cron: '* * * * *', run: runner.run, retryAttempts: 2 });
      // WHEN 09:00 and 09:01 come, then the first run ends, then 09:02 comes
      await time.advanceTo('2026-05-04T09:01:30Z');
      runner.finishOldest();
      await time.advanceTo('2026-05-04T09:02:30Z');
      // THEN 09:01 was skipped (not retried), and 09:02 ran
      expect(runner.started).toEqual(['2026-05-04T09:00:00.000Z', '2026-05-04T09:02:00.000Z']);
      expect(runner.results).toEqual(['skipped', 'succeeded']);
      runner.finishOldest();
      await scheduler.stop();
    });

    test('queue: a slot due while a run is in progress runs when it ends, for its own time', async () => {
      const time = fakeTime('2026-05-04T08:59:30Z');
      const runner = stubRunner('queue');
      const { scheduler } = start(time, { cron: '* * * * *', run: runner.run });
      await time.advanceTo('2026-05-04T09:01:30Z');
      expect(runner.started).toEqual(['2026-05-04T09:00:00.000Z']);
      runner.finishOldest();
      await time.advance(0);
      expect(runner.started).toEqual(['2026-05-04T09:00:00.000Z', '2026-05-04T09:01:00.000Z']);
      runner.finishOldest();
      await scheduler.stop();
    });
  });

  describe('stop', () => {
    test('waits for the run in progress, then nothing more fires', async () => {
      // GIVEN a run in progress
      const time = fakeTime('2026-05-04T08:59:30Z');
      const runner = stubRunner('skip');
      const { scheduler } = start(time, { cron: '* * * * *', run: runner.run });
      await time.advanceTo('2026-05-04T09:00:30Z');
      expect(runner.started).toHaveLength(1);
      // WHEN stopped
      let stopped = false;
      const stopping = scheduler.stop().then(() => (stopped = true));
      await time.advance(1000);
      // THEN it waits for the run; once the run ends, it has stopped
      expect(stopped).toBe(false);
      runner.finishOldest();
      await stopping;
      expect(scheduler.next()).toBeUndefined();
      await time.advance(60 * 60_000);
      expect(runner.started).toHaveLength(1);
      expect(time.pending()).toBe(0);
    });

    test('waits at most stopTimeoutMs for a run that does not end', async () => {
      const time = fakeTime('2026-05-04T08:59:30Z');
      const runner = stubRunner('skip');
      const { scheduler, logger } = start(time, { cron: '* * * * *', run: runner.run, stopTimeoutMs: 5000 });
      await time.advanceTo('2026-05-04T09:00:30Z');
      let stopped = false;
      const stopping = scheduler.stop().then(() => (stopped = true));
      await time.advance(4999);
      expect(stopped).toBe(false);
      await time.advance(1);
      await stopping;
      expect(logger.warn).toHaveBeenCalledWith({ running: 1, waitedMs: 5000 }, expect.stringContaining('still in progress'));
    });

    test('cancels a pending retry, and a run failing after stop is not retried', async () => {
      const time = fakeTime('2026-05-04T08:59:30Z');
      const { calls, run } = recordingRun(() => 'failed');
      const { scheduler } = start(time, { cron: '0 * * * *', run, retryAttempts: 3 });
      await time.advanceTo('2026-05-04T09:00:05Z');
      expect(calls).toHaveLength(1);
      await scheduler.stop();
      await time.advance(60 * 60_000);
      expect(calls).toHaveLength(1);
      expect(time.pending()).toBe(0);
    });
  });

  test('an invalid expression or time zone fails at start', () => {
    const time = fakeTime('2026-05-04T08:59:30Z');
    const { run } = recordingRun();
    expect(() => start(time, { cron: '0 0 30 2 *', run })).toThrow();
    expect(() => start(time, { cron: '0 9 * * *', timeZone: 'Mars/Olympus', run })).toThrow('unknown time zone "Mars/Olympus"');
  });
});
