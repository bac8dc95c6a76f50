#!/usr/bin/env bash
# Secondary benchmark: dnsd, Knot DNS and NSD as secondaries of one Knot DNS primary, side by side.
# See bench/README.md ("Secondary benchmark"). Linux only. Sends traffic to 127.0.0.1 only.
#
#   bench/secondary.sh [--dnsd PATH] [--quick] [--only ITEM[,ITEM]] [--servers dnsd,knot,nsd]
#                      [--reps N] [--big-records N] [--zones N] [--load-seconds S] [--max-wait S]
#                      [--data DIR] [--out DIR] [--port-base N] [--keep]
#
# Items: 1 prop     one-record change: commit on the primary -> each secondary answers the serial
#        2 catalog  member added to a catalog zone -> each secondary answers the member's SOA
#        3 big      1,000,000-record zone: AXFR time and PSS per secondary, then 10-record IXFRs
#        4 many     10,000 zones from a catalog: first start, then restart from state, primary down
#        5 load     dnsd UDP qps while the primary commits a change every 100 ms
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DNSD="$HERE/../build/dnsd/dnsd"
KNOTD=${KNOTD:-/usr/sbin/knotd}
KNOTC=${KNOTC:-/usr/sbin/knotc}
NSD=${NSD:-/usr/sbin/nsd}
NSD_CONTROL=${NSD_CONTROL:-/usr/sbin/nsd-control}
PY=/usr/bin/python3
QUICK=0
ONLY="1,2,3,4,5"
SERVERS_OPT="dnsd,knot,nsd"
REPS=""
BIG_RECORDS=""
NZONES=""
LOAD_S=""
LOAD_VARIANTS="big,many"
MAX_WAIT=5           # items 1, 2: how long one change may take to reach a secondary
BIG_MAX_WAIT=30      # item 3: the same for a 10-record IXFR into the big zone
DATA=""
OUT=""
KEEP=0
PORT_BASE=24400     # below the kernel's ephemeral range (32768-60999): thousands of transfer
                    # connections leave local ports in TIME_WAIT there, and a server restarted
                    # on such a port could not bind it
GAP=1                # seconds between two changes (items 1-3)
CHURN_MS=100         # item 5: a commit every CHURN_MS
WARMUP_S=1
# loadgen parameters, as in run.sh
UDP_SOCKETS=8
UDP_INFLIGHT=128
UDP_BATCH=64

usage() {
  sed -n '2,/^set /{/^#/p}' "$0" | sed 's/^# \{0,1\}//'
  cat <<EOF
Options:
  --dnsd PATH         dnsd binary (default: ../build/dnsd/dnsd relative to this script)
  --quick             small sizes: 10,000-record zone, 200 catalog zones, 5 repetitions, 2 s loads
  --only LIST         items to run, by number or name: 1|prop, 2|catalog, 3|big, 4|many, 5|load
  --servers LIST      secondaries to compare, from dnsd,knot,nsd (default all; item 5 is dnsd only)
  --reps N            repetitions of items 1-3 (default 20, --quick 5)
  --big-records N     records in the big zone (default 1000000, --quick 10000)
  --zones N           member zones of the item-4/5 catalog (default 10000, --quick 200)
  --load-seconds S    length of each item-5 measurement (default 10, --quick 2)
  --load-variants L   item 5 with changes to the big zone, the catalog zones or both (default big,many)
  --max-wait S        bound for one change to reach a secondary, items 1-2 (default $MAX_WAIT)
  --big-max-wait S    the same for the 10-record IXFRs of item 3 (default $BIG_MAX_WAIT)
  --data DIR          keep/reuse the generated zones in DIR (regenerated when the sizes differ)
  --out DIR           copy results.tsv, samples.tsv, summary.txt and every config and log to DIR
  --port-base N       first port on 127.0.0.1 (default $PORT_BASE; uses N..N+4)
  --keep              keep the temporary directory
Environment: KNOTD, KNOTC, NSD, NSD_CONTROL override the server paths.
EOF
}

while [ $# -gt 0 ]; do
  case "$1" in
    --dnsd) DNSD="$2"; shift 2 ;;
    --quick) QUICK=1; shift ;;
    --only) ONLY="$2"; shift 2 ;;
    --servers) SERVERS_OPT="$2"; shift 2 ;;
    --reps) REPS="$2"; shift 2 ;;
    --big-records) BIG_RECORDS="$2"; shift 2 ;;
    --zones) NZONES="$2"; shift 2 ;;
    --load-seconds) LOAD_S="$2"; shift 2 ;;
    --load-variants) LOAD_VARIANTS="$2"; shift 2 ;;
    --max-wait) MAX_WAIT="$2"; shift 2 ;;
    --big-max-wait) BIG_MAX_WAIT="$2"; shift 2 ;;
    --data) DATA="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    --port-base) PORT_BASE="$2"; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "secondary.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done
if [ "$QUICK" = 1 ]; then
  : "${REPS:=5}" "${BIG_RECORDS:=10000}" "${NZONES:=200}" "${LOAD_S:=2}"
  WARMUP_S=0.5
else
  : "${REPS:=20}" "${BIG_RECORDS:=1000000}" "${NZONES:=10000}" "${LOAD_S:=10}"
