# Sourced by the scripts in this folder: make sure .venv exists with the project installed.
# Needs only Python 3.11+ on PATH (python3.13, python3.12, python3.11 or python3 are tried in turn).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
extras="${1-dev}"  # an empty argument installs the library alone
if [ ! -x .venv/bin/python ]; then
  py=""
  for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      py="$candidate"; break
    fi
  done
  if [ -z "$py" ]; then
    echo "error: Python 3.11 or newer is needed on PATH" >&2
    exit 2
  fi
  "$py" -m venv .venv
fi
stamp=".venv/.installed-${extras:-base}-$(cat pyproject.toml | cksum | cut -d' ' -f1)"
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install --quiet -e ".${extras:+[$extras]}"
  touch "$stamp"
fi
