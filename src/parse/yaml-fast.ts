/**
 * The happy path of the YAML parse. Most files have no problem, and nothing asks where their values stand, so
 * they are read by js-yaml (about 4 times faster than `yaml` on a cold start, and without loading it) and the
 * positions are worked out by the full parser (./yaml) only when a diagnostic first needs one. Everything the
 * fast path is not sure about — a js-yaml error, an alias, a tag, a merge key, a directive, a document that is not
 * a mapping — goes to the full parser, so the values, the problems found and their locations are exactly the full
 * parser's (test/parse/yaml-fast.test.ts compares the two on every file in the repository and on mutations of them).
 */
import { CORE_SCHEMA, load } from 'js-yaml';
import type { Diagnostic } from '../model/diagnostics';
import type { SourceDocument } from './document';
import { isRecord } from './values';

/**
 * Text the fast path leaves to the full parser, where js-yaml is more lenient than YAML 1.2 (found by the
 * mutation test): a directive (%), a merge key (<<), a tab in the indentation (even of a blank line), a tag (!) or
 * an anchor (&) starting a token, and an empty or explicit key (a lone : or ? starting a token).
 */
const FULL_PARSE_ONLY = /^%|^ *\t|<<|(?:^|[\s[{,])(?:[!&]|[?:](?=\s|$))/m;

/** Parse YAML into a located document. Problems are appended to `diags`; the value is undefined on failure. */
export function parseYaml(doc: SourceDocument, diags: Diagnostic[]): void {
  const value = FULL_PARSE_ONLY.test(doc.text) ? undefined : fastLoad(doc.text);
  if (isRecord(value)) {
    doc.value = value;
    doc.map.fillOnDemand(() => full().locateYaml(doc));
    return;
  }
  full().parseYaml(doc, diags);
}

/** The YAML 1.2 core-schema value of a file, or undefined when js-yaml refuses it (the full parser then says why). */
export function fastLoad(text: string): unknown {
  try {
    // maxAliases 0: aliases expand under the full parser's limits (AF1007), and are located at the alias.
    return load(text, { schema: CORE_SCHEMA, maxAliases: 0 });
  } catch {
    return undefined;
  }
}

function full(): typeof import('./yaml') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the full parser loads only when needed
  return require('./yaml') as typeof import('./yaml');
}
