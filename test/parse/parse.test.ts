import { parseSource } from '../../src/parse';

describe('parseSource (YAML)', () => {
  test('records the key and value position of every node', () => {
    // GIVEN
    const text = 'architecture:\n  name: shop\nservices:\n  - name: a\n    type: stateless\n';
    // WHEN
    const { document, diagnostics } = parseSource('a.yaml', text);
    // THEN
    expect(diagnostics).toEqual([]);
    const loc = document!.map.get(['services', 0, 'type'])!;
    expect(loc.key!.start).toMatchObject({ line: 5, col: 5 });
    expect(loc.value.start).toMatchObject({ line: 5, col: 11 });
    expect(document!.map.get(['architecture', 'name'])!.value.start).toMatchObject({ line: 2, col: 9 });
  });

  test('a duplicate key is AF1006 at the second key', () => {
    const { diagnostics } = parseSource('a.yaml', 'a: 1\nb: 2\na: 3\n');
    expect(diagnostics.map((d) => [d.code, d.line, d.col])).toEqual([['AF1006', 3, 1]]);
  });

  test('an alias bomb is refused with AF1007, without expanding it', () => {
    // GIVEN the billion laughs
    const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 9; i++) {
      const p = String.fromCharCode(96 + i);
      const n = String.fromCharCode(97 + i);
      lines.push(`${n}: &${n} [*${p},*${p},*${p},*${p},*${p},*${p},*${p},*${p},*${p}]`);
    }
    // WHEN
    const start = Date.now();
    const { diagnostics } = parseSource('bomb.yaml', lines.join('\n') + '\n');
    // THEN
    expect(diagnostics.map((d) => d.code)).toEqual(['AF1007']);
    expect(Date.now() - start).toBeLessThan(5000);
  });

  test('an alias to an undefined anchor is a syntax error at the alias', () => {
    const { diagnostics } = parseSource('a.yaml', 'a: 1\nb: *nope\n');
    expect(diagnostics.map((d) => [d.code, d.line, d.col])).toEqual([['AF1005', 2, 4]]);
  });

  test.each([
    ['', 'AF1004'],
    ['   \n\n', 'AF1004'],
    ['# only a comment\n', 'AF1004'],
    ['- a\n- b\n', 'AF1009'],
    ['just text\n', 'AF1009'],
    ['a: 1\n---\nb: 2\n', 'AF1011'],
    ['a: !custom 1\n', 'AF1012'],
    ['a: [1, 2\n', 'AF1005'],
  ])('%j is %s', (text, code) => {
    expect(parseSource('a.yaml', text).diagnostics.map((d) => d.code)).toEqual([code]);
  });

  test('binary and non-UTF-8 input are AF1003, oversized input AF1002, other extensions AF1010', () => {
    expect(parseSource('a.yaml', new Uint8Array([0x61, 0x3a, 0x00, 0x01])).diagnostics[0]!.code).toBe('AF1003');
    expect(parseSource('a.yaml', new Uint8Array([0x61, 0x3a, 0x20, 0xc3, 0x28])).diagnostics[0]!.code).toBe('AF1003');
    expect(parseSource('a.yaml', 'a: "' + 'x'.repeat(6 * 1024 * 1024) + '"\n').diagnostics[0]!.code).toBe('AF1002');
    expect(parseSource('a.json', '{}').diagnostics[0]!.code).toBe('AF1010');
  });

  test('keys that differ only in YAML type (true and "true", 1 and "1") are duplicates here', () => {
    const { diagnostics } = parseSource('a.yaml', 'filter: { true: 1, "true": 2 }\nx: { 1: a, "1": b }\n');
    expect(diagnostics.map((d) => [d.code, d.line, d.col])).toEqual([['AF1006', 1, 20], ['AF1006', 2, 12]]);
  });

  test('old Mac line ends (a lone CR) end lines', () => {
    const { document, diagnostics } = parseSource('a.yaml', 'a: 1\rb:\r  c: 2\r');
    expect(diagnostics).toEqual([]);
    expect(document!.value).toEqual({ a: 1, b: { c: 2 } });
    expect(document!.map.get(['b', 'c'])!.value.start).toMatchObject({ line: 3, col: 6 });
  });

  test('an empty key does not take the place of the document', () => {
    const { document } = parseSource('a.yaml', 'a: 1\n"": 2\n');
    expect(document!.map.get([])!.value.start.line).toBe(1);
    expect(document!.map.get([''])!.value.start.line).toBe(2);
  });

  test('a __proto__ key is plain data, not a prototype', () => {
    const { document } = parseSource('a.yaml', '__proto__: { polluted: true }\n');
    expect(Object.keys(document!.value as object)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('parseSource (TOML)', () => {
  test('locates keys in tables, arrays of tables, dotted keys and inline tables', () => {
    // GIVEN
    const text = ['[architecture]', 'name = "shop"', '', '[[services]]', 'name = "a"', 'type = "stateless"', '', '[[services]]', 'name = "b"', 'consumer = { max_retries = 5 }', 'schedule.cron = "0 2 * * *"', '', '[services.cache]', 'ttl_seconds = 60', ''].join('\n');
    // WHEN
    const { document, diagnostics } = parseSource('a.toml', text);
    // THEN
    expect(diagnostics).toEqual([]);
    const at = (path: (string | number)[]) => {
      const v = document!.map.get(path)!.value.start;
      return `${v.line}:${v.col}`;
    };
    expect(at(['architecture', 'name'])).toBe('2:8');
    expect(at(['services', 0, 'type'])).toBe('6:8');
    expect(at(['services', 1, 'consumer', 'max_retries'])).toBe('10:28');
    expect(at(['services', 1, 'schedule', 'cron'])).toBe('11:17');
    expect(at(['services', 1, 'cache', 'ttl_seconds'])).toBe('14:15');
    expect(document!.map.get(['services', 1, 'cache'])!.key!.start.line).toBe(13);
  });

  test('syntax errors and duplicate keys carry line and column', () => {
    expect(parseSource('a.toml', 'a = 1\nb = \n').diagnostics.map((d) => [d.code, d.line])).toEqual([['AF1008', 2]]);
    expect(parseSource('a.toml', 'a = 1\na = 2\n').diagnostics.map((d) => [d.code, d.line])).toEqual([['AF1006', 2]]);
    expect(parseSource('a.toml', '').diagnostics.map((d) => d.code)).toEqual(['AF1004']);
  });

  test('dates become strings', () => {
    const { document } = parseSource('a.toml', 'd = 1979-05-27T07:32:00Z\n');
    expect(document!.value).toEqual({ d: '1979-05-27T07:32:00.000Z' });
  });
});
