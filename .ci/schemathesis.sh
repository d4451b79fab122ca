#!/usr/bin/env bash
# Makes `st` (schemathesis, from PyPI) available for the API fuzzing pass of
# tests/schemathesis.rs, in a throwaway virtual environment. Prints the path of its `st`.
set -euo pipefail

venv="${TECHMATCH_SCHEMATHESIS_VENV:-/tmp/techmatch-ci-schemathesis}"
bash "$(dirname "$0")/venv.sh" "$venv" "schemathesis>=4.3,<5"
"$venv/bin/st" --version >&2
echo "$venv/bin/st"
