#!/usr/bin/env bash
# Makes `python3` with `highspy` (the HiGHS solver, from PyPI) available for the scheduler's
# exactness tests, in a throwaway virtual environment. Prints the directory to put first on PATH.
set -euo pipefail

venv="${TECHMATCH_HIGHS_VENV:-/tmp/techmatch-ci-highs}"
bash "$(dirname "$0")/venv.sh" "$venv" highspy
"$venv/bin/python3" -c "import highspy" >&2
echo "$venv/bin"
