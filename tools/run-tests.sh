#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs tox, then runs the unit
# tests (py3) and the linters. Ends with a "N passed, N failed" line.
set -uo pipefail
cd "$(dirname "$0")/.."

python3 -m pip install --quiet --disable-pip-version-check tox || exit 1
python3 -m tox -e py3,pep8,mypy
rc=$?

# stestr's own summary is not a recognised closing line: restate it.
if [ -x .tox/py3/bin/stestr ]; then
  .tox/py3/bin/stestr last 2>/dev/null | awk '
    /- Passed:/  {p=$3} /- Failed:/ {f=$3} /- Skipped:/ {s=$3}
    END { if (p != "") printf "%d passed, %d failed, %d skipped\n", p, f, s }'
fi
exit $rc
