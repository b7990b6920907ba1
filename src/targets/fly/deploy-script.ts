/**
 * deploy.sh: the environment's deployment to Fly.io with flyctl, idempotent. It checks first that every secret it
 * will need is at hand (all missing ones named at once, nothing changed), then creates what is missing (apps, the
 * bus's volume, private addresses, database attachments, bus passwords, per-edge signing keys, secrets), stages the
 * secrets, and deploys: the event bus first, then the services, each after the services it calls. A second run
 * creates nothing: every step looks before it acts. A service with storage gets its private Tigris bucket from
 * `flyctl storage create` before its first deploy, once: an app holding BUCKET_NAME has its bucket. Secret values never appear in the repository or on a command
 * line: each goes to `flyctl secrets set NAME=-` on its standard input, which keeps it as it is (but for white space
 * around it); `flyctl secrets import` would parse it as a .env line, cutting it at a `#` and unquoting it.
 */
import type { ResolvedArchitecture } from '../../resolve/index';
import { natsPasswordVariable } from '../../../lib-constructs/fly/nats-bus';
import type { FlyAppPlan } from './app';
import { busAppName, callerKeyVariable, flyDir, flyEnvironment, secretSourceVariable } from './naming';

/** The bus's operators' password (its `_admin` user). */
export const NATS_ADMIN_PASSWORD = 'NATS_ADMIN_PASSWORD';

/** The bus app's volume, as its fly.toml mounts it. */
export const BUS_VOLUME = 'nats_data';


/** The environment variable naming the Fly Managed Postgres cluster that services attach to. */
export const MPG_CLUSTER_VARIABLE = 'FLY_MPG_CLUSTER';

