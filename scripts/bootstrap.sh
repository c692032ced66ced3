#!/usr/bin/env bash
# Installs what Tsunagu needs when it is missing, then syncs the Python environment from uv.lock.
#   scripts/bootstrap.sh run    packages to serve the app (PDF fonts and libraries)
#   scripts/bootstrap.sh bench  the same as run, plus Chromium for the phone scenarios
#   scripts/bootstrap.sh test   the same as run, plus PostgreSQL, Chromium and poppler for the tests
# When everything is present it only checks, which takes a second or two.
set -euo pipefail
cd "$(dirname "$0")/.."

purpose=${1:-run}
say() { printf 'bootstrap: %s\n' "$*"; }
fail() { printf 'bootstrap: %s\n' "$*" >&2; exit 1; }

# WeasyPrint renders PDFs with Pango and HarfBuzz; documents embed the IPAex fonts (Noto CJK as the
# fallback for characters IPAex lacks).
packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
          fonts-ipaexfont-gothic fonts-ipaexfont-mincho fonts-noto-cjk)
case "$purpose" in
  run) ;;
  # The benchmarks time a person's first order on a phone in Chromium.
  bench) packages+=(chromium) ;;
  # The test suite runs on a throwaway PostgreSQL, drives Debian's Chromium and reads PDFs.
  test) packages+=(postgresql chromium poppler-utils) ;;
  *) fail "unknown purpose '$purpose' (expected run, bench or test)" ;;
esac

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
      missing+=("$package")
    fi
  done
else
  say "this is not a Debian or Ubuntu system: install the equivalents of these yourself:"
  say "  ${packages[*]}"
fi

if [ ${#missing[@]} -gt 0 ]; then
  case "$purpose" in
    run) why="fonts and libraries for PDF documents" ;;
    bench) why="PDF fonts and libraries, plus Chromium for the phone benchmarks" ;;
    test) why="PDF fonts and libraries, plus PostgreSQL, Chromium and poppler for the tests" ;;
  esac
  say "installing missing system packages ($why): ${missing[*]}"
  if [ "$(id -u)" -eq 0 ]; then
    sudo_cmd=()
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo_cmd=(sudo)
  else
    fail "cannot install system packages without root. Run this, then try again:
  sudo apt-get update && sudo apt-get install -y ${missing[*]}"
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq || fail "apt-get update failed: check the network and apt sources."
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" \
    || fail "apt-get install failed for: ${missing[*]}"
fi

# uv installs Python packages exactly as uv.lock says. It comes from PyPI when missing.
export PATH="$HOME/.local/bin:$PATH"
if ! command -v uv >/dev/null 2>&1; then
  command -v python3 >/dev/null 2>&1 || fail "python3 is missing: install Python 3.11 or newer first."
  say "installing uv (Python package manager) from PyPI"
  if [ "$(id -u)" -eq 0 ]; then
    python3 -m pip install --quiet uv 2>/dev/null \
      || python3 -m pip install --quiet --break-system-packages uv \
      || fail "could not install uv with pip: install it (pip install uv) and try again."
  else
    python3 -m pip install --quiet --user uv 2>/dev/null \
      || python3 -m pip install --quiet --user --break-system-packages uv \
      || fail "could not install uv with pip: install it (pip install --user uv) and try again."
  fi
  command -v uv >/dev/null 2>&1 || fail "uv was installed but is not on PATH: add $HOME/.local/bin to PATH."
fi

# Never download a Python build: use the machine's own Python (3.11 or newer).
export UV_PYTHON_DOWNLOADS=never
uv sync --frozen --quiet || fail "uv sync failed: the lock file or the network is the problem (see above)."
