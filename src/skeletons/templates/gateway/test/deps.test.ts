import { testSecrets } from '@allframe/platform';
import { loadConfig } from '../src/config';
import { createDependencies } from '../src/deps';
import { SECRET_NAMES } from '../src/secrets';

// @slot env
const ENV = { PROVIDER_BASE_URL: 'https://provider.test' };
// @end

describe('dependency wiring', () => {
  test('one client per provider, in-memory adapters by default', async () => {
    const deps = createDependencies(loadConfig(ENV), testSecrets(SECRET_NAMES));
    expect(Object.keys(deps.providers)).toEqual([
      '__providerVar__', // @each providers
    ]);
    await expect(deps.relay.runOnce()).resolves.toBe(0); // @if outbox
    await expect(deps.close()).resolves.toBeUndefined();
  });
});
