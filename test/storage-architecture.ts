/** The small storage architecture the local-run tests share (test/dev/plan.test.ts, test/compose/compose.test.ts). */

/** An architecture on `cloud` (its `cloud:` line): archive owns a bucket (read by reports when `readers`), ledger has none. */
export function storageArchitecture(cloud: string, readers = true): string {
  return [
    'architecture: { name: file-shop }',
    cloud,
    'services:',
    `  - { name: archive, type: stateless, storage: { ${readers ? 'readers: [reports]' : ''} } }`,
    '  - { name: reports, type: stateless }',
    '  - { name: ledger, type: stateless }',
    '',
  ].join('\n');
}
