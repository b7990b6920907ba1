/**
 * Outside referees: programs not from npm that tests run against allframe's output (cfn-lint on the templates,
 * moto_server to deploy them, shellcheck on the generated shell scripts). In CI (CI=true, as .ci/run sets) a missing referee is a failure that names the
 * tool and how to get it; on a developer's machine its tests are skipped with that reason printed.
 *
 * .ci/referees.sh checks the same list before the tests run; keep the two in step.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface RefereeInfo {
  /** What it checks, for the messages. */
  readonly checks: string;
  /** How to get it (the machine image has it; .ci/referees.sh fails naming it when it is missing). */
  readonly install: string;
}

export const REFEREES = {
  'cfn-lint': {
    checks: 'the synthesized CloudFormation templates',
    install: "cfn-lint 1.51.0 (Python; no Debian package: the machine image provides it)",
  },
  moto_server: {
    checks: 'deploying the synthesized stacks into moto, an offline AWS emulator',
    install: "moto[server] 5.2.1 (Python; no Debian package: the machine image provides it)",
  },
  gcloud: {
    checks: "the generated services' repositories on Google's Firestore emulator",
    install: 'the Google Cloud CLI with its Firestore emulator component (Java; no Debian package here: the machine image provides it)',
  },
  'docker-compose': {
    checks: 'the generated compose.yaml (config -q needs no Docker engine)',
    install: 'the Debian package docker-compose (.ci/run installs it with apt-get)',
  },
  'redis-server': {
    checks: "allframe dev's run of the reference architecture (its cache service)",
    install: 'the Debian package redis-server (.ci/run installs it with apt-get)',
  },
  'nats-server': {
    checks: "the NATS JetStream event bus of the Fly.io target (the rendered server configuration, the platform's publisher and consumer)",
    install: 'the Debian package nats-server (.ci/run installs it with apt-get; it goes to /usr/sbin, which must be on PATH)',
  },
  pg_ctlcluster: {
    checks: "the generated services' repositories on a real PostgreSQL server",
    install: 'the Debian package postgresql (.ci/run installs it with apt-get)',
  },
  shellcheck: {
    checks: 'the generated shell scripts (the Fly.io deploy.sh)',
    install: 'the Debian package shellcheck (.ci/run installs it with apt-get)',
  },
} as const satisfies Record<string, RefereeInfo>;

export type Referee = keyof typeof REFEREES;

/** A referee that is required (CI) but not on PATH. */
export class MissingRefereeError extends Error {
  constructor(readonly tool: Referee) {
    super(`${tool} is required in CI (CI=true) but is not on PATH: it checks ${REFEREES[tool].checks}. It needs: ${REFEREES[tool].install}`);
    this.name = 'MissingRefereeError';
  }
}

export type RefereeLookup = { readonly found: true; readonly path: string } | { readonly found: false; readonly skip: string };

/** Whether `env` says this is a CI run: CI set to anything but empty, "0" or "false" (GitHub, GitLab and .ci/run set "true"). */
export function isCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const ci = (env.CI ?? '').trim().toLowerCase();
  return ci !== '' && ci !== '0' && ci !== 'false';
}

/** The first executable `tool` on `pathVar`, or undefined. */
export function which(tool: string, pathVar: string): string | undefined {
  for (const dir of pathVar.split(delimiter)) {
    if (dir === '') continue;
    const file = join(dir, tool);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * Find a referee on PATH. Found: its path. Missing: in CI, throws MissingRefereeError naming the tool; locally,
 * the reason its tests are skipped.
 */
export function locateReferee(tool: Referee, env: NodeJS.ProcessEnv = process.env): RefereeLookup {
  const path = which(tool, env.PATH ?? '');
  if (path !== undefined) return { found: true, path };
  if (isCi(env)) throw new MissingRefereeError(tool);
  return { found: false, skip: `${tool} is not on PATH, so the tests of ${REFEREES[tool].checks} are skipped (required in CI). It needs: ${REFEREES[tool].install}` };
}

/**
 * `describe` for tests that need a referee: runs them when it is on PATH; in CI without it, one failing test
 * names the tool (the other tests of the block are not registered); locally without it, the block is skipped
 * and the reason printed.
 */
export function describeWithReferee(tool: Referee, name: string, fn: () => void, env: NodeJS.ProcessEnv = process.env): void {
  let lookup: RefereeLookup;
  try {
    lookup = locateReferee(tool, env);
  } catch (e) {
    describe(name, () => {
      test(`${tool} is on PATH (a required referee in CI)`, () => {
        throw e;
      });
    });
    return;
  }
  if (lookup.found) {
    describe(name, fn);
  } else {
    console.warn(lookup.skip);
    describe.skip(`${name} (skipped: ${tool} is not on PATH)`, fn);
  }
}
