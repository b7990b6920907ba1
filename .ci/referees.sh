# shellcheck shell=bash
# The outside referees the tests need (test/referees.ts lists the same tools). Sourced by .ci/run;
# `ensure_referees` checks that every referee is on PATH and fails naming each one that is missing.
#
# Neither cfn-lint nor moto is packaged by Debian, and the npm registry and Debian are the only package sources
# these machines reach, so CI cannot install them: the machine image carries both (pyenv, cfn-lint 1.51, moto 5.2).
# A machine without them fails here, naming the tool and the version the tests were written against, instead of
# skipping the tests that need it.

declare -A REFEREE_VERSION=([cfn-lint]='cfn-lint 1.51.0' [moto_server]='moto[server] 5.2.1')

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
      echo "error: required referee $tool is missing (not on PATH): the tests need ${REFEREE_VERSION[$tool]} (Python; no Debian package: the machine image provides it)" >&2
    done
    return 1
  fi
  names=$(referee_names)
  echo "referees: ${names//$'\n'/, } on PATH"
}
