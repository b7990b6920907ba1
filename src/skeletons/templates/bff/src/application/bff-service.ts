import { HttpError } from '@allframe/platform';
import type { Downstream, DownstreamResponse } from '../ports';

/** What GET /overview reads from each aggregated service. Change the paths to what your frontend needs. */
export const OVERVIEW_PATHS: Readonly<Record<string, string>> = {
  '__aggregate__': '__overviewPath__', // @each aggregates
};

/** GET /overview: what each service answered, and the services that failed. */
export interface Overview {
  readonly results: Record<string, unknown>;
  readonly errors: { service: string; error: string }[];
}

/** Use cases of the BFF: pass reads through, and aggregate the services into one response. */
export class BffService {
  constructor(private readonly downstreams: Readonly<Record<string, Downstream>>) {}

  /** A GET on one service; 502 when it is unavailable. */
  async proxy(service: string, path: string): Promise<DownstreamResponse> {
    const downstream = this.downstreams[service];
    if (!downstream) throw new HttpError(404, `unknown service ${service}`);
    try {
      return await downstream.get(path);
    } catch {
      throw new HttpError(502, `${service} is unavailable`);
    }
  }

  /** Every service at once; a failing one (unavailable, or an error status) is listed under errors. */
  async overview(): Promise<Overview> {
    const entries = Object.entries(OVERVIEW_PATHS);
    const settled = await Promise.allSettled(entries.map(([service, path]) => this.proxy(service, path)));
    const results: Record<string, unknown> = {};
    const errors: Overview['errors'] = [];
    settled.forEach((outcome, i) => {
      const service = entries[i]![0];
      if (outcome.status === 'rejected') errors.push({ service, error: (outcome.reason as Error).message });
      else if (outcome.value.status >= 400) errors.push({ service, error: `${service} answered ${outcome.value.status}` });
      else results[service] = parseBody(outcome.value);
    });
    return { results, errors };
  }
}

function parseBody(res: DownstreamResponse): unknown {
  if (!res.contentType.includes('json')) return res.body;
  try {
    return JSON.parse(res.body) as unknown;
  } catch {
    return res.body;
  }
}
