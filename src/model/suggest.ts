import { distance } from 'fastest-levenshtein';

/**
 * The closest candidates to a misspelt name, best first: "did you mean". Case and `-`/`_` differences count
 * as near misses, so `timeoutSeconds` finds `timeout_seconds`.
 */
export function suggest(input: string, candidates: Iterable<string>, max = 3): string[] {
  const norm = (s: string) => s.toLowerCase().replace(/[-_\s]/g, '');
  const n = norm(input);
  const scored: { c: string; d: number }[] = [];
  for (const c of new Set(candidates)) {
    if (c === input) continue;
    const d = norm(c) === n ? 0 : distance(input.toLowerCase(), c.toLowerCase());
    const limit = Math.max(1, Math.floor(Math.max(input.length, c.length) / 3));
    if (d <= limit) scored.push({ c, d });
  }
  scored.sort((a, b) => a.d - b.d || (a.c < b.c ? -1 : 1));
  return scored.slice(0, max).map((s) => s.c);
}

/** "did you mean `a` or `b`?" or undefined. */
export function didYouMean(suggestions: readonly string[]): string | undefined {
  if (suggestions.length === 0) return undefined;
  const q = suggestions.map((s) => `"${s}"`);
  return `did you mean ${q.length === 1 ? q[0] : `${q.slice(0, -1).join(', ')} or ${q[q.length - 1]}`}?`;
}