/** Single-quoted for bash. */
function q(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Services in deployment order: each after the services it calls (validation refuses cycles), by name otherwise. */
export function deploymentOrder(apps: readonly FlyAppPlan[]): FlyAppPlan[] {
  const byName = new Map(apps.map((a) => [a.service, a]));
  const done = new Set<string>();
  const out: FlyAppPlan[] = [];
  const visit = (a: FlyAppPlan, path: Set<string>) => {
    if (done.has(a.service) || path.has(a.service)) return;
    path.add(a.service);
    for (const callee of [...a.after].sort()) {
      const c = byName.get(callee);
      if (c) visit(c, path);
    }
    done.add(a.service);
    out.push(a);
  };
  for (const a of [...apps].sort((x, y) => (x.service < y.service ? -1 : x.service > y.service ? 1 : 0))) visit(a, new Set());
  return out;
}

const PRELUDE = String.raw`set -euo pipefail

FLYCTL="${'$'}{FLYCTL:-flyctl}"
ROOT="$(cd "$(dirname "${'$'}{BASH_SOURCE[0]}")/../../.." && pwd)"
cd "$ROOT"

say() { printf '==> %s\n' "$*"; }
fail() {
  printf 'deploy.sh: %s\n' "$*" >&2
  exit 1
}

command -v "$FLYCTL" >/dev/null 2>&1 || fail "$FLYCTL is not on PATH: install flyctl (https://fly.io/docs/flyctl/install/) and run: flyctl auth login"
command -v openssl >/dev/null 2>&1 || fail "openssl is not on PATH: it generates the bus passwords and the service keys"

app_exists() { "$FLYCTL" status --app "$1" >/dev/null 2>&1; }

# What flyctl lists of an app (secrets, volumes, ips) as JSON, read whole before it is searched: in a pipeline, grep -q
# stops reading at its first match and flyctl, writing on, dies of SIGPIPE, which pipefail reports as no match. Stops
# the script when flyctl cannot list them, where a guess would create a second volume or replace a secret. Call it as
# json="$(listed WHAT APP)" || exit 1.
listed() {
  "$FLYCTL" "$1" list --app "$2" --json || fail "could not list the $1 of $2 (flyctl $1 list --app $2 --json)"
}

# Whether an app (that exists) has the secret NAME, staged or deployed.
has_secret() {
  local json
  json="$(listed secrets "$1")" || exit 1
  grep -Eq "\"[Nn]ame\": *\"$2\"" <<<"$json"
}

ensure_app() {
  if app_exists "$1"; then
    say "app $1 exists"
  else
    say "creating app $1"
    "$FLYCTL" apps create "$1" --org "$ORG"
  fi
}

# Stages NAME on an app. The value goes to flyctl on its standard input (secrets set NAME=-, which keeps it as it is but
# for white space around it), never on a command line, nor through secrets import, whose NAME=VALUE parser would cut it
# at a # and take off its quotes.
stage_secret() {
  printf '%s' "$3" | "$FLYCTL" secrets set "$2=-" --app "$1" --stage >/dev/null || fail "could not set $2 on $1"
  say "secret $2 staged on $1"
}

# Stages NAME on an app from the environment variable FROM when set; else keeps the app's own (precheck made sure).
secret_from_env() {
  local value="${'$'}{!3:-}"
  if [ -n "$value" ]; then
    stage_secret "$1" "$2" "$value"
  fi
}

# A generated secret: letters and digits, starting with a letter (nats-server reads its passwords as configuration).
new_secret() { printf 'p%s' "$(openssl rand -hex 32)"; }

# Stages a generated value for NAME on an app unless it has one.
generated_secret() {
  if has_secret "$1" "$2"; then return 0; fi
  stage_secret "$1" "$2" "$(new_secret)"
}

# The bus password of a service: generated and staged on both the bus and the service unless both have it.
bus_password() {
  local service_app="$1" bus_name="$2"
  if has_secret "$service_app" NATS_PASSWORD && has_secret "$BUS" "$bus_name"; then return 0; fi
  local password
  password="$(new_secret)"
  stage_secret "$BUS" "$bus_name" "$password"
  stage_secret "$service_app" NATS_PASSWORD "$password"
}

# One Ed25519 key pair per caller-callee edge: the private key on the caller, the public key on the callee.
edge_key() {
  local caller_app="$1" signing_name="$2" callee_app="$3" caller_name="$4"
  if has_secret "$caller_app" "$signing_name" && has_secret "$callee_app" "$caller_name"; then return 0; fi
  local private public
  private="$(openssl genpkey -algorithm ed25519 -outform DER | openssl base64 -A)"
  public="$(printf '%s' "$private" | openssl base64 -d -A | openssl pkey -inform DER -pubout -outform DER | openssl base64 -A)"
  stage_secret "$caller_app" "$signing_name" "$private"
  stage_secret "$callee_app" "$caller_name" "$public"
}

# The app's private address on the Fly proxy (<app>.flycast), which its callers use.
private_address() {
  local json
  json="$(listed ips "$1")" || exit 1
  if grep -Eiq '"type": *"private_v6"' <<<"$json"; then return 0; fi
  say "allocating a private address for $1"
  "$FLYCTL" ips allocate-v6 --private --app "$1"
}

attach_postgres() {
  if has_secret "$1" DATABASE_URL; then return 0; fi
  say "attaching $1 to the Managed Postgres cluster ${'$'}{${MPG_CLUSTER_VARIABLE}}"
  # flyctl prints the DATABASE_URL it sets, password and all: only its errors are let through
  "$FLYCTL" mpg attach "${'$'}{${MPG_CLUSTER_VARIABLE}}" --app "$1" >/dev/null
}

ensure_volume() {
  local json
  json="$(listed volumes "$1")" || exit 1
  if grep -Eq "\"name\": *\"$2\"" <<<"$json"; then return 0; fi
  say "creating volume $2 ($3 GB) for $1"
  "$FLYCTL" volumes create "$2" --app "$1" --region "$REGION" --size "$3" --yes
}

# What is missing, a line each, and the variables named so far. Strings, not arrays: bash before 4.4 (macOS's bash is
# 3.2) takes an empty array for an unset variable under set -u.
MISSING=''
MISSING_NAMES=' '
# Records FROM as missing (once) when it is unset and the app lacks NAME (or does not exist yet).
need() {
  local app="$1" name="$2" from="$3" what="$4"
  if [ -n "${'$'}{!from:-}" ]; then return 0; fi
  if app_exists "$app" && has_secret "$app" "$name"; then return 0; fi
  case "$MISSING_NAMES" in *" $from "*) return 0 ;; esac
  MISSING_NAMES="$MISSING_NAMES$from "
  MISSING="$MISSING  $from: $what"$'\n'
}
`;

/** The bash function creating an app's Tigris bucket: in the scripts of architectures with storage only. */
const ENSURE_BUCKET = String.raw`# The app's Tigris bucket, private, created once: an app that has BUCKET_NAME has its bucket. flyctl storage create sets
# BUCKET_NAME, AWS_ENDPOINT_URL_S3, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY on the app (staged before its first
# deploy; an app already deployed has its Machines restarted with them), and prints them, keys and all: only its errors
# are let through. It sets none of them when the app already has one, which the second look catches.
ensure_bucket() {
  if has_secret "$1" BUCKET_NAME; then return 0; fi
  say "creating the Tigris bucket $2 for $1"
  "$FLYCTL" storage create --app "$1" --name "$2" --yes >/dev/null ||
    fail "could not create the Tigris bucket $2 for $1 (flyctl storage create): a bucket of that name may belong to another app or org, or $1 has a bucket but lost its BUCKET_NAME (flyctl storage list)"
  has_secret "$1" BUCKET_NAME ||
    fail "flyctl storage create made the bucket $2 but set no secrets on $1: it sets none when the app already has one of AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_ENDPOINT_URL_S3, BUCKET_NAME; unset those and set the bucket's (flyctl storage dashboard $2)"
}
`;

/** The script for an environment. */
export function deployScript(model: ResolvedArchitecture, apps: readonly FlyAppPlan[], bus: { readonly used: boolean; readonly users: readonly string[] }): string {
  const fly = model.platform.fly;
  const dir = flyDir(model);
  const ordered = deploymentOrder(apps);
  const lines: string[] = [];
  const add = (...ls: string[]) => lines.push(...ls);
  const busApp = busAppName(model);
  const app = (service: string) => apps.find((a) => a.service === service)!.app;

  add(`#!/usr/bin/env bash`);
  add(`# Deploys the ${model.file.architecture.name} architecture (environment ${flyEnvironment(model)}) to Fly.io: org ${fly.org}, region ${fly.primary_region}.`);
  add(`# Run it from anywhere: ./${dir}/deploy.sh. It is idempotent: run it for every release.`);
  add(`#`);
  add(`# Secrets come from the environment and are set with \`flyctl secrets\`; this script holds their names only:`);
  const sources: string[] = [];
  for (const a of ordered) {
    for (const { name, source } of a.secrets) {
      if (source.kind === 'file') sources.push(`#   ${secretSourceVariable(a.service, name)}: ${name} of ${a.service}${source.managed === 'allframe' ? ' (generated when unset and the app has none)' : ' (issued outside allframe)'}`);
      if (source.kind === 'cache') sources.push(`#   ${secretSourceVariable(a.service, name)}: the Upstash Redis URL of ${a.service} (flyctl redis create; flyctl redis status shows it)`);
    }
  }
  if (apps.some((a) => a.secrets.some((s) => s.source.kind === 'postgres'))) sources.push(`#   ${MPG_CLUSTER_VARIABLE}: the id of the Fly Managed Postgres cluster the services attach to (flyctl mpg create; flyctl mpg list)`);
  add(...(sources.length > 0 ? sources : ['#   (none)']));
  add(`# Bus passwords and the keys that sign calls between services are generated here, once, and kept by Fly.`);
  const buckets = ordered.flatMap((a) => (a.bucket !== undefined ? [`${a.bucket} (${a.service})`] : []));
  if (buckets.length > 0) add(`# Private Tigris buckets are created here, once, with flyctl storage create (which sets their keys on the app): ${buckets.join(', ')}.`);
  add(`# FLYCTL names another flyctl (default: flyctl on PATH).`);
  add(PRELUDE);
  if (buckets.length > 0) add(ENSURE_BUCKET);
  add(`ORG=${q(fly.org)}`, `REGION=${q(fly.primary_region)}`, `DIR=${q(dir)}`, `BUS=${q(busApp)}`, '');

  // 1. Nothing is changed until every secret can be had.
  add(`say 'checking the secrets'`);
  for (const a of ordered) {
    for (const { name, source } of a.secrets) {
      if (source.kind === 'file' && source.managed === 'external') add(`need ${q(a.app)} ${q(name)} ${q(secretSourceVariable(a.service, name))} ${q(`${name} of ${a.service}`)}`);
      if (source.kind === 'cache') add(`need ${q(a.app)} CACHE_URL ${q(secretSourceVariable(a.service, name))} ${q(`the Redis URL of ${a.service}`)}`);
      if (source.kind === 'postgres') add(`need ${q(a.app)} DATABASE_URL ${MPG_CLUSTER_VARIABLE} ${q(`the Managed Postgres cluster ${a.service} attaches to`)}`);
    }
  }
  add(
    `if [ -n "$MISSING" ]; then`,
    `  printf 'deploy.sh: set these in the environment first (nothing was changed):\\n%s' "$MISSING" >&2`,
    `  exit 1`,
    `fi`,
    '',
  );

  // 2. Apps, the bus's volume and passwords, edge keys: everything the deploys need staged.
  add(`say 'creating what is missing'`);
  if (bus.used) add(`ensure_app "$BUS"`);
  for (const a of ordered) add(`ensure_app ${q(a.app)}`);
  if (bus.used) {
    add(`ensure_volume "$BUS" ${BUS_VOLUME} ${fly.bus_volume_gb}`);
    // the operators' user (_admin): stream limits, inspection
    add(`generated_secret "$BUS" ${NATS_ADMIN_PASSWORD}`);
    for (const user of bus.users) add(`bus_password ${q(app(user))} ${natsPasswordVariable(user)}`);
  }
  for (const a of ordered) {
    for (const { name, source } of a.secrets) {
      if (source.kind === 'signing-key') add(`edge_key ${q(a.app)} ${name} ${q(app(source.callee))} ${callerKeyVariable(a.service)}`);
    }
  }
  add('');

  // 3. The bus first: services connect to it as they start.
  if (bus.used) {
    add(`say "deploying the event bus $BUS"`);
    add(`"$FLYCTL" deploy "$DIR/nats" --config "$DIR/nats/fly.toml" --app "$BUS" --remote-only --no-public-ips --yes`);
    add(`"$FLYCTL" scale count 1 --app "$BUS" --region "$REGION" --yes`);
    add('');
  }

  // 4. Each service after its callees.
  for (const a of ordered) {
    add(`say ${q(`deploying ${a.service} (${a.app})`)}`);
    if (a.bucket !== undefined) add(`ensure_bucket ${q(a.app)} ${q(a.bucket)}`);
    for (const { name, source } of a.secrets) {
      if (source.kind === 'postgres') add(`attach_postgres ${q(a.app)}`);
      if (source.kind === 'cache') add(`secret_from_env ${q(a.app)} CACHE_URL ${secretSourceVariable(a.service, name)}`);
      if (source.kind === 'file' && source.managed === 'external') add(`secret_from_env ${q(a.app)} ${name} ${secretSourceVariable(a.service, name)}`);
      if (source.kind === 'file' && source.managed === 'allframe') {
        add(`if [ -n "${'$'}{${secretSourceVariable(a.service, name)}:-}" ]; then secret_from_env ${q(a.app)} ${name} ${secretSourceVariable(a.service, name)}; else generated_secret ${q(a.app)} ${name}; fi`);
      }
    }
    if (!a.public) add(`private_address ${q(a.app)}`);
    add(`"$FLYCTL" deploy . --config "$DIR/${a.config}" --dockerfile ${q(`services/${a.service}/Dockerfile`)} --app ${q(a.app)} --remote-only${a.public ? '' : ' --no-public-ips'} --yes`);
    const counts = Object.entries(a.machines).map(([group, n]) => `${group}=${n}`).join(' ');
    add(`"$FLYCTL" scale count ${counts} --app ${q(a.app)} --region "$REGION" --yes`);
    add('');
  }
  add(`say 'deployed'`);
  return `${lines.join('\n')}\n`;
}
