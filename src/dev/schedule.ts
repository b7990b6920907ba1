/**
 * Scheduled services in a local run fire themselves: allframe dev sets SCHEDULE_CRON and SCHEDULE_TIMEZONE (the
 * file's `schedule.cron` and `schedule.timezone`, UTC when none) on them, and their container entry runs the
 * platform's cron scheduler (the one a Fly.io app runs), which fires the same job runner as a POST to /run, so the
 * overlap policy applies as it does when EventBridge Scheduler or Cloud Scheduler trigger the job in the cloud.
 * `allframe dev --trigger SERVICE` posts /run now.
 */
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

/** The variables that make a scheduled service fire its job itself on its cron, in its time zone; none for others. */
export function scheduleEnvironment(service: ResolvedService): Record<string, string> {
  const cron = service.spec.schedule?.cron;
  if (service.kind !== 'scheduled' || cron === undefined) return {};
  return { SCHEDULE_CRON: cron, SCHEDULE_TIMEZONE: service.sizing.schedule.timezone };
}
