/** The generated workspace's root: npm workspaces, one type-check, one lint, one jest with per-package thresholds. */
import type { ResolvedArchitecture } from '../resolve/index';
import { OutputFile, managed, managedJson, owned } from '../model/output-file';
import { PACKAGE_NAME, allframeVersion } from '../model/version';
import { CDK_CLI, DEV_DEPENDENCIES } from './versions';
import { WORKSPACE_COMPILER_OPTIONS } from './compiler-options';
import { lintRulesSource } from './lint-rules';

/**
 * The workspace's own tools: allframe at the version that generated it (so `npx allframe synth --check` and the
 * `cdk-app` of cdk.json run the same allframe, installed, never fetched on the fly) and, on AWS, the CDK CLI.
 */
function toolDependencies(model: ResolvedArchitecture): Record<string, string> {
  return { [PACKAGE_NAME]: allframeVersion(), ...(model.target === 'aws' ? CDK_CLI : {}) };
}

export function rootFiles(model: ResolvedArchitecture, sourceFile: string): OutputFile[] {
  const arch = model.file.architecture;
  return [
    managedJson('package.json', {
      name: arch.name,
      version: arch.version ?? '0.1.0',
      private: true,
      description: arch.description ?? '',
      workspaces: ['packages/*', 'services/*'],
      engines: { node: '>=20.19.0' },
      scripts: {
        synth: `allframe synth ${sourceFile}`,
        typecheck: 'tsc -p tsconfig.json',
        lint: 'eslint --max-warnings 0 .',
        jest: 'jest',
        // the committed OpenAPI documents of the API services, after a change to their schemas or routes
        openapi: 'UPDATE_OPENAPI=1 jest --coverage=false test/openapi',
        // the committed GraphQL schemas of the services that serve GraphQL, likewise
        ...(model.services.some((s) => s.protocols.includes('graphql')) ? { graphql: 'UPDATE_GRAPHQL=1 jest --coverage=false test/graphql' } : {}),
        ...(model.services.some((s) => s.protocols.includes('grpc')) ? { proto: 'UPDATE_PROTO=1 jest --coverage=false test/grpc' } : {}),
        // docs/asyncapi.yaml and packages/events/schemas/, after a change to the event schemas
        asyncapi: 'UPDATE_ASYNCAPI=1 jest --coverage=false packages/events/test/asyncapi',
        test: 'npm run typecheck && npm run lint && npm run jest',
      },
      devDependencies: sorted({ ...DEV_DEPENDENCIES, ...toolDependencies(model) }),
    }),
    managedJson('tsconfig.base.json', {
      compilerOptions: WORKSPACE_COMPILER_OPTIONS,
    }),
    managedJson('tsconfig.json', {
      extends: './tsconfig.base.json',
      compilerOptions: { noEmit: true },
      include: ['packages/*/src/**/*.ts', 'packages/*/test/**/*.ts', 'services/*/src/**/*.ts', 'services/*/test/**/*.ts'],
    }),
    managed(
      'eslint.config.mjs',
      `import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '**/coverage/**', 'cdk.out/**', 'infrastructure/**', 'eslint.config.mjs', 'jest.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { project: './tsconfig.json', tsconfigRootDir: import.meta.dirname } },
    rules: {
${lintRulesSource(3)}
    },
  },
  {
    files: ['**/test/**/*.ts'],
    rules: { '@typescript-eslint/unbound-method': 'off' },
  },
);
`,
    ),
    managed(
      'jest.config.js',
      `// Every package under packages/ and services/ is tested with its own 80% line and branch threshold.
// Thin entry points (src/entry/) only wire adapters to the app and are left out of coverage.
const { readdirSync, existsSync } = require('node:fs');
const { join } = require('node:path');

const packages = ['packages', 'services'].flatMap((dir) =>
  existsSync(join(__dirname, dir)) ? readdirSync(join(__dirname, dir)).sort().map((name) => \`\${dir}/\${name}\`) : [],
);

module.exports = {
  testEnvironment: 'node',
  roots: packages.flatMap((p) => [\`<rootDir>/\${p}/src\`, \`<rootDir>/\${p}/test\`]).filter((r) => existsSync(r.replace('<rootDir>', __dirname))),
  testMatch: ['**/test/**/*.test.ts'],
  transform: { '^.+\\\\.ts$': ['@swc/jest', {}] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  collectCoverage: true,
  collectCoverageFrom: [...packages.map((p) => \`\${p}/src/**/*.ts\`), '!**/src/entry/**'],
  coverageReporters: ['text-summary', 'json-summary'],
  coverageThreshold: Object.fromEntries(packages.map((p) => [\`./\${p}/src/\`, { lines: 80, branches: 80 }])),
};
`,
    ),
    // A repo usually has these already: they are starting points, never overwritten.
    owned('.gitignore', 'node_modules/\ncoverage/\ndist/\n*.tsbuildinfo\ncdk.out/\n'),
    owned(
      'README.md',
      `# ${arch.name}

${arch.description ?? ''}

Generated from \`${sourceFile}\` by allframe (the \`allframe\` package on npm; the version that generated this
workspace is its devDependency in package.json).

## Layout

- \`packages/platform/\`: shared runtime (configuration, logging, tracing, health and readiness, idempotency,
  outbox, events, repositories, resilience, queue consumers, secrets, caching), with cloud adapters on the
  official SDKs and in-memory adapters for tests.
- \`packages/events/\`: the contract of every event: its zod schema in \`src/<event>.ts\` (yours), checked by every
  publisher before sending and every consumer before handling; \`docs/asyncapi.yaml\` (AsyncAPI 3.0) and
  \`schemas/<Event>.json\` follow it (\`npm run asyncapi\` after a change).
- \`services/<name>/\`: one package per service, ports and adapters: \`src/domain/\` and \`src/application/\` are
  yours (written once, never overwritten), \`src/adapters/\`, \`src/entry/\`, \`src/app.ts\` and \`src/config.ts\` are
  generated. \`src/entry/\` holds the Lambda and container entry points: the same code runs on Lambda, Fargate,
  Cloud Run and Fly.io.

## Run, test, regenerate

\`\`\`bash
npm install
npm test                      # tsc (strict), ESLint with zero warnings, jest with 80% coverage per package
npx allframe synth            # regenerate after changing ${sourceFile}
npx allframe synth --check    # in CI: fails when generated files are stale
npx jest --coverage=false services/<name>   # one package while iterating (coverage thresholds need the whole suite)
\`\`\`

Files that start with a "Generated by allframe" line are regenerated on every synth and listed with their
hashes in \`.allframe/manifest.json\`; allframe refuses to overwrite them if you edited them (\`--force\`
discards your edits). Every other file it wrote once is yours.
`,
    ),
  ];
}

/** npm writes dependencies sorted by name; so do we, so that \`npm install <pkg>\` does not reorder the file. */
function sorted(deps: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(deps).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
