import { HttpError } from './http';

/**
 * Pagination of list routes, the same on every repository adapter: cursor-based (keyset), a `limit` with a cap,
 * and equality filters on top-level string fields. A cursor is opaque to clients: the base64url of the last id of
 * the page, which each adapter continues after (in id order, or DynamoDB's scan order), so that walking the pages
 * returns every item exactly once while nothing is written meanwhile.
 */

/** Items per page when the request names no `limit`. */
export const DEFAULT_PAGE_SIZE = 20;
/** The largest `limit` a request may ask for. */
export const MAX_PAGE_SIZE = 100;

/** One page of a list: its items, and the cursor of the next page (absent on the last one). */
export interface Page<T> {
  readonly items: T[];
  readonly nextCursor?: string;
}

/** What one page asks for. */
export interface PageQuery {
  /** Items per page, 1 to MAX_PAGE_SIZE. @default DEFAULT_PAGE_SIZE */
  readonly limit?: number;
  /** The `nextCursor` of the previous page; none for the first page. */
  readonly cursor?: string;
  /** Top-level string fields the items must equal. */
  readonly where?: Readonly<Record<string, string>>;
}

/** A page query with its defaults applied and its cursor decoded. */
export interface ResolvedPageQuery {
  readonly limit: number;
  /** The id the page starts after. */
  readonly after?: string;
  readonly where: ReadonlyArray<readonly [field: string, value: string]>;
}

const FIELD = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** The cursor of a page that ends with the item `lastId`. */
export function encodeCursor(lastId: string): string {
  return Buffer.from(JSON.stringify({ after: lastId }), 'utf8').toString('base64url');
}

/** The id a cursor continues after; a 400 for anything this service did not hand out. */
export function decodeCursor(cursor: string): string {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { after?: unknown };
    if (typeof value.after === 'string' && value.after !== '') return value.after;
  } catch {
    // not JSON: reported below
  }
  throw new HttpError(400, 'cursor is not one this service handed out; start again without it');
}

/** Defaults applied, the limit checked against its cap, the cursor decoded, the filter fields checked. */
export function resolvePageQuery(query: PageQuery = {}): ResolvedPageQuery {
  const limit = query.limit ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) throw new HttpError(400, `limit must be a whole number from 1 to ${MAX_PAGE_SIZE}`);
  const where = Object.entries(query.where ?? {});
  for (const [field] of where) if (!FIELD.test(field)) throw new HttpError(400, `cannot filter on "${field}"`);
  return { limit, ...(query.cursor !== undefined ? { after: decodeCursor(query.cursor) } : {}), where };
}

/** Whether `item` has every filtered field equal to its value. */
export function matches(item: object, where: ResolvedPageQuery['where']): boolean {
  return where.every(([field, value]) => (item as Record<string, unknown>)[field] === value);
}

/**
 * The page of `matching`, the matching items after the cursor in the adapter's order: the first `limit` of them, and a
 * next cursor when there are more (an adapter reads at least `limit` + 1 when it can, to know).
 */
export function pageOf<T extends { id: string }>(matching: readonly T[], limit: number): Page<T> {
  const items = matching.slice(0, limit);
  return matching.length > limit ? { items, nextCursor: encodeCursor(items.at(-1)!.id) } : { items };
}
