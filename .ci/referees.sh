# shellcheck shell=bash
# The outside referees the tests need (test/referees.ts lists the same tools) and how CI gets them. Sourced by
# .ci/run; `ensure_referees` puts every referee on PATH, installing only what is missing, or fails naming each
# tool still missing.
#
# Debian (bookworm) packages neither cfn-lint nor moto: python3 and python3-venv come from Debian (apt-get, only
# when absent), the tools from PyPI at the versions the tests were written against, into a venv kept under
# ${XDG_CACHE_HOME:-$HOME/.cache}/allframe-referees, so later runs reuse it. Tools already on PATH (the machine
# image has both) are used as they are.
#
# ALLFRAME_REFEREES_NO_INSTALL=1 only checks (the tests use it); ALLFRAME_REFEREES_VENV moves the venv.

declare -A REFEREE_PIP=([cfn-lint]='cfn-lint==1.51.0' [moto_server]='moto[server]==5.2.1')

referee_names() {
  printf '%s\n' "${!REFEREE_PIP[@]}" | sort
}

referee_venv() {
  printf '%s\n' "${ALLFRAME_REFEREES_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/allframe-referees}"
}

# The referees not on PATH, one a line.
missing_referees() {
  local tool
  for tool in $(referee_names); do
    command -v "$tool" >/dev/null 2>&1 || printf '%s\n' "$tool"
  done
}

# apt-get install the given Debian packages (apt-get update first, once per run).
apt_install() {
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  command -v apt-get >/dev/null 2>&1 || { echo "referees: no apt-get to install $*" >&2; return 1; }
  if [ -z "${REFEREES_APT_UPDATED:-}" ]; then
    "${sudo[@]}" apt-get update -qq || return 1
    REFEREES_APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "$@"
}

# Install the given referees into the venv and put its bin/ on PATH.
install_referees() {
  local venv tool specs=()
  venv=$(referee_venv)
  for tool in "$@"; do specs+=("${REFEREE_PIP[$tool]}"); done
  if [ ! -x "$venv/bin/python" ]; then
    if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
      apt_install python3 python3-venv || return 1
    fi
    python3 -m venv "$venv" || return 1
  fi
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${specs[@]}" || return 1
  PATH="$venv/bin:$PATH"
  export PATH
}

ensure_referees() {
  local venv missing tool
  venv=$(referee_venv)
  if [ -x "$venv/bin/python" ]; then
    PATH="$PATH:$venv/bin"
    export PATH
  fi
  missing=$(missing_referees)
  if [ -n "$missing" ] && [ "${ALLFRAME_REFEREES_NO_INSTALL:-}" != 1 ]; then
    # shellcheck disable=SC2086 # one tool a word
    echo "referees: installing" $missing
    # shellcheck disable=SC2086
    install_referees $missing || echo "referees: the install failed" >&2
    missing=$(missing_referees)
  fi
  if [ -n "$missing" ]; then
    for tool in $missing; do
      echo "error: required referee $tool is missing (not on PATH); install it with: python3 -m pip install '${REFEREE_PIP[$tool]}'" >&2
    done
    return 1
  fi
  local names
  names=$(referee_names)
  echo "referees: ${names//$'\n'/, } on PATH"
}
