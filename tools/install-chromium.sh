#!/usr/bin/env bash
# Install Chromium and its WebDriver from the distribution's packages, for
# the docs width check (tools/check_doc_widths.py). Does nothing when both
# are already there; otherwise needs root (or password-less sudo) and
# Debian or Ubuntu packages. Fails loudly when it cannot install them.
set -euo pipefail

have() { command -v "$1" >/dev/null 2>&1; }

if { have chromium || have chromium-browser; } && have chromedriver; then
  exit 0
fi

if [ "$(id -u)" = 0 ]; then
  sudo=()
elif have sudo && sudo -n true 2>/dev/null; then
  sudo=(sudo -n)
else
  echo "install-chromium: chromium and chromedriver are missing, and" \
       "installing them needs root. Install them (Debian/Ubuntu:" \
       "apt-get install chromium chromium-driver), or set" \
       "DOCS_WIDTH_CHECK=skip to build the docs without the width check." >&2
  exit 1
fi
if ! have apt-get; then
  echo "install-chromium: no apt-get here; install Chromium and" \
       "chromedriver with this system's package manager" >&2
  exit 1
fi
echo "install-chromium: installing chromium and chromium-driver"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
# The fonts the widths were measured with: without them the page falls
# back to whatever font there is, and measures differently.
"${sudo[@]}" apt-get install -y -qq --no-install-recommends \
  chromium chromium-driver fonts-liberation fonts-dejavu-core >/dev/null
have chromium && have chromedriver
