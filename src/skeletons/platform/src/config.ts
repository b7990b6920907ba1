/** The kinds of value an environment variable can hold. */
export type ConfigKind = 'string' | 'int' | 'bool' | 'list';

/** How one environment variable is read. */
export interface ConfigVar {
  kind: ConfigKind;
  required?: boolean;
  default?: string;
  description?: string;
}

/** A map from environment variable name to how it is read. */
export type ConfigSpec = Record<string, ConfigVar>;

interface KindTypes {
  string: string;
  int: number;
  bool: boolean;
  list: string[];
}

/** The typed result of reading `S`: present when required or defaulted, otherwise possibly undefined. */
export type ConfigOf<S extends ConfigSpec> = {
  readonly [K in keyof S]: S[K] extends { required: true } | { default: string }
    ? KindTypes[S[K]['kind']]
    : KindTypes[S[K]['kind']] | undefined;
};

/** Thrown once with every missing or invalid variable. */
export class ConfigError extends Error {
  /** One line per problem, e.g. `PORT: must be an integer`. */
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`Invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

function parse(kind: ConfigKind, raw: string): KindTypes[ConfigKind] | Error {
  switch (kind) {
    case 'string':
      return raw;
    case 'int': {
      const n = Number(raw.trim());
      return /^-?\d+$/.test(raw.trim()) && Number.isSafeInteger(n) ? n : new Error('must be an integer');
    }
    case 'bool': {
      const v = raw.trim().toLowerCase();
      if (TRUE.has(v)) return true;
      if (FALSE.has(v)) return false;
      return new Error('must be one of true/false/1/0/yes/no/on/off');
    }
    case 'list':
      return raw
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
  }
}

/**
 * Reads and validates environment variables described by `spec`. An empty value counts as unset.
 * Values are never included in error messages.
 */
export function readConfig<const S extends ConfigSpec>(
  spec: S,
  env: Record<string, string | undefined> = process.env,
): ConfigOf<S> {
  const problems: string[] = [];
  const out: Record<string, KindTypes[ConfigKind] | undefined> = {};
  for (const [name, v] of Object.entries(spec)) {
    const given = env[name];
    const raw = given === undefined || given === '' ? v.default : given;
    if (raw === undefined) {
      if (v.required === true) problems.push(`${name}: is required${v.description ? ` (${v.description})` : ''}`);
      out[name] = undefined;
      continue;
    }
    const value = parse(v.kind, raw);
    if (value instanceof Error) problems.push(`${name}: ${value.message}`);
    else out[name] = value;
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return out as ConfigOf<S>;
}
