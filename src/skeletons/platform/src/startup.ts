/**
 * Runs `start` on the first call and shares its promise with every later call; a failed start is forgotten, so
 * the next call tries again. Lambda entries build their dependencies this way, on the first invocation of an
 * instance (after reading the secrets), rather than at module load where nothing can be awaited.
 */
export function startOnce<T>(start: () => Promise<T>): () => Promise<T> {
  let started: Promise<T> | undefined;
  return () =>
    (started ??= start().catch((error: unknown) => {
      started = undefined;
      throw error;
    }));
}
