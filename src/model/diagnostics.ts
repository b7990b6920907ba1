/**
 * One error type for every user mistake, from reading the file to what a target can honour.
 *
 * Codes are stable: once published a code keeps its meaning. The catalogue below is the single source of
 * `docs/errors.md` (a test keeps the two in step).
 */

/** A 1-based line and column, plus the 0-based character offset into the source text. */
export interface Position {
  readonly line: number;
  readonly col: number;
  readonly offset: number;
}

/** A range in a source file; `end` is exclusive. */
export interface Span {
  readonly start: Position;
  readonly end: Position;
}

/** A path into the document: object keys and array indexes, from the root. */
export type DocPath = ReadonlyArray<string | number>;

export type Severity = 'error' | 'warning';

interface CodeInfo {
  readonly title: string;
  readonly stage: 'parse' | 'resolve' | 'schema' | 'semantic' | 'target' | 'emit' | 'workspace' | 'usage';
  /** What usually causes it and how to fix it, for docs/errors.md. */
  readonly help: string;
}

/** The catalogue of error codes. Add new codes at the end of their block; never renumber. */
export const ERROR_CODES = {
  AF1001: { stage: 'parse', title: 'File not found or unreadable', help: 'Check the path. Without a path, allframe looks for architecture.yaml, architecture.yml or architecture.toml in the current directory.' },
  AF1002: { stage: 'parse', title: 'File too large', help: 'Architecture files are limited to 5 MiB (1,000 services take about 250 KiB). A larger file is almost certainly not an architecture file.' },
  AF1003: { stage: 'parse', title: 'Not a text file', help: 'The file holds NUL bytes or is not valid UTF-8. Save it as UTF-8 text.' },
  AF1004: { stage: 'parse', title: 'Empty document', help: 'The file holds no document. Start from `allframe init` or examples/shop/architecture.yaml.' },
  AF1005: { stage: 'parse', title: 'YAML syntax error', help: 'Check indentation (spaces only, no tabs), colons after keys and closing quotes and brackets. An unclosed quote or bracket is reported where it opens, a key indented deeper or less than its siblings at that key, and "-name" (for "- name") where it stands.' },
  AF1006: { stage: 'parse', title: 'Duplicate key', help: 'A key may appear only once in a mapping or table; the second one would silently replace the first. The error points at the second and names the key, the mapping or table it is in and the line of the first (with its column when both are on one line): `duplicate key "memory_mb" in services[0] (first at line 10)`. Keep one of them.' },
  AF1007: { stage: 'parse', title: 'Too many alias expansions', help: 'YAML aliases (*name) expand to copies of their anchor; this file expands beyond the limit, as an alias bomb does. Write the values out.' },
  AF1008: { stage: 'parse', title: 'TOML syntax error', help: 'Check quotes around strings, `=` between keys and values, and table headers such as [[services]]. An unclosed string, array or inline table is reported where it opens.' },
  AF1009: { stage: 'parse', title: 'Document is not a mapping', help: 'The top level of an architecture file is a mapping with `architecture`, `services` and optional sections.' },
  AF1010: { stage: 'parse', title: 'Unsupported file type', help: 'Use a .yaml, .yml or .toml file.' },
  AF1011: { stage: 'parse', title: 'More than one YAML document', help: 'An architecture file holds exactly one document; remove the extra `---` separators.' },
  AF1012: { stage: 'parse', title: 'Unsupported YAML feature', help: 'Custom tags and merge keys (<<) are not supported; write the values out.' },

  AF2001: { stage: 'resolve', title: 'Environment variable not set', help: 'Set the variable, or give a default with ${NAME:-default}.' },
  AF2002: { stage: 'resolve', title: 'Required environment variable not set', help: 'The file marks this variable as required with ${NAME:?message}; set it before running allframe.' },
  AF2003: { stage: 'resolve', title: 'Malformed ${...} interpolation', help: 'Use ${NAME}, ${NAME:-default} or ${NAME:?message}; NAME is letters, digits and _, not starting with a digit. Write $$ for a literal $.' },
  AF2004: { stage: 'resolve', title: 'Unknown environment', help: 'The environment given with --env is not declared under `environments`.' },

  AF3001: { stage: 'schema', title: 'Unknown key', help: 'The key is not part of the format at this place. Check the spelling and the indentation: a key indented one level too little or too much lands in the wrong block.' },
  AF3002: { stage: 'schema', title: 'Wrong type', help: 'The value has the wrong type (for example a string where a number is expected). Quote strings that look like numbers only where a string is wanted.' },
  AF3003: { stage: 'schema', title: 'Value not allowed', help: 'The value is not one of the allowed values listed in the message.' },
  AF3004: { stage: 'schema', title: 'Missing required key', help: 'Add the key; `allframe docs` lists what each block requires.' },
  AF3005: { stage: 'schema', title: 'Value out of range', help: 'The number, length or count is outside the allowed range given in the message.' },
  AF3006: { stage: 'schema', title: 'Value has the wrong form', help: 'The value does not match the required form (name pattern, e-mail address, URL or version).' },
  AF3007: { stage: 'schema', title: 'No allowed form matches', help: 'The value must take one of several forms; the message lists them.' },
  AF3008: { stage: 'schema', title: 'Duplicate list entry', help: 'Each entry of this list must be unique.' },
  AF3099: { stage: 'schema', title: 'Schema violation', help: 'The value breaks a rule of the format; the message says which.' },

  AF4001: { stage: 'semantic', title: 'Duplicate service name', help: 'Service names are unique: they name cloud resources and packages.' },
  AF4002: { stage: 'semantic', title: 'Unknown service', help: 'The name must be the `name` of a service declared under `services`.' },
  AF4003: { stage: 'semantic', title: 'Event is published by no one', help: 'A consumed or subscribed event must be listed in the `publishes` of the producing service (or of any service when no `from` is given).' },
  AF4004: { stage: 'semantic', title: 'Dependency cycle', help: 'Synchronous `depends_on` edges must not form a cycle: a request could then wait on itself. Break the cycle with an event.' },
  AF4005: { stage: 'semantic', title: 'Block not allowed on this archetype', help: 'Type-specific blocks (schedule, consumer, saga, ...) belong to their archetype only. Change the `type` or remove the block.' },
  AF4006: { stage: 'semantic', title: 'Archetype block missing', help: 'This archetype needs its block (for example `schedule` on a scheduled service).' },
  AF4007: { stage: 'semantic', title: 'Invalid cron expression', help: 'Use five fields: minute hour day-of-month month day-of-week, e.g. "0 2 * * *".' },
  AF4008: { stage: 'semantic', title: 'Unknown time zone', help: 'Use an IANA time zone name such as Europe/Amsterdam or UTC.' },
  AF4009: { stage: 'semantic', title: 'Value would break the cloud', help: 'The combination of values is rejected by the cloud service or makes it misbehave (for example a queue visibility timeout shorter than 6 times the consumer timeout redelivers messages still being processed).' },
  AF4010: { stage: 'semantic', title: 'Service depends on itself', help: 'Remove the service from its own `depends_on`.' },
  AF4011: { stage: 'semantic', title: 'Inconsistent values', help: 'Two values contradict each other, for example min_instances above max_instances.' },
  AF4012: { stage: 'semantic', title: 'Missing setting for a choice made elsewhere', help: 'A choice in the file needs a further setting, for example an authentication provider needs jwt_issuer.' },
  AF4013: {
    stage: 'semantic',
    title: 'Environment variable set by allframe or the cloud',
    help: "A service's `environment` may not set a variable allframe sets itself (`SERVICE_NAME`, `EVENT_TARGET`, `DATABASE_URL`, ...: the platform's wiring reads them), one the cloud sets (Cloud Run's `PORT`, Lambda's `AWS_LAMBDA_FUNCTION_NAME`), the URL of a service it calls (`<CALLEE>_URL`) or the name of one of its secrets. src/model/environment.ts lists them. Rename yours.",
  },

  AF5001: { stage: 'target', title: 'Not supported by the target', help: 'The target cannot honour this choice; allframe never downgrades silently. Change the value or choose another target.' },
  AF5002: { stage: 'target', title: 'Value outside what the target allows', help: 'The target service accepts a narrower range than the format, for example Pub/Sub delivery attempts 5..100 or Lambda timeouts up to 900 s.' },
  AF5003: { stage: 'target', title: 'Target settings missing', help: 'The selected target needs its block under `cloud` (for example cloud.gcp.project_id).' },
  AF5004: { stage: 'target', title: 'Override names no resource', help: 'An entry of `overrides.aws` must name a resource of its service: a construct path as shown in the template\'s aws:cdk:path metadata (without the stack name and /Resource) or a logical id.' },
  AF5005: { stage: 'target', title: 'Target not yet available', help: 'The target is part of the format (its capabilities and defaults are checked) but allframe cannot synthesize it yet, so nothing is written for it. Choose aws or gcp (cloud.primary or --target) until it is built.' },
  AF5010: { stage: 'target', title: 'Key not yet supported by the target', help: 'The file sets a key the target does not honour yet (docs/target-support.md lists them per target, with why and what to do). allframe refuses it rather than ignore it: remove it, or use the value the message names.' },
  AF5101: { stage: 'target', title: 'GCP policy: public invoker', help: 'A Cloud Run service grants roles/run.invoker to allUsers or allAuthenticatedUsers, but the service is not `public: true` in the file.' },
  AF5102: { stage: 'target', title: 'GCP policy: subscription without dead-lettering', help: 'Every Pub/Sub subscription needs a dead_letter_policy, and the Pub/Sub service agent needs roles/pubsub.publisher on the dead-letter topic and roles/pubsub.subscriber on the subscription; without them messages are retried forever or never dead-lettered.' },
  AF5103: { stage: 'target', title: 'GCP policy: Cloud Run service without probes or its own account', help: 'Every Cloud Run service needs a startup and a liveness probe, and runs as a service account of its own (not the default compute account, not shared).' },
  AF5104: { stage: 'target', title: 'GCP policy: secret in plain environment', help: 'A declared secret must reach the container through Secret Manager (env value_source.secret_key_ref), never as a plain value.' },
  AF5105: { stage: 'target', title: 'GCP policy: bucket open to the public', help: 'Every Cloud Storage bucket needs uniform_bucket_level_access true (IAM only, no object ACLs) and public_access_prevention "enforced", and no IAM member, binding or policy on a bucket may name allUsers or allAuthenticatedUsers.' },
  AF5201: { stage: 'target', title: 'Fly: fly.toml refused by its schema', help: 'A generated fly.toml does not validate against the fly.toml JSON Schema of SchemaStore (lib-constructs/fly/schema/fly.json, vendored with its licence), or is not TOML. The message names the key and what the schema wants.' },
  AF5202: { stage: 'target', title: 'Fly: health checks missing where they gate routing and deploys', help: 'Every [http_service] needs [[http_service.checks]] and every tcp [[services]] http_checks or tcp_checks: Fly Proxy routes only to Machines passing them, and a deploy waits for them. Top-level [checks] do not affect routing, so an app whose only checks are top-level is refused too.' },
  AF5203: { stage: 'target', title: 'Fly: bluegreen deploy without health checks', help: 'deploy.strategy "bluegreen" moves traffic to the new Machines once their checks pass, and Fly refuses it without any. Add [[http_service.checks]] (or services checks), or choose another strategy.' },
  AF5204: { stage: 'target', title: 'Fly: max_unavailable with a strategy that ignores it', help: 'deploy.max_unavailable applies to the rolling (the default) and canary strategies; with immediate or bluegreen Fly ignores it. Remove it or change the strategy.' },
  AF5205: { stage: 'target', title: 'Fly: max_unavailable Fly cannot use', help: 'deploy.max_unavailable is a whole number of Machines (1 or more) or a fraction of them between 0 and 1; 0, negative values and fractions above 1 (truncated by flyctl) are refused.' },
  AF5206: { stage: 'target', title: 'Fly: unknown process group', help: 'A `processes` list (of http_service, services, vm, mounts, checks, restart, files or metrics) names a group that [processes] does not define; without [processes] the only group is "app". Fly refuses it, or applies the entry to no Machine.' },
  AF5207: { stage: 'target', title: 'Fly: service without process groups in a multi-process app', help: 'When fly.toml has [processes], flyctl refuses an [http_service] or [[services]] that does not name the process groups it routes to (`processes = ["app"]`).' },
  AF5208: { stage: 'target', title: 'Fly: Machine size Fly does not offer', help: 'Fly offers shared Machines of 1, 2, 4 or 8 CPUs with 256..2048 MB per CPU in steps of 256 MB, and performance Machines of 1, 2, 4, 8 or 16 CPUs with 2048..8192 MB per CPU (allframe keeps to steps of 2048 MB). A [[vm]] starts from its size (shared-cpu-1x by default), so `cpus` without `memory` keeps that size\'s memory.' },
  AF5209: { stage: 'target', title: 'Fly: canary or bluegreen deploy with volumes', help: 'Machines with volumes ([mounts]) cannot be deployed with the canary or bluegreen strategy. Use rolling (the default) or immediate.' },
  AF5210: { stage: 'target', title: 'Fly: mount Fly refuses', help: 'A Machine mounts one volume (one [[mounts]] per process group), not on "/", of at least 1 GB (initial_size), keeping snapshots 1..60 days (snapshot_retention).' },
  AF5211: { stage: 'target', title: 'Fly: health check settings Fly refuses or changes', help: 'A service check\'s interval and timeout are 1 s..1 min and its grace period 0 or 1 s..1 min (Fly changes other values); a top-level check has type http or tcp, a port, an interval of at least 2 s and a timeout of at most 60 s. Durations are milliseconds or Go durations such as "10s".' },
  AF5212: { stage: 'target', title: 'Fly: environment variable Fly sets itself', help: '[env] names may not begin with FLY_, and PRIMARY_REGION is set by Fly from primary_region over any [env] value.' },
  AF5213: { stage: 'target', title: 'Fly: service without ports', help: 'Every [[services]] needs at least one [[services.ports]] entry, the port and handlers Fly Proxy accepts connections on.' },

  AF6001: { stage: 'emit', title: 'Generated file edited', help: 'A managed (generated) file no longer matches what allframe wrote, so it was edited by hand; allframe will not overwrite your edits. Move the change into the architecture file or into an owned file, or rerun with --force to discard it.' },
  AF6002: { stage: 'emit', title: 'Bad manifest', help: '.allframe/manifest.json is not a valid manifest or lists a path outside the output directory (absolute, with .., or inside .allframe/). Fix or remove the entry; allframe never follows such paths.' },
  AF6003: { stage: 'emit', title: 'Path goes through a symbolic link', help: 'allframe does not write through symbolic links, which could lead outside the output directory. Replace the link with a directory.' },
  AF6004: { stage: 'emit', title: 'A file of yours is in the way', help: 'allframe would generate a file where one exists that it did not write. Move your file, or rerun with --force to replace it.' },
  AF6005: { stage: 'emit', title: 'Edited generated file left in place', help: 'A generated file is no longer produced, but it was edited, so it was kept and is now yours (no longer tracked).' },

  AF7001: { stage: 'workspace', title: 'Workspace not generated', help: 'The command needs the generated service code (services/<name>/src/entry/), and the workspace has none for a service of the file. Run `allframe synth` in the workspace first, or pass --workspace with the directory that holds services/.' },
  AF7002: { stage: 'workspace', title: 'Workspace not installed', help: 'Bundling the service code needs the workspace\'s dependencies, and the workspace has no node_modules. Run `npm ci` there once, then run the command again.' },

  AF9001: { stage: 'usage', title: 'Invalid command-line usage', help: 'See `allframe <command> --help`.' },
} as const satisfies Record<string, CodeInfo>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface DiagnosticInit {
  readonly code: ErrorCode;
  readonly message: string;
  /** Where in the document; empty for the whole file. */
  readonly path?: DocPath;
  readonly hint?: string;
  /** Closest valid names, for "did you mean". */
  readonly suggestions?: readonly string[];
  readonly severity?: Severity;
  /** Point at the key rather than the value (unknown keys, duplicate names). */
  readonly at?: 'key' | 'value';
  /** An exact source range where known better than the path's (e.g. one field of a cron expression). */
  readonly span?: Span;
}

