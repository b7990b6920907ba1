/** The architecture files whose generated workspaces the skeleton tests check, and writing those workspaces out. */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import * as ts from 'typescript';
import { TEMPLATES } from '../../src/ignite/templates';
import { templateShare } from '../../src/skeletons/template';
import { renderText } from '../helpers';

const root = join(__dirname, '..', '..');

/** One architecture: a file, or (a template's) text named by `file`. */
export interface WorkspaceSource {
  readonly name: string;
  readonly file: string;
  readonly text?: string;
}

/**
 * Object storage (services[].storage) on `cloud`: a consumer archiving what it consumes in its bucket, read by a
 * stateless service that has a bucket of its own too.
 */
export function storageArchitecture(cloud: 'aws' | 'gcp'): string {
  return `architecture:
  name: event-archive
cloud:
  primary: ${cloud}
${cloud === 'aws' ? '  aws: { region: eu-west-1 }' : '  gcp: { project_id: event-archive-prod, region: europe-west1, state_bucket: event-archive-tfstate }'}
services:
  - name: order-service
    type: stateless
    publishes: [OrderPlaced]
  - name: archive-service
    type: consumer
    responsibility: Archives every order placed
    consumes:
      - { event: OrderPlaced, from: order-service }
    consumer: { dlq: true }
    storage:
      retention_days: 365
      readers: [audit-service]
  - name: audit-service
    type: stateless
    responsibility: Serves the archive to auditors, with exports of its own
    storage: {}
`;
}

/** Every architecture file with services: the examples, the archetype fixtures of both targets, and the templates (on AWS). */
export function workspaceSources(): WorkspaceSource[] {
  const fixtures = (dir: string) => readdirSync(join(root, 'fixtures', dir)).filter((f) => f.endsWith('.yaml')).sort().map((f) => ({ name: `${dir}-${f.replace(/\.yaml$/, '')}`, file: join(root, 'fixtures', dir, f) }));
  return [
    { name: 'shop', file: join(root, 'examples', 'shop', 'architecture.yaml') },
    { name: 'shop-gcp', file: join(root, 'examples', 'shop-gcp', 'architecture.yaml') },
    ...fixtures('archetypes'),
    ...fixtures('archetypes-gcp'),
    ...TEMPLATES.map((t) => ({ name: `template-${t.name}`, file: `template ${t.name}`, text: t.render({ name: `my-${t.name}`, cloud: 'aws' }) })),
    ...(['aws', 'gcp'] as const).map((cloud) => ({ name: `storage-${cloud}`, file: `storage on ${cloud}`, text: storageArchitecture(cloud) })),
    // architecture.multi_tenant (row-level): a stateless service with test/tenancy.test.ts, and a consumer
    ...(['aws', 'gcp'] as const).map((cloud) => ({ name: `tenancy-${cloud}`, file: join(root, 'fixtures', 'tenancy', `${cloud}.yaml`) })),
  ];
}

/**
 * Writes the TypeScript of each source's workspace (the platform package aside) under `dir`/<name>/, with the events
 * package and each service package linked into the workspace's node_modules as npm links a workspace package, so
 * `@<name>/events` resolves to its source there (the platform package is mapped by the callers, the same for every
 * workspace), and so do the route definitions a BFF imports from the services it has typed clients of.
 */
export function writeWorkspaces(dir: string, sources: readonly WorkspaceSource[] = workspaceSources()): string[] {
  const written: string[] = [];
  for (const source of sources) {
    for (const f of renderText(source.text ?? readFileSync(source.file, 'utf8'))) {
      const service = /^services\/([^/]+)\/package\.json$/.exec(f.path);
      if (service) {
        const link = join(dir, source.name, 'node_modules', (JSON.parse(f.content) as { name: string }).name);
        mkdirSync(dirname(link), { recursive: true });
        symlinkSync(relative(dirname(link), join(dir, source.name, 'services', service[1]!)), link, 'dir');
      }
      const events = f.path === 'packages/events/package.json';
      if ((!f.path.endsWith('.ts') && !events) || f.path.startsWith('packages/platform/')) continue;
      const path = join(dir, source.name, f.path);
      mkdirSync(dirname(path), { recursive: true });
      // the package's entry, without its name: jest's module map refuses two packages of one name (shop and shop-gcp)
      const pkg = events ? (JSON.parse(f.content) as { name: string; main: string; types: string }) : undefined;
      writeFileSync(path, pkg ? JSON.stringify({ main: pkg.main, types: pkg.types }) : f.content);
      if (!pkg) written.push(path);
      else {
        const link = join(dir, source.name, 'node_modules', ...pkg.name.split('/'));
        mkdirSync(dirname(link), { recursive: true });
        symlinkSync(join(dir, source.name, 'packages', 'events'), link, 'dir');
      }
    }
  }
  return written;
}

