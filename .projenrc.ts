import { JsonFile, TextFile, javascript, typescript } from 'projen';
import { ARCHETYPE_KINDS } from './src/model/archetypes';
import { WORKSPACE_COMPILER_OPTIONS } from './src/skeletons/compiler-options';
import { SKELETON_LINT_RULES } from './src/skeletons/lint-rules';
import { DEV_DEPENDENCIES, ASYNCAPI_VALIDATOR, RUNTIME_DEPENDENCIES } from './src/skeletons/versions';

/**
 * projen owns package.json, tsconfig*.json, jest.config.json and eslint.config.mjs.
 * Edit this file and run `npx projen` to change them; everything it writes is committed, so a fresh
 * `npm ci` works without running projen. GitHub workflows, mergify, release and auto-install are off.
 *
 * Careful: projen deletes every file that contains its generated-file marker, so this file never spells
 * the marker out literally (see MARKER below).
 */
const MARKER = ['~~ Generated', 'by projen. To modify, edit .projenrc.ts and run "npx projen".'].join(' ');

// Core dependencies are pinned exactly (issue 2): a synthesizer's output must not drift with a caret.
const CORE_DEPS = [
  'aws-cdk-lib@2.276.0',
  'constructs@10.8.1',
  'yaml@2.9.1',
  'js-yaml@5.5.0', // the happy-path YAML parse (about 4x faster cold); yaml re-reads the file for positions only when a diagnostic needs them
  'ajv@8.20.0',
  'ajv-formats@3.0.1',
  'smol-toml@1.9.1',
  'toml-eslint-parser@0.12.0', // last CommonJS release; 1.x is ESM-only,
  'commander@14.0.3',
  '@sinclair/typebox@0.34.52',
  'fastest-levenshtein@1.0.16',
  'diff@9.0.0',
  'cdk-nag@3.0.2',
  'esbuild@0.28.2', // bundles the generated Lambda code at synth; a direct dependency so CDK never falls back to Docker
  'cron-parser@5.10.7', // allframe dev fires scheduled services on their cron, in their time zone (luxon underneath); the generated platform's scheduler pins the same
  '@inquirer/select@5.3.1', // allframe ignite asks on a terminal for the choices not given (ESM: bundled into the CLI by esbuild)
  '@inquirer/input@5.2.1',
];

/**
 * The GCP target's libraries: the CLI bundle holds the parts of them it uses (src/cli/bundle.ts), so an installed
 * allframe runs every command without them, and a workspace's `npm install` does not unpack @cdktf/provider-google's
 * 300 MB (issue 15: deployable in under a minute). They are optional peers for whoever imports the library API or
 * lib-constructs/gcp from their own cdktf app (which must share one copy of cdktf with them anyway), and pinned
 * devDependencies here.
 */
const GCP_PEER_DEPS = ['cdktf@0.21.0', '@cdktf/provider-google@16.12.1'];

/**
 * The package's version: package.json, `allframe --version` and the `allframe` devDependency of every generated
 * workspace all come from here (projen would otherwise write 0.0.0 outside its own release workflow).
 * Bump it together with a dated section of CHANGELOG.md.
 */
const VERSION = '0.1.0';

/**
 * What `npm pack` / `npm publish` ship (an allow-list, so nothing dev-only slips in): the CLI, the compiled
 * library with what it reads at run time (the precomputed schema and validator, the platform package's source
 * copied by the compile task), the JSON Schema for editors, the examples and the reference docs. Tests, benches,
 * fixtures and their goldens, the TypeScript sources and the build configuration stay out.
 */
const PACKAGE_FILES = ['bin/allframe', 'lib/', 'schema/architecture.schema.json', 'examples/', 'docs/', 'CHANGELOG.md'];

/** The generated code allframe checks with its own tools: the platform package and the skeleton templates. */
const SKELETON_SOURCES = ['src/skeletons/platform/**/*.ts', 'src/skeletons/templates/**/*.ts'];
const ARCHETYPE_TEMPLATE_DIRS = ARCHETYPE_KINDS.map((kind) => `./src/skeletons/templates/${kind}`);

/** The ESLint rules of the generated workspace (GENERATED_LINT_RULES in src/skeletons/root.ts), applied to its sources here. */
const GENERATED_LINT_RULES = SKELETON_LINT_RULES;

