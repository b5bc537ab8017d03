#!/usr/bin/env bash
# The README's first command: install the product (Python 3.11-3.13) and run the demo on
# the bundled sample. Debian packages it needs are installed first if missing (as root, or
# through sudo). Arguments go to `etiquette demo` (e.g. --exit --speed 8, --offline).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-system-deps.sh --core
python3 -m venv .venv
.venv/bin/python -m pip install -q .
exec .venv/bin/etiquette demo "$@"
