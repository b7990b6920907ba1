/**
 * Scheduled services in a local run: each fires on its `schedule.cron`, in its `schedule.timezone` (UTC when none),
 * as EventBridge Scheduler or Cloud Scheduler fire it in the cloud: a POST to the container entry's /run, whose job
 * runner applies the overlap policy. `allframe dev --trigger SERVICE` posts the same request now.
 */
import { CronExpressionParser } from 'cron-parser';
import type { ResolvedService } from '../resolve/model';

/** What a run of a scheduled job answered. */
export interface TriggerResult {
  readonly status: number;
  readonly body: unknown;
}

/** POSTs /run to a scheduled service at `url`, as the cloud's scheduler does. */
export async function triggerRun(url: string, timeoutMs = 15 * 60_000): Promise<TriggerResult> {
  const response = await fetch(`${url}/run`, { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': 'allframe-dev-scheduler' }, body: '{}', signal: AbortSignal.timeout(timeoutMs) });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text) as unknown;
  } catch {
    // not JSON: kept as text
  }
  return { status: response.status, body };
}

/** The next time `service`'s cron fires after `after`, in its time zone. */
export function nextFire(service: ResolvedService, after: Date): Date {
  const schedule = service.spec.schedule;
  if (schedule === undefined) throw new Error(`${service.name} has no schedule`);
  return CronExpressionParser.parse(schedule.cron, { currentDate: after, tz: schedule.timezone ?? 'UTC' }).next().toDate();
}

/** A running scheduler: fires each service on its cron until stopped. */
export interface Scheduler {
  stop(): void;
}

/**
 * Fires every service of `services` at its cron's times (each run awaited on its own: a slow run never delays the
 * next firing, the service's overlap policy decides), reporting each outcome to `report`.
 */
export function startScheduler(services: readonly { service: ResolvedService; url: string }[], report: (service: string, outcome: string) => void, now: () => Date = () => new Date()): Scheduler {
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;
  const plan = (entry: { service: ResolvedService; url: string }) => {
    if (stopped) return;
    const at = nextFire(entry.service, now());
    // setTimeout takes at most 2^31-1 ms (about 24.8 days): a later firing is planned again when that passes
    const wait = Math.min(at.getTime() - now().getTime(), 2 ** 31 - 1);
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (now().getTime() + 5 < at.getTime()) return plan(entry);
      triggerRun(entry.url).then(
        (r) => report(entry.service.name, `scheduled run: ${r.status} ${typeof r.body === 'string' ? r.body : JSON.stringify(r.body)}`),
        (e: unknown) => report(entry.service.name, `scheduled run failed: ${e instanceof Error ? e.message : String(e)}`),
      );
      plan(entry);
    }, Math.max(0, wait));
    timer.unref();
    timers.add(timer);
  };
  for (const entry of services) plan(entry);
  return {
    stop: () => {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
}
