/**
 * Configuration of a service that calls others over HTTP. On AWS a service that is not `public` sits behind IAM
 * authorization, so its callers sign their requests (SigV4, the platform's `outboundFetch`); on Google Cloud, Cloud
 * Run checks the caller's ID token (`google-id-token`).
 */
import type { ConfigVar } from './common';

/** OUTBOUND_AUTH and AWS_REGION. */
export function outboundConfig(): Record<string, ConfigVar> {
  return {
    OUTBOUND_AUTH: { kind: 'string', default: 'none', description: "none | aws-iam | google-id-token: how calls to other services are authenticated (aws-iam: SigV4-signed, for API Gateway IAM authorization; google-id-token: a Google ID token for the called URL's origin, for Cloud Run's invoker check)" },
    AWS_REGION: { kind: 'string', default: '', description: 'Region the calls are signed for with OUTBOUND_AUTH=aws-iam (Lambda and ECS set it)' },
  };
}