fi
isnum() { case "$1" in ''|*[!0-9]*) return 1 ;; esac; }
isnum "$REPS" && [ "$REPS" -ge 1 ] && [ "$REPS" -le 200 ] || { echo "secondary.sh: --reps must be 1..200" >&2; exit 2; }
isnum "$BIG_RECORDS" && [ "$BIG_RECORDS" -ge 100 ] || { echo "secondary.sh: --big-records must be >= 100" >&2; exit 2; }
isnum "$NZONES" && [ "$NZONES" -ge 2 ] && [ "$NZONES" -le 99999 ] || { echo "secondary.sh: --zones must be 2..99999" >&2; exit 2; }
isnum "$PORT_BASE" && [ "$PORT_BASE" -ge 1024 ] && [ "$PORT_BASE" -le 65530 ] || { echo "secondary.sh: bad --port-base" >&2; exit 2; }
if read -r eph_lo eph_hi < /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null &&
   [ $((PORT_BASE + 4)) -ge "$eph_lo" ] && [ "$PORT_BASE" -le "$eph_hi" ]; then
  echo "secondary.sh: warning: ports $PORT_BASE..$((PORT_BASE + 4)) lie in the ephemeral range $eph_lo-$eph_hi; a restarted server may find its port taken by a transfer connection" >&2
fi
awk -v s="$LOAD_S" 'BEGIN { exit !(s > 0 && s <= 120) }' || { echo "secondary.sh: --load-seconds must be in (0, 120]" >&2; exit 2; }
awk -v s="$MAX_WAIT" -v b="$BIG_MAX_WAIT" 'BEGIN { exit !(s > 0 && s <= 120 && b > 0 && b <= 600) }' ||
  { echo "secondary.sh: --max-wait must be in (0, 120], --big-max-wait in (0, 600]" >&2; exit 2; }

ITEMS=()
for it in ${ONLY//,/ }; do
  case $it in
    1|prop) ITEMS+=(prop) ;; 2|catalog) ITEMS+=(catalog) ;; 3|big) ITEMS+=(big) ;;
    4|many) ITEMS+=(many) ;; 5|load) ITEMS+=(load) ;;
    *) echo "secondary.sh: unknown item $it (1-5 or prop,catalog,big,many,load)" >&2; exit 2 ;;
  esac
done
want_item() { case " ${ITEMS[*]} " in *" $1 "*) return 0 ;; esac; return 1; }
ORDERED=()         # run in the canonical order, each once
for it in prop catalog big many load; do want_item "$it" && ORDERED+=("$it"); done
ITEMS=("${ORDERED[@]}")

if [ -n "$OUT" ]; then mkdir -p "$OUT"; OUT=$(cd "$OUT" && pwd); fi
[ "$(uname -s)" = Linux ] || { echo "secondary.sh: Linux only" >&2; exit 2; }
NCPU=$(nproc)
[ "$NCPU" -ge 2 ] || { echo "secondary.sh: needs at least 2 CPUs (secondaries on CPU 0, primary and probes on CPU 1)" >&2; exit 2; }
command -v taskset >/dev/null || { echo "secondary.sh: taskset (util-linux) is required" >&2; exit 2; }
[ -x "$PY" ] || PY=$(command -v python3)
[ -x "$KNOTD" ] && [ -x "$KNOTC" ] || { echo "secondary.sh: the primary is Knot DNS: $KNOTD and $KNOTC are required" >&2; exit 1; }
CLK_TCK=$(getconf CLK_TCK)
PROBE="$HERE/sec_probe.py"
export KNOTD KNOTC NSD NSD_CONTROL

P_PRIMARY=$PORT_BASE
declare -A PORT=([dnsd]=$((PORT_BASE + 1)) [knot]=$((PORT_BASE + 2)) [nsd]=$((PORT_BASE + 3)))
P_HTTP=$((PORT_BASE + 4))

# ------------------------------------------------------------------ process bookkeeping
WORK=$(mktemp -d "${TMPDIR:-/tmp}/secbench.XXXXXX")
STARTED=()          # PIDs of every process we started and have not stopped yet
declare -A PID_OF   # running secondary -> PID
PRIMARY_PID=""

