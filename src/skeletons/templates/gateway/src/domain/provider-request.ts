import { HttpError } from '@allframe/platform';
import type { Method, ProviderRequest } from '../adapters/provider-client';

const METHODS = new Set<string>(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Validates a forwarding request `{ method?, path, body? }` (method POST by default). The path is relative to the
 * provider's base URL: anything that could leave it (a scheme, //, ..) is refused.
 */
export function parseProviderRequest(input: unknown, idempotencyKey: string | undefined): ProviderRequest {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new HttpError(400, 'expected a JSON object');
  const { method = 'POST', path, body } = input as { method?: unknown; path?: unknown; body?: unknown };
  if (typeof method !== 'string' || !METHODS.has(method)) throw new HttpError(400, 'method must be one of GET, POST, PUT, PATCH, DELETE');
  if (typeof path !== 'string' || !/^\/(?!\/)/.test(path) || path.includes('..') || path.includes('://')) {
    throw new HttpError(400, 'path must be a path on the provider, starting with /');
  }
  return { method: method as Method, path, body, ...(idempotencyKey ? { idempotencyKey } : {}) };
}
