/** A downstream response, as the BFF passes it on. */
export interface DownstreamResponse {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
  /** Served from the response cache. */
  readonly cached?: boolean;
}

/** Port: one aggregated service, read over HTTP. */
export interface Downstream {
  readonly name: string;
  /** GETs `path` (with its query string); rejects when the service is unavailable (5xx, timeout, open circuit). */
  get(path: string): Promise<DownstreamResponse>;
}