/**
 * The services (`<source>/services/<service>`) whose tests are byte-for-byte those of a service of an earlier source:
 * the same code and tests (entries aside, which the tests never load), the same events package and the same code
 * of every service whose package it imports (a BFF's typed clients import their services' route definitions). The aws and gcp twins of a
 * fixture mostly generate such services, whose tests would run twice to the same result.
 */
export function twinServices(sources: readonly WorkspaceSource[] = workspaceSources()): { twins: string[]; of: Map<string, string> } {
  const first = new Map<string, string>();
  const of = new Map<string, string>();
  for (const source of sources) {
    const rendered = renderText(source.text ?? readFileSync(source.file, 'utf8'));
    const files = rendered.filter((f) => f.path.endsWith('.ts') && !/^services\/[^/]+\/src\/entry\//.test(f.path));
    const packages = new Map(rendered.flatMap((f) => {
      const service = /^services\/([^/]+)\/package\.json$/.exec(f.path)?.[1];
      return service ? [[(JSON.parse(f.content) as { name: string }).name, service] as const] : [];
    }));
    const code = (service: string, dirs: string) => files.filter((f) => new RegExp(`^services/${service}/(${dirs})/`).test(f.path));
    for (const service of new Set(packages.values())) {
      const own = code(service, 'src|test');
      // the services whose packages it imports (a BFF's typed clients import their route definitions)
      const imported = [...packages].filter(([name, other]) => other !== service && own.some((f) => f.content.includes(`'${name}`))).map(([, other]) => other);
      const inputs = [...own, ...imported.flatMap((other) => code(other, 'src')), ...files.filter((f) => f.path.startsWith('packages/events/'))];
      const hash = createHash('sha256');
      for (const f of inputs.sort((a, b) => a.path.localeCompare(b.path))) hash.update(`${f.path}\0${f.content}\0`);
      const digest = hash.digest('hex');
      const earlier = first.get(digest);
      if (earlier) of.set(`${source.name}/services/${service}`, earlier);
      else first.set(digest, `${source.name}/services/${service}`);
    }
  }
  return { twins: [...of.keys()], of };
}

/**
 * The jest configuration running the tests of the workspaces written under `dir` with allframe's own jest: their
 * imports of the workspace's dependencies resolve from allframe's devDependencies (the same versions), and
 * `@<name>/platform` maps to the platform package's source, as in the generated workspace's jest.config.js.
 */
export function workspaceJestConfig(dir: string): Record<string, unknown> {
  const platform = (file: string) => join(root, 'src', 'skeletons', 'platform', 'src', file);
  return {
    rootDir: dir,
    testEnvironment: 'node',
    transform: { '^.+\\.ts$': [require.resolve('@swc/jest'), {}] },
    moduleFileExtensions: ['ts', 'js', 'json'],
    modulePaths: [join(root, 'node_modules')],
    moduleNameMapper: {
      '^@[^/]+/platform$': platform('index.ts'),
      '^@[^/]+/platform/graphql$': platform('graphql.ts'),
      '^@[^/]+/platform/grpc$': platform('grpc.ts'),
      '^@[^/]+/platform/scheduler$': platform('scheduler.ts'),
    },
  };
}

/** Lines of generated service TypeScript from templates, over all fixtures. */
export function measureShare(): { fromTemplates: number; total: number; share: number } {
  let fromTemplates = 0;
  let total = 0;
  for (const source of workspaceSources()) {
    const files = renderText(source.text ?? readFileSync(source.file, 'utf8')).filter((f) => f.path.startsWith('services/'));
    const m = templateShare(files);
    fromTemplates += m.fromTemplates;
    total += m.total;
  }
  return { fromTemplates, total, share: fromTemplates / total };
}

/** Every function of the renderers (src/skeletons, templates and platform aside) longer than `max` lines. */
export function longFunctions(max: number): string[] {
  const dir = join(root, 'src', 'skeletons');
  const long: string[] = [];
  for (const entry of readdirSync(dir, { recursive: true }).map(String)) {
    if (!entry.endsWith('.ts') || /^(templates|platform)\//.test(entry)) continue;
    const path = join(dir, entry);
    const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.ES2022, true);
    const visit = (node: ts.Node): void => {
      if (ts.isFunctionDeclaration(node) || ts.isArrowFunction(node) || ts.isFunctionExpression(node) || ts.isMethodDeclaration(node)) {
        const lines = source.getLineAndCharacterOfPosition(node.getEnd()).line - source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
        const name = ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node) ? node.name?.getText() : ts.isVariableDeclaration(node.parent) ? node.parent.name.getText() : undefined;
        if (lines > max) long.push(`${relative(root, path)}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1} ${name ?? '(anonymous)'} ${lines} lines`);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return long.sort();
}
