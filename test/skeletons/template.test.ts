import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InternalError } from '../../src/model/diagnostics';
import { renderTemplate, templateFile, templateShare } from '../../src/skeletons/template';

const dir = mkdtempSync(join(tmpdir(), 'allframe-templates-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes a template into a temporary folder and returns its (absolute) name. */
function template(name: string, text: string): string {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
}

const names = { platform: '@shop/platform', Entity: 'Order', entities: 'orders' };

describe('renderTemplate', () => {
  test('substitutes placeholders, the platform package and sample values', () => {
    const file = template('a.ts', "import { x } from '@allframe/platform';\nexport class __Entity__Service {}\nconst ttl = /*=ttl*/ 86400;\nconst header = /*=header*/ 'Sample';\n");
    expect(renderTemplate(file, { names: { ...names, ttl: '3600', header: "'Idempotency-Key'" } }).text).toBe(
      "import { x } from '@shop/platform';\nexport class OrderService {}\nconst ttl = 3600;\nconst header = 'Idempotency-Key';\n",
    );
  });

  test('a sample value is a whole number or word, even one starting with underscores (a placeholder member)', () => {
    const file = template('a2.ts', 'steps./*=handler*/ __handler__ = f(/*=n*/ 1_000, /*=m*/ -0.5);\n');
    expect(renderTemplate(file, { names: { ...names, handler: 'reserveFlight', n: '30', m: '2' } }).text).toBe('steps.reserveFlight = f(30, 2);\n');
  });

  test('keeps or drops @if blocks and lines, repeats @each blocks and lines, fills slots with their indentation', () => {
    const file = template(
      'b.ts',
      ['a();', '// @if on', 'b();', '// @end', '// @if !on', 'c();', '// @end', 'd(); // @if !on', 'e(__x__); // @each items', '// @each items', 'f(__x__, __Entity__);', '// @end', '  // @slot body', '  sample();', '  // @end', ''].join('\n'),
    );
    const rendered = renderTemplate(file, { names, flags: { on: true }, lists: { items: [{ x: '1' }, { x: '2' }] }, slots: { body: 'one();\n\ntwo();' } });
    expect(rendered.text).toBe(['a();', 'b();', 'e(1);', 'e(2);', 'f(1, Order);', 'f(2, Order);', '  one();', '', '  two();', ''].join('\n'));
    expect(rendered.fromTemplate).toEqual(['a();', 'b();', 'e(1);', 'e(2);', 'f(1, Order);', 'f(2, Order);', '']);
  });

  test('a placeholder, flag, list or slot without a value, or an unbalanced block, is an internal error naming it', () => {
    expect(() => renderTemplate(template('c.ts', '__Missing__\n'), { names })).toThrow(new InternalError(`template ${join(dir, 'c.ts')}: no value for __Missing__`));
    expect(() => renderTemplate(template('d.ts', 'x(); // @if nope\n'), { names })).toThrow('no value for flag nope');
    expect(() => renderTemplate(template('e.ts', '// @each nope\n// @end\n'), { names })).toThrow('no list nope');
    expect(() => renderTemplate(template('f.ts', '// @slot nope\n// @end\n'), { names })).toThrow('no slot nope');
    expect(() => renderTemplate(template('g.ts', '// @if on\n'), { names, flags: { on: true } })).toThrow(`template ${join(dir, 'g.ts')}: @if on is never closed`);
    expect(() => renderTemplate(template('h.ts', '// @end\n'), { names })).toThrow(`template ${join(dir, 'h.ts')}:1: @end without an open block`);
  });

  test('one-name-a-line imports go back on one line when they fit', () => {
    const file = template('i.ts', "import {\n  a,\n  b, // @if on\n  c,\n} from 'x';\n");
    expect(renderTemplate(file, { names, flags: { on: false } }).text).toBe("import { a, c } from 'x';\n");
  });

  test('type-only names of a one-name-a-line import are joined too, and repeated names with their items', () => {
    const file = template('j.ts', "import {\n  __x__Projector, // @each items\n  type Projector,\n} from 'x';\n");
    expect(renderTemplate(file, { names, lists: { items: [{ x: 'A' }, { x: 'B' }] } }).text).toBe("import { AProjector, BProjector, type Projector } from 'x';\n");
    expect(renderTemplate(file, { names, lists: { items: [] } }).text).toBe("import { type Projector } from 'x';\n");
  });

  test('a brace or bracket pair whose lines were all dropped closes on one line, and counts as template lines', () => {
    const file = template('empty.ts', "const a = {\n  x: 1, // @if on\n};\nconst b = [\n  'x', // @if on\n];\nconst c = { y: 2 };\n");
    const rendered = renderTemplate(file, { names, flags: { on: false } });
    expect(rendered.text).toBe("const a = {};\nconst b = [];\nconst c = { y: 2 };\n");
    expect(rendered.fromTemplate).toEqual(expect.arrayContaining(['const a = {};', 'const b = [];', 'const c = { y: 2 };']));
  });

  test('templateFile places the file under the service with its path substituted, and counts its template lines', () => {
    // GIVEN the configuration template, its variables a slot
    const vars = "SERVICE_NAME: { kind: 'string', default: 'orders', description: 'Name' },";
    // WHEN rendered for a service
    const out = templateFile('managed', 'services/orders', 'service/src/config.ts', { names, slots: { vars } });
    // THEN it is the service's src/config.ts, with the marker, the slot's line and every line of the template
    expect(out.path).toBe('services/orders/src/config.ts');
    expect(out.kind).toBe('managed');
    expect(out.content).toContain(`      ${vars}\n    },\n    env,`);
    const lines = out.content.split('\n').filter((l) => l.trim() !== '').length;
    // the marker line and the slot's line are not from the template; the rest is
    expect(templateShare([out])).toEqual({ fromTemplates: lines - 2, total: lines });
  });
});
