/**
 * Five-field cron (minute hour day-of-month month day-of-week, as cron(8) reads it) to EventBridge's six-field
 * form. EventBridge needs `?` in exactly one of the day fields, counts weekdays 1-7 from Sunday (cron: 0-7,
 * Sunday being 0 or 7) and has a year field.
 */
/** The @daily-style macros and the five-field expressions they stand for. */
export const CRON_MACROS: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/** `cron(m h dom mon dow year)` for a five-field expression; throws where EventBridge cannot express it. */
export function toEventBridgeCron(expression: string): string {
  const fields = (CRON_MACROS[expression.trim().toLowerCase()] ?? expression).trim().split(/\s+/);
  if (fields.length !== 5) throw new Error(`expected 5 cron fields, got ${fields.length}: ${expression}`);
  const [minute, hour, dom, month, dow] = fields as [string, string, string, string, string];
  if (dom !== '*' && dow !== '*') {
    throw new Error(`EventBridge cannot restrict both day-of-month and day-of-week: ${expression}`);
  }
  const weekday = dow === '*' ? '?' : dow.split(',').map((item) => weekdayItem(item, expression)).join(',');
  return `cron(${minute} ${hour} ${dow === '*' ? dom : '?'} ${month} ${weekday} *)`;
}

/** cron weekday (0-7, Sunday 0 or 7) to EventBridge's (1-7, Sunday 1). */
const day = (n: string) => (Number(n) % 7) + 1;

function weekdayItem(item: string, expression: string): string {
  if (!/\d/.test(item) || item.startsWith('*/')) return item; // names (MON-FRI) and */n mean the same in both
  const range = /^(\d+)-(\d+)$/.exec(item);
  if (range) {
    const [from, to] = [day(range[1]!), day(range[2]!)];
    if (from <= to) return `${from}-${to}`;
    // 5-7 (Friday to Sunday) becomes 6-7,1 in EventBridge's numbering
    return [...Array.from({ length: 8 - from }, (_, i) => from + i), ...Array.from({ length: to }, (_, i) => i + 1)].join(',');
  }
  if (/^\d+$/.test(item)) return String(day(item));
  throw new Error(`EventBridge cannot express the day-of-week "${item}" of ${expression}; use names (MON-FRI) or a list`);
}

/**
 * A five-field cron running every `seconds` (at least a minute): every N minutes, or every N hours on the hour when
 * `seconds` is a whole number of hours. For polling, where the exact phase does not matter.
 */
export function everyCron(seconds: number): string {
  const every = Math.max(60, seconds);
  return every % 3600 === 0 ? `0 */${every / 3600} * * *` : `*/${Math.max(1, Math.round(every / 60))} * * * *`;
}
