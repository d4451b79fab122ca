#!/usr/bin/env bash
# Makes `st` (schemathesis, from PyPI) available for the API fuzzing pass of
# tests/schemathesis.rs, in a throwaway virtual environment. Prints the path of its `st`.
set -euo pipefail

venv="${TECHMATCH_SCHEMATHESIS_VENV:-/tmp/techmatch-ci-schemathesis}"

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
"$venv/bin/python3" -m pip install --quiet --disable-pip-version-check "schemathesis>=4.3,<5" >&2
"$venv/bin/st" --version >&2
echo "$venv/bin/st"
