/**
 * The generated workspace runs its own, installed tools: `allframe` at the generating version and, on AWS, the CDK
 * CLI pinned as in this repository, so `npx allframe synth --check` and `npx cdk synth` (cdk.json) never fetch a
 * package on the fly. And no generated file names a domain allframe does not own (we own none).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { SCHEMA_ID, architectureJsonSchema } from '../../src/model/schema';
import { synthAws } from '../../src/targets/aws/synth';
import { validateSource } from '../../src/validate';
import { MINIMAL, renderText } from '../helpers';

const ROOT = join(__dirname, '..', '..');
const repoPackage = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; devDependencies: Record<string, string> };

function rootPackage(text: string): { devDependencies: Record<string, string>; scripts: Record<string, string> } {
  const file = renderText(text).find((f) => f.path === 'package.json');
  return JSON.parse(file!.content) as { devDependencies: Record<string, string>; scripts: Record<string, string> };
}

describe('the tools of the generated workspace', () => {
  test('on AWS: allframe at this version and the CDK CLI as pinned in this repository, sorted by name', () => {
    const { devDependencies } = rootPackage(MINIMAL);
    expect(devDependencies).toMatchObject({ allframe: repoPackage.version, 'aws-cdk': repoPackage.devDependencies['aws-cdk'] });
    expect(repoPackage.devDependencies['aws-cdk']).toMatch(/^\d+\.\d+\.\d+$/);
    expect(Object.keys(devDependencies)).toEqual(Object.keys(devDependencies).sort());
  });

  test('on GCP: allframe, and no CDK CLI (nothing there runs it)', () => {
    const { devDependencies } = rootPackage(`${MINIMAL}cloud: { primary: gcp, gcp: { project_id: shop-prod, state_bucket: shop-tf-state } }\n`);
    expect(devDependencies.allframe).toBe(repoPackage.version);
    expect(devDependencies).not.toHaveProperty('aws-cdk');
  });

  test("cdk.json runs the workspace's allframe, and its synth script the same", () => {
    const r = validateSource('architecture.yaml', MINIMAL, { env: {} });
    const cdkJson = synthAws(r.model!, { validation: false, sourceFile: 'architecture.yaml' }).files.find((f) => f.path === 'cdk.json');
    expect(JSON.parse(cdkJson!.content)).toMatchObject({ app: 'npx allframe cdk-app architecture.yaml', output: 'cdk.out' });
    expect(rootPackage(MINIMAL).scripts.synth).toBe('allframe synth architecture.yaml');
  });
});

/**
 * Host names generated text may contain. allframe owns no domain and has no public repository URL, so it links
 * neither: only names reserved for examples and tests (RFC 2606, RFC 6761), loopback, the clouds' own endpoints,
 * standard namespace identifiers (JSON Schema meta-schemas, SOAP, tempuri.org as the default namespace of ASMX
 * services) and single-label service names (http://inventory-service) are allowed.
 */
const ALLOWED_HOSTS: readonly RegExp[] = [
  /^(localhost|127\.0\.0\.1|0\.0\.0\.0|\d+\.\d+\.\d+\.\d+)$/,
  /(^|\.)example\.(com|net|org)$/,
  /\.(test|invalid|example|localhost|local|internal)$/,
  /(^|\.)amazonaws\.com$/,
  /(^|\.)(googleapis\.com|run\.app|gcr\.io|pkg\.dev)$/,
  /^(json-schema\.org|schemas\.xmlsoap\.org|tempuri\.org|www\.w3\.org)$/,
  /^[a-z0-9{}_-]+$/i,
  /^\$?\{[^}]+\}/, // a placeholder (https://{api-id}.execute-api.{region}.amazonaws.com, http://${service})
];

function hosts(text: string): string[] {
  return [...text.matchAll(/\b[a-z][a-z0-9+.-]*:\/\/(?:[^@/\s"'`]*@)?([^/:\s"'`)<>?#\\]+)/gi)].map((m) => m[1]!.toLowerCase());
}

describe('generated text names no domain we do not own', () => {
  const sources = [
    ...['shop', 'shop-gcp'].map((e) => join(ROOT, 'examples', e, 'architecture.yaml')),
    ...readdirSync(join(ROOT, 'fixtures', 'archetypes')).map((f) => join(ROOT, 'fixtures', 'archetypes', f)),
  ];

  test.each(sources.map((s) => [s.slice(ROOT.length + 1), s]))('%s: every URL in the workspace names an allowed host', (_name, file) => {
    // GIVEN the rendered workspace (its README, package files, code and tests), with the file's own values
    const text = readFileSync(file, 'utf8');
    const own = new Set(hosts(text));
    const found = new Set(renderText(text).flatMap((f) => hosts(f.content)));

    // THEN every host is allowed, or came from the architecture file itself
    expect([...found].filter((h) => !own.has(h) && !ALLOWED_HOSTS.some((re) => re.test(h))).sort()).toEqual([]);
  });

  test('the schema $id is a URN, and the published schema carries it', () => {
    expect(SCHEMA_ID).toBe('urn:allframe:schema:architecture:1');
    expect(architectureJsonSchema().$id).toBe(SCHEMA_ID);
    const published = JSON.parse(readFileSync(join(ROOT, 'schema', 'architecture.schema.json'), 'utf8')) as { $id: string };
    expect(published.$id).toBe(SCHEMA_ID);
    expect(hosts(JSON.stringify(published)).filter((h) => !ALLOWED_HOSTS.some((re) => re.test(h)))).toEqual([]);
  });

  test('a domain we do not own is caught', () => {
    expect(hosts('Generated by [allframe](https://allframe.dev) and postgres://u:p@db.acme.io:5432/x').filter((h) => !ALLOWED_HOSTS.some((re) => re.test(h)))).toEqual(['allframe.dev', 'db.acme.io']);
  });
});
