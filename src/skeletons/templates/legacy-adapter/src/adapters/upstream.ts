/** A record as the legacy system has it: its own field names and formats. */
export type LegacyRecord = Readonly<Record<string, unknown>>;

/** Port: the legacy system. */
export interface Upstream {
  /** The records changed since `since` (an ISO time; all of them when undefined). */
  changes(since: string | undefined): Promise<LegacyRecord[]>;
  /** One record by its legacy id; undefined when there is none. */
  fetch(id: string): Promise<LegacyRecord | undefined>;
}

/** The fetch the clients use; tests pass a fake. */
export type Fetch = (url: string, init: RequestInit) => Promise<Response>;

/** The legacy system failed or answered something unusable. */
export class UpstreamError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UpstreamError';
  }
}

async function body(res: Response): Promise<string> {
  const text = await res.text();
  if (!res.ok) throw new UpstreamError(`upstream answered ${res.status}`);
  return text;
}

/**
 * REST: `GET <url>?since=<ISO time>` answers a JSON array of records (or `{ "records": [...] }`), and
 * `GET <url>/<id>` one record (404 when unknown).
 */
export class RestUpstream implements Upstream {
  constructor(
    private readonly url: string,
    private readonly fetchFn: Fetch = fetch,
    private readonly timeoutMs = 10_000,
  ) {}

  async changes(since: string | undefined): Promise<LegacyRecord[]> {
    const query = since === undefined ? '' : `?since=${encodeURIComponent(since)}`;
    const parsed = JSON.parse(await body(await this.fetchFn(`${this.base()}${query}`, this.init()))) as LegacyRecord[] | { records?: LegacyRecord[] };
    return Array.isArray(parsed) ? parsed : (parsed.records ?? []);
  }

  async fetch(id: string): Promise<LegacyRecord | undefined> {
    const res = await this.fetchFn(`${this.base()}/${encodeURIComponent(id)}`, this.init());
    if (res.status === 404) return undefined;
    return JSON.parse(await body(res)) as LegacyRecord;
  }

  private base(): string {
    return this.url.replace(/\/+$/, '');
  }

  private init(): RequestInit {
    return { method: 'GET', headers: { accept: 'application/json' }, signal: AbortSignal.timeout(this.timeoutMs) };
  }
}

const ESCAPES: Record<string, string> = { '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' };
const UNESCAPES: Record<string, string> = Object.fromEntries(Object.entries(ESCAPES).map(([k, v]) => [v, k]));

export function escapeXml(value: string): string {
  return value.replace(/[<>&"']/g, (c) => ESCAPES[c]!);
}

export function unescapeXml(value: string): string {
  return value.replace(/&(lt|gt|amp|quot|apos);/g, (e) => UNESCAPES[e]!);
}

/** A SOAP 1.1 envelope calling `action` in `namespace` with simple parameters. */
export function soapEnvelope(action: string, namespace: string, params: Record<string, string>): string {
  const args = Object.entries(params)
    .map(([name, value]) => `<${name}>${escapeXml(value)}</${name}>`)
    .join('');
  return `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><${action} xmlns="${escapeXml(namespace)}">${args}</${action}></soap:Body></soap:Envelope>`;
}

/** The `<tag>` elements of a SOAP answer (any namespace prefix), each as a flat map of its child elements' text. */
export function parseSoapRecords(xml: string, tag: string): LegacyRecord[] {
  const fault = /<(?:\w+:)?faultstring[^>]*>([\s\S]*?)<\/(?:\w+:)?faultstring>/.exec(xml);
  if (fault) throw new UpstreamError(`SOAP fault: ${unescapeXml(fault[1]!)}`);
  const records: LegacyRecord[] = [];
  for (const match of xml.matchAll(new RegExp(`<(?:\\w+:)?${tag}(?:\\s[^>]*)?>([\\s\\S]*?)</(?:\\w+:)?${tag}>`, 'g'))) {
    const fields: Record<string, string> = {};
    for (const field of match[1]!.matchAll(/<(?:\w+:)?(\w+)(?:\s[^>]*)?>([^<]*)<\/(?:\w+:)?\1>/g)) fields[field[1]!] = unescapeXml(field[2]!);
    records.push(fields);
  }
  return records;
}

/**
 * SOAP 1.1: the operations `GetChanges(Since)` and `Get<Entity>(Id)` in `namespace`; the records are the
 * `<Entity>` elements of the answer. A SOAP fault or an error status is an UpstreamError.
 */
export class SoapUpstream implements Upstream {
  constructor(
    private readonly url: string,
    private readonly namespace: string,
    private readonly entity: string,
    private readonly fetchFn: Fetch = fetch,
    private readonly timeoutMs = 10_000,
  ) {}

  changes(since: string | undefined): Promise<LegacyRecord[]> {
    return this.call('GetChanges', since === undefined ? {} : { Since: since });
  }

  async fetch(id: string): Promise<LegacyRecord | undefined> {
    return (await this.call(`Get${this.entity}`, { Id: id }))[0];
  }

  private async call(action: string, params: Record<string, string>): Promise<LegacyRecord[]> {
    const res = await this.fetchFn(this.url, {
      method: 'POST',
      headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: `"${this.namespace}${action}"` },
      body: soapEnvelope(action, this.namespace, params),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const records = parseSoapRecords(await res.text(), this.entity);
    if (!res.ok) throw new UpstreamError(`upstream answered ${res.status}`);
    return records;
  }
}
