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
    // Allow about one edit in four letters, or one in three where the words start alike (max_retry, max_retries).
    const shorter = Math.min(input.length, c.length);
    const limit = Math.max(1, Math.floor(shorter / (commonPrefix(input.toLowerCase(), c.toLowerCase()) >= 4 ? 3 : 4)));
    if (d <= limit) scored.push({ c, d });
  }
  scored.sort((a, b) => a.d - b.d || (a.c < b.c ? -1 : 1));
  return scored.slice(0, max).map((s) => s.c);
}

function commonPrefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

/**
 * Keys people write from other tools, and the key this format uses for the same thing; offered as
 * "did you mean" when the real key is allowed where the wrong one was written.
 */
export const SYNONYMS: Readonly<Record<string, string>> = {
  description: 'responsibility',
  dependencies: 'depends_on',
  depends: 'depends_on',
  env: 'environment',
  variables: 'environment',
  memory: 'memory_mb',
  timeout: 'timeout_seconds',
  retries: 'max_retries',
  dead_letter_queue: 'dlq',
  emits: 'publishes',
  subscribes: 'consumes',
  replicas: 'min_instances',
  kind: 'type',
};

/** Suggestions for a misspelt key: a known synonym first, then the closest spellings. */
export function suggestKey(input: string, known: readonly string[]): string[] {
  const synonym = SYNONYMS[input.toLowerCase()];
  const close = suggest(input, known);
  return synonym !== undefined && known.includes(synonym) ? [synonym, ...close.filter((c) => c !== synonym)].slice(0, 3) : close;
}

/** "did you mean `a` or `b`?" or undefined. */
export function didYouMean(suggestions: readonly string[]): string | undefined {
  if (suggestions.length === 0) return undefined;
  const q = suggestions.map((s) => `"${s}"`);
  return `did you mean ${q.length === 1 ? q[0] : `${q.slice(0, -1).join(', ')} or ${q[q.length - 1]}`}?`;
}