const DEV_DEPS = [
  'typescript@5.9.3',
  '@types/node@20.19.25',
  'tsx@4.23.15',
  'jest@30.5.2',
  '@types/jest@30.0.0',
  '@swc/core@1.16.22',
  '@swc/jest@0.2.39',
  'eslint@10.15.0',
  '@eslint/js@10.0.0',
  'typescript-eslint@8.73.0',
  'eslint-plugin-import-x@4.18.1',
  'fast-check@4.10.2',
  'aws-cdk@2.1148.1', // the CDK CLI, for the cdk.json tests
  '@aws-sdk/client-cloudformation@3.1169.0', // the moto deploy test
  '@aws-sdk/client-s3@3.1169.0',
  '@aws-sdk/client-ssm@3.1169.0',
  '@aws-sdk/client-iam@3.1169.0',
  '@aws-sdk/client-lambda@3.1164.0',
];

/**
 * The generated workspace's dependencies, at the versions it pins (src/skeletons/versions.ts): allframe type-checks,
 * lints and tests the platform package and the skeleton templates itself (tsconfig.skeletons.json), so they must
 * resolve here too. One list, so the two cannot drift.
 */
const SKELETON_DEPS = Object.entries({ ...RUNTIME_DEPENDENCIES, ...DEV_DEPENDENCIES, ...ASYNCAPI_VALIDATOR })
  .filter(([name]) => ![...CORE_DEPS, ...GCP_PEER_DEPS, ...DEV_DEPS].some((d) => d.startsWith(`${name}@`)))
  .map(([name, version]) => `${name}@${version}`);

const project = new typescript.TypeScriptProject({
  name: 'allframe',
  description: 'One architecture file in, a deployable, secure, tested cloud architecture out.',
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  projenrcTsOptions: { runner: typescript.TypeScriptRunner.tsx() },
  projenVersion: '0.103.25',
  typescriptVersion: '5.9.3',
  minNodeVersion: '20.19.0',
  license: 'Apache-2.0',
  copyrightOwner: 'allframe authors',
  authorName: 'allframe authors',
  github: false,
  release: false,
  buildWorkflow: false,
  depsUpgrade: false,
  pullRequestTemplate: false,
  eslint: false,
  prettier: false,
  jest: false,
  sampleCode: false,
  package: false,
  // The package.json `files` allow-list (PACKAGE_FILES) decides what is packed, not an .npmignore.
  npmignoreEnabled: false,
  readme: { filename: 'README.md', contents: '# allframe\n' },
  entrypoint: 'lib/src/index.js',
  entrypointTypes: 'lib/src/index.d.ts',
  srcdir: 'src',
  testdir: 'test',
  libdir: 'lib',
  deps: CORE_DEPS,
  peerDeps: GCP_PEER_DEPS,
  peerDependencyOptions: { pinnedDevDependency: true },
  devDeps: [...DEV_DEPS, ...SKELETON_DEPS],
  bin: { allframe: 'bin/allframe' },
  tsconfig: {
    include: ['src/**/*.ts', 'lib-constructs/**/*.ts'],
    // The generated code (the platform package and the templates) is checked by tsconfig.skeletons.json, under the
    // generated workspace's own compiler options; it is copied into lib/ as source, never compiled into it.
    exclude: SKELETON_SOURCES,
    compilerOptions: {
      rootDir: '.',
      outDir: 'lib',
      target: 'ES2022',
      lib: ['es2022'],
      module: 'commonjs',
      moduleResolution: javascript.TypeScriptModuleResolution.NODE,
      strict: true,
      noUncheckedIndexedAccess: true,
      noImplicitOverride: true,
      noFallthroughCasesInSwitch: true,
      noUnusedLocals: true,
      noUnusedParameters: true,
      noImplicitReturns: true,
      esModuleInterop: true,
      resolveJsonModule: true,
      isolatedModules: true,
      skipLibCheck: true,
      declaration: true,
      sourceMap: false,
      inlineSourceMap: false,
      inlineSources: false,
      experimentalDecorators: false,
      stripInternal: false,
    },
  },
  gitignore: ['/bench/out/', '/coverage/', '*.tsbuildinfo', '/test-results.json', '/test-results.*.json', '/cdk.out/', '/test/golden/**/*.tmp'],
});

// One type-check over everything: src, lib-constructs, tests, benchmarks and this file.
new JsonFile(project, 'tsconfig.dev.json', {
  obj: {
    extends: './tsconfig.json',
    compilerOptions: { noEmit: true, rootDir: '.', types: ['jest', 'node'] },
    include: ['src/**/*.ts', 'lib-constructs/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts', '.projenrc.ts'],
    exclude: SKELETON_SOURCES,
  },
});

