/**
 * Log retention: the one home of the retention periods CloudWatch Logs offers and of the default both clouds
 * start from (compliance.data_retention_days defaults to the same 365 days).
 */

/** How long logs are kept when nothing says otherwise, in days. */
export const DEFAULT_LOG_RETENTION_DAYS = 365;

/** The retention periods (days) CloudWatch Logs accepts for a log group (AWS::Logs::LogGroup RetentionInDays). */
export const CLOUDWATCH_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

/**
 * The shortest retention CloudWatch offers that keeps logs at least `days` days: logs are never deleted earlier
 * than asked (400 for 366..400, 3653 for 3289..3650).
 */
export function cloudWatchRetentionDays(days: number): number {
  const found = CLOUDWATCH_RETENTION_DAYS.find((d) => d >= days);
  if (found === undefined) throw new Error(`CloudWatch Logs keeps logs at most ${CLOUDWATCH_RETENTION_DAYS[CLOUDWATCH_RETENTION_DAYS.length - 1]} days, asked for ${days}`);
  return found;
}