tree_pids() {       # PID and all its descendants (via /proc/*/task/*/children)
  local p=$1 c
  [ -d "/proc/$p" ] || return 0
  echo "$p"
  for c in $(cat /proc/"$p"/task/*/children 2>/dev/null); do tree_pids "$c"; done
}

stop_pid() {        # TERM the tree of a PID we started, wait (bounded), then KILL what's left
  local p=$1 pids i q alive
  [ -n "$p" ] || return 0
  pids=$(tree_pids "$p")
  if [ -n "$pids" ]; then
    kill -TERM $pids 2>/dev/null || true
    for i in $(seq 1 100); do
      alive=0
      for q in $pids; do [ -d "/proc/$q" ] && ! grep -q '^State:.*Z' "/proc/$q/status" 2>/dev/null && alive=1; done
      [ "$alive" = 0 ] && break
      sleep 0.1
    done
    for q in $pids; do [ -d "/proc/$q" ] && kill -KILL "$q" 2>/dev/null || true; done
  fi
  wait "$p" 2>/dev/null || true
  local keep=() x
  for x in "${STARTED[@]}"; do [ "$x" != "$p" ] && keep+=("$x"); done
  STARTED=("${keep[@]}")
}

cleanup() {
  local p
  for p in "${STARTED[@]}"; do stop_pid "$p"; done
  STARTED=()
  if [ -n "$OUT" ] && [ -d "$WORK" ]; then
    mkdir -p "$OUT"
    cp -f "$WORK"/results.tsv "$WORK"/samples.tsv "$WORK"/summary.txt "$WORK"/progress.log "$OUT"/ 2>/dev/null || true
    (cd "$WORK" && find run -type f \( -name '*.log' -o -name '*.conf' -o -name '*.out' -o -name cmdline \) \
       -exec cp --parents -f {} "$OUT"/ \;) 2>/dev/null || true
  fi
  if [ "$KEEP" = 1 ]; then echo "secondary.sh: kept $WORK" >&2; else rm -rf "$WORK"; fi
}
exec 2> >(tee -a "$WORK/progress.log" >&2)   # the progress log, also kept with --out
trap cleanup EXIT
trap 'echo "secondary.sh: interrupted" >&2; exit 130' INT TERM HUP

log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
now_ns() { date +%s%N; }
secs_since() { awk -v a="$1" -v b="$(now_ns)" 'BEGIN { printf "%.3f", (b - a) / 1e9 }'; }
probe() { taskset -c 1 "$PY" "$PROBE" "$@"; }
kv() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<< " $2"; }

SAMPLES="$WORK/samples.tsv"
printf 'item\tserver\tmetric\trep\tvalue\n' > "$SAMPLES"
rec() { printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "${5:--}" "$4" >> "$SAMPLES"; }   # item server metric value [rep]

pin_tree() {        # pin every thread of every process of the tree to MASK
  local pid=$1 mask=$2 p
  for p in $(tree_pids "$pid"); do taskset -a -p "$mask" "$p" >/dev/null 2>&1 || true; done
}
cpu_ticks() {       # utime+stime (clock ticks) over the process tree; fields after "(comm)"
  local pid=$1 p s=0 rest
  for p in $(tree_pids "$pid"); do
    rest=$(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null) || continue
    set -- $rest
    [ $# -ge 13 ] && s=$((s + ${12} + ${13}))
  done
  echo "$s"
}
pss_kb() {          # PSS summed over the process tree
  local pid=$1 p s=0 v
  for p in $(tree_pids "$pid"); do
    v=$(awk '/^Pss:/ { print $2 }' "/proc/$p/smaps_rollup" 2>/dev/null || true)
    [ -n "$v" ] && s=$((s + v))
  done
  echo "$s"
}
cpu_busy() {        # busy jiffies of CPUs 0+1 (all but idle/iowait)
  awk '$1 == "cpu0" || $1 == "cpu1" { s += $2 + $3 + $4 + $7 + $8 + $9 } END { print s }' /proc/stat
}
wait_idle() {       # until the tree used <= 2 ticks in two 0.5 s windows in a row (bounded); prints seconds
  local pid=$1 max=${2:-120} t0 a b calm=0
  t0=$(now_ns); a=$(cpu_ticks "$pid")
  while [ "$calm" -lt 2 ]; do
    sleep 0.5
    b=$(cpu_ticks "$pid")
    if [ $((b - a)) -le 2 ]; then calm=$((calm + 1)); else calm=0; fi
    a=$b
    awk -v s="$(secs_since "$t0")" -v m="$max" 'BEGIN { exit !(s > m) }' && break
    [ -d "/proc/$pid" ] || break
  done
  secs_since "$t0"
}

# ------------------------------------------------------------------ which servers
SERVERS=()
for s in ${SERVERS_OPT//,/ }; do
  case $s in
    dnsd) if [ -x "$DNSD" ]; then DNSD=$(cd "$(dirname "$DNSD")" && pwd)/$(basename "$DNSD"); SERVERS+=(dnsd)
          else log "dnsd not found at $DNSD — skipping it (build it or pass --dnsd PATH)"; fi ;;
    knot) SERVERS+=(knot) ;;
    nsd)  if [ -x "$NSD" ]; then SERVERS+=(nsd); else log "nsd not found at $NSD — skipping"; fi ;;
    *) echo "secondary.sh: unknown server $s (dnsd, knot, nsd)" >&2; exit 2 ;;
  esac
done
[ ${#SERVERS[@]} -gt 0 ] || { echo "secondary.sh: no secondary to run" >&2; exit 1; }
has_server() { case " ${SERVERS[*]} " in *" $1 "*) return 0 ;; esac; return 1; }

# ------------------------------------------------------------------ tools and data
mkdir -p "$WORK/build"
LOADGEN="$WORK/build/loadgen"
if want_item load && has_server dnsd; then
  log "building loadgen"
  g++ -O2 -std=c++20 -pthread -o "$LOADGEN" "$HERE/loadgen.cpp"
fi

if [ -z "$DATA" ]; then DATA="$WORK/data"; fi
mkdir -p "$DATA"; DATA=$(cd "$DATA" && pwd)
meta() { sed -n "s/^$1=//p" "$DATA/meta.txt" 2>/dev/null; }
need_big=0; need_many=0
{ want_item big || want_item load; } && need_big=1
{ want_item many || want_item load; } && need_many=1
if { [ "$need_big" = 1 ] && [ "$(meta big_records)" != "$BIG_RECORDS" ] && [ "$(meta big_records_wanted)" != "$BIG_RECORDS" ]; } ||
   { [ "$need_many" = 1 ] && [ "$(meta many_zones)" != "$NZONES" ]; }; then
  log "generating data in $DATA (big zone $BIG_RECORDS records, $NZONES small zones)"
  "$PY" "$HERE/gen_zones.py" "$DATA" --only many,big --big --big-records "$BIG_RECORDS" --zones "$NZONES" \
    --queries 100000 > "$WORK/gen.out"
  echo "big_records_wanted=$BIG_RECORDS" >> "$DATA/meta.txt"
fi

# ------------------------------------------------------------------ the primary (Knot DNS)
# The servers' configurations and command lines come from the integration
# harness (tests/integration/harness.py primary|secondary ...), the one place
# that knows how to start Knot, NSD and dnsd.
HARNESS="$HERE/../tests/integration/harness.py"
harness_cmd() {     # ARGS... -> CMD (array): the command line the harness prints
  mapfile -t CMD < <("$PY" "$HARNESS" "$@")
  [ ${#CMD[@]} -gt 0 ] || { log "the harness gave no command line for: $*"; return 1; }
}

# start_primary DIR ZONELIST [QUIET_ZONE...] -> PRIMARY_PID. ZONELIST: "name path" a line; every
# zone notifies all secondaries of this run; QUIET_ZONEs (also in ZONELIST) notify nobody.
start_primary() {
  local d=$1 list=$2 s args=()
  shift 2
  for s in "${SERVERS[@]}"; do args+=(--notify "${PORT[$s]}"); done
  for s in "$@"; do args+=(--quiet "$s"); done
  harness_cmd primary knot --dir "$d" --port "$P_PRIMARY" --zones-file "$list" "${args[@]}"
  taskset -c 1 "${CMD[@]}" > "$d/knot.log" 2>&1 &
  PRIMARY_PID=$!; STARTED+=("$PRIMARY_PID")
}
# primary_ready DIR ZONELIST MAX -> waits until the primary answers every zone
primary_ready() {
  local d=$1 list=$2 max=$3 out
  if ! out=$(probe wait --port "$P_PRIMARY" --zones-file "$list" --max-wait "$max"); then
    log "the primary did not load its zones within ${max}s: $out"; tail -n 5 "$d/knot.log" >&2; return 1
  fi
  pin_tree "$PRIMARY_PID" 0x2     # knotd pins its UDP workers to CPU i mod n itself
  log "  primary (knotd) answers all $(kv answered "$out") zones"
}

# ------------------------------------------------------------------ the secondaries
# start_<server> DIR ZONES CATALOG -> SERVER_PID. ZONES: space-separated secondary zones;
# CATALOG: a catalog zone ("" for none); for NSD, which has no catalog support, the catalog's
# member list is given instead as the file $MEMBERS (explicit zone: entries).
MEMBERS=""
secondary_args() {  # SERVER DIR ZONES CATALOG -> the harness's arguments
  local z
  ARGS=(secondary "$1" --dir "$2" --port "${PORT[$1]}" --primary-port "$P_PRIMARY")
  for z in $3; do ARGS+=(--zone "$z"); done
  [ -n "$4" ] && ARGS+=(--catalog "$4")
  [ -n "$4" ] && [ "$1" = nsd ] && ARGS+=(--members-file "$MEMBERS")
  [ "$1" = dnsd ] && ARGS+=(--dnsd "$DNSD" --http "127.0.0.1:$P_HTTP")
  return 0
}
start_dnsd() {
  local d=$1
  secondary_args dnsd "$@"; harness_cmd "${ARGS[@]}"
  echo "${CMD[*]}" > "$d/cmdline"
  echo "=== start $(date -u +%Y-%m-%dT%H:%M:%S.%NZ)" >> "$d/dnsd.log"
  taskset -c 0 "${CMD[@]}" >> "$d/dnsd.log" 2>&1 &
  SERVER_PID=$!
}
start_knot() {      # a restart keeps the configuration (and so the state) of the first start
  local d=$1
  if [ -f "$d/knot.conf" ]; then CMD=("$KNOTD" -c "$d/knot.conf")
  else secondary_args knot "$@"; harness_cmd "${ARGS[@]}"; fi
  echo "=== start $(date -u +%Y-%m-%dT%H:%M:%S.%NZ)" >> "$d/knot.log"
  taskset -c 0 "${CMD[@]}" >> "$d/knot.log" 2>&1 &
  SERVER_PID=$!
}
start_nsd() {
  local d=$1
  if [ -f "$d/nsd.conf" ]; then CMD=("$NSD" -d -c "$d/nsd.conf")
  else secondary_args nsd "$@"; harness_cmd "${ARGS[@]}"; fi
  echo "=== start $(date -u +%Y-%m-%dT%H:%M:%S.%NZ)" >> "$d/nsd.out"
  taskset -c 0 "${CMD[@]}" >> "$d/nsd.out" 2>&1 &
  SERVER_PID=$!
}

# launch SERVER DIR ZONES CATALOG -> PID_OF[SERVER]
launch() {
  "start_$1" "$2" "$3" "$4"
  PID_OF[$1]=$SERVER_PID; STARTED+=("$SERVER_PID")
}
stop_server() { stop_pid "${PID_OF[$1]:-}"; PID_OF[$1]=""; }
stop_all() {
  local s
  for s in dnsd knot nsd; do stop_server "$s"; done
  stop_pid "$PRIMARY_PID"; PRIMARY_PID=""
}
server_log() {      # the log file of a secondary
  case $1 in dnsd) echo "$2/dnsd.log" ;; knot) echo "$2/knot.log" ;; nsd) echo "$2/nsd.log" ;; esac
}
alive() { [ -d "/proc/$1" ] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }
# serving SERVER DIR MAX T0 WAITARGS... -> waits until the server answers; prints seconds from T0.
# Gives up at once when the server exits.
serving() {
  local srv=$1 d=$2 max=$3 t0=$4 out wp rc=0 died=0
  shift 4
  taskset -c 1 "$PY" "$PROBE" wait --port "${PORT[$srv]}" --max-wait "$max" --t0-ns "$t0" "$@" > "$WORK/wait.out" &
  wp=$!
  while alive "$wp"; do
    if ! alive "${PID_OF[$srv]}"; then died=1; kill "$wp" 2>/dev/null || true; break; fi
    sleep 0.1
  done
  wait "$wp" || rc=$?
  out=$(cat "$WORK/wait.out")
  if [ "$died" = 1 ] || [ "$rc" != 0 ]; then
    if [ "$died" = 1 ]; then log "  $srv exited during start-up — log tail:"
    else log "  $srv: not serving after ${max}s: $out — log tail:"; fi
    tail -n 8 "$(server_log "$srv" "$d")" >&2 2>/dev/null || true
    return 1
  fi
  kv seconds "$out"
}

# change ITEM ARGS... -> runs sec_probe change on the running secondaries, records the samples
change() {
  local item=$1 targets="" s rep who v
  shift
  for s in "${SERVERS[@]}"; do [ -n "${PID_OF[$s]:-}" ] && targets+="$s=${PORT[$s]},"; done
  [ -n "$targets" ] || return 0
  local pids="" ; for s in "${SERVERS[@]}"; do [ -n "${PID_OF[$s]:-}" ] && pids+="${PID_OF[$s]},"; done
  probe change --sock "$PRIMARY_DIR/knot.sock" --targets "${targets%,}" --reps "$REPS" --gap "$GAP" \
    --max-wait "$MAX_WAIT" --primary-port "$P_PRIMARY" --settle-pids "${pids%,}" "$@" > "$WORK/change.out" \
    2> >(sed 's/^/    /' >&2) || log "  sec_probe change failed (exit $?)"
  while IFS=$'\t' read -r _ rep who v; do
    [ "$who" = commit ] && who=primary
    rec "$item" "$who" ms "$v" "$rep"
  done < <(grep '^sample' "$WORK/change.out")
}

# ------------------------------------------------------------------ zone texts
small_zone() {      # small_zone NAME SERIAL
  printf '$ORIGIN %s\n$TTL 300\n@ IN SOA ns1 hostmaster %s 7200 3600 1209600 300\n@ IN NS ns1\nns1 IN A 192.0.2.53\nwww IN A 192.0.2.80\n' "$1" "$2"
}
catalog_zone() {    # catalog_zone NAME MEMBERLIST(one zone a line) -> RFC 9432 v2 catalog
  printf '$ORIGIN %s\n$TTL 0\n@ IN SOA invalid. invalid. 1 3600 600 1209600 0\n@ IN NS invalid.\nversion IN TXT "2"\n' "$1"
  awk '{ z = $1; id = z; sub(/\.$/, "", id); gsub(/\./, "-", id); printf "%s.zones IN PTR %s\n", id, z }' "$2"
}

# ==================================================================== item 1: propagation
item_prop() {
  local d="$WORK/run/prop" zone=prop.example. s t0 v
  log "== item 1: one-record change (zone-begin/zone-set/zone-commit on the Knot primary), $REPS repetitions"
  mkdir -p "$d/data"
  small_zone "$zone" 1 > "$d/data/prop.zone"
  echo "$zone $d/data/prop.zone" > "$d/data/list"
  PRIMARY_DIR="$d/primary"
  start_primary "$PRIMARY_DIR" "$d/data/list"
  primary_ready "$PRIMARY_DIR" "$d/data/list" 30 || { stop_all; return 0; }
  for s in "${SERVERS[@]}"; do
    t0=$(now_ns)
    launch "$s" "$d/$s" "$zone" ""
    if v=$(serving "$s" "$d/$s" 30 "$t0" --zones "$zone" --serial 1); then
      log "  $s serving $zone after ${v}s"
    else stop_server "$s"; fi
  done
  change prop --zone "$zone" --kind prop
  stop_all
}

# ==================================================================== item 2: catalog member added
item_catalog() {
  local d="$WORK/run/catalog" cat=catalog-add.bench. s t0 v i z members=""
  log "== item 2: catalog member added (RFC 9432 v2 catalog on the Knot primary), $REPS repetitions"
  mkdir -p "$d/data"
  : > "$d/data/base"; : > "$d/data/list"
  for i in $(seq -w 1 5); do echo "base$i.add.example." >> "$d/data/base"; done
  while read -r z; do small_zone "$z" 1 > "$d/data/$z"zone; echo "$z $d/data/${z}zone" >> "$d/data/list"; done < "$d/data/base"
  for i in $(seq -w 0 "$REPS"); do     # one more than REPS: sec_probe's warm-up change
    z="new$i.add.example."; members+="$z,"
    small_zone "$z" 1 > "$d/data/${z}zone"; echo "$z $d/data/${z}zone" >> "$d/data/list"
  done
  catalog_zone "$cat" "$d/data/base" > "$d/data/catalog.zone"
  echo "$cat $d/data/catalog.zone" >> "$d/data/list"
  PRIMARY_DIR="$d/primary"
  start_primary "$PRIMARY_DIR" "$d/data/list"
  primary_ready "$PRIMARY_DIR" "$d/data/list" 30 || { stop_all; return 0; }
  for s in "${SERVERS[@]}"; do
    if [ "$s" = nsd ]; then
      log "  nsd: NSD 4.6 has no catalog zone support — n/a"; rec catalog nsd na 1; continue
    fi
    t0=$(now_ns)
    launch "$s" "$d/$s" "" "$cat"
    if v=$(serving "$s" "$d/$s" 30 "$t0" --zones-file "$d/data/base"); then
      log "  $s serving the catalog's 5 members after ${v}s"
    else stop_server "$s"; fi
  done
  change catalog --zone "$cat" --kind catalog --members "${members%,}"
  stop_all
}

# ==================================================================== item 3: big zone
self_reported_xfr() {   # the server's own log line for the AXFR of ZONE -> seconds
  local s=$1 f=$2 zone=$3
  case $s in
    dnsd) grep -F "zone $zone: serial" "$f" | grep AXFR | tail -1 | sed -n 's/.*, \([0-9.]*\) ms$/\1/p' | awk '{ printf "%.3f", $1 / 1000 }' ;;
    knot) grep -F "[$zone] AXFR, incoming" "$f" | grep finished | tail -1 | sed -n 's/.*finished, \([0-9.]*\) seconds.*/\1/p' ;;
    nsd)  grep -F "zone $zone received update" "$f" | tail -1 | sed -n 's/.* in \([0-9.e+-]*\) seconds.*/\1/p' ;;
  esac
}
item_big() {
  local d="$WORK/run/big" zone serial s t0 v idle pss x
  zone=$(meta big_zone)
  log "== item 3: $(meta big_records)-record zone $zone: per secondary, alone: AXFR from start, then $REPS 10-record IXFRs"
  mkdir -p "$d/data"
  echo "$zone $(meta big_file)" > "$d/data/list"
  PRIMARY_DIR="$d/primary"
  t0=$(now_ns)
  start_primary "$PRIMARY_DIR" "$d/data/list"
  primary_ready "$PRIMARY_DIR" "$d/data/list" 900 || { stop_all; return 0; }
  rec big primary load_s "$(secs_since "$t0")"
  # One secondary at a time: a 1M-record transfer or IXFR keeps a server busy for a second or
  # more, and the secondaries share CPU 0.
  for s in "${SERVERS[@]}"; do
    serial=$(probe soa --port "$P_PRIMARY" --zone "$zone") || serial=$(meta big_serial)
    t0=$(now_ns)
    launch "$s" "$d/$s" "$zone" ""
    if ! v=$(serving "$s" "$d/$s" 1800 "$t0" --zones "$zone" --serial "$serial"); then
      stop_server "$s"; continue
    fi
    idle=$(wait_idle "${PID_OF[$s]}" 300)
    pss=$(pss_kb "${PID_OF[$s]}")
    rec big "$s" axfr_s "$v"
    rec big "$s" pss_mb "$(awk -v k="$pss" 'BEGIN { printf "%.1f", k / 1024 }')"
    rec big "$s" cpu_s "$(awk -v t="$(cpu_ticks "${PID_OF[$s]}")" -v hz="$CLK_TCK" 'BEGIN { printf "%.2f", t / hz }')"
    rec big "$s" busy_after_s "$(awk -v i="$idle" 'BEGIN { printf "%.2f", (i > 1 ? i - 1 : 0) }')"
    x=$(self_reported_xfr "$s" "$(server_log "$s" "$d/$s")" "$zone")
    [ -n "$x" ] && rec big "$s" self_xfr_s "$x"
    log "  $s: answers $zone at serial $serial ${v}s after start (own log: ${x:-?}s), PSS $((pss / 1024)) MB, CPU idle again ${idle}s later"
    log "  $s: 10-record IXFRs into $zone, $REPS repetitions (each bounded by ${BIG_MAX_WAIT}s)"
    MAX_WAIT=$BIG_MAX_WAIT change big --zone "$zone" --kind ixfr --records 10
    wait_idle "${PID_OF[$s]}" 120 > /dev/null
    if [ "$s" = dnsd ]; then
      # dnsd logs each IXFR's transfer and apply times: "..., X ms + Y ms to apply".
      x=$(grep -F "zone $zone: serial" "$(server_log "$s" "$d/$s")" | grep "by IXFR" |
          sed -n 's/.*, \([0-9.]*\) ms + \([0-9.]*\) ms to apply.*/\1 \2/p' |
          awk '{ print $1 + $2 }' | sort -n | awk '{ v[NR] = $1 } END { if (NR) printf "%.2f %.2f %d", v[int((NR + 1) / 2)], v[NR], NR }')
      if [ -n "$x" ]; then
        read -r med max n <<< "$x"
        rec big dnsd ixfr_own_med_ms "$med"
        rec big dnsd ixfr_own_max_ms "$max"
        log "  dnsd: own log, IXFR transfer + apply: median ${med} ms, max ${max} ms over $n IXFRs"
      fi
    fi
    pss=$(pss_kb "${PID_OF[$s]}")
    rec big "$s" pss_after_ixfr_mb "$(awk -v k="$pss" 'BEGIN { printf "%.1f", k / 1024 }')"
    log "  $s: PSS after the IXFRs $((pss / 1024)) MB"
    stop_server "$s"
  done
  stop_all
}

