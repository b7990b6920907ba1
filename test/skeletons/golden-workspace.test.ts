/**
 * Golden snapshots of the rendered workspace (every file but the platform package, which is copied verbatim and
 * tested on its own): the reference example on AWS and on GCP, all twelve archetypes between them. A change to a
 * template or a renderer shows here as a reviewable diff. Refresh with UPDATE_GOLDEN=1 and review it like code.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { golden } from '../targets/aws/helpers';
import { renderText } from '../helpers';

const root = join(__dirname, '..', '..');

/** One text holding every rendered file, each under a header naming its path and kind. */
export function workspaceSnapshot(architecture: string): string {
  return renderText(readFileSync(architecture, 'utf8'))
    .filter((f) => !f.path.startsWith('packages/platform/src/') && !f.path.startsWith('packages/platform/test/'))
    .map((f) => `==== ${f.path} (${f.kind}) ====\n${f.content}`)
    .join('');
}

describe('the rendered workspace', () => {
  test.each(['shop', 'shop-gcp'])('%s: matches its golden snapshot, byte for byte', (example) => {
    const actual = workspaceSnapshot(join(root, 'examples', example, 'architecture.yaml'));
    expect(actual).toBe(golden(join(root, 'test', 'golden', 'workspace', `${example}.txt`), actual));
  });
});
