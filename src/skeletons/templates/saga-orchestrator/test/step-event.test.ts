import { parseStepEvent } from '../src/adapters/step-event';

const event = (fields: Record<string, unknown> = {}) => ({ saga: '__Saga__', step: '__firstStep__', action: 'execute', sagaId: 's1', input: {}, results: {}, ...fields });

describe('parseStepEvent', () => {
  test('names the handler of a step__andCompensation__', () => {
    expect(parseStepEvent(event({ input: { a: 1 } }))).toEqual({ event: event({ input: { a: 1 } }), run: '__firstHandler__' });
    expect(parseStepEvent(event({ step: '__firstComp__', action: 'compensate' })).run).toBe('__firstCompHandler__'); // @if compensations
  });

  test('refuses anything but a well-formed event of this saga', () => {
    expect(() => parseStepEvent([])).toThrow('expected a step event object');
    expect(() => parseStepEvent(event({ saga: 'Other' }))).toThrow('unknown saga Other');
    expect(() => parseStepEvent(event({ action: 'undo' }))).toThrow('unknown action undo');
    expect(() => parseStepEvent(event({ step: 'toString' }))).toThrow('unknown step toString');
    expect(() => parseStepEvent(event({ step: 1, action: 'compensate' }))).toThrow('unknown compensation 1');
    expect(() => parseStepEvent(event({ sagaId: '' }))).toThrow('sagaId must be a non-empty string');
    expect(() => parseStepEvent(event({ input: null }))).toThrow('input must be a JSON object');
    expect(() => parseStepEvent(event({ results: [1] }))).toThrow('results must be a JSON object');
  });
});
