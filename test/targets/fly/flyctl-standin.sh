#!/usr/bin/env bash
# A recording stand-in for flyctl, for the tests of deploy.sh (deploy-script.test.ts copies it onto PATH as `flyctl`).
# It answers the calls deploy.sh makes the way flyctl does (JSON shaped like flyctl's own, flyctl's refusals: an app
# that does not exist, a name already taken, a DATABASE_URL already set) and keeps its state in files, so that a
# second run sees what the first one made.
#
#   FLYCTL_STATE  the state: apps/<app>/ exists when the app does, with org, secrets/<NAME> (the value, as Fly keeps
#                 it) and secrets/<NAME>.status (Staged or Deployed), volumes/<id>, ips/<id>, config (the fly.toml of
#                 the last deploy), releases, machines (the last scale count), bucket (the name of its Tigris bucket);
#                 buckets/<name> for every Tigris bucket (their names are global), holding its app
#   FLYCTL_LOG    every call, one a line: its arguments separated by US (\x1f); after a `secrets import`, a line
#                 `stdin` RS (\x1e) and the names it read, separated by US. Secret values are never written there
#   FLYCTL_JSON   `indented` (the default: flyctl's render.JSON indents by four spaces) or `compact` (json.Marshal)
#   FLYCTL_PAD    this many more entries in every list (an app with many secrets, volumes and addresses), making
#                 each answer longer than a pipe's buffer
#   FLYCTL_FAIL   a subcommand (`secrets list`) that fails as a Fly API error does
#
# It models status, apps create, secrets list / set NAME=- / import, volumes list / create, ips list / allocate-v6
# --private, mpg attach, storage create (private buckets only), deploy and scale count. A call it does not model (a subcommand, a flag, a secret's value on
# the command line) fails loudly: exit 3 and a message naming it.
set -euo pipefail

: "${FLYCTL_STATE:?FLYCTL_STATE is not set}" "${FLYCTL_LOG:?FLYCTL_LOG is not set}"
US=$'\x1f'
KV=$'\x1e'

log_call() {
  local IFS="$US"
  printf '%s\n' "$*" >>"$FLYCTL_LOG"
}
log_call "$@"

unmodelled() {
  printf 'flyctl stand-in: unmodelled call: flyctl %s (%s)\n' "$ARGS" "$1" >&2
  exit 3
}
error() {
  printf 'Error: %s\n' "$*" >&2
  exit 1
}
ARGS="$*"

