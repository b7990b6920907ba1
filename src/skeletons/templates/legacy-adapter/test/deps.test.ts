import { testSecrets } from '@allframe/platform';
import { RestUpstream } from '../src/adapters/upstream'; // @if rest
import { SoapUpstream } from '../src/adapters/upstream'; // @if soap
import { CustomUpstream } from '../src/application/custom-upstream'; // @if custom
import { loadConfig } from '../src/config';
import { createDependencies } from '../src/deps';
import { SECRET_NAMES } from '../src/secrets';

describe('dependency wiring', () => {
  test('the __protocol__ upstream client and in-memory adapters by default', async () => {
    const deps = createDependencies(loadConfig({}), testSecrets(SECRET_NAMES));
    expect(deps.upstream).toBeInstanceOf(RestUpstream); // @if rest
    expect(deps.upstream).toBeInstanceOf(SoapUpstream); // @if soap
    expect(deps.upstream).toBeInstanceOf(CustomUpstream); // @if custom
    await expect(deps.cursors.list()).resolves.toEqual([]); // @if polling
    await expect(deps.relay.runOnce()).resolves.toBe(0); // @if outbox
    await expect(deps.close()).resolves.toBeUndefined();
  });
});
