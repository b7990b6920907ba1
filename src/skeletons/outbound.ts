/**
 * Configuration of a service that calls others over HTTP. On AWS a service that is not `public` sits behind IAM
 * authorization, so its callers sign their requests (SigV4, the platform's `outboundFetch`); on Google Cloud, Cloud
 * Run checks the caller's ID token (`google-id-token`); on Fly.io the callee checks a signature made with the caller's
 * own Ed25519 key (`ed25519`, the key in the SERVICE_SIGNING_KEY secret; see inbound.ts for the callee's side).
 */
import type { ConfigVar } from './common';

/** OUTBOUND_AUTH and AWS_REGION. */
export function outboundConfig(): Record<string, ConfigVar> {
  return {
    OUTBOUND_AUTH: {
      kind: 'string',
      default: 'none',
      description:
        "none | aws-iam | google-id-token | ed25519: how calls to other services are authenticated (aws-iam: SigV4-signed, for API Gateway IAM authorization; google-id-token: a Google ID token for the called URL's origin, for Cloud Run's invoker check; ed25519: signed for the called service with this service's key, the SERVICE_SIGNING_KEY secret (base64 PKCS#8 DER), as SERVICE_NAME)",
    },
    AWS_REGION: { kind: 'string', default: '', description: 'Region the calls are signed for with OUTBOUND_AUTH=aws-iam (Lambda and ECS set it)' },
  };
}
