/** The architecture files whose generated workspaces the skeleton tests check, and writing those workspaces out. */
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { renderText } from '../helpers';

const root = join(__dirname, '..', '..');

/** Every architecture file with services: the examples and the archetype fixtures of both targets. */
export function workspaceSources(): { name: string; file: string }[] {
  const fixtures = (dir: string) => readdirSync(join(root, 'fixtures', dir)).filter((f) => f.endsWith('.yaml')).sort().map((f) => ({ name: `${dir}-${f.replace(/\.yaml$/, '')}`, file: join(root, 'fixtures', dir, f) }));
  return [
    { name: 'shop', file: join(root, 'examples', 'shop', 'architecture.yaml') },
    { name: 'shop-gcp', file: join(root, 'examples', 'shop-gcp', 'architecture.yaml') },
    ...fixtures('archetypes'),
    ...fixtures('archetypes-gcp'),
  ];
}

/** Writes the TypeScript of each source's workspace (the platform package aside) under `dir`/<name>/. */
export function writeWorkspaces(dir: string, sources = workspaceSources()): string[] {
  const written: string[] = [];
  for (const source of sources) {
    for (const f of renderText(readFileSync(source.file, 'utf8'))) {
      if (!f.path.endsWith('.ts') || f.path.startsWith('packages/platform/')) continue;
      const path = join(dir, source.name, f.path);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, f.content);
      written.push(path);
    }
  }
  return written;
}

