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

describe('errors that name what is wrong', () => {
  const errors = (file: string, text: string) => parseSource(file, text).diagnostics.map((d) => `${d.line}:${d.col} ${d.code} ${d.message}`);

  test.each([
    ['the same key twice in a mapping', 'a: 1\nb:\n  c: 1\n  d: 2\n  c: 3\n', ['5:3 AF1006 duplicate key "c" in b (first at line 3)']],
    ['a top-level key twice', 'a: 1\nb: 2\na: 3\n', ['3:1 AF1006 duplicate key "a" at the top level (first at line 1)']],
    ['twice in one flow mapping', 'x: { a: 1, b: 2, a: 3 }\n', ['1:18 AF1006 duplicate key "a" in x (first at line 1, column 6)']],
    ['true and "true": different YAML keys, the same key here', 'x:\n  true: 1\n  "true": 2\n', ['3:3 AF1006 duplicate key "true" in x (first at line 2)']],
    ['three times in a list item (each repeat reported)', 's:\n  - a: 1\n    a: 2\n    a: 3\n', ['3:5 AF1006 duplicate key "a" in s[0] (first at line 2)', '4:5 AF1006 duplicate key "a" in s[0] (first at line 2)']],
  ])('YAML: %s', (_, text, expected) => {
    expect(errors('a.yaml', text)).toEqual(expected);
  });

  test('YAML: a duplicate inside an anchored mapping is reported once, not again where an alias repeats it', () => {
    expect(errors('a.yaml', 'x: &m { a: 1, a: 2 }\ny: *m\n')).toEqual(['1:15 AF1006 duplicate key "a" in x (first at line 1, column 9)']);
  });

  test.each([
    ['a key twice in a table', '[a]\nk = 1\nj = 2\nk = 3\n', ['4:1 AF1006 duplicate key "k" in a (first at line 2)']],
    ['a quoted key repeating a bare one', 'mk = 1\n"mk" = 2\n', ['2:1 AF1006 duplicate key "mk" at the top level (first at line 1)']],
    ['a dotted key through a value', 'a.b = 1\na.b.c = 2\n', ['2:3 AF1006 duplicate key "b" in a (first at line 1)']],
    ['a table header twice in an array of tables', '[[s]]\nn = "a"\n[s.consumer]\nr = 1\n[s.consumer]\nr = 2\n', ['5:4 AF1006 duplicate key "consumer" in s[0] (first at line 3)']],
    ['an array of tables over a table', '[x]\na = 1\n[[x]]\nb = 2\n', ['3:3 AF1006 duplicate key "x" at the top level (first at line 1)']],
    ['twice in an inline table inside an array', 'x = [\n  { m = 1, m = 2 },\n]\n', ['2:12 AF1006 duplicate key "m" in x[0] (first at line 2, column 5)']],
    ['two duplicates, both reported', '[a]\nk = 1\nk = 2\n[b]\nj = 1\nj = 2\n', ['3:1 AF1006 duplicate key "k" in a (first at line 2)', '6:1 AF1006 duplicate key "j" in b (first at line 5)']],
  ])('TOML: %s', (_, text, expected) => {
    expect(errors('a.toml', text)).toEqual(expected);
  });

  test('TOML: a duplicate followed by a syntax error reports both, the duplicate without its first place', () => {
    expect(errors('a.toml', 'k = 1\nk = 2\nv = nope\n')).toEqual(['2:1 AF1006 duplicate key "k": a key or table may be defined only once', '3:5 AF1008 TOML syntax error: invalid value']);
  });

  test.each([
    ['an unclosed string, at its quote', 'a = 1\nb = "abc\nc = 2\n', '2:5 AF1008 TOML syntax error: unclosed string: the quote opened here is never closed'],
    ['an unclosed string at the end of the file', 'a = "abc', '1:5 AF1008 TOML syntax error: unclosed string: the quote opened here is never closed'],
    ['an unclosed string in an array', 'a = ["x", "y]\n', '1:11 AF1008 TOML syntax error: unclosed string: the quote opened here is never closed'],
    ['an unclosed array before the next key', 'a = [1, 2\nb = 3\n', '1:5 AF1008 TOML syntax error: unclosed [: the array opened here is never closed with ]'],
    ['an unclosed array spanning lines', 'a = [\n  1,\n  2\n\nb = 3\n', '1:5 AF1008 TOML syntax error: unclosed [: the array opened here is never closed with ]'],
    ['a missing comma (not an unclosed array)', 'a = [\n  1\n  2\n]\n', '3:3 AF1008 TOML syntax error: expected comma or end of structure'],
    ['a missing =', 'name "shop"\n', '1:6 AF1008 TOML syntax error: "=" missing between the key and its value'],
    ['a # inside a string is not a comment', 'a = "x # y\n', '1:5 AF1008 TOML syntax error: unclosed string: the quote opened here is never closed'],
  ])('TOML syntax: %s', (_, text, expected) => {
    expect(errors('a.toml', text)).toEqual([expected]);
  });

  test.each([
    ['a key indented deeper than the one before', 'a:\n  b: 1\n    c: 2\n', '3:5 AF1005 YAML syntax error: "c" is indented deeper than "b", the key before it, so it reads as part of that key\'s value'],
    ['a key without its colon', 'a:\n  b 1\n  c: 2\n', '2:3 AF1005 YAML syntax error: "b 1" has no ":" after its key, so it runs into the next line'],
    ['"-name" for "- name"', 's:\n  -name: a\n  - type: b\n', '2:3 AF1005 YAML syntax error: "-name" has no space after the "-", so it is a key, not a list item'],
  ])('YAML syntax: %s', (_, text, expected) => {
    expect(errors('a.yaml', text)).toEqual([expected]);
  });

  test('the text comes back with a syntax error (for the excerpt), and not for a binary file', () => {
    expect(parseSource('a.toml', 'a = "x\n').text).toBe('a = "x\n');
    expect(parseSource('a.yaml', '\uFEFFa: [1\n').text).toBe('a: [1\n');
    expect(parseSource('a.yaml', 'a: 1\u0000\n').text).toBeUndefined();
  });
});
