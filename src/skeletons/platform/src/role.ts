/**
 * A process's role. A service runs as one process everywhere, except where the platform splits it: on Fly.io an app's
 * `http` process (`node index.js --role=http`) serves requests only, and another process of the same app does the
 * background work (the cron scheduler, the outbox relay, the consumer), so that scaling the HTTP machines never
 * multiplies the background work.
 */

/** The argument of a process that serves HTTP only. */
export const HTTP_ONLY_ROLE = '--role=http';

/** False when the process was started with `--role=http` (HTTP only), true otherwise. */
export function runsBackgroundWork(argv: readonly string[] = process.argv): boolean {
  return !argv.includes(HTTP_ONLY_ROLE);
}
