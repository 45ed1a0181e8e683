#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs tox, then runs the unit
# tests in both modes (py3; again on the oldest declared dependencies), native
# threads without eventlet, the linters and type checks, the docs with their
# examples and their width check in headless Chromium (installed from the
# distribution's packages when missing), the release notes, the sdist and
# wheel, and a short stress run. Ends with a
# "N passed, N failed" line.
set -uo pipefail
cd "$(dirname "$0")/.."

python3 -m pip install --quiet --disable-pip-version-check tox || exit 1
rc=0
python3 -m tox -e py3,oldest,noeventlet,pep8,mypy,docs,releasenotes,build \
  || rc=1
python3 -m tox -e stress -- --short || rc=1

# stestr's own summary is not a recognised closing line: restate it.
if [ -x .tox/py3/bin/stestr ]; then
  .tox/py3/bin/stestr last 2>/dev/null | awk -v rc="$rc" '
    /- Passed:/  {p=$3} /- Failed:/ {f=$3} /- Skipped:/ {s=$3}
    END {
      if (p == "") exit
      # A failure outside the unit tests (lint, docs, stress) counts too.
      if (rc != 0 && f == 0) f = 1
      printf "%d passed, %d failed, %d skipped\n", p, f, s
    }'
fi
exit $rc
