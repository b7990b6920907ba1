/**
 * Golden files of the templates: each template's architecture file on each of its clouds, and the infrastructure
 * `allframe ignite` synthesizes from it (the target's files, each under a `==> path <==` header). Refresh with
 * UPDATE_GOLDEN=1 and review the diff like any infrastructure change.
 */
import { join } from 'node:path';
import { TEMPLATES } from '../../src/ignite/templates';
import { synthesize } from '../../src/synth';
import { validateSource } from '../../src/validate';
import { ROOT, golden } from '../targets/aws/helpers';

const GOLDEN = join(ROOT, 'test', 'golden', 'templates');
const cases = TEMPLATES.flatMap((t) => t.clouds.map((cloud) => [t.name, cloud] as const));

describe('the templates, byte for byte', () => {
  test.each(cases)('%s on %s: the architecture file and its infrastructure match their golden files', (name, cloud) => {
    const text = TEMPLATES.find((t) => t.name === name)!.render({ name: `my-${name}`, cloud });
    expect(text).toBe(golden(join(GOLDEN, name, `architecture.${cloud}.yaml`), text));
    const v = validateSource('architecture.yaml', text, { env: {}, target: cloud });
    expect(v.diagnostics).toEqual([]);
    const r = synthesize(v.model!, { validation: false });
    expect(r.problems).toEqual([]);
    const infrastructure = r.outputs.filter((f) => f.path.startsWith('infrastructure/'));
    expect(infrastructure.length).toBeGreaterThan(0);
    const joined = infrastructure.map((f) => `==> ${f.path} <==\n${f.content}`).join('\n');
    expect(joined).toBe(golden(join(GOLDEN, name, `infrastructure.${cloud}.txt`), joined));
    expect(joined).not.toMatch(/\/tmp\/|\/work\/|\/home\//);
  });
});
