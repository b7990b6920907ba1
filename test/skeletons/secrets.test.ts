import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { renderText } from '../helpers';

const fixtures = join(__dirname, '..', '..', 'fixtures', 'archetypes');

/** The fixture with the secret API_TOKEN added to every service. */
function withSecrets(file: string): string {
  const doc = parse(readFileSync(join(fixtures, file), 'utf8')) as { services: { secrets?: string[] }[] };
  for (const s of doc.services) s.secrets = [...(s.secrets ?? []), 'API_TOKEN'];
  return stringify(doc);
}

describe.each(readdirSync(fixtures).filter((f) => f.endsWith('.yaml')))('secrets of every archetype (%s)', (file) => {
  // GIVEN every service of the fixture with a secret
  const files = renderText(withSecrets(file));
  const services = [...new Set(files.map((f) => /^services\/([^/]+)\//.exec(f.path)?.[1]).filter((s): s is string => s !== undefined))];
  const content = (s: string, p: string) => files.find((f) => f.path === `services/${s}/${p}`)?.content;

  test.each(services)('%s reads them at start-up, never as configuration', (s) => {
    // THEN the secret is not a configuration variable, SECRETS_SOURCE and SECRETS_PREFIX are
    const config = content(s, 'src/config.ts')!;
    expect(config).not.toContain('API_TOKEN');
    expect(config).toContain('SECRETS_SOURCE');
    expect(config).toContain('SECRETS_PREFIX');
    expect(content(s, 'src/secrets.ts')).toContain("'API_TOKEN'");
    expect(content(s, 'test/secrets.test.ts')).toContain('a missing secret is an error naming it, never a value');
    // AND every entry creating the dependencies reads the secrets first: Lambda ones on their first invocation
    const entries = files.filter((f) => f.path.startsWith(`services/${s}/src/entry/`) && f.content.includes('createDependencies('));
    expect(entries.length).toBeGreaterThan(0);
    for (const e of entries) {
      expect({ path: e.path, reads: e.content.includes('createDependencies(config, await loadServiceSecrets(config)') }).toEqual({ path: e.path, reads: true });
      expect(e.content).not.toMatch(/createDependencies\((config|loadConfig\(process\.env\))\)/);
      if (/^export const handler/m.test(e.content)) expect(e.content).toContain('await started()');
      else expect(e.content).toContain('async function main(): Promise<');
    }
  });
});
