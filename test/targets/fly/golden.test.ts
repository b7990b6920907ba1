/**
 * Golden output of the Fly.io target: every Fly archetype fixture and the Fly reference example, as `allframe synth
 * --target fly` writes infrastructure/fly/ (each file under a `==> path <==` header, as `head` shows several).
 * Refresh with UPDATE_GOLDEN=1 and review the diff like any infrastructure change.
 */
import { join } from 'node:path';
import { synthFly } from '../../../src/targets/fly/synth';
import { FLY_FIXTURES, FLY_REFERENCE, ROOT, flyFixtureFiles, flyModel, golden } from './helpers';

const GOLDEN = join(ROOT, 'test', 'golden', 'fly');
const cases: [string, string][] = [['reference', FLY_REFERENCE], ...flyFixtureFiles().map((f): [string, string] => [f.replace(/\.yaml$/, ''), join(FLY_FIXTURES, f)])];

function joined(file: string): string {
  const r = synthFly(flyModel(file));
  expect(r.problems).toEqual([]);
  return r.files.map((f) => `==> ${f.path} <==\n${f.content}`).join('\n');
}

describe('Fly.io apps', () => {
  test.each(cases)('%s: infrastructure/fly matches its golden file, byte for byte', (name, file) => {
    const content = joined(file);
    expect(content).toBe(golden(join(GOLDEN, `${name}.txt`), content));
  });

  test('two runs give byte-identical output, with no machine detail in it', () => {
    const a = joined(FLY_REFERENCE);
    expect(joined(FLY_REFERENCE)).toBe(a);
    expect(a).not.toMatch(/\/tmp\/|\/work\/|\/home\//);
  });
});
