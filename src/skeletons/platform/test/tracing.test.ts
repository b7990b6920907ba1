import { SpanStatusCode, trace } from '@opentelemetry/api';
import { setTracerName, withSpan } from '../src/tracing';
import { runWithTenant } from '../src/tenant';
import { fakeTracer } from './fakes';

describe('withSpan', () => {
  afterEach(() => jest.restoreAllMocks());

  it('runs the function in a span named after the service tracer and ends it', async () => {
    // GIVEN a fake tracer and the service name set
    const fake = fakeTracer();
    const getTracer = jest.spyOn(trace, 'getTracer').mockReturnValue(fake.tracer);
    setTracerName('orders');
    // WHEN a function runs in a span
    const result = await withSpan('load', () => 42, { 'order.id': 'o1' });
    // THEN its result is returned, the span carried the attributes and was ended
    expect(result).toBe(42);
    expect(getTracer).toHaveBeenCalledWith('orders');
    expect(fake.started).toEqual([{ name: 'load', options: { attributes: { 'order.id': 'o1' } } }]);
    expect(fake.span.end).toHaveBeenCalledTimes(1);
    expect(fake.span.setStatus).not.toHaveBeenCalled();
  });

  it('names the tenant of work done for one in the span\'s tenant.id', async () => {
    const fake = fakeTracer();
    jest.spyOn(trace, 'getTracer').mockReturnValue(fake.tracer);
    await runWithTenant('acme', () => withSpan('load', () => 1, { 'order.id': 'o1' }));
    await runWithTenant('acme', () => withSpan('list', () => 2));
    expect(fake.started.map((s) => s.options)).toEqual([{ attributes: { 'order.id': 'o1', 'tenant.id': 'acme' } }, { attributes: { 'tenant.id': 'acme' } }]);
  });

  it('records a thrown error, marks the span as failed, ends it and rethrows', async () => {
    // GIVEN a fake tracer
    const fake = fakeTracer();
    jest.spyOn(trace, 'getTracer').mockReturnValue(fake.tracer);
    const boom = new Error('boom');
    // WHEN the function rejects
    await expect(withSpan('save', () => Promise.reject(boom))).rejects.toBe(boom);
    // THEN the exception and error status are recorded and the span ended
    expect(fake.span.recordException).toHaveBeenCalledWith(boom);
    expect(fake.span.setStatus).toHaveBeenCalledWith({ code: SpanStatusCode.ERROR, message: 'boom' });
    expect(fake.span.end).toHaveBeenCalledTimes(1);
  });

  it('wraps non-Error throws and works without an SDK registered', async () => {
    // GIVEN a fake tracer, then the real no-op API
    const fake = fakeTracer();
    jest.spyOn(trace, 'getTracer').mockReturnValueOnce(fake.tracer);
    // WHEN a string is thrown (as some libraries do)
    const thrown: unknown = 'text';
    const throwsString = (): never => {
      throw thrown;
    };
    await expect(withSpan('x', throwsString)).rejects.toBe('text');
    // THEN it is recorded as an Error
    expect(fake.span.recordException).toHaveBeenCalledWith(new Error('text'));
    // AND without a registered SDK spans are no-ops
    await expect(withSpan('noop', () => 'ok')).resolves.toBe('ok');
  });
});
