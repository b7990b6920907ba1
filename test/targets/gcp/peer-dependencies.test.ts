/**
 * cdktf and @cdktf/provider-google are optional peers of the package (the CLI bundle carries them): the library API's
 * GCP target, where a project did not install them, says which to install instead of a bare MODULE_NOT_FOUND.
 * (test/e2e/package.test.ts shows the installed CLI synthesizing for gcp without them.)
 */
jest.mock('cdktf', () => {
  throw Object.assign(new Error("Cannot find module 'cdktf' from 'src/targets/gcp/app.ts'"), { code: 'MODULE_NOT_FOUND' });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TARGET_SYNTHESIZERS } from '../../../src/targets';

test('the GCP target without its optional peers names what to install, at the versions the package pins', () => {
  const peers = (JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { peerDependencies: Record<string, string> }).peerDependencies;
  expect(() => TARGET_SYNTHESIZERS.gcp.load?.()).toThrow(
    `the GCP target of allframe's library needs cdktf, an optional peer of allframe: npm install --save-dev cdktf@${peers.cdktf!} @cdktf/provider-google@${peers['@cdktf/provider-google']!}`,
  );
});
