import { RestUpstream, SoapUpstream, UpstreamError, escapeXml, parseSoapRecords, soapEnvelope, type Fetch } from '../src/adapters/upstream';

function fakeFetch(...responses: Response[]) {
  const calls: { url: string; init: RequestInit }[] = [];
  const fn: Fetch = (url, init) => {
    calls.push({ url, init });
    return Promise.resolve(responses.shift() ?? new Response('[]'));
  };
  return { calls, fn };
}

describe('RestUpstream', () => {
  test('changes: all of them, or since a time; an array or { records }', async () => {
    const { calls, fn } = fakeFetch(new Response('[{"ID":"1"}]'), new Response('{"records":[{"ID":"2"}]}'), new Response('{}'));
    const upstream = new RestUpstream('https://legacy.test/items/', fn);
    await expect(upstream.changes(undefined)).resolves.toEqual([{ ID: '1' }]);
    await expect(upstream.changes('2024-01-01T00:00:00Z')).resolves.toEqual([{ ID: '2' }]);
    await expect(upstream.changes(undefined)).resolves.toEqual([]);
    expect(calls.map((c) => c.url)).toEqual(['https://legacy.test/items', 'https://legacy.test/items?since=2024-01-01T00%3A00%3A00Z', 'https://legacy.test/items']);
  });

  test('fetch: one record, undefined when unknown, an UpstreamError on failure', async () => {
    const { calls, fn } = fakeFetch(new Response('{"ID":"a b"}'), new Response('', { status: 404 }), new Response('', { status: 500 }));
    const upstream = new RestUpstream('https://legacy.test/items', fn);
    await expect(upstream.fetch('a b')).resolves.toEqual({ ID: 'a b' });
    await expect(upstream.fetch('x')).resolves.toBeUndefined();
    await expect(upstream.fetch('y')).rejects.toBeInstanceOf(UpstreamError);
    expect(calls[0]?.url).toBe('https://legacy.test/items/a%20b');
  });
});

describe('SOAP', () => {
  test('the envelope escapes its parameters', () => {
    const xml = soapEnvelope('GetItem', 'http://tempuri.org/', { Id: '<1 & "2">' });
    expect(xml).toContain('<GetItem xmlns="http://tempuri.org/"><Id>&lt;1 &amp; &quot;2&quot;&gt;</Id></GetItem>');
    expect(escapeXml("'")).toBe('&apos;');
  });

  test('records are read from the answer, whatever the prefixes', () => {
    const xml = '<s:Envelope><s:Body><r:GetChangesResponse><r:Item a="1"><r:ID>1</r:ID><r:NAME>A &amp; B</r:NAME></r:Item><Item><ID>2</ID></Item></r:GetChangesResponse></s:Body></s:Envelope>';
    expect(parseSoapRecords(xml, 'Item')).toEqual([{ ID: '1', NAME: 'A & B' }, { ID: '2' }]);
  });

  test('a fault is an UpstreamError', () => {
    expect(() => parseSoapRecords('<s:Fault><faultstring>no &lt;access&gt;</faultstring></s:Fault>', 'Item')).toThrow('SOAP fault: no <access>');
  });

  test('changes and fetch call the operations', async () => {
    const answer = '<Envelope><Body><Item><ID>7</ID></Item></Body></Envelope>';
    const { calls, fn } = fakeFetch(new Response(answer), new Response(answer), new Response(answer), new Response('<Envelope/>'));
    const upstream = new SoapUpstream('https://legacy.test/soap', 'http://tempuri.org/', 'Item', fn);
    await expect(upstream.changes(undefined)).resolves.toEqual([{ ID: '7' }]);
    await expect(upstream.changes('2024-01-01')).resolves.toHaveLength(1);
    await expect(upstream.fetch('7')).resolves.toEqual({ ID: '7' });
    await expect(upstream.fetch('8')).resolves.toBeUndefined();
    expect(calls[0]?.init.headers).toMatchObject({ soapaction: '"http://tempuri.org/GetChanges"' });
    expect(calls[1]?.init.body as string).toContain('<Since>2024-01-01</Since>');
    expect(calls[2]?.init.body as string).toContain('<GetItem xmlns="http://tempuri.org/"><Id>7</Id></GetItem>');
  });

  test('an error status without a fault is an UpstreamError', async () => {
    const { fn } = fakeFetch(new Response('oops', { status: 503 }));
    await expect(new SoapUpstream('https://legacy.test/soap', 'urn:x', 'Item', fn).changes(undefined)).rejects.toThrow('upstream answered 503');
  });
});
