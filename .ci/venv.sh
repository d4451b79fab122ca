#!/usr/bin/env bash
# Shared by .ci/highs.sh and .ci/schemathesis.sh: makes a throwaway Python virtual environment
# at $1 with the PyPI packages that follow, installing python3 (and its venv module) from
# Debian's packages when missing.
set -euo pipefail

venv="$1"
shift

if ! command -v python3 >/dev/null 2>&1; then
  echo "installing python3 from debian packages" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq python3 python3-venv >&2
fi
if [ ! -x "$venv/bin/python3" ]; then
  if ! python3 -m venv "$venv" >&2; then
    echo "python3 -m venv failed; installing python3-venv" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq python3-venv >&2
    python3 -m venv "$venv" >&2
  fi
fi
"$venv/bin/python3" -m pip install --quiet --disable-pip-version-check "$@" >&2
