import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openApiDocument, testSecrets } from '@allframe/platform';
import { API_VERSION, buildApp } from '../src/app';
import { loadConfig } from '../src/config';
import { createDependencies } from '../src/deps';
import { SECRET_NAMES } from '../src/secrets';
// @slot imports
// @end

/** The service's OpenAPI document, committed beside its package.json so that a change to the API shows in review. */
const FILE = join(__dirname, '..', 'openapi.json');

/**
 * openapi.json is the document of the routes as they are. `npm run openapi` writes it after a change to the schemas
 * or routes (UPDATE_OPENAPI=1); a run that finds none writes it, as jest writes a new snapshot.
 */
test('openapi.json is the OpenAPI document of the routes (npm run openapi updates it)', async () => {
  // @slot deps
  const deps = createDependencies(loadConfig({}), testSecrets(SECRET_NAMES));
  // @end
  try {
    const text = `${JSON.stringify(openApiDocument(buildApp(/*=appArgs*/ deps), { service: '__service__', version: API_VERSION }), null, 2)}\n`;
    if (process.env.UPDATE_OPENAPI === '1' || !existsSync(FILE)) writeFileSync(FILE, text);
    expect(readFileSync(FILE, 'utf8')).toBe(text);
  } finally {
    await deps.close();
  }
});
