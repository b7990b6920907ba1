import { eventSchemas } from '@allframe/platform';
import type { EventCatalog, EventSchemas } from '@allframe/platform';
import { __Event__DataSchema } from './__eventFile__'; // @each events

export * from './__eventFile__'; // @each events

/**
 * Every event of the architecture: its data schema (in its own file, yours), who publishes it and who consumes it,
 * and the channels they travel on (__channelsNote__).
 */
export const EVENT_CATALOG: EventCatalog = {
  architecture: '__architecture__',
  version: '__version__',
  description: '__description__',
  channels: {
    // @slot channels
    orders: { address: 'shop-orders-events', description: 'The events of orders', publishers: ['orders'] },
    // @end
  },
  events: {
    // @slot events
    __Event__: { schema: __Event__DataSchema, publishers: ['orders'], consumers: [{ service: 'mailer', from: ['orders'] }] },
    // @end
  },
};

/** The data schema of every event, by type: what publishers and consumers check events against. */
export const EVENT_SCHEMAS: EventSchemas = eventSchemas(EVENT_CATALOG);
