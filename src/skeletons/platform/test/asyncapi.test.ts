import { z } from 'zod';
import { asyncApiDocument, eventDataJsonSchemas, eventSchemas, toYaml, type EventCatalog } from '../src/asyncapi';

const CATALOG: EventCatalog = {
  architecture: 'shop',
  version: '1.0.0',
  description: 'Shop',
  channels: {
    orders: { address: 'shop-orders-events', description: 'The SNS topic of orders', publishers: ['orders'] },
    payments: { address: 'shop-payments-events', description: 'The SNS topic of payments', publishers: ['payments'] },
  },
  events: {
    OrderPlaced: { schema: z.looseObject({ orderId: z.string() }), publishers: ['orders'], consumers: [{ service: 'mailer', from: ['orders'] }] },
    PaymentDone: { schema: z.looseObject({}), publishers: ['payments'], consumers: [{ service: 'mailer', from: ['payments'] }, { service: 'ledger', from: ['payments'] }] },
  },
};

describe('asyncApiDocument', () => {
  it('has a channel per topic, a send per publisher and a receive per consumer and channel', () => {
    // GIVEN / WHEN
    const doc = asyncApiDocument(CATALOG) as { asyncapi: string; channels: Record<string, { address: string; messages: object }>; operations: Record<string, { action: string; channel: object; messages: object[] }>; components: { schemas: Record<string, object> } };
    // THEN
    expect(doc.asyncapi).toBe('3.0.0');
    expect(doc.channels.orders).toEqual({ address: 'shop-orders-events', description: 'The SNS topic of orders', messages: { OrderPlaced: { $ref: '#/components/messages/OrderPlaced' } } });
    expect(Object.keys(doc.operations)).toEqual(['orders-send', 'payments-send', 'ledger-receive-payments', 'mailer-receive-orders', 'mailer-receive-payments']);
    expect(doc.operations['mailer-receive-orders']).toEqual({ action: 'receive', channel: { $ref: '#/channels/orders' }, summary: 'mailer consumes OrderPlaced', messages: [{ $ref: '#/channels/orders/messages/OrderPlaced' }] });
    expect(doc.components.schemas.OrderPlaced).toMatchObject({ properties: { type: { const: 'OrderPlaced' }, data: { required: ['orderId'] } } });
    expect(doc.components.schemas.OrderPlaced).not.toHaveProperty('$schema');
  });

  it('refuses a publisher without a channel', () => {
    expect(() => asyncApiDocument({ ...CATALOG, channels: {} })).toThrow('no channel for publisher orders');
  });

  it('gives the schemas and JSON Schemas of the catalog by type', () => {
    expect(Object.keys(eventSchemas(CATALOG))).toEqual(['OrderPlaced', 'PaymentDone']);
    expect(eventDataJsonSchemas(CATALOG).PaymentDone).toMatchObject({ $schema: 'http://json-schema.org/draft-07/schema#', type: 'object' });
  });
});

describe('toYaml', () => {
  it('writes block YAML, quoting what a plain scalar would misread', () => {
    // GIVEN / WHEN
    const yaml = toYaml({ a: 'plain', b: 'two words', c: 'true', d: 1, e: false, f: null, g: [], h: {}, i: [{ x: 1, w: [2, 'z'] }, [3], [], {}], '#/k': '#/v' });
    // THEN
    expect(yaml).toBe(
      ['a: plain', 'b: "two words"', 'c: "true"', 'd: 1', 'e: false', 'f: null', 'g: []', 'h: {}', 'i:', '- x: 1', '  w:', '  - 2', '  - z', '- - 3', '- []', '- {}', '"#/k": "#/v"', ''].join('\n'),
    );
    expect(toYaml({})).toBe('{}\n');
    expect(toYaml([])).toBe('[]\n');
    expect(toYaml('x')).toBe('x\n');
  });
});
