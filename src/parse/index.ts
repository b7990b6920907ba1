import { extname } from 'node:path';
import { Diagnostic } from '../model/diagnostics';
import { SourceDocument, SourceFormat, fileDiagnostic } from './document';
import { isRecord } from './values';
import { parseYaml } from './yaml-fast';

export * from './document';
export { isRecord, setOwn } from './values';

/** Files larger than this are refused before parsing (1,000 services take about 250 KiB). */
export const MAX_FILE_BYTES = 5 * 1024 * 1024;

export interface ParseResult {
  /** Present when the file parsed into a mapping. */
  readonly document?: SourceDocument;
  readonly diagnostics: Diagnostic[];
  /**
   * The file's text as read (BOM dropped, lone CRs made newlines), whenever it is text, also when it does not
   * parse: what diagnostics' line and column refer to, for excerpts. Absent for binary files.
   */
  readonly text?: string;
}

/** The format a file name implies, or undefined for an unsupported extension. */
export function formatOf(file: string): SourceFormat | undefined {
  const ext = extname(file).toLowerCase();
  if (ext === '.yaml' || ext === '.yml') return 'yaml';
  if (ext === '.toml') return 'toml';
  return undefined;
}

/**
 * Parse the bytes of an architecture file. Never throws for bad input: every problem is a Diagnostic.
 * `format` defaults to the one implied by the file name.
 */
export function parseSource(file: string, bytes: Uint8Array | string, format?: SourceFormat): ParseResult {
  const fmt = format ?? formatOf(file);
  if (!fmt) {
    return { diagnostics: [fileDiagnostic(file, { code: 'AF1010', message: `unsupported file type "${extname(file)}": use .yaml, .yml or .toml` })] };
  }
  const size = typeof bytes === 'string' ? Buffer.byteLength(bytes) : bytes.byteLength;
  if (size > MAX_FILE_BYTES) {
    return {
      diagnostics: [
        fileDiagnostic(file, { code: 'AF1002', message: `the file is ${(size / 1024 / 1024).toFixed(1)} MiB; architecture files are limited to ${MAX_FILE_BYTES / 1024 / 1024} MiB` }),
      ],
    };
  }
  let text: string;
  if (typeof bytes === 'string') {
    text = bytes;
  } else {
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      // Point at the first byte that is not UTF-8: decode leniently and find the first replacement character.
      const lenient = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
      const doc = new SourceDocument(file, lenient, fmt);
      const at = Math.max(0, lenient.indexOf('\uFFFD'));
      return { diagnostics: [doc.diagnostic({ code: 'AF1003', message: 'the file is not valid UTF-8 text', span: doc.lines.span(at, at + 1), hint: 'save the file as UTF-8' })] };
    }
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  // Old Mac line ends (a lone CR): make them newlines, same length, so offsets keep their meaning.
  if (text.includes('\r')) text = text.replace(/\r(?!\n)/g, '\n');
  const nul = text.indexOf('\u0000');
  if (nul >= 0) {
    const doc = new SourceDocument(file, text, fmt);
    return { diagnostics: [doc.diagnostic({ code: 'AF1003', message: 'the file holds NUL bytes: it is not a text file', span: doc.lines.span(nul, nul + 1) })] };
  }

  const doc = new SourceDocument(file, text, fmt);
  const diagnostics: Diagnostic[] = [];
  if (text.trim() === '') {
    diagnostics.push(doc.diagnostic({ code: 'AF1004', message: 'the file is empty' }));
    return { diagnostics, text };
  }
  if (fmt === 'yaml') parseYaml(doc, diagnostics);
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the TOML parsers load only for TOML files
  else (require('./toml') as typeof import('./toml')).parseToml(doc, diagnostics);
  if (diagnostics.length > 0) return { diagnostics, text };
  if (!isRecord(doc.value)) {
    const kind = Array.isArray(doc.value) ? 'a list' : `a ${doc.value === null ? 'null' : typeof doc.value} value`;
    diagnostics.push(doc.diagnostic({ code: 'AF1009', message: `the document is ${kind}; expected a mapping with architecture and services` }));
    return { diagnostics, text };
  }
  return { document: doc, diagnostics, text };
}
