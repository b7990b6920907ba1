/**
 * Five-field cron (minute hour day-of-month month day-of-week), as cron(8) reads it, plus the @daily-style
 * macros. Written here rather than taken from a library so that an error can point at the exact field.
 */
import { CRON_MACROS } from '../../lib-constructs/core/cron';

export interface CronField {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
}

export const CRON_FIELDS: readonly CronField[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] },
  { name: 'day-of-week', min: 0, max: 7, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] },
];

// One table of macros for validation and for the AWS target's conversion.
export { CRON_MACROS };

export interface CronProblem {
  readonly message: string;
  /** Offset and length of the offending part within the expression. */
  readonly offset: number;
  readonly length: number;
}

export interface ParsedCron {
  /** The five fields, macros expanded. */
  readonly fields: readonly string[];
}

export function parseCron(expr: string): ParsedCron | CronProblem {
  const trimmed = expr.trim();
  const lead = expr.indexOf(trimmed);
  if (trimmed.startsWith('@')) {
    const macro = CRON_MACROS[trimmed.toLowerCase()];
    if (!macro) return { message: `unknown cron macro "${trimmed}"; use one of ${Object.keys(CRON_MACROS).join(', ')}`, offset: lead, length: trimmed.length };
    return { fields: macro.split(' ') };
  }
  const parts: { text: string; offset: number }[] = [];
  const re = /\S+/g;
  for (let m = re.exec(expr); m; m = re.exec(expr)) parts.push({ text: m[0], offset: m.index });
  if (parts.length !== 5) {
    return {
      message: `a cron expression has 5 fields (minute hour day-of-month month day-of-week); "${trimmed}" has ${parts.length}${parts.length === 6 ? ' (seconds and years are not supported)' : ''}`,
      offset: lead,
      length: trimmed.length,
    };
  }
  for (let i = 0; i < 5; i++) {
    const part = parts[i]!;
    const field = CRON_FIELDS[i]!;
    const problem = checkField(part.text, field);
    if (problem) return { message: `${field.name} field "${part.text}": ${problem}`, offset: part.offset, length: part.text.length };
  }
  return { fields: parts.map((p) => p.text) };
}

export function isCronProblem(r: ParsedCron | CronProblem): r is CronProblem {
  return 'message' in r;
}

function checkField(text: string, f: CronField): string | undefined {
  for (const item of text.split(',')) {
    if (item === '') return 'empty list entry';
    const [range, step, extra] = item.split('/');
    if (extra !== undefined) return `"${item}" has more than one /`;
    if (step !== undefined && !(/^\d+$/.test(step) && Number(step) >= 1 && Number(step) <= f.max)) return `step "${step}" must be a number from 1 to ${f.max}`;
    if (range === '*') continue;
    const bounds = (range ?? '').split('-');
    if (bounds.length > 2) return `"${range}" is not a value or a range`;
    const values: number[] = [];
    for (const b of bounds) {
      const v = valueOf(b, f);
      if (v === undefined) return `"${b}" is not ${f.names ? `a number ${f.min}-${f.max} or a name (${f.names.join(', ')})` : `a number ${f.min}-${f.max}`}`;
      values.push(v);
    }
    if (values.length === 2 && values[0]! > values[1]!) return `range "${range}" runs backwards`;
  }
  return undefined;
}

function valueOf(text: string, f: CronField): number | undefined {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    return n >= f.min && n <= f.max ? n : undefined;
  }
  const i = f.names?.indexOf(text.toUpperCase()) ?? -1;
  if (i < 0) return undefined;
  return f.name === 'month' ? i + 1 : i;
}
