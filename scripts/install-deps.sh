#!/usr/bin/env bash
# Installs every build and test dependency from Debian 12's packages.
# Usage: scripts/install-deps.sh [--test]   (--test adds the reference servers and tools tests use)
set -euo pipefail
build_pkgs=(
  build-essential cmake ninja-build pkg-config
  libldns-dev ldnsutils libboost-dev libboost-system-dev libssl-dev
  doctest-dev libtomlplusplus-dev libcpp-httplib-dev libsqlite3-dev libmaxminddb-dev
  nlohmann-json3-dev libpsl-dev publicsuffix libcurl4-openssl-dev
  bind9-dnsutils
)
test_pkgs=(
  knot knot-dnsutils nsd bind9 python3 python3-dnspython
  clang clang-format libclang-rt-14-dev iproute2 procps util-linux
  unbound python3-aiosmtpd chromium
)
want=("${build_pkgs[@]}")
[ "${1:-}" = "--test" ] && want+=("${test_pkgs[@]}")
# Node.js and npm drive the browser test (playwright-core); a machine whose
# Node.js came with its own npm keeps it (Debian's npm would conflict).
[ "${1:-}" = "--test" ] && ! command -v npm >/dev/null && want+=(nodejs npm)

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
# playwright-core from the npm registry, at the version package-lock.json
# pins, drives Debian's Chromium (it downloads no browser of its own).
browser_test() {
  local dir
  dir="$(cd "$(dirname "$0")/.." && pwd)/tests/integration/browser"
  [ "${1:-}" = "--test" ] || return 0
  [ -d "$dir/node_modules/playwright-core" ] && return 0
  echo "install-deps: npm ci in tests/integration/browser"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
}
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#want[@]} packages present"
  browser_test "${1:-}"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# Debian's knot/nsd/bind9 packages try to start their daemons; on machines without
# systemd that fails harmlessly, but a policy-rc.d keeps it quiet and deterministic.
if [ ! -e /usr/sbin/policy-rc.d ] && [ -z "$SUDO" ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
browser_test "${1:-}"
