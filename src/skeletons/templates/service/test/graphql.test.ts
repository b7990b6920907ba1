import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { testSecrets } from '@allframe/platform';
import { servedGraphqlSchema } from '@allframe/platform/graphql';
import { buildApp } from '../src/app';
import { loadConfig } from '../src/config';
import { createDependencies } from '../src/deps';
import { SECRET_NAMES } from '../src/secrets';

/** The service's GraphQL schema, committed beside its package.json so that a change to the API shows in review. */
const FILE = join(__dirname, '..', 'schema.graphql');

/**
 * schema.graphql is the schema /graphql serves, read by introspection. `npm run graphql` writes it after a change to
 * the schemas (UPDATE_GRAPHQL=1); a run that finds none writes it, as jest writes a new snapshot.
 */
test('schema.graphql is the schema served at /graphql (npm run graphql updates it)', async () => {
  const deps = createDependencies(loadConfig({ LOG_LEVEL: 'silent' }), testSecrets(SECRET_NAMES));
  try {
    const text = await servedGraphqlSchema(buildApp(deps));
    if (process.env.UPDATE_GRAPHQL === '1' || !existsSync(FILE)) writeFileSync(FILE, text);
    expect(readFileSync(FILE, 'utf8')).toBe(text);
  } finally {
    await deps.close();
  }
});