# ==================================================================== item 4: many zones from a catalog
item_many() {
  local d="$WORK/run/many" cat=catalog-many.bench. serial s t0 v pss n i
  serial=$(meta many_serial)
  log "== item 4: $(meta many_zones) zones from catalog $cat: first start (primary up), restart from state (primary down)"
  mkdir -p "$d/data"
  awk '{ print $1 }' "$(meta many_list)" > "$d/data/members"
  catalog_zone "$cat" "$d/data/members" > "$d/data/catalog.zone"
  { cat "$(meta many_list)"; echo "$cat $d/data/catalog.zone"; } > "$d/data/list"
  MEMBERS="$d/data/members"
  PRIMARY_DIR="$d/primary"
  t0=$(now_ns)
  start_primary "$PRIMARY_DIR" "$d/data/list"
  primary_ready "$PRIMARY_DIR" "$d/data/list" 900 || { stop_all; return 0; }
  rec many primary load_s "$(secs_since "$t0")"
  for s in "${SERVERS[@]}"; do
    t0=$(now_ns)
    launch "$s" "$d/$s" "" "$cat"
    if v=$(serving "$s" "$d/$s" 1800 "$t0" --zones-file "$d/data/members" --serial "$serial"); then
      rec many "$s" first_s "$v"
      wait_idle "${PID_OF[$s]}" 300 > /dev/null
      pss=$(pss_kb "${PID_OF[$s]}")
      rec many "$s" pss_mb "$(awk -v k="$pss" 'BEGIN { printf "%.1f", k / 1024 }')"
      rec many "$s" cpu_s "$(awk -v t="$(cpu_ticks "${PID_OF[$s]}")" -v hz="$CLK_TCK" 'BEGIN { printf "%.2f", t / hz }')"
      log "  $s: all $(meta many_zones) zones answer ${v}s after start, PSS $((pss / 1024)) MB"
    else stop_server "$s"; fi
  done
  if [ -n "${PID_OF[nsd]:-}" ]; then
    # NSD writes transferred zones to their files only every zonefiles-write (3600 s); without
    # this it would restart empty. (dnsd writes each zone after its transfer, Knot after each
    # change, zonefile-sync: 0.)
    t0=$(now_ns)
    "$NSD_CONTROL" -c "$d/nsd/nsd.conf" write > "$d/nsd/control.out" 2>&1 || log "  nsd-control write failed: $(cat "$d/nsd/control.out")"
    for i in $(seq 1 600); do
      n=$(find "$d/nsd/zones" -name '*.zone' | wc -l)
      [ "$n" -ge "$(meta many_zones)" ] && break
      sleep 0.2
    done
    wait_idle "${PID_OF[nsd]}" 120 > /dev/null
    rec many nsd write_s "$(secs_since "$t0")"
    log "  nsd: nsd-control write: $n zone files in $(secs_since "$t0")s"
  fi
  local running=()
  for s in "${SERVERS[@]}"; do [ -n "${PID_OF[$s]:-}" ] && running+=("$s"); done
  stop_all
  log "  primary stopped; restarting each secondary from its state"
  for s in "${running[@]}"; do
    t0=$(now_ns)
    launch "$s" "$d/$s" "" "$cat"
    if v=$(serving "$s" "$d/$s" 600 "$t0" --zones-file "$d/data/members" --serial "$serial"); then
      rec many "$s" restart_s "$v"
      wait_idle "${PID_OF[$s]}" 60 > /dev/null
      pss=$(pss_kb "${PID_OF[$s]}")
      rec many "$s" restart_pss_mb "$(awk -v k="$pss" 'BEGIN { printf "%.1f", k / 1024 }')"
      log "  $s: all zones answer ${v}s after restart, PSS $((pss / 1024)) MB"
    fi
    stop_server "$s"
  done
}

