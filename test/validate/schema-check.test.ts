import { MINIMAL, check, where } from '../helpers';

describe('schema errors', () => {
  test('an unknown key points at the key and suggests the closest one', () => {
    // GIVEN
    const text = MINIMAL + '    memroy_mb: 256\n';
    // WHEN
    const r = check(text);
    // THEN
    expect(where(r.diagnostics)).toEqual(['AF3001@5:5']);
    expect(r.diagnostics[0]).toMatchObject({ pointer: '/services/0/memroy_mb', hint: 'did you mean "memory_mb"?', suggestions: ['memory_mb'] });
  });

  test('a key indented one level too little is explained as such', () => {
    // GIVEN max_retries belongs under consumer:
    const text = `architecture: { name: shop }
services:
  - name: orders
    type: producer
    publishes: [OrderCreated]
  - name: mailer
    type: consumer
    consumes: [{ event: OrderCreated, from: orders }]
    consumer:
      dlq: true
    max_retries: 3
`;
    // WHEN
    const r = check(text);
    // THEN
    expect(where(r.diagnostics)).toEqual(['AF3001@11:5']);
    expect(r.diagnostics[0]!.hint).toBe('"max_retries" is a key of "consumer": indent it under consumer:');
  });

  test('a key indented one level too deep is explained as such', () => {
    const text = `architecture:\n  name: shop\n  services: []\nservices:\n  - name: user-service\n    type: stateless\n`;
    const r = check(text);
    expect(where(r.diagnostics)).toEqual(['AF3001@3:3']);
    expect(r.diagnostics[0]!.hint).toBe('"services" belongs in the document: check its indentation');
  });

  test('an unknown key named like an Object property gets no bogus indentation hint', () => {
    const r = check(MINIMAL + 'constructor: 1\n');
    expect(where(r.diagnostics)).toEqual(['AF3001@5:1']);
    expect(r.diagnostics[0]!.hint).toMatch(/^allowed keys here: /);
  });

  test('keys from other tools get the key this format uses', () => {
    const r = check(MINIMAL + '    description: Users and profiles\n');
    expect(r.diagnostics[0]!.hint).toBe('did you mean "responsibility"?');
  });

  test('wrong types, enums, ranges and patterns each have their code and position', () => {
    // GIVEN
    const text = `architecture: { name: Shop }
cloud: { primary: azure }
services:
  - name: user-service
    type: stateles
    memory_mb: lots
    max_instances: 0
`;
    // WHEN
    const r = check(text);
    // THEN
    expect(where(r.diagnostics)).toEqual(['AF3006@1:23', 'AF3003@2:19', 'AF3003@5:11', 'AF3002@6:16', 'AF3005@7:20']);
    expect(r.diagnostics[2]!.hint).toBe('did you mean "stateless"?');
    expect(r.diagnostics[0]!.message).toContain('kebab-case');
    expect(r.diagnostics[4]!.hint).toBe('allowed range: 1..1000');
  });

  test('a missing required key is reported at the key of its mapping (or the list item)', () => {
    const r = check('architecture: { version: 1.0.0 }\nservices:\n  - type: stateless\n');
    expect(where(r.diagnostics)).toEqual(['AF3004@1:1', 'AF3004@3:5']);
    expect(r.diagnostics.map((d) => d.message)).toEqual(['missing required key "name" in architecture', 'missing required key "name" in services[0]']);
  });

  test('anyOf noise is collapsed into one message per value', () => {
    const r = check(MINIMAL + 'observability: { alarms_email: not-an-email }\n');
    expect(where(r.diagnostics)).toEqual(['AF3007@5:32']);
    expect(r.diagnostics[0]!.message).toBe('observability.alarms_email is "not-an-email"; it must be one of: an e-mail address; No e-mail ("")');
  });

  test('names of environments and overrides are checked as keys', () => {
    const r = check(MINIMAL + 'environments:\n  Prod: {}\n');
    expect(where(r.diagnostics)).toEqual(['AF3006@6:3']);
  });

  test('duplicate list entries are AF3008 at the repeat', () => {
    const r = check(MINIMAL + '    publishes: [A, B, A]\n');
    expect(where(r.diagnostics)).toEqual(['AF3008@5:23']);
  });

  test('all errors come in one run, sorted by position', () => {
    const text = `architecture: { name: shop, colour: blue }
services:
  - name: a1
    type: stateless
    timeout_seconds: -1
    foo: 1
  - name: b1
    type: nope
`;
    const r = check(text);
    expect(where(r.diagnostics)).toEqual(['AF3001@1:29', 'AF3005@5:22', 'AF3001@6:5', 'AF3003@8:11']);
  });

  test('TOML schema errors point at lines and columns too', () => {
    const text = '[architecture]\nname = "shop"\n\n[[services]]\nname = "user-service"\ntype = "stateless"\nmemory_mb = "big"\ntimeout = 3\n';
    const r = check(text, {}, 'architecture.toml');
    expect(where(r.diagnostics)).toEqual(['AF3002@7:13', 'AF3001@8:1']);
  });
});
