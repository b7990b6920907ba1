/** Defaults of every API Gateway (v2) API allframe builds: HTTP APIs and WebSocket APIs. */
import { AccessLogField, AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as logs from 'aws-cdk-lib/aws-logs';

/** Steady-state and burst request limits of a stage. */
export interface ApiThrottle {
  /** Requests per second, averaged over time. */
  readonly rateLimit: number;
  /** Requests allowed at once above the rate (the token bucket's size). */
  readonly burstLimit: number;
}

/**
 * Stage-wide throttling: 1000 requests per second with bursts of 100. Far below the account's regional quota
 * (10,000 rps shared by every API), so one runaway client cannot starve the other APIs of the account.
 */
export function defaultApiThrottle(): ApiThrottle {
  return { rateLimit: 1000, burstLimit: 100 };
}

/** How long access logs are kept. */
export const DEFAULT_ACCESS_LOG_RETENTION = logs.RetentionDays.ONE_YEAR;

/** The stage a WebSocket API is deployed to (part of its URL). */
export const DEFAULT_WEBSOCKET_STAGE_NAME = 'live';

/** One JSON object per request of an HTTP API: who, what, outcome, and how long it took. */
export function httpApiAccessLogFormat(): AccessLogFormat {
  return AccessLogFormat.custom(
    JSON.stringify({
      requestId: AccessLogField.contextRequestId(),
      ip: AccessLogField.contextIdentitySourceIp(),
      requestTime: AccessLogField.contextRequestTime(),
      httpMethod: AccessLogField.contextHttpMethod(),
      routeKey: AccessLogField.contextRouteKey(),
      status: AccessLogField.contextStatus(),
      protocol: AccessLogField.contextProtocol(),
      responseLength: AccessLogField.contextResponseLength(),
      integrationError: AccessLogField.contextIntegrationErrorMessage(),
      latency: AccessLogField.contextResponseLatency(),
      integrationLatency: AccessLogField.contextIntegrationLatency(),
    }),
  );
}

/** One JSON object per WebSocket event (connect, message, disconnect): who, which connection, outcome, latency. */
export function webSocketAccessLogFormat(): AccessLogFormat {
  return AccessLogFormat.custom(
    JSON.stringify({
      requestId: AccessLogField.contextRequestId(),
      ip: AccessLogField.contextIdentitySourceIp(),
      requestTime: AccessLogField.contextRequestTime(),
      eventType: AccessLogField.contextEventType(),
      routeKey: AccessLogField.contextRouteKey(),
      connectionId: AccessLogField.contextConnectionId(),
      status: AccessLogField.contextStatus(),
      error: AccessLogField.contextErrorMessage(),
      integrationLatency: AccessLogField.contextIntegrationLatency(),
    }),
  );
}

/**
 * The problems of a throttle setting (empty when valid): API Gateway takes a non-negative rate and a whole,
 * non-negative burst; a burst of 0 with a positive rate would refuse every request.
 */
export function throttleProblems(throttle: ApiThrottle): string[] {
  const problems: string[] = [];
  const { rateLimit, burstLimit } = throttle;
  if (!Number.isFinite(rateLimit) || rateLimit < 0) problems.push(`throttle.rateLimit must be a non-negative number, got ${rateLimit}`);
  if (!Number.isInteger(burstLimit) || burstLimit < 0) problems.push(`throttle.burstLimit must be a whole non-negative number, got ${burstLimit}`);
  else if (burstLimit === 0 && rateLimit > 0) problems.push('throttle.burstLimit of 0 refuses every request; use at least 1');
  return problems;
}
