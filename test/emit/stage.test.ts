import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EarlyStager, OutputFile, applyPlan, emit, managed, managedJson, owned, planOutput } from '../../src/emit';

const files = (services: string[]): OutputFile[] => [
  managedJson('package.json', { name: 'shop' }),
  managed('README.md', '# shop'),
  ...services.flatMap((s) => [managed(`services/${s}/src/app.ts`, `export const ${s} = 1;`), managed(`services/${s}/run.sh`, 'echo', { executable: true }), owned(`services/${s}/src/domain/model.ts`, 'export {};')]),
];

/** Every file under `dir` with its content (.allframe/ included). */
function tree(dir: string, rel = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(join(dir, rel)).sort()) {
    const p = rel ? `${rel}/${name}` : name;
    if (statSync(join(dir, p)).isDirectory()) Object.assign(out, tree(dir, p));
    else out[p] = readFileSync(join(dir, p), 'utf8');
  }
  return out;
}

describe('EarlyStager: files staged on a second thread while the synth renders', () => {
  let base: string;
  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'allframe-stage-'));
  });
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  test('a first synth stages every file early, and applyPlan writes the tree an unstaged synth writes', async () => {
    // GIVEN the outputs offered in parts, as renderRepository gives them
    const outputs = files(['users', 'orders']);
    const root = join(base, 'staged');
    const stager = new EarlyStager();
    stager.offer(root, outputs.slice(0, 2));
    stager.offer(root, outputs.slice(2));
    // WHEN the plan is applied with what was staged
    const early = await stager.finish();
    const plan = planOutput(root, outputs);
    await applyPlan(plan, { early: early! });
    await stager.discard();
    // THEN every file was staged early, and the tree (modes included) is the one a synth without staging leaves
    expect([...early!.staged.keys()].sort()).toEqual(outputs.map((f) => f.path).sort());
    const plain = join(base, 'plain');
    await emit(plain, outputs);
    expect(tree(root)).toEqual(tree(plain));
    expect(statSync(join(root, 'services/users/run.sh')).mode & 0o777).toBe(0o755);
    expect(existsSync(join(root, '.allframe', 'tmp'))).toBe(false);
  });

  test('a synth over an existing tree stages early only the files nothing is at and the manifest does not name', async () => {
    // GIVEN a tree synthesized once, whose owner then deleted an owned file (not to be recreated)
    const root = join(base, 'tree');
    await emit(root, files(['users']));
    rmSync(join(root, 'services/users/src/domain/model.ts'));
    // WHEN a synth that adds a service and changes the README is staged
    const outputs = files(['users', 'orders']).map((f) => (f.path === 'README.md' ? managed('README.md', '# shop v2') : f));
    const stager = new EarlyStager();
    stager.offer(root, outputs);
    const early = await stager.finish();
    // THEN only the new service's files were staged early; the README (an update) is left to applyPlan
    expect([...early!.staged.keys()].sort()).toEqual(['services/orders/run.sh', 'services/orders/src/app.ts', 'services/orders/src/domain/model.ts']);
    await applyPlan(planOutput(root, outputs), { early: early! });
    expect(readFileSync(join(root, 'README.md'), 'utf8')).toContain('# shop v2');
    expect(existsSync(join(root, 'services/orders/src/app.ts'))).toBe(true);
    expect(existsSync(join(root, 'services/users/src/domain/model.ts'))).toBe(false);
  });

  test('discard (problems, an error) removes what was staged, and the directories it made: nothing is written', async () => {
    // GIVEN an output root that does not exist, and one that exists with .allframe/ and a file of the user's
    const fresh = join(base, 'fresh');
    const used = join(base, 'used');
    mkdirSync(join(used, '.allframe'), { recursive: true });
    writeFileSync(join(used, 'notes.md'), 'mine\n');
    for (const root of [fresh, used]) {
      const stager = new EarlyStager();
      stager.offer(root, files(['users']));
      // WHEN the synth ends without writing
      await stager.discard();
    }
    // THEN the fresh root is gone again, and the used one is as it was
    expect(existsSync(fresh)).toBe(false);
    expect(tree(used)).toEqual({ 'notes.md': 'mine\n' });
    expect(readdirSync(join(used, '.allframe'))).toEqual([]);
  });

  test('a file staged early whose plan content differs is staged again; one the plan does not write is not carried along', async () => {
    // GIVEN files staged early
    const root = join(base, 'tree');
    const stager = new EarlyStager();
    stager.offer(root, files(['users']));
    const early = await stager.finish();
    // WHEN the plan is of other outputs: one file with other content, one file gone
    const outputs = files(['users'])
      .filter((f) => f.path !== 'services/users/run.sh')
      .map((f) => (f.path === 'services/users/src/app.ts' ? managed(f.path, 'export const other = 2;') : f));
    await applyPlan(planOutput(root, outputs), { early: early! });
    // THEN the tree is exactly the plan's
    const plain = join(base, 'plain');
    await emit(plain, outputs);
    expect(tree(root)).toEqual(tree(plain));
  });
});
