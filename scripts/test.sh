#!/usr/bin/env bash
# Install everything the tests need (Debian packages, a virtual environment with the test
# and mediapipe extras) and run the whole suite: ruff, mypy, the import layering, pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-system-deps.sh
python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[test,mediapipe]' -c scripts/test-constraints.txt
echo "== ruff"; .venv/bin/ruff check . && .venv/bin/ruff format --check .
echo "== mypy"; .venv/bin/mypy
echo "== import layering"; scripts/lint-imports.sh
echo "== pytest"
# A throw-away PostgreSQL on 127.0.0.1 for the event-store tests (stopped again on exit).
eval "$(scripts/postgres-for-tests.sh)"
trap 'scripts/postgres-for-tests.sh stop >/dev/null 2>&1 || true' EXIT
# The real footage in ../shared/data (README: Tests): here its absence fails the run.
export ETIQUETTE_REQUIRE_TEST_DATA=1
.venv/bin/pytest -q "$@"
