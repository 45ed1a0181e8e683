#!/usr/bin/env bash
# The docs width check, as tox -e docs runs it: installs Chromium when it is
# missing, then measures every built page at 1,280 px.
#   tools/check-doc-widths.sh doc/build/html
# DOCS_WIDTH_CHECK=skip skips it on a machine that cannot install Chromium,
# but never in CI (CI set), where the check must run.
set -euo pipefail
here=$(dirname "$0")
if [ "${DOCS_WIDTH_CHECK:-}" = skip ]; then
  if [ -n "${CI:-}" ]; then
    echo "check-doc-widths: DOCS_WIDTH_CHECK=skip is refused in CI" >&2
    exit 1
  fi
  echo "check-doc-widths: SKIPPED (DOCS_WIDTH_CHECK=skip)"
  exit 0
fi
bash "$here/install-chromium.sh"
exec python "$here/check_doc_widths.py" "$@"