/** A user-facing problem with a stable code, located in the source file. */
export interface Diagnostic {
  readonly code: ErrorCode;
  readonly severity: Severity;
  readonly message: string;
  readonly path: DocPath;
  /** JSON Pointer of `path` (RFC 6901). */
  readonly pointer: string;
  readonly file: string;
  readonly line: number;
  readonly col: number;
  readonly endLine: number;
  readonly endCol: number;
  readonly hint?: string;
  readonly suggestions?: readonly string[];
}

/** Thrown only for allframe's own bugs. User mistakes are Diagnostics, never exceptions. */
export class InternalError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InternalError';
  }
}

/** RFC 6901 JSON Pointer for a path. */
export function toPointer(path: DocPath): string {
  return path.map((p) => '/' + String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

/** A path as users read it: `services[3].consumer.max_retries`. */
export function formatPath(path: DocPath): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(p)) out += out === '' ? p : `.${p}`;
    else out += `[${JSON.stringify(p)}]`;
  }
  return out === '' ? '(document)' : out;
}

/** Sort by file position, then code, so output is stable and reads top to bottom. */
export function sortDiagnostics(diags: readonly Diagnostic[]): Diagnostic[] {
  return [...diags].sort((a, b) => a.line - b.line || a.col - b.col || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0) || (a.message < b.message ? -1 : a.message > b.message ? 1 : 0));
}
