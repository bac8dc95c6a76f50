#!/usr/bin/env bash
# The README's second command: installs what the tests need (Debian packages),
# builds, and runs every test through ctest.
# In CI (CI set in the environment) the build is Release with warnings as
# errors; elsewhere RelWithDebInfo, and warnings stay warnings.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh" --test
if [ -n "${CI:-}" ]; then
  BUILD_TYPE=${BUILD_TYPE:-Release} "$root/scripts/build.sh" -DDNS_WERROR=ON
else
  "$root/scripts/build.sh"
fi
cd "${BUILD_DIR:-$root/build}"
ctest --output-on-failure --timeout 600 "$@"
