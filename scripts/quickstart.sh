#!/usr/bin/env bash
# The README's first command: installs dependencies from Debian's packages,
# builds, and starts dnsd on 127.0.0.1:5353 serving the example zone.
# Ctrl-C stops it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"
listen=${DNSD_LISTEN:-127.0.0.1:5353}
port=${listen##*:}
cat <<EOT

dnsd is starting on $listen with the zone example.com. Try:

    dig @127.0.0.1 -p $port www.example.com A +norec

Stop it with Ctrl-C.

EOT
exec "$root/build/dnsd/dnsd" --listen "$listen" \
    --zone-file "example.com=$root/deploy/zones/example.com.zone" --nsid quickstart
