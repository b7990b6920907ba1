import { z } from 'zod';
import { acceptedEvent, checkedPublisher, checkEvents, contractError, eventDataJsonSchema, eventJsonSchema } from '../src/contracts';
import { HttpError } from '../src/http';
import { defineEvent, EventValidationError, MemoryPublisher, newEvent } from '../src/events';

const SCHEMAS = { OrderPlaced: z.looseObject({ orderId: z.string(), lines: z.array(z.object({ sku: z.string() })) }) };
const valid = newEvent('OrderPlaced', 'orders', { orderId: 'o1', lines: [{ sku: 'a' }], note: 'kept' });
const invalid = newEvent('OrderPlaced', 'orders', { orderId: 1, lines: [{ sku: 2 }] });

describe('contractError', () => {
  it('names every field at fault with a JSON Pointer into the data', () => {
    // GIVEN / WHEN
    const error = contractError(SCHEMAS, 'OrderPlaced', invalid.data);
    // THEN
    expect(error).toBeInstanceOf(EventValidationError);
    expect(error?.fields.map((f) => f.pointer)).toEqual(['#/orderId', '#/lines/0/sku']);
    expect(error?.message).toMatch(/^invalid data for event OrderPlaced: #\/orderId .*; #\/lines\/0\/sku /);
    expect(contractError(SCHEMAS, 'OrderPlaced', valid.data)).toBeUndefined();
  });

  it('refuses an event type without a contract', () => {
    expect(contractError(SCHEMAS, 'toString', {})?.message).toBe('event type toString has no contract: declare it in the architecture (publishes)');
  });
});

describe('acceptedEvent', () => {
  it('passes a valid event and one without a contract, and answers invalid data with a 422 naming the fields', () => {
    expect(acceptedEvent(SCHEMAS, valid)).toBe(valid);
    const other = newEvent('Unknown', 'elsewhere', { anything: true });
    expect(acceptedEvent(SCHEMAS, other)).toBe(other);
    const refused = (() => {
      try {
        return acceptedEvent(SCHEMAS, invalid);
      } catch (err) {
        return err;
      }
    })();
    expect(refused).toBeInstanceOf(HttpError);
    expect(refused).toMatchObject({ status: 422, errors: [{ pointer: '#/orderId' }, { pointer: '#/lines/0/sku' }] });
  });
});

describe('checkedPublisher', () => {
  it('sends valid events and refuses a batch with an invalid one before sending anything', async () => {
    // GIVEN a checked in-memory publisher
    const memory = new MemoryPublisher();
    const publisher = checkedPublisher(memory, SCHEMAS);
    // WHEN a valid batch, then a batch with an invalid event, are published
    await publisher.publish([valid]);
    const refused = publisher.publish([valid, invalid]);
    // THEN only the valid batch reached the transport
    await expect(refused).rejects.toThrow(EventValidationError);
    await expect(refused).rejects.toThrow('#/orderId');
    expect(memory.published).toEqual([valid]);
    expect(() => checkEvents(SCHEMAS, [invalid])).toThrow('invalid data for event OrderPlaced');
  });
});

describe('eventJsonSchema', () => {
  it('is the envelope (draft-07) with data the JSON Schema of the zod schema', () => {
    // GIVEN / WHEN
    const schema = eventJsonSchema('OrderPlaced', SCHEMAS.OrderPlaced);
    // THEN
    expect(schema).toMatchObject({
      $schema: 'http://json-schema.org/draft-07/schema#',
      description: "The OrderPlaced event in the platform's event envelope.",
      required: ['id', 'type', 'source', 'time', 'data'],
      properties: { id: { minLength: 1 }, type: { const: 'OrderPlaced' }, data: { type: 'object', required: ['orderId', 'lines'], properties: { orderId: { type: 'string' } } } },
    });
    expect((schema.properties as { data: object }).data).not.toHaveProperty('$schema');
    expect(eventDataJsonSchema(SCHEMAS.OrderPlaced)).toMatchObject({ $schema: 'http://json-schema.org/draft-07/schema#', required: ['orderId', 'lines'] });
  });
});

describe('defineEvent with a zod schema', () => {
  it('creates checked envelopes and names the fields of invalid data', () => {
    // GIVEN an event defined by its schema
    const OrderPlaced = defineEvent('OrderPlaced', SCHEMAS.OrderPlaced, 'orders');
    // WHEN / THEN
    expect(OrderPlaced.create({ orderId: 'o1', lines: [] }).data).toEqual({ orderId: 'o1', lines: [] });
    expect(OrderPlaced.is(valid)).toBe(true);
    expect(OrderPlaced.is(invalid)).toBe(false);
    expect(() => OrderPlaced.parse(invalid)).toThrow(expect.objectContaining({ fields: [expect.objectContaining({ pointer: '#/orderId' }), expect.objectContaining({ pointer: '#/lines/0/sku' })] }) as Error);
  });
});
