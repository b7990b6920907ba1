/**
 * The trace sampler the architecture file chooses (observability.sampling), as the targets pass it to every
 * service: the standard OpenTelemetry variables OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG. An OpenTelemetry
 * SDK the service registers reads them itself; `traceSampler` reads them the same way for code that decides on its
 * own (a custom exporter, a log line that carries the decision), so both agree.
 */

/** The sampler the environment asks for: parent-based, with a root decision by trace-id ratio, always or never. */
export interface TraceSampler {
  /** The OTEL_TRACES_SAMPLER value it came from. */
  readonly name: string;
  /** Fraction of root traces sampled (1 for always_on, 0 for always_off). */
  readonly ratio: number;
  /** Whether a span of `traceId` is sampled: its parent's decision when it has a parent, else the ratio. */
  shouldSample(traceId: string, parentSampled?: boolean): boolean;
}

const RATIO_SAMPLERS = new Set(['traceidratio', 'parentbased_traceidratio']);
const FIXED: Record<string, number> = { always_on: 1, always_off: 0, parentbased_always_on: 1, parentbased_always_off: 0 };

/**
 * The sampler of `env` (OTEL_TRACES_SAMPLER, default parentbased_always_on as in the OpenTelemetry specification).
 * Throws on a sampler name it does not know or a ratio outside 0..1, so a misconfiguration fails at start-up.
 */
export function traceSampler(env: Record<string, string | undefined>): TraceSampler {
  const given = env.OTEL_TRACES_SAMPLER?.trim() ?? '';
  const name = given === '' ? 'parentbased_always_on' : given;
  let ratio: number;
  if (RATIO_SAMPLERS.has(name)) {
    const arg = env.OTEL_TRACES_SAMPLER_ARG?.trim() ?? '';
    ratio = arg === '' ? 1 : Number(arg);
    if (!Number.isFinite(ratio) || ratio < 0 || ratio > 1) throw new Error(`OTEL_TRACES_SAMPLER_ARG must be a ratio from 0 to 1, got "${arg}"`);
  } else if (name in FIXED) {
    ratio = FIXED[name]!;
  } else {
    throw new Error(`OTEL_TRACES_SAMPLER must be one of ${[...RATIO_SAMPLERS, ...Object.keys(FIXED)].join(', ')}, got "${name}"`);
  }
  const parentBased = name.startsWith('parentbased_');
  return {
    name,
    ratio,
    shouldSample(traceId: string, parentSampled?: boolean): boolean {
      if (parentBased && parentSampled !== undefined) return parentSampled;
      return sampledByRatio(traceId, ratio);
    },
  };
}

/**
 * The trace-id ratio decision: the lowest 52 bits of the (random) W3C trace id, as a fraction of 2^52, below the
 * ratio. The same trace id gets the same decision in every service.
 */
export function sampledByRatio(traceId: string, ratio: number): boolean {
  if (ratio >= 1) return true;
  if (ratio <= 0) return false;
  if (!/^[0-9a-f]{32}$/i.test(traceId)) throw new Error(`not a W3C trace id: "${traceId}"`);
  return parseInt(traceId.slice(-13), 16) < ratio * 2 ** 52;
}
