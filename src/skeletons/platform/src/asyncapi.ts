import type { z } from 'zod';
import { eventDataJsonSchema, eventJsonSchema, type EventSchemas } from './contracts';

/** A consumer of an event and the publishers it takes it from. */
export interface EventConsumer {
  readonly service: string;
  readonly from: readonly string[];
}

/** One event of the architecture: its data schema, who publishes it and who consumes it. */
export interface EventContract {
  readonly schema: z.ZodType;
  readonly publishers: readonly string[];
  readonly consumers: readonly EventConsumer[];
}

/** Where events travel: a topic of one publisher, or a bus several publishers share. */
export interface EventChannel {
  /** The topic's or bus's name, as the target creates it (without an environment's suffix). */
  readonly address: string;
  readonly description: string;
  readonly publishers: readonly string[];
}

/** Every event of an architecture, its channels, publishers and consumers (the events package's `EVENT_CATALOG`). */
export interface EventCatalog {
  readonly architecture: string;
  readonly version: string;
  readonly description: string;
  readonly channels: Readonly<Record<string, EventChannel>>;
  readonly events: Readonly<Record<string, EventContract>>;
}

/** The data schema of each event of `catalog`, by type, for checked publishers and consumers. */
export function eventSchemas(catalog: EventCatalog): EventSchemas {
  return Object.fromEntries(Object.entries(catalog.events).map(([type, e]) => [type, e.schema]));
}

/** The JSON Schema of each event's data in `catalog` (see {@link eventDataJsonSchema}), by type. */
export function eventDataJsonSchemas(catalog: EventCatalog): Record<string, Record<string, unknown>> {
  return Object.fromEntries(Object.entries(catalog.events).map(([type, e]) => [type, eventDataJsonSchema(e.schema)]));
}

type Json = Record<string, unknown>;

const ref = (path: string): Json => ({ $ref: `#/${path}` });
const sorted = (values: Iterable<string>): string[] => [...new Set(values)].sort();

/** The channel a publisher sends to. */
function channelOf(catalog: EventCatalog, publisher: string): string {
  const found = Object.entries(catalog.channels).find(([, c]) => c.publishers.includes(publisher));
  if (!found) throw new Error(`no channel for publisher ${publisher}`);
  return found[0];
}

/**
 * The AsyncAPI 3.0 document of `catalog`: one channel per topic or bus with the messages sent on it, a `send`
 * operation per publisher and a `receive` operation per consumer and channel, and each message's payload the event's
 * envelope with `data` the JSON Schema of its zod schema.
 */
export function asyncApiDocument(catalog: EventCatalog): Json {
  const events = Object.entries(catalog.events).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const channels: Json = {};
  for (const [id, channel] of Object.entries(catalog.channels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const messages = events.filter(([, e]) => e.publishers.some((p) => channel.publishers.includes(p))).map(([type]): [string, Json] => [type, ref(`components/messages/${type}`)]);
    channels[id] = { address: channel.address, description: channel.description, messages: Object.fromEntries(messages) };
  }
  const operations: Json = {};
  for (const publisher of sorted(events.flatMap(([, e]) => e.publishers))) {
    const channel = channelOf(catalog, publisher);
    const sent = events.filter(([, e]) => e.publishers.includes(publisher)).map(([type]) => type);
    operations[`${publisher}-send`] = {
      action: 'send',
      channel: ref(`channels/${channel}`),
      summary: `${publisher} publishes ${sent.join(', ')}`,
      messages: sent.map((type) => ref(`channels/${channel}/messages/${type}`)),
    };
  }
  const received = events.flatMap(([type, e]) => e.consumers.flatMap((c) => c.from.map((p) => ({ consumer: c.service, channel: channelOf(catalog, p), type }))));
  for (const consumer of sorted(received.map((r) => r.consumer))) {
    for (const channel of sorted(received.filter((r) => r.consumer === consumer).map((r) => r.channel))) {
      const types = sorted(received.filter((r) => r.consumer === consumer && r.channel === channel).map((r) => r.type));
      operations[`${consumer}-receive-${channel}`] = {
        action: 'receive',
        channel: ref(`channels/${channel}`),
        summary: `${consumer} consumes ${types.join(', ')}`,
        messages: types.map((type) => ref(`channels/${channel}/messages/${type}`)),
      };
    }
  }
  const messages: Json = {};
  const schemas: Json = {};
  for (const [type, e] of events) {
    // the document's schemas are AsyncAPI schemas, a superset of draft-07 that names no dialect
    const schema = eventJsonSchema(type, e.schema);
    delete schema.$schema;
    schemas[type] = schema;
    messages[type] = { name: type, title: type, contentType: 'application/json', payload: ref(`components/schemas/${type}`) };
  }
  return {
    asyncapi: '3.0.0',
    info: { title: `${catalog.architecture} events`, version: catalog.version, description: catalog.description },
    defaultContentType: 'application/json',
    channels,
    operations,
    components: { messages, schemas },
  };
}

const PLAIN = /^[A-Za-z_$][\w$.\-/]*$/;
const RESERVED = /^(true|false|null|yes|no|on|off|y|n|~)$/i;

function scalar(value: unknown): string {
  if (typeof value === 'string') return PLAIN.test(value) && !RESERVED.test(value) ? value : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return 'null';
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const empty = (v: unknown): boolean => (Array.isArray(v) && v.length === 0) || (isObject(v) && Object.keys(v).length === 0);

function lines(value: unknown, indent: string): string[] {
  if (Array.isArray(value)) {
    return value.flatMap((item: unknown) => {
      if (!empty(item) && (isObject(item) || Array.isArray(item))) {
        const [first = '', ...rest] = lines(item, `${indent}  `);
        return [`${indent}- ${first.trimStart()}`, ...rest];
      }
      return [`${indent}- ${empty(item) ? (Array.isArray(item) ? '[]' : '{}') : scalar(item)}`];
    });
  }
  if (isObject(value)) {
    return Object.entries(value).flatMap(([key, v]) => {
      const k = scalar(key);
      if (empty(v)) return [`${indent}${k}: ${Array.isArray(v) ? '[]' : '{}'}`];
      if (isObject(v) || Array.isArray(v)) return [`${indent}${k}:`, ...lines(v, isObject(v) ? `${indent}  ` : indent)];
      return [`${indent}${k}: ${scalar(v)}`];
    });
  }
  return [`${indent}${scalar(value)}`];
}

/** `value` (JSON data) as block-style YAML: keys in their order, strings quoted (as JSON) unless plainly safe. */
export function toYaml(value: unknown): string {
  if (empty(value)) return `${Array.isArray(value) ? '[]' : '{}'}\n`;
  return `${lines(value, '').join('\n')}\n`;
}
