/**
 * The generated code of every fixture type-checks, as the generated workspace checks it (its tsconfig.base.json),
 * without installing anything: the workspaces are written under allframe's node_modules/.cache, so they resolve
 * the workspace's dependencies from allframe's own devDependencies (the same versions, src/skeletons/versions.ts),
 * and every `@<name>/platform` import is mapped to the platform package's source. The templates are checked as
 * they stand by `tsc -p tsconfig.skeletons.json`; this checks what rendering makes of them, for every archetype,
 * option and name in the fixtures. (The end-to-end test installs a workspace for real and runs its own npm test.)
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as ts from 'typescript';
import { renderText } from '../helpers';
import { writeWorkspaces } from './workspaces';

const root = join(__dirname, '..', '..');

describe('the generated code of every fixture', () => {
  let dir: string;
  beforeAll(() => {
    mkdirSync(join(root, 'node_modules', '.cache'), { recursive: true });
    dir = mkdtempSync(join(root, 'node_modules', '.cache', 'allframe-typecheck-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('type-checks under the generated workspace\'s compiler options', () => {
    // GIVEN every fixture's workspace written out
    const files = writeWorkspaces(dir);
    expect(files.length).toBeGreaterThan(300);
    // WHEN type-checked in one program, as the workspace's tsconfig.base.json does
    const base = JSON.parse(renderText(readFileSync(join(root, 'examples', 'shop', 'architecture.yaml'), 'utf8')).find((f) => f.path === 'tsconfig.base.json')!.content) as { compilerOptions: Record<string, unknown> };
    // (plus no unused imports or locals: the workspace's ESLint refuses them, as no-unused-vars, where its tsc would not;
    // unused private members, which that rule does not see, are left to the user)
    const { options, errors } = ts.convertCompilerOptionsFromJson({ ...base.compilerOptions, noEmit: true, noUnusedLocals: true, paths: { '@*/platform': [join(root, 'src', 'skeletons', 'platform', 'src', 'index.ts')], '@*/platform/graphql': [join(root, 'src', 'skeletons', 'platform', 'src', 'graphql.ts')], '@*/platform/grpc': [join(root, 'src', 'skeletons', 'platform', 'src', 'grpc.ts')], '@*/platform/scheduler': [join(root, 'src', 'skeletons', 'platform', 'src', 'scheduler.ts')] } }, dir);
    expect(errors).toEqual([]);
    const program = ts.createProgram(files, options);
    const UNUSED_PRIVATE_MEMBER = 6138;
    const diagnostics = ts.getPreEmitDiagnostics(program).filter((d) => d.code !== UNUSED_PRIVATE_MEMBER).map((d) => {
      const where = d.file ? `${relative(dir, d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}` : '';
      return `${where} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
    // THEN no error
    expect(diagnostics).toEqual([]);
  });
});
