/**
 * A recording stand-in for flyctl (flyctl-standin.sh, copied onto PATH as `flyctl`), and a recording openssl beside
 * it (the real one, run after its arguments are logged), in a temporary directory of their own: what deploy.sh asked
 * of Fly (the calls, in order), what Fly holds afterwards (apps, secrets with their values, volumes, addresses,
 * machine counts), and every argument list openssl was given.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import type { OutputFile } from '../../../src/model/output-file';
import { makeTempDir, removeTempDir } from '../../../src/model/temp';
import { which } from '../../referees';

/** One call of flyctl: its arguments, and the names `secrets import` read on its standard input (never values). */
export interface FlyctlCall {
  readonly argv: readonly string[];
  readonly stdinNames?: readonly string[];
}

/** How the stand-in answers: its JSON's layout, long lists, a subcommand that fails (see flyctl-standin.sh). */
export interface StandInOptions {
  /** @default 'indented' (flyctl's own) */
  readonly json?: 'indented' | 'compact';
  /** @default 0 */
  readonly pad?: number;
  /** @default - every subcommand answers */
  readonly fail?: string;
}

const US = '\x1f';
const RS = '\x1e';

export class FlyctlStandIn {
  readonly dir: string;
  readonly bin: string;
  private readonly state: string;
  private readonly log: string;
  private readonly opensslLog: string;

  constructor() {
    this.dir = makeTempDir('allframe-flyctl-');
    this.bin = join(this.dir, 'bin');
    this.state = join(this.dir, 'state');
    this.log = join(this.dir, 'flyctl.log');
    this.opensslLog = join(this.dir, 'openssl.log');
    mkdirSync(this.bin);
    mkdirSync(this.state);
    writeFileSync(this.log, '');
    writeFileSync(this.opensslLog, '');
    copyFileSync(join(__dirname, 'flyctl-standin.sh'), join(this.bin, 'flyctl'));
    chmodSync(join(this.bin, 'flyctl'), 0o755);
    const openssl = which('openssl', process.env.PATH ?? '');
    if (openssl === undefined) throw new Error('openssl is not on PATH: deploy.sh needs it to generate passwords and keys');
    writeFileSync(join(this.bin, 'openssl'), `#!/usr/bin/env bash\n(IFS=$'\\x1f'; printf '%s\\n' "$*") >>'${this.opensslLog}'\nexec '${openssl}' "$@"\n`, { mode: 0o755 });
  }

  /** A repository holding these synthesized files, under the stand-in's directory. */
  repo(files: readonly OutputFile[], name = 'repo'): string {
    const root = join(this.dir, name);
    for (const f of files) {
      mkdirSync(dirname(join(root, f.path)), { recursive: true });
      writeFileSync(join(root, f.path), f.content, { mode: f.executable === true ? 0o755 : 0o644 });
    }
    return root;
  }

  /** Runs a script with bash from the stand-in's directory, with only `vars` besides PATH (the stand-in first), HOME and the stand-in's own. */
  run(script: string, vars: Readonly<Record<string, string>>, options: StandInOptions = {}): SpawnSyncReturns<string> {
    const env: NodeJS.ProcessEnv = {
      PATH: `${this.bin}${delimiter}${process.env.PATH ?? ''}`,
      HOME: this.dir,
      LC_ALL: 'C',
      FLYCTL_STATE: this.state,
      FLYCTL_LOG: this.log,
      FLYCTL_JSON: options.json ?? 'indented',
      FLYCTL_PAD: String(options.pad ?? 0),
      ...(options.fail !== undefined ? { FLYCTL_FAIL: options.fail } : {}),
      ...vars,
    };
    return spawnSync('bash', [script], { cwd: this.dir, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  }

  /** The calls logged since the last take (and forgets them). */
  takeCalls(): FlyctlCall[] {
    const calls: { argv: string[]; stdinNames?: string[] }[] = [];
    for (const line of this.take(this.log)) {
      if (line.startsWith(`stdin${RS}`)) {
        const last = calls[calls.length - 1];
        if (last === undefined) throw new Error('standard input logged before any call');
        last.stdinNames = line.slice(6).split(US);
      } else {
        calls.push({ argv: line.split(US) });
      }
    }
    return calls;
  }

  /** The argument lists openssl was given since the last take (and forgets them). */
  takeOpensslCalls(): string[][] {
    return this.take(this.opensslLog).map((line) => line.split(US));
  }

  /** The apps Fly has. */
  apps(): string[] {
    const dir = join(this.state, 'apps');
    return existsSync(dir) ? readdirSync(dir).sort() : [];
  }

  /** An app's secrets with their values, as Fly keeps them. */
  secrets(app: string): Map<string, string> {
    const dir = join(this.state, 'apps', app, 'secrets');
    if (!existsSync(dir)) return new Map();
    return new Map(
      readdirSync(dir)
        .filter((f) => !f.endsWith('.status'))
        .sort()
        .map((f) => [f, readFileSync(join(dir, f), 'utf8')]),
    );
  }

  /** Every secret value Fly holds, of every app. */
  allSecretValues(): string[] {
    return this.apps().flatMap((a) => [...this.secrets(a).values()]);
  }

  /** Removes an app's secret, as `flyctl secrets unset` does. */
  /** Forgets a Tigris bucket, as if it had been destroyed (flyctl storage destroy). */
  removeBucket(name: string): void {
    const owner = join(this.state, 'buckets', name);
    rmSync(join(this.state, 'apps', readFileSync(owner, 'utf8'), 'bucket'), { force: true });
    rmSync(owner);
  }

  unsetSecret(app: string, name: string): void {
    const file = join(this.state, 'apps', app, 'secrets', name);
    if (!existsSync(file)) throw new Error(`${app} has no secret ${name}`);
    rmSync(file);
    rmSync(`${file}.status`, { force: true });
  }

  /** Lines of a state file of an app (`volumes`, `ips`: one per volume or address, as `name size region`, `type address region`). */
  entries(app: string, kind: 'volumes' | 'ips'): string[] {
    const dir = join(this.state, 'apps', app, kind);
    return existsSync(dir) ? readdirSync(dir).map((f) => readFileSync(join(dir, f), 'utf8').trim()) : [];
  }

  /** The last `scale count` of an app (`app=2 worker=1`), or undefined. */
  machines(app: string): string | undefined {
    const file = join(this.state, 'apps', app, 'machines');
    return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  }

  remove(): void {
    removeTempDir(this.dir);
  }

  private take(file: string): string[] {
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, '');
    return text.split('\n').filter((l) => l !== '');
  }
}
