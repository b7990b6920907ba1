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

/**
 * A generated test helper: runs `fn` with static credentials in the environment (the first link of the default
 * credential chain) and a global fetch that records the headers it is given, then restores both.
 */
export const WITH_AWS_ENV = `/** Runs \`fn\` with static AWS credentials in the environment and a recording global fetch; the headers sent. */
async function withAwsEnv(fn: () => Promise<unknown>): Promise<Record<string, string>[]> {
  const saved = { env: process.env, fetch: globalThis.fetch };
  const sent: Record<string, string>[] = [];
  process.env = { ...saved.env, AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'test-secret' };
  delete process.env.AWS_PROFILE;
  globalThis.fetch = ((_url: string, init?: RequestInit) => {
    sent.push(init?.headers as Record<string, string>);
    return Promise.resolve(new Response('{}', { headers: { 'content-type': 'application/json' } }));
  }) as typeof fetch;
  try {
    await fn();
  } finally {
    process.env = saved.env;
    globalThis.fetch = saved.fetch;
  }
  return sent;
}
`;
