# shellcheck shell=bash
# The outside referees the tests need (test/referees.ts lists the same tools). Sourced by .ci/run;
# `ensure_referees` checks that every referee is on PATH and fails naming each one that is missing.
#
# Neither cfn-lint nor moto is packaged by Debian, and the npm registry and Debian are the only package sources
# these machines reach, so CI cannot install them: the machine image carries both (pyenv, cfn-lint 1.51, moto 5.2).
# So does the Google Cloud CLI with its Firestore emulator (gcloud; Google's apt repository is not reachable).
# PostgreSQL, Redis, docker-compose, ShellCheck and nats-server are Debian packages: `install_debian_referees` installs
# them where they are missing (pg_ctlcluster stands for PostgreSQL on PATH; test/postgres.ts and allframe dev run its
# server binaries; allframe dev runs redis-server; the compose tests run `docker-compose config -q`, which needs no
# Docker engine; the Fly.io tests run shellcheck on every generated deploy.sh, and nats-server (Debian's 2.9; production
# runs the nats:2.10 image) for the event bus). A machine without a referee fails here, naming the tool and the version
# the tests were written against, instead of skipping the tests that need it.

declare -A REFEREE_VERSION=([cfn-lint]='cfn-lint 1.51.0' [moto_server]='moto[server] 5.2.1' [pg_ctlcluster]='postgresql 15' [gcloud]='the Google Cloud CLI with the cloud-firestore-emulator component' [redis-server]='redis-server 7' [docker-compose]='docker-compose 1.29' [nats-server]='nats-server 2.9' [shellcheck]='shellcheck 0.9')
declare -A REFEREE_SOURCE=(
  [cfn-lint]='Python; no Debian package: the machine image provides it'
  [moto_server]='Python; no Debian package: the machine image provides it'
  [pg_ctlcluster]='the Debian package postgresql: install_debian_referees installs it'
  [gcloud]='Java; not from Debian here: the machine image provides it'
  [redis-server]='the Debian package redis-server: install_debian_referees installs it'
  [docker-compose]='the Debian package docker-compose: install_debian_referees installs it'
  [nats-server]='the Debian package nats-server, in /usr/sbin (keep it on PATH): install_debian_referees installs it'
  [shellcheck]='the Debian package shellcheck: install_debian_referees installs it'
)
declare -A REFEREE_DEBIAN_PACKAGE=([pg_ctlcluster]='postgresql' [redis-server]='redis-server' [docker-compose]='docker-compose' [nats-server]='nats-server' [shellcheck]='shellcheck')

referee_names() {
  printf '%s\n' "${!REFEREE_VERSION[@]}" | sort
}

# The referees not on PATH, one a line.
missing_referees() {
  local tool
  for tool in $(referee_names); do
    command -v "$tool" >/dev/null 2>&1 || printf '%s\n' "$tool"
  done
}

ensure_referees() {
  local missing tool names
  missing=$(missing_referees)
  if [ -n "$missing" ]; then
    for tool in $missing; do
      echo "error: required referee $tool is missing (not on PATH): the tests need ${REFEREE_VERSION[$tool]} (${REFEREE_SOURCE[$tool]})" >&2
    done
    return 1
  fi
  names=$(referee_names)
  echo "referees: ${names//$'\n'/, } on PATH"
}

# Install the referees Debian packages (apt-get, as root or with sudo) where they are missing.
install_debian_referees() {
  local tool packages=()
  for tool in "${!REFEREE_DEBIAN_PACKAGE[@]}"; do
    command -v "$tool" >/dev/null 2>&1 || packages+=("${REFEREE_DEBIAN_PACKAGE[$tool]}")
  done
  [ ${#packages[@]} -eq 0 ] && return 0
  local sudo=()
  [ "$(id -u)" -ne 0 ] && sudo=(sudo)
  echo "installing from Debian: ${packages[*]}"
  "${sudo[@]}" apt-get update -qq && DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${packages[@]}"
}