# ==================================================================== item 5: qps while transferring
# load_phase VARIANT PHASE QUERIES CHURNZONESFILE ("" for no changes)
load_phase() {
  local var=$1 phase=$2 q=$3 zones=$4 pid=${PID_OF[dnsd]} lg out cpid=""
  local t0 t1 p0 p1 b0 b1 w0 w1 x0 x1 recv qps us cpu prim other
  lg=(--server 127.0.0.1 --port "${PORT[dnsd]}" --queries "$q" --mode udp --threads 1
      --sockets "$UDP_SOCKETS" --inflight "$UDP_INFLIGHT" --batch "$UDP_BATCH")
  pin_tree "$pid" 0x1; pin_tree "$PRIMARY_PID" 0x2
  if [ -n "$zones" ]; then
    local watch=()
    [ "$phase" = churn ] && watch=(--watch-port "${PORT[dnsd]}" --primary-port "$P_PRIMARY")
    probe churn --sock "$PRIMARY_DIR/knot.sock" --zones-file "$zones" --interval-ms "$CHURN_MS" "${watch[@]}" \
      --seconds "$(awk -v a="$LOAD_S" -v w="$WARMUP_S" 'BEGIN { print a + 2 * w + 0.5 }')" > "$WORK/churn.out" 2>&1 &
    cpid=$!; STARTED+=("$cpid")
    sleep "$WARMUP_S"     # changes flowing before the warm-up starts
  fi
  taskset -c 1 "$LOADGEN" "${lg[@]}" --seconds "$WARMUP_S" > /dev/null
  pin_tree "$pid" 0x1
  x0=$(xfr_count); t0=$(cpu_ticks "$pid"); p0=$(cpu_ticks "$PRIMARY_PID"); b0=$(cpu_busy); w0=$(now_ns)
  out=$(taskset -c 1 "$LOADGEN" "${lg[@]}" --seconds "$LOAD_S")
  x1=$(xfr_count); t1=$(cpu_ticks "$pid"); p1=$(cpu_ticks "$PRIMARY_PID"); b1=$(cpu_busy); w1=$(now_ns)
  if [ -n "$cpid" ]; then wait "$cpid" 2>/dev/null || true; stop_pid "$cpid"; fi
  echo "$var $phase $out" >> "$WORK/run/load/loadgen.log"
  recv=$(kv received "$out"); qps=$(kv qps "$out")
  us=$(awk -v d=$((t1 - t0)) -v n="$recv" -v hz="$CLK_TCK" 'BEGIN { printf "%.2f", (n > 0 ? d * 1e6 / hz / n : 0) }')
  cpu=$(awk -v d=$((t1 - t0)) -v s="$(((w1 - w0) / 1000000))" -v hz="$CLK_TCK" 'BEGIN { printf "%.0f", d * 1e5 / hz / s }')
  prim=$(awk -v d=$((p1 - p0)) -v s="$(((w1 - w0) / 1000000))" -v hz="$CLK_TCK" 'BEGIN { printf "%.0f", d * 1e5 / hz / s }')
  other=$(awk -v busy=$((b1 - b0)) -v a=$((t1 - t0)) -v b=$((p1 - p0)) -v lg="$(kv cpu_s "$out")" \
    -v s="$(((w1 - w0) / 1000000))e-3" -v hz="$CLK_TCK" \
    'BEGIN { k = busy / hz - a / hz - b / hz - lg; printf "%.0f", (s > 0 && k > 0 ? k * 100 / s : 0) }')
  rec "load-$var" "$phase" qps "$qps"; rec "load-$var" "$phase" us_per_q "$us"
  rec "load-$var" "$phase" dnsd_cpu_pct "$cpu"; rec "load-$var" "$phase" primary_cpu_pct "$prim"
  rec "load-$var" "$phase" other_cpu_pct "$other"; rec "load-$var" "$phase" transfers "$((x1 - x0))"
  rec "load-$var" "$phase" lost "$(kv lost "$out")"
  local ch="" cu=""
  if [ -n "$cpid" ]; then
    ch=$(grep '^churn' "$WORK/churn.out" || true)
    rec "load-$var" "$phase" commits "$(kv commits "$ch")"
    rec "load-$var" "$phase" commit_avg_ms "$(kv avg_ms "$ch")"
    cu=$(kv catch_up_s "$ch")
    [ "$phase" = churn ] && [ -n "$cu" ] && rec "load-$var" "$phase" catch_up_s "$cu"
  fi
  rec "load-$var" "$phase" pss_mb "$(awk -v k="$(pss_kb "$pid")" 'BEGIN { printf "%.1f", k / 1024 }')"
  log "  $var/$phase: qps=$qps us/q=$us dnsd_cpu=${cpu}% transfers=$((x1 - x0)) primary_cpu=${prim}% other_cpu=${other}% lost=$(kv lost "$out") ${ch:+($ch)}"
  # the commit driver (python + knotc) itself shows as a few % of other CPU
  if awk -v o="$other" -v lim="$( [ -n "$cpid" ] && echo 25 || echo 10 )" 'BEGIN { exit !(o > lim) }'; then
    log "  WARNING: other processes used ${other}% of a CPU during this measurement — the machine is not idle; qps figures are disturbed"
    rec "load-$var" "$phase" disturbed 1
  fi
  return 0
}
xfr_count() {       # dnsd's successful transfers so far (from /metrics)
  probe http --url "http://127.0.0.1:$P_HTTP/metrics" 2>/dev/null |
    awk '/^dnsd_transfers_total\{.*result="ok"/ { s += $2 } END { print s + 0 }'
}
item_load() {
  local d="$WORK/run/load" var zone serial cat=catalog-many.bench. t0 v ctl=control.bench. zones
  if ! has_server dnsd; then log "== item 5 needs dnsd — skipped"; return 0; fi
  mkdir -p "$d/data"
  small_zone "$ctl" 1 > "$d/data/control.zone"
  for var in ${LOAD_VARIANTS//,/ }; do
    case $var in big|many) ;; *) log "unknown --load-variants entry $var"; continue ;; esac
    log "== item 5 ($var): dnsd UDP qps, ${LOAD_S}s each: no changes / a commit every ${CHURN_MS} ms to a zone dnsd does not serve / to $( [ $var = big ] && echo "the $(meta big_records)-record zone" || echo "the $(meta many_zones) catalog zones, round-robin")"
    if [ "$var" = big ]; then
      zone=$(meta big_zone); serial=$(meta big_serial)
      # The control zone is a copy of the big zone under another name: the primary's commits
      # then cost the same in both phases (a commit to a 1M-record zone costs Knot ~90 ms of
      # CPU on the generator's CPU), and only dnsd's transfers differ.
      ctl=big-control.example.
      sed "1s/^\\\$ORIGIN .*/\\\$ORIGIN $ctl/" "$(meta big_file)" > "$d/data/control-big.zone"
      { echo "$zone $(meta big_file)"; echo "$ctl $d/data/control-big.zone"; } > "$d/data/list-big"
    else
      ctl=control.bench.
      awk '{ print $1 }' "$(meta many_list)" > "$d/data/members"
      catalog_zone "$cat" "$d/data/members" > "$d/data/catalog.zone"
      { cat "$(meta many_list)"; echo "$cat $d/data/catalog.zone"; echo "$ctl $d/data/control.zone"; } > "$d/data/list-many"
      serial=$(meta many_serial)
    fi
    PRIMARY_DIR="$d/primary-$var"
    start_primary "$PRIMARY_DIR" "$d/data/list-$var" "$ctl"
    primary_ready "$PRIMARY_DIR" "$d/data/list-$var" 900 || { stop_all; continue; }
    t0=$(now_ns)
    if [ "$var" = big ]; then
      launch dnsd "$d/dnsd-$var" "$zone" ""
      v=$(serving dnsd "$d/dnsd-$var" 1800 "$t0" --zones "$zone" --serial "$serial") || { stop_all; continue; }
      echo "$zone" > "$d/data/churn-big"; zones="$d/data/churn-big"
    else
      launch dnsd "$d/dnsd-$var" "" "$cat"
      v=$(serving dnsd "$d/dnsd-$var" 1800 "$t0" --zones-file "$d/data/members" --serial "$serial") || { stop_all; continue; }
      zones="$d/data/members"
    fi
    wait_idle "${PID_OF[dnsd]}" 300 > /dev/null
    log "  dnsd ready after ${v}s"
    load_phase "$var" base "$DATA/$var/queries.txt" ""
    echo "$ctl" > "$d/data/churn-control"
    load_phase "$var" control "$DATA/$var/queries.txt" "$d/data/churn-control"
    load_phase "$var" churn "$DATA/$var/queries.txt" "$zones"
    cp "$d/dnsd-$var/dnsd.log" "$d/dnsd-$var.log" 2>/dev/null || true
    stop_all
  done
}

# ------------------------------------------------------------------ main
log "secondaries: ${SERVERS[*]}; items: ${ITEMS[*]}; work dir $WORK"
log "sizes: big zone $BIG_RECORDS records, $NZONES catalog zones, $REPS repetitions, ${LOAD_S}s loads"
for it in "${ITEMS[@]}"; do "item_$it"; done

{
  echo "# secondary benchmark $(date -u +%Y-%m-%dT%H:%M:%SZ) — $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $NCPU CPUs"
  echo "# primary: $("$KNOTD" -V 2>&1 | head -1); secondaries: $("$DNSD" --version 2>&1 | head -1 || true) ($DNSD, built $(date -u -r "$DNSD" +%Y-%m-%dT%H:%M:%SZ), sha256 $(sha256sum "$DNSD" | cut -c1-12)), $("$KNOTD" -V 2>&1 | head -1), $("$NSD" -v 2>&1 | head -1)"
  echo "# sizes: big zone $BIG_RECORDS records, $NZONES catalog zones, $REPS repetitions, ${LOAD_S}s loads; quick=$QUICK"
  "$PY" "$HERE/sec_report.py" "$SAMPLES" "$WORK/results.tsv"
} > "$WORK/summary.txt"
cat "$WORK/summary.txt"
