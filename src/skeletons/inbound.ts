/**
 * Configuration of how a service checks its callers, where no cloud IAM does it in front of the service (Fly.io): the
 * platform's HTTP app reads these itself (service-auth.ts). Every service serves HTTP, so every service has them;
 * their defaults check nothing, as on AWS and Google Cloud, whose IAM checks the callers.
 */
import type { ConfigVar } from './common';

/** INBOUND_AUTH, TRUSTED_CALLERS and INBOUND_AUTH_WINDOW_SECONDS. */
export function inboundConfig(): Record<string, ConfigVar> {
  return {
    INBOUND_AUTH: {
      kind: 'string',
      default: 'none',
      description:
        'none | ed25519 | ed25519-optional: which calls the service accepts (ed25519: only requests signed by a TRUSTED_CALLERS service, /healthz and /readyz open; ed25519-optional, for a public service: unsigned requests of its end users too, signed ones verified all the same)',
    },
    TRUSTED_CALLERS: { kind: 'list', default: '', description: 'The services allowed to call with INBOUND_AUTH=ed25519: <service>=<base64 SPKI DER Ed25519 public key>, comma-separated (a service twice while it rotates its key)' },
    INBOUND_AUTH_WINDOW_SECONDS: { kind: 'int', default: '300', description: "How far a signed request's timestamp may be from this machine's clock, either way, in seconds (its nonce is remembered as long)" },
  };
}
