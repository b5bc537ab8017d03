#!/usr/bin/env bash
# import-linter's contracts (pyproject.toml) on the installed names, etiquette.*: its import
# graph does not follow the links in etiquette/, so it reads a copy of the Python files with
# the links resolved.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
copy=$(mktemp -d)
trap 'rm -rf "$copy"' EXIT
"$root/.venv/bin/python" - "$root/etiquette" "$copy/etiquette" <<'EOF'
import shutil
import sys
from pathlib import Path


def not_python(folder: str, names: list[str]) -> list[str]:
    return [
        n for n in names
        if n == "__pycache__" or (not n.endswith(".py") and not (Path(folder) / n).is_dir())
    ]


shutil.copytree(sys.argv[1], sys.argv[2], symlinks=False, ignore=not_python)
EOF
cd "$copy"
PYTHONPATH="$copy" "$root/.venv/bin/lint-imports" --config "$root/pyproject.toml" --no-cache
