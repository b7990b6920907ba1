import { SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';
import { currentTenant } from './tenant-context';

/** The span attribute naming the tenant a span's work runs for (architecture.multi_tenant). */
export const TENANT_ATTRIBUTE = 'tenant.id';

let tracerName = 'service';

/** Sets the tracer name used by {@link withSpan} (the service name; `createHttpApp` sets it). */
export function setTracerName(service: string): void {
  tracerName = service;
}

/**
 * Runs `fn` inside a new active span named `name`; records a thrown error on the span, marks it as an error
 * and rethrows; always ends the span. Work for a tenant carries it as the span's `tenant.id`. Without a registered
 * OpenTelemetry SDK this is a cheap no-op wrapper.
 */
export function withSpan<T>(name: string, fn: (span: Span) => Promise<T> | T, attributes?: Attributes): Promise<T> {
  const tenant = currentTenant();
  const all = tenant === undefined ? attributes : { ...attributes, [TENANT_ATTRIBUTE]: tenant };
  return trace.getTracer(tracerName).startActiveSpan(name, { attributes: all }, async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      span.recordException(error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
      throw err;
    } finally {
      span.end();
    }
  });
}