// The generated code, as the generated workspace compiles it (its tsconfig.base.json, see src/skeletons/root.ts):
// the platform package with its tests, and the templates, `@allframe/platform` mapped to the platform's source.
// `rootDirs` lets a template of an archetype import the files every service has (templates/service) as siblings,
// which is where they are in a rendered service.
new JsonFile(project, 'tsconfig.skeletons.json', {
  obj: {
    compilerOptions: {
      ...WORKSPACE_COMPILER_OPTIONS,
      // stricter than the workspace where it costs the user nothing: what allframe ships has no unused names
      noUnusedLocals: true,
      noUnusedParameters: true,
      noEmit: true,
      paths: { '@allframe/platform': ['./src/skeletons/platform/src/index.ts'], '@allframe/platform/graphql': ['./src/skeletons/platform/src/graphql.ts'], '@allframe/platform/grpc': ['./src/skeletons/platform/src/grpc.ts'], '@allframe/platform/scheduler': ['./src/skeletons/platform/src/scheduler.ts'], '@allframe/events': ['./src/skeletons/templates/events/src/index.ts'], '@__architecture__/__callee__/src/routes': ['./src/skeletons/templates/stateless/src/routes.ts'] },
      rootDirs: ['./src/skeletons/templates/service', ...ARCHETYPE_TEMPLATE_DIRS],
    },
    include: SKELETON_SOURCES,
  },
});

// jest through @swc/jest: transpile only (tsc --noEmit type-checks the whole tree once).
new JsonFile(project, 'jest.config.json', {
  obj: {
    testEnvironment: 'node',
    // The platform package's own tests run here too, not only inside a generated workspace.
    roots: ['<rootDir>/test', '<rootDir>/src/skeletons/platform/test'],
    testMatch: ['**/*.test.ts'],
    transform: { '^.+\\.ts$': ['@swc/jest', {}] },
    moduleFileExtensions: ['ts', 'js', 'json'],
    testTimeout: 120000,
    // No maxWorkers: jest's default (one worker on two cores, which runs the files in band). Two workers were
    // measured slower. `npm test` runs the two files that build whole workspaces in a jest process of their own
    // beside this one instead (.ci/jest.mjs): on the same machine and day, 1390 s of jest against 1691 s in one process.
  },
  marker: false,
});

// Flat ESLint config. Pipeline layering: each stage imports only earlier stages; nothing imports cli/.
new TextFile(project, 'eslint.config.mjs', {
  lines: [
    `// ${MARKER}`,
    "import js from '@eslint/js';",
    "import tseslint from 'typescript-eslint';",
    "import importX from 'eslint-plugin-import-x';",
    "import { existsSync, readdirSync } from 'node:fs';",
    "import { dirname, join } from 'node:path';",
    "import { fileURLToPath } from 'node:url';",
    '',
    '// Stage order of the pipeline: a stage may import only the stages before it. Every folder of src/ is a stage',
    '// except cli/, the outer shell; a stage named here that does not exist, or a folder missing here, stops the lint.',
    "const STAGES = ['model', 'parse', 'resolve', 'validate', 'targets', 'skeletons', 'emit', 'dev', 'synth', 'ignite', 'docs'];",
    "const src = join(dirname(fileURLToPath(import.meta.url)), 'src');",
    "const folders = readdirSync(src, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);",
    "const missing = STAGES.filter((s) => !existsSync(join(src, s)));",
    "const unlisted = folders.filter((f) => f !== 'cli' && !STAGES.includes(f));",
    'if (missing.length > 0 || unlisted.length > 0) {',
    '  throw new Error(`eslint.config.mjs: STAGES names folders src/ does not have (${missing.join(\', \') || \'none\'}) or misses folders it has (${unlisted.join(\', \') || \'none\'})`);',
    '}',
    'const layerZones = STAGES.flatMap((stage, i) =>',
    '  STAGES.slice(i + 1).map((later) => ({',
    '    target: `./src/${stage}`,',
    '    from: `./src/${later}`,',
    '    message: `src/${stage} is an earlier stage than src/${later} and must not import it`,',
    '  })),',
    ');',
    '',
    'export default tseslint.config(',
    "  { ignores: ['lib/**', 'node_modules/**', 'coverage/**', 'bench/out/**', 'cdk.out/**', 'fixtures/**', 'bin/**'] },",
    '  js.configs.recommended,',
    '  ...tseslint.configs.recommended,',
    '  // The generated code (platform package, templates) under the rules of the generated workspace\'s own',
    '  // eslint.config.mjs (src/skeletons/root.ts; a test holds the two rule sets equal), with type information.',
    `  ...tseslint.configs.recommendedTypeChecked.map((c) => ({ ...c, files: ${JSON.stringify(SKELETON_SOURCES)} })),`,
    '  {',
    `    files: ${JSON.stringify(SKELETON_SOURCES)},`,
    "    languageOptions: { parserOptions: { project: './tsconfig.skeletons.json', tsconfigRootDir: dirname(fileURLToPath(import.meta.url)) } },",
    `    rules: ${JSON.stringify(GENERATED_LINT_RULES)},`,
    '  },',
    '  {',
    "    files: ['src/skeletons/platform/test/**/*.ts', 'src/skeletons/templates/*/test/**/*.ts'],",
    "    rules: { '@typescript-eslint/unbound-method': 'off' },",
    '  },',
    '  {',
    "    files: ['**/*.ts'],",
    "    plugins: { 'import-x': importX },",
    "    settings: { 'import-x/resolver': { node: { extensions: ['.ts', '.js', '.json'] } }, 'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] }, 'import-x/extensions': ['.ts', '.js'] },",
    '    rules: {',
    "      '@typescript-eslint/no-explicit-any': 'error',",
    "      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],",
    "      'prefer-const': 'error',",
    "      eqeqeq: ['error', 'smart'],",
    "      'no-restricted-imports': ['error', { paths: [{ name: '@cdktf/provider-google', message: 'import resources by path (@cdktf/provider-google/lib/<resource>): the package root costs ~3 s and 450 MB' }] }],",
    "      'import-x/no-restricted-paths': ['error', { zones: [",
    "        { target: [...STAGES.map((s) => `./src/${s}`), './src/index.ts'], from: './src/cli', message: 'nothing imports src/cli: it is the outer shell' },",
    "        { target: './lib-constructs', from: './src', message: 'lib-constructs must stay usable on its own' },",
    '        ...layerZones,',
    '      ] }],',
    '      // No file imports itself through others: cycles make load order matter and stages blur.',
    "      'import-x/no-cycle': ['error', { ignoreExternal: true }],",
    '    },',
    '  },',
    ');',
  ],
  marker: false,
});