declare -A OPT=()
POS=()
while [ $# -gt 0 ]; do
  case "$1" in
  --json | --stage | --yes | --private | --remote-only | --no-public-ips) OPT[${1#--}]=1 ;;
  --app | --org | --region | --size | --config | --dockerfile | --name)
    [ $# -ge 2 ] || unmodelled "$1 without a value"
    OPT[${1#--}]="$2"
    shift
    ;;
  -*) unmodelled "flag $1" ;;
  *) POS+=("$1") ;;
  esac
  shift
done
[ ${#POS[@]} -gt 0 ] || unmodelled 'no subcommand'
case "${POS[0]}" in
deploy | status) COMMAND="${POS[0]}" ;;
*) COMMAND="${POS[0]} ${POS[1]:-}" ;;
esac

if [ -n "${FLYCTL_FAIL:-}" ] && [ "$COMMAND" = "$FLYCTL_FAIL" ]; then
  error "failed to $COMMAND: 503 Service Unavailable"
fi

need_opt() { [ -n "${OPT[$1]:-}" ] || unmodelled "$COMMAND without --$1"; }
flag_only() {
  local allowed=" $* " key
  for key in "${!OPT[@]}"; do
    case "$allowed" in *" $key "*) ;; *) unmodelled "--$key with $COMMAND" ;; esac
  done
}
positionals() { [ ${#POS[@]} -eq "$1" ] || unmodelled "$COMMAND with ${#POS[@]} words, not $1"; }

APP="${OPT[app]:-}"
APP_DIR="$FLYCTL_STATE/apps/$APP"
existing_app() {
  need_opt app
  [ -d "$APP_DIR" ] || error "failed to get app: Could not find App \"$APP\""
}

# JSON lists shaped like flyctl's: objects of `key value` pairs (values already JSON), indented or compact.
OBJECTS=()
object() {
  local fields=()
  while [ $# -gt 0 ]; do
    fields+=("\"$1\"$KV$2")
    shift 2
  done
  local IFS="$US"
  OBJECTS+=("${fields[*]}")
}
print_objects() {
  local i field fields sep out indented=1
  [ "${FLYCTL_JSON:-indented}" = compact ] && indented=0
  if [ ${#OBJECTS[@]} -eq 0 ]; then
    printf '[]\n'
    return
  fi
  if [ $indented -eq 1 ]; then out=$'[\n'; else out='['; fi
  for i in "${!OBJECTS[@]}"; do
    IFS="$US" read -r -a fields <<<"${OBJECTS[$i]}"
    if [ $indented -eq 1 ]; then
      [ "$i" -gt 0 ] && out+=$',\n'
      out+=$'    {\n'
      sep=''
      for field in "${fields[@]}"; do
        out+="$sep        ${field%%"$KV"*}: ${field#*"$KV"}"
        sep=$',\n'
      done
      out+=$'\n    }'
    else
      [ "$i" -gt 0 ] && out+=','
      out+='{'
      sep=''
      for field in "${fields[@]}"; do
        out+="$sep${field%%"$KV"*}:${field#*"$KV"}"
        sep=','
      done
      out+='}'
    fi
  done
  if [ $indented -eq 1 ]; then out+=$'\n]'; else out+=']'; fi
  # bash's printf writes this a line at a time, where flyctl (Go's json.Encoder) writes it in one go: a reader that
  # stops at its first match kills the writer with SIGPIPE here at once, and flyctl once a list outgrows a pipe's
  # buffer (FLYCTL_PAD)
  printf '%s\n' "$out"
}
random_hex() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }
NOW='"2026-12-06T17:00:00Z"'

# Sets a secret as `flyctl secrets` does: staged until the next deploy.
put_secret() {
  mkdir -p "$APP_DIR/secrets"
  printf '%s' "$2" >"$APP_DIR/secrets/$1"
  printf 'Staged' >"$APP_DIR/secrets/$1.status"
}

# flyctl's parser of `secrets import` (internal/command/secrets/parser.go): NAME=VALUE lines; comments and empty lines
# skipped; the value cut at a `#` with an even number of quotes before it; one pair of quotes removed; """ for
# values over several lines. Prints the names it set, one a line. (deploy.sh uses `secrets set NAME=-` instead, which
# keeps a value as it is: this is here so that a return to `secrets import` fails the tests with what Fly would hold.)
import_secrets() {
  local line name value before quotes multiline=''
  while IFS= read -r line || [ -n "$line" ]; do
    if [ -n "$multiline" ]; then
      if [[ $line == *'"""' ]]; then
        value+="${line%'"""'}"
        put_secret "$multiline" "$value"
        printf '%s\n' "$multiline"
        multiline=''
      else
        value+="$line"$'\n'
      fi
      continue
    fi
    [[ $line == '#'* || -z "${line//[[:space:]]/}" ]] && continue
    [[ $line == *=* ]] || error "Failed to parse secrets from stdin: Secrets must be provided as NAME=VALUE pairs"
    name="${line%%=*}"
    name="${name//[[:space:]]/}"
    value="${line#*=}"
    value="${value#"${value%%[! ]*}"}"
    if [[ $value == *'#'* ]]; then
      before="${value%%#*}"
      quotes="${before//[^\"]/}"
      if [ $((${#quotes} % 2)) -eq 0 ]; then
        value="${before%"${before##*[! ]}"}"
      fi
    fi
    if [[ ${#value} -ge 6 && $value == '"""'* && $value == *'"""' ]]; then
      value="${value:3:${#value}-6}"
    elif [[ $value == '"""'* ]]; then
      multiline="$name"
      value="${value#'"""'}"$'\n'
      continue
    elif [[ ${#value} -ge 2 && (($value == '"'* && $value == *'"') || ($value == "'"* && $value == *"'")) ]]; then
      value="${value:1:${#value}-2}"
    fi
    [[ $name =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || error "invalid secret name $name"
    put_secret "$name" "$value"
    printf '%s\n' "$name"
  done
}

case "$COMMAND" in
status)
  positionals 1
  flag_only app
  existing_app
  IFS= read -r -d '' org <"$APP_DIR/org" || true
  printf 'App\n  Name     = %s\n  Owner    = %s\n  Hostname = %s.fly.dev\n' "$APP" "$org" "$APP"
  ;;

'apps create')
  positionals 3
  flag_only org
  [ -n "${OPT[org]:-}" ] || unmodelled 'apps create without --org'
  APP="${POS[2]}"
  APP_DIR="$FLYCTL_STATE/apps/$APP"
  [ -d "$APP_DIR" ] && error 'Validation failed: Name has already been taken'
  mkdir -p "$APP_DIR/secrets" "$APP_DIR/volumes" "$APP_DIR/ips"
  printf '%s' "${OPT[org]}" >"$APP_DIR/org"
  printf 'New app created: %s\n' "$APP"
  ;;

'secrets list')
  positionals 2
  flag_only app json
  need_opt json
  existing_app
  for file in "$APP_DIR"/secrets/*; do
    [ -e "$file" ] || continue
    case "$file" in *.status) continue ;; esac
    # (read, not $(cat): no process per secret)
    IFS= read -r -d '' value <"$file" || true
    IFS= read -r -d '' status <"$file.status" || true
    # a digest's shape (flyctl shows a hash of the value; any stand-in for one will do)
    printf -v digest '%016x' "$((${#value} * 2654435761 % 4294967296))"
    object name "\"${file##*/}\"" digest "\"$digest\"" status "\"$status\""
  done
  for ((i = 1; i <= ${FLYCTL_PAD:-0}; i++)); do
    printf -v pad 'UNRELATED_SECRET_OF_A_LARGE_APP_%05d' "$i"
    object name "\"$pad\"" digest '"0123456789abcdef"' status '"Deployed"'
  done
  print_objects
  ;;

'secrets import')
  positionals 2
  flag_only app stage
  [ -n "${OPT[stage]:-}" ] || unmodelled 'secrets import without --stage (it would deploy)'
  existing_app
  names="$(import_secrets)"
  [ -n "$names" ] || error 'requires at least one SECRET=VALUE pair'
  # the names it read on standard input, on a line of their own after the call's: never the values
  printf 'stdin%s%s\n' "$KV" "${names//$'\n'/$US}" >>"$FLYCTL_LOG"
  ;;

'secrets set')
  # only NAME=- (the value on standard input): a value on the command line is refused loudly
  positionals 3
  flag_only app stage
  [ -n "${OPT[stage]:-}" ] || unmodelled 'secrets set without --stage (it would deploy)'
  [[ ${POS[2]} =~ ^([A-Za-z_][A-Za-z0-9_]*)=-$ ]] || unmodelled 'secrets set NAME=VALUE (a value on the command line)'
  name="${BASH_REMATCH[1]}"
  existing_app
  [ -t 0 ] && error "secret \`$name\` expects standard input but none provided"
  value="$(
    cat
    printf x
  )"
  value="${value%x}"
  [ ${#value} -le 65536 ] || error "error reading stdin for '$name': Input exceeded max length of 65536 bytes"
  # helpers.ReadStdin: white space around the value is trimmed
  [[ $value =~ ^[[:space:]]*(.*[^[:space:]])?[[:space:]]*$ ]]
  put_secret "$name" "${BASH_REMATCH[1]}"
  ;;

'volumes list')
  positionals 2
  flag_only app json
  need_opt json
  existing_app
  for file in "$APP_DIR"/volumes/*; do
    [ -e "$file" ] || continue
    IFS=' ' read -r name size region <"$file"
    object id "\"${file##*/}\"" name "\"$name\"" state '"created"' size_gb "$size" region "\"$region\"" zone '"b6a7"' encrypted true attached_machine_id null created_at "$NOW"
  done
  for ((i = 1; i <= ${FLYCTL_PAD:-0}; i++)); do
    printf -v pad 'vol_unrelated%05d' "$i"
    object id "\"$pad\"" name '"unrelated_data"' state '"created"' size_gb 1 region '"ams"' zone '"b6a7"' encrypted true attached_machine_id null created_at "$NOW"
  done
  print_objects
  ;;

'volumes create')
  positionals 3
  flag_only app region size yes
  need_opt region
  need_opt size
  need_opt yes
  existing_app
  [[ ${POS[2]} =~ ^[a-z0-9_]{1,30}$ ]] || error "invalid volume name ${POS[2]}"
  # Fly makes another volume of the same name on every call: only the script's looking first keeps it to one.
  id="vol_$(random_hex 8)"
  printf '%s %s %s\n' "${POS[2]}" "${OPT[size]}" "${OPT[region]}" >"$APP_DIR/volumes/$id"
  printf '                  ID: %s\n                Name: %s\n' "$id" "${POS[2]}"
  ;;

'ips list')
  positionals 2
  flag_only app json
  need_opt json
  existing_app
  for file in "$APP_DIR"/ips/*; do
    [ -e "$file" ] || continue
    IFS=' ' read -r type address region <"$file"
    # fly-go's IPAddress has no JSON tags: flyctl prints Go's field names
    object ID "\"${file##*/}\"" Address "\"$address\"" Type "\"$type\"" Region "\"$region\"" CreatedAt "$NOW" ServiceName '""' Network null
  done
  for ((i = 1; i <= ${FLYCTL_PAD:-0}; i++)); do
    printf -v pad 'ip_unrelated%05d' "$i"
    object ID "\"$pad\"" Address '"2a09:8280:1::1"' Type '"v6"' Region '"global"' CreatedAt "$NOW" ServiceName '""' Network null
  done
  print_objects
  ;;

'ips allocate-v6')
  positionals 2
  flag_only app private
  [ -n "${OPT[private]:-}" ] || unmodelled 'ips allocate-v6 without --private (a public address)'
  existing_app
  id="ip_$(random_hex 6)"
  printf 'private_v6 fdaa:0:1:0::%s global\n' "$(random_hex 2)" >"$APP_DIR/ips/$id"
  printf 'VERSION  IP  TYPE     REGION\nv6       -   private  global\n'
  ;;

'mpg attach')
  positionals 3
  flag_only app
  existing_app
  [ -e "$APP_DIR/secrets/DATABASE_URL" ] && error "app $APP already has DATABASE_URL set. Use 'fly secrets unset DATABASE_URL' to remove it first"
  url="postgresql://fly-user:$(random_hex 12)@pgbouncer.${POS[2]}.flympg.net/fly-db"
  put_secret DATABASE_URL "$url"
  # as flyctl does (internal/command/mpg/v2/run_attach.go): the connection string, password and all, on its output
  printf '\nPostgres cluster %s is being attached to %s\nThe following secret was added to %s:\n  DATABASE_URL=%s\n' "${POS[2]}" "$APP" "$APP" "$url"
  ;;

'storage create')
  # a private Tigris bucket for the app (--public is not modelled: allframe's are private), as flyctl's extensions do
  # (internal/command/extensions/core/core.go): an app has one at most; the name is global; its name, endpoint and
  # keys are set on the app (staged until its first deploy) and printed, keys and all, unless the app already has one
  # of those secrets, when none is set
  positionals 2
  flag_only app name yes
  need_opt name
  need_opt yes
  existing_app
  bucket="${OPT[name]}"
  if [ -f "$APP_DIR/bucket" ]; then
    IFS= read -r -d '' held <"$APP_DIR/bucket" || true
    error "A Tigris bucket named $held already exists for app $APP"
  fi
  [[ $bucket =~ ^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$ ]] || error "invalid bucket name $bucket"
  mkdir -p "$FLYCTL_STATE/buckets"
  [ -e "$FLYCTL_STATE/buckets/$bucket" ] && error "the bucket name $bucket is taken"
  printf '%s' "$APP" >"$FLYCTL_STATE/buckets/$bucket"
  printf '%s' "$bucket" >"$APP_DIR/bucket"
  printf 'Your Tigris project (%s) is ready.\n\n' "$bucket"
  tigris_secrets=(AWS_ACCESS_KEY_ID AWS_ENDPOINT_URL_S3 AWS_SECRET_ACCESS_KEY BUCKET_NAME)
  for name in "${tigris_secrets[@]}"; do
    if [ -e "$APP_DIR/secrets/$name" ]; then
      printf "Secrets already exist on app %s. They won't be set automatically.\n" "$APP"
      exit 0
    fi
  done
  printf 'Setting the following secrets on %s:\n' "$APP"
  for name in "${tigris_secrets[@]}"; do
    case "$name" in
    AWS_ACCESS_KEY_ID) value="tid_$(random_hex 16)" ;;
    AWS_SECRET_ACCESS_KEY) value="tsec_$(random_hex 24)" ;;
    AWS_ENDPOINT_URL_S3) value='https://fly.storage.tigris.dev' ;;
    BUCKET_NAME) value="$bucket" ;;
    esac
    put_secret "$name" "$value"
    printf '%s: %s\n' "$name" "$value"
  done
  ;;

deploy)
  positionals 2
  flag_only app config dockerfile remote-only no-public-ips yes
  need_opt config
  need_opt remote-only
  need_opt yes
  existing_app
  config="${OPT[config]}"
  [ -d "${POS[1]}" ] || error "the build context ${POS[1]} does not exist (from $PWD)"
  [ -f "$config" ] || error "the config file $config does not exist (from $PWD)"
  grep -Fxq "app = \"$APP\"" "$config" || error "$config is not the config of $APP"
  # the Dockerfile: --dockerfile (from here) is the one [build] names (from the fly.toml's directory); without the
  # flag, the one [build] names is there
  built="$(sed -n 's/^dockerfile = "\(.*\)"$/\1/p' "$config")"
  if [ -n "$built" ]; then
    built="$(realpath -m "$(dirname "$config")/$built")"
    if [ -n "${OPT[dockerfile]:-}" ]; then
      [ "$built" = "$(realpath -m "${OPT[dockerfile]}")" ] || error "--dockerfile ${OPT[dockerfile]} is not the Dockerfile $config builds"
    else
      [ -f "$built" ] || error "the Dockerfile $config builds is not there"
    fi
  fi
  cp "$config" "$APP_DIR/config"
  for file in "$APP_DIR"/secrets/*.status; do
    [ -e "$file" ] && printf 'Deployed' >"$file"
  done
  releases=0
  if [ -f "$APP_DIR/releases" ]; then IFS= read -r -d '' releases <"$APP_DIR/releases" || true; fi
  releases=$((releases + 1))
  printf '%s' "$releases" >"$APP_DIR/releases"
  # the first deploy of an app gives it public addresses unless told not to
  if [ -z "${OPT[no-public-ips]:-}" ] && ! grep -qs '^v6 \|^shared_v4 ' "$APP_DIR"/ips/*; then
    printf 'v6 2a09:8280:1::%s global\n' "$(random_hex 2)" >"$APP_DIR/ips/ip_$(random_hex 6)"
    printf 'shared_v4 66.241.124.%s global\n' "$((RANDOM % 250))" >"$APP_DIR/ips/ip_$(random_hex 6)"
  fi
  printf 'Visit your newly deployed app at https://%s.fly.dev/ (release v%s)\n' "$APP" "$releases"
  ;;

'scale count')
  [ ${#POS[@]} -ge 3 ] || unmodelled 'scale count without counts'
  flag_only app region yes
  need_opt region
  need_opt yes
  existing_app
  [ -f "$APP_DIR/config" ] || error "there are no active machines for this app: deploy it first"
  # the process groups of the deployed fly.toml ([processes]; `app` when it has none)
  groups=" $(awk '/^\[/ { inside = ($0 == "[processes]") } inside && / = / { printf "%s ", $1 }' "$APP_DIR/config")"
  [ "$groups" = ' ' ] && groups=' app '
  for count in "${POS[@]:2}"; do
    if [[ $count =~ ^[0-9]+$ ]]; then continue; fi
    [[ $count =~ ^([a-z_]+)=([0-9]+)$ ]] || error "invalid count $count"
    case "$groups" in *" ${BASH_REMATCH[1]} "*) ;; *) error "process group ${BASH_REMATCH[1]} is not in the app's config (groups:$groups)" ;; esac
  done
  printf '%s' "${POS[*]:2}" >"$APP_DIR/machines"
  printf 'Scaled %s to %s\n' "$APP" "${POS[*]:2}"
  ;;

*) unmodelled 'subcommand' ;;
esac
