/**
 * What every target passes to every service's compute from the file's observability and service blocks, in one
 * place so AWS and GCP say the same thing.
 */
import { reservedEnvironmentKeys } from '../model/environment';
import type { ResolvedArchitecture, ResolvedService } from '../resolve/model';

/**
 * The trace sampler of observability.sampling as the standard OpenTelemetry SDK variables
 * (OTEL_TRACES_SAMPLER, OTEL_TRACES_SAMPLER_ARG): parent-based, so a request keeps the decision of its caller, and
 * read by any OpenTelemetry SDK the service registers (and by the platform's `traceSampler`). rate-limiting is
 * refused by validation (AF5010).
 */
export function samplerEnvironment(model: ResolvedArchitecture): Record<string, string> {
  const sampling = model.file.observability?.sampling;
  switch (sampling?.strategy) {
    case 'always':
      return { OTEL_TRACES_SAMPLER: 'parentbased_always_on' };
    case 'never':
      return { OTEL_TRACES_SAMPLER: 'parentbased_always_off' };
    default:
      return { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: String(model.platform.sampling.rate) };
  }
}

/**
 * The service's plain environment variables (services[].environment), in name order. A name allframe or the cloud
 * sets itself is refused by validation (AF4013); a model that skipped it fails here rather than lose the value.
 */
export function plainEnvironment(service: ResolvedService): [string, string][] {
  const reserved = reservedEnvironmentKeys(service.spec);
  if (reserved.length > 0) throw new Error(`${service.name}: environment sets ${reserved.join(', ')}, which allframe or the cloud sets itself (AF4013)`);
  return Object.entries(service.spec.environment ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
