import { sampledByRatio, traceSampler } from '../src/sampling';

describe('traceSampler', () => {
  it('samples by trace-id ratio with the argument the target sets (parentbased_traceidratio, 0.25)', () => {
    // GIVEN the variables the AWS and GCP targets set for observability.sampling { probabilistic, 0.25 }
    const sampler = traceSampler({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' });
    // WHEN root spans of trace ids spread over the range are decided
    const ids = Array.from({ length: 1000 }, (_, i) => `${'0'.repeat(19)}${Math.floor((i / 1000) * 2 ** 52).toString(16).padStart(13, '0')}`);
    const sampled = ids.filter((id) => sampler.shouldSample(id)).length;
    // THEN a quarter of them is sampled, the same ones every time
    expect(sampler.ratio).toBe(0.25);
    expect(sampled).toBe(250);
    expect(ids.filter((id) => sampler.shouldSample(id)).length).toBe(sampled);
  });

  it('follows the parent when there is one', () => {
    const sampler = traceSampler({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0' });
    const id = 'f'.repeat(32);
    expect(sampler.shouldSample(id)).toBe(false);
    expect(sampler.shouldSample(id, true)).toBe(true);
    expect(traceSampler({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0' }).shouldSample(id, true)).toBe(false);
  });

  it('always and never, and the OpenTelemetry default without a variable', () => {
    expect(traceSampler({ OTEL_TRACES_SAMPLER: 'parentbased_always_on' }).shouldSample('0'.repeat(32))).toBe(true);
    expect(traceSampler({ OTEL_TRACES_SAMPLER: 'parentbased_always_off' }).shouldSample('f'.repeat(32))).toBe(false);
    expect(traceSampler({})).toMatchObject({ name: 'parentbased_always_on', ratio: 1 });
    expect(traceSampler({ OTEL_TRACES_SAMPLER: 'traceidratio' }).ratio).toBe(1);
  });

  it('refuses an unknown sampler, a ratio outside 0..1 and a malformed trace id', () => {
    expect(() => traceSampler({ OTEL_TRACES_SAMPLER: 'jaeger_remote' })).toThrow('OTEL_TRACES_SAMPLER must be one of');
    expect(() => traceSampler({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '5' })).toThrow('OTEL_TRACES_SAMPLER_ARG must be a ratio from 0 to 1, got "5"');
    expect(() => sampledByRatio('xyz', 0.5)).toThrow('not a W3C trace id');
    expect(sampledByRatio('xyz', 1)).toBe(true);
  });
});