// The bad-input corpus keeps its bytes exactly (CRLF, binary, invalid UTF-8): no end-of-line conversion.
project.gitattributes.addAttributes('/fixtures/invalid/**', '-text');

project.addFields({
  engines: { node: '>=20.19.0' },
  files: PACKAGE_FILES,
  // the GCP target's libraries are optional peers: npm installs them only where a project asks for them itself
  peerDependenciesMeta: Object.fromEntries(GCP_PEER_DEPS.map((d) => [d.slice(0, d.lastIndexOf('@')), { optional: true }])),
});
project.package.addVersion(VERSION);

// Compile, then precompute the schema and its validator into lib/ so the CLI starts fast (see standalone.ts).
const compile = project.tasks.tryFind('compile');
compile?.reset('tsc -p tsconfig.json');
compile?.exec('node -e "require(\'./lib/src/validate/standalone\').writeBuildArtifacts(\'lib\')"');
// The generated repo's shared package is copied verbatim from src/skeletons/platform.
compile?.exec('rm -rf lib/src/skeletons/platform lib/src/skeletons/templates && mkdir -p lib/src/skeletons && cp -r src/skeletons/platform src/skeletons/templates lib/src/skeletons/');
// Last, as it reads all of the above: the CLI bundle lib/allframe.cjs and its code cache, warmed on the examples
// (src/cli/bundle.ts); bin/allframe runs it.
compile?.exec('node -e "require(\'./lib/src/cli/bundle\').writeCliBundle(\'lib\')"');
project.addTask('typecheck', {
  exec: 'tsc -p tsconfig.dev.json && tsc -p tsconfig.skeletons.json',
  description: 'Type-check everything (src, lib-constructs, test, bench; the platform package and the templates)',
});
project.addTask('lint', { exec: 'eslint --max-warnings 0 .', description: 'ESLint with zero warnings' });
// jest's JSON result goes to test-results.json (CI prints its "N passed, N failed" line from it). Without arguments,
// .ci/jest.mjs runs the two files that build whole generated workspaces in one jest process beside the rest in
// another and merges their results; with arguments it is plain jest.
const jest = project.addTask('jest', { exec: 'node .ci/jest.mjs', receiveArgs: true, description: 'Run the jest suites' });
// The type-check and ESLint run side by side (.ci/checks.sh: the same commands as the typecheck and lint tasks), then jest.
const checks = project.addTask('checks', {
  exec: 'bash .ci/checks.sh',
  description: 'The type-check and ESLint, side by side',
});
const test = project.tasks.tryFind('test');
test?.reset();
test?.spawn(checks);
test?.spawn(jest);
// `npm pack` and `npm publish` build lib/ first, so a tarball never ships a stale or missing build.
project.addTask('prepack', { description: 'Build lib/ before npm pack or npm publish', steps: [{ spawn: 'compile' }] });
project.addTask('bench', { exec: 'tsx bench/validate.ts', description: 'Benchmarks; results go to bench/RESULTS.md' });

// No auto-install after synthesis: dependencies change only through an explicit `npm install`.
process.env.PROJEN_DISABLE_POST = 'true';
project.synth();
