import {
  HttpError,
  newEvent, // @if events
} from '@allframe/platform';
import type { EventSink } from '@allframe/platform';
import type { ProviderClient, ProviderResponse } from '../adapters/provider-client';
import { toProviderRequest, type ProviderRequestInput } from '../domain/provider-request';

/** Forwards requests to a provider and publishes the outcome__publishedNote__. */
export class GatewayService {
  constructor(
    private readonly events: EventSink,
    private readonly source: string,
  ) {}

  /** Sends the request; a provider failure (error status, timeout, open circuit) is a 502. */
  async forward(provider: ProviderClient, input: ProviderRequestInput, idempotencyKey?: string): Promise<ProviderResponse> {
    const request = toProviderRequest(input, idempotencyKey);
    let response: ProviderResponse;
    try {
      response = await provider.send(request);
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      // @if failures
      await this.events.emit([
        newEvent('__event__', this.source, { provider: provider.name, path: request.path, error }), // @each failures
      ]);
      // @end
      throw new HttpError(502, `${provider.name}: ${error}`);
    }
    // @if successes
    await this.events.emit([
      newEvent('__event__', this.source, { provider: provider.name, path: request.path, status: response.status }), // @each successes
    ]);
    // @end
    return response;
  }
}
