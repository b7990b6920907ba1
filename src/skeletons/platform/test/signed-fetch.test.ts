import { createHash, createHmac } from 'node:crypto';
import { outboundFetch, signedFetch } from '../src/signed-fetch';
import { recorder } from './fakes';

// The credentials and date of AWS's own SigV4 test suite.
const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const now = () => Date.UTC(2015, 7, 30, 12, 36, 0);
const API = 'https://abc123.execute-api.eu-west-1.amazonaws.com';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const hmac = (key: string | Buffer, text: string) => createHmac('sha256', key).update(text).digest();

/** SigV4 computed independently of the signer, from the canonical request (docs.aws.amazon.com, "Create a signed AWS API request"). */
function expectedSignature(canonicalRequest: string): string {
  const scope = '20150830/eu-west-1/execute-api/aws4_request';
  const stringToSign = ['AWS4-HMAC-SHA256', '20150830T123600Z', scope, sha256(canonicalRequest)].join('\n');
  const key = ['eu-west-1', 'execute-api', 'aws4_request'].reduce(hmac, hmac(`AWS4${credentials.secretAccessKey}`, '20150830'));
  return createHmac('sha256', key).update(stringToSign).digest('hex');
}

describe('signedFetch', () => {
  it('signs a POST with SigV4 for execute-api, the body hash included', async () => {
    // GIVEN fixed credentials and a fixed clock
    const { sent, fetchFn } = recorder();
    const signed = signedFetch({ region: 'eu-west-1', credentials, fetch: fetchFn, now });
    const body = '{"sagaId":"s1"}';
    const signal = new AbortController().signal;
    // WHEN a JSON POST is sent
    await signed(`${API}/reserve-flight`, { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': 's1:x' }, body, signal });
    // THEN the request went out with the AWS headers and an Authorization of the SigV4 shape
    const [request] = sent;
    expect(request?.url).toBe(`${API}/reserve-flight`);
    expect(request?.init).toMatchObject({ method: 'POST', body, signal });
    const headers = request!.headers;
    expect(headers['x-amz-date']).toBe('20150830T123600Z');
    expect(headers['x-amz-content-sha256']).toBe(sha256(body));
    expect(headers.host).toBeUndefined();
    const signedHeaders = 'content-type;host;idempotency-key;x-amz-content-sha256;x-amz-date';
    expect(headers.authorization).toMatch(
      new RegExp(`^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/eu-west-1/execute-api/aws4_request, SignedHeaders=${signedHeaders}, Signature=[0-9a-f]{64}$`),
    );
    // AND the signature is SigV4 over the canonical request, whose last line is the body's hash
    const canonical = [
      'POST',
      '/reserve-flight',
      '',
      'content-type:application/json',
      'host:abc123.execute-api.eu-west-1.amazonaws.com',
      'idempotency-key:s1:x',
      `x-amz-content-sha256:${sha256(body)}`,
      'x-amz-date:20150830T123600Z',
      '',
      signedHeaders,
      sha256(body),
    ].join('\n');
    expect(headers.authorization).toContain(`Signature=${expectedSignature(canonical)}`);
  });

  it('signs the same request the same way, and another body differently', async () => {
    const { sent, fetchFn } = recorder();
    const signed = signedFetch({ region: 'eu-west-1', credentials, fetch: fetchFn, now });
    const post = (body: string) => signed(`${API}/x`, { method: 'POST', body });
    await post('{"a":1}');
    await post('{"a":1}');
    await post('{"a":2}');
    const auth = sent.map((s) => s.headers.authorization);
    expect(auth[0]).toBe(auth[1]);
    expect(auth[2]).not.toBe(auth[0]);
    expect(sent[2]?.headers['x-amz-content-sha256']).toBe(sha256('{"a":2}'));
  });

  it('signs a GET with its query and port, the session token of temporary credentials and byte bodies', async () => {
    // GIVEN temporary credentials
    const { sent, fetchFn } = recorder();
    const signed = signedFetch({ region: 'eu-west-1', credentials: () => Promise.resolve({ ...credentials, sessionToken: 'token' }), fetch: fetchFn, now });
    // WHEN a GET with a repeated query parameter, on a non-default port, is sent
    await signed('https://api.test:8443/items?b=2&a=1&a=0&a=2', { headers: new Headers({ accept: 'application/json' }) });
    await signed('https://api.test/bytes', { method: 'put', body: new TextEncoder().encode('hi') });
    // THEN the empty body's hash and the token are signed
    const get = sent[0]!.headers;
    expect(get['x-amz-content-sha256']).toBe(sha256(''));
    expect(get['x-amz-security-token']).toBe('token');
    expect(get.authorization).toContain('SignedHeaders=accept;host;x-amz-content-sha256;x-amz-date;x-amz-security-token,');
    const canonical = [
      'GET',
      '/items',
      'a=0&a=1&a=2&b=2',
      'accept:application/json',
      'host:api.test:8443',
      `x-amz-content-sha256:${sha256('')}`,
      'x-amz-date:20150830T123600Z',
      'x-amz-security-token:token',
      '',
      'accept;host;x-amz-content-sha256;x-amz-date;x-amz-security-token',
      sha256(''),
    ].join('\n');
    expect(get.authorization).toContain(`Signature=${expectedSignature(canonical)}`);
    expect(sent[1]!.headers['x-amz-content-sha256']).toBe(sha256('hi'));
  });

  it('refuses a body it cannot hash', async () => {
    const signed = signedFetch({ region: 'eu-west-1', credentials, fetch: recorder().fetchFn, now });
    await expect(signed(`${API}/x`, { method: 'POST', body: new URLSearchParams({ a: '1' }) })).rejects.toThrow('string or byte body');
  });

  it('uses the global fetch and the default clock when not given', async () => {
    // GIVEN the global fetch replaced by a recorder
    const { sent, fetchFn } = recorder();
    const original = globalThis.fetch;
    globalThis.fetch = fetchFn as typeof fetch;
    try {
      // WHEN
      await signedFetch({ region: 'eu-west-1', credentials })(`${API}/x`);
    } finally {
      globalThis.fetch = original;
    }
    // THEN it was signed now
    const date = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(sent[0]?.headers['x-amz-date'] ?? '');
    const [, y, mo, d, h, mi, se] = (date ?? []).map(Number);
    expect(Math.abs(Date.UTC(y!, mo! - 1, d, h, mi, se) - Date.now())).toBeLessThan(60_000);
  });
});

describe('outboundFetch', () => {
  it('is the plain fetch with none', () => {
    const { fetchFn } = recorder();
    expect(outboundFetch('none', '', { fetch: fetchFn })).toBe(fetchFn);
    expect(outboundFetch('none', '')).toBe(fetch);
  });

  it('signs with aws-iam, in the given region, with the default credential chain unless given', async () => {
    const { sent, fetchFn } = recorder();
    await outboundFetch('aws-iam', 'us-east-1', { fetch: fetchFn, credentials, now })(`${API}/x`);
    expect(sent[0]?.headers.authorization).toContain('/20150830/us-east-1/execute-api/aws4_request');
    expect(typeof outboundFetch('aws-iam', 'us-east-1')).toBe('function');
  });

  it('sends a Google ID token for the called origin with google-id-token', async () => {
    const { sent, fetchFn } = recorder();
    const auth = { getIdTokenClient: (audience: string) => Promise.resolve({ getRequestHeaders: () => Promise.resolve(new Headers({ authorization: `Bearer for ${audience}` })) }) };
    await outboundFetch('google-id-token', '', { fetch: fetchFn, auth })('https://orders-xyz.a.run.app/x');
    expect(sent[0]?.headers.authorization).toBe('Bearer for https://orders-xyz.a.run.app');
    expect(typeof outboundFetch('google-id-token', '')).toBe('function');
  });

  it('refuses aws-iam without a region, and unknown kinds', () => {
    expect(() => outboundFetch('aws-iam', '')).toThrow('AWS_REGION is required for OUTBOUND_AUTH=aws-iam');
    expect(() => outboundFetch('mtls', 'eu-west-1')).toThrow('OUTBOUND_AUTH must be one of none, aws-iam, google-id-token, ed25519, got "mtls"');
  });
});
