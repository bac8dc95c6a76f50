#!/usr/bin/env bash
# Benchmark driver: dnsd vs Knot DNS vs NSD (and a UDP echo as the floor/ceiling), side by side.
# See bench/README.md. Linux only. Sends traffic to 127.0.0.1 only.
#
#   bench/run.sh [--dnsd PATH] [--dnsd-base PATH] [--seconds S] [--rounds N] [--only echo,dnsd,knot,nsd]
#                [--quick] [--big] [--threads2] [--prebuilt DIR] [--data DIR] [--out DIR]
#                [--sets one,many] [--inflight N] [--port-base N] [--keep]
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DNSD="$HERE/../build/dnsd/dnsd"
DNSD_BASE=""
KNOTD=${KNOTD:-/usr/sbin/knotd}
NSD=${NSD:-/usr/sbin/nsd}
PY=/usr/bin/python3
HARNESS="$HERE/../tests/integration/harness.py"
MEASURE_S=3
WARMUP_S=1
ROUNDS=3
ONLY="echo,dnsd,knot,nsd"
QUICK=0
BIG=0
THREADS2=0
PREBUILT=""
DATA=""
OUT=""
KEEP=0
PORT_BASE=35300
SETS="one,many"
# loadgen parameters (see loadgen.cpp)
UDP_SOCKETS=8
UDP_INFLIGHT=128
UDP_BATCH=64
TCP_CONNS=10
TCP_PIPELINE=64
READY_MAX_S=60       # how long a server may take to load the 100k-name / 10k-zone data sets
READY_MAX_BIG_S=300  # ... and the 1M-record zone

usage() {
  sed -n '2,/^set /{/^#/p}' "$0" | sed 's/^# \{0,1\}//'
  cat <<EOF
Options:
  --dnsd PATH      dnsd binary (default: ../build/dnsd/dnsd relative to this script; skipped if absent)
  --dnsd-base PATH another dnsd binary (e.g. from an earlier commit), measured as server "base"
                   beside the others: before/after figures from one run, with ratios dnsd/base
  --seconds S      length of each measurement (default $MEASURE_S), after a ${WARMUP_S}s warm-up run
  --rounds N       interleaved rounds; medians are reported (default $ROUNDS)
  --only LIST      servers to run, from echo,dnsd,knot,nsd (default all)
  --quick          CI smoke: 1 round, 1 s each, small warm-up (finishes in well under 60 s)
  --big            also load a 1,000,000-record zone: load time and memory per server
  --threads2       also run the 100k-name set with 2 server threads/workers on both cores
  --prebuilt DIR   use DIR/loadgen and DIR/echo instead of compiling them
  --data DIR       keep/reuse the generated data in DIR (generated if DIR/meta.txt is missing)
  --out DIR        copy raw results (results.tsv, summary.txt, logs) to DIR
  --sets LIST      data sets to measure, from one,many (default both; --big/--threads2 add theirs)
  --inflight N     UDP queries in flight (default $UDP_INFLIGHT; per generator thread)
  --port-base N    first of the ports used on 127.0.0.1 (default $PORT_BASE; uses N..N+39)
  --keep           keep the temporary directory
EOF
}

while [ $# -gt 0 ]; do
  case "$1" in
    --dnsd) DNSD="$2"; shift 2 ;;
    --dnsd-base) DNSD_BASE="$2"; shift 2 ;;
    --seconds) MEASURE_S="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --only) ONLY="$2"; shift 2 ;;
    --quick) QUICK=1; shift ;;
    --big) BIG=1; shift ;;
    --threads2) THREADS2=1; shift ;;
    --prebuilt) PREBUILT="$2"; shift 2 ;;
    --data) DATA="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    --port-base) PORT_BASE="$2"; shift 2 ;;
    --sets) SETS="$2"; shift 2 ;;
    --inflight) UDP_INFLIGHT="$2"; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "run.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done
if [ "$QUICK" = 1 ]; then
  ROUNDS=1; MEASURE_S=1; WARMUP_S=0.3
fi
case "$ROUNDS" in ''|*[!0-9]*) echo "run.sh: --rounds must be a number" >&2; exit 2 ;; esac
[ "$ROUNDS" -ge 1 ] && [ "$ROUNDS" -le 20 ] || { echo "run.sh: --rounds must be 1..20" >&2; exit 2; }
awk -v s="$MEASURE_S" 'BEGIN { exit !(s > 0 && s <= 60) }' || { echo "run.sh: --seconds must be in (0, 60]" >&2; exit 2; }

if [ -n "$OUT" ]; then mkdir -p "$OUT"; OUT=$(cd "$OUT" && pwd); fi
[ "$(uname -s)" = Linux ] || { echo "run.sh: Linux only" >&2; exit 2; }
NCPU=$(nproc)
[ "$NCPU" -ge 2 ] || { echo "run.sh: needs at least 2 CPUs (server on CPU 0, loadgen on CPU 1)" >&2; exit 2; }
command -v taskset >/dev/null || { echo "run.sh: taskset (util-linux) is required" >&2; exit 2; }
[ -x "$PY" ] || PY=$(command -v python3)
CLK_TCK=$(getconf CLK_TCK)

# ------------------------------------------------------------------ process bookkeeping
WORK=$(mktemp -d "${TMPDIR:-/tmp}/dnsbench.XXXXXX")
STARTED=()          # PIDs of every server we started
SERVER_PID=""       # PID of the server being set up (set by start_*)

tree_pids() {       # PID and all its descendants (via /proc/*/task/*/children)
  local p=$1 c
  [ -d "/proc/$p" ] || return 0
  echo "$p"
  for c in $(cat /proc/"$p"/task/*/children 2>/dev/null); do tree_pids "$c"; done
}

stop_pid() {        # TERM the tree of a PID we started, wait (bounded), then KILL what's left
  local p=$1 pids i q alive
  pids=$(tree_pids "$p")
  [ -n "$pids" ] || return 0
  kill -TERM $pids 2>/dev/null || true
  for i in $(seq 1 50); do
    alive=0
    for q in $pids; do [ -d "/proc/$q" ] && ! grep -q '^State:.*Z' "/proc/$q/status" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.1
  done
  for q in $pids; do [ -d "/proc/$q" ] && kill -KILL "$q" 2>/dev/null || true; done
  wait "$p" 2>/dev/null || true
}

cleanup() {
  local p
  for p in "${STARTED[@]}"; do stop_pid "$p"; done
  STARTED=()
  if [ -n "$OUT" ] && [ -d "$WORK" ]; then
    mkdir -p "$OUT"
    cp -f "$WORK"/results.tsv "$WORK"/summary.txt "$OUT"/ 2>/dev/null || true
    # configs, command lines and logs of every server, as run/<data set>/<server>/...
    (cd "$WORK" && find run -type f \( -name '*.log' -o -name '*.conf' -o -name '*.toml' -o -name cmdline \) \
       -exec cp --parents -f {} "$OUT"/ \;) 2>/dev/null || true
  fi
  if [ "$KEEP" = 1 ]; then echo "run.sh: kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'echo "run.sh: interrupted" >&2; exit 130' INT TERM HUP

log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
now_ns() { date +%s%N; }

# ------------------------------------------------------------------ build
if [ -n "$PREBUILT" ]; then
  LOADGEN="$PREBUILT/loadgen"; ECHO_BIN="$PREBUILT/echo"
else
  mkdir -p "$WORK/build"
  log "building loadgen and echo"
  g++ -O2 -std=c++20 -pthread -o "$WORK/build/loadgen" "$HERE/loadgen.cpp" &
  b1=$!
  g++ -O2 -std=c++20 -o "$WORK/build/echo" "$HERE/echo.cpp"
  wait "$b1"
  LOADGEN="$WORK/build/loadgen"; ECHO_BIN="$WORK/build/echo"
fi
[ -x "$LOADGEN" ] && [ -x "$ECHO_BIN" ] || { echo "run.sh: loadgen/echo missing" >&2; exit 1; }

# ------------------------------------------------------------------ which servers
SERVERS=()
for s in echo dnsd knot nsd; do
  case ",$ONLY," in *",$s,"*) ;; *) continue ;; esac
  case $s in
    dnsd) if [ -x "$DNSD" ]; then DNSD=$(cd "$(dirname "$DNSD")" && pwd)/$(basename "$DNSD"); SERVERS+=(dnsd)
          else log "dnsd not found at $DNSD — skipping it (build it or pass --dnsd PATH)"; fi ;;
    knot) if [ -x "$KNOTD" ]; then SERVERS+=(knot); else log "knotd not found at $KNOTD — skipping"; fi ;;
    nsd)  if [ -x "$NSD" ]; then SERVERS+=(nsd); else log "nsd not found at $NSD — skipping"; fi ;;
    echo) SERVERS+=(echo) ;;
  esac
done
if [ -n "$DNSD_BASE" ]; then
  [ -x "$DNSD_BASE" ] || { echo "run.sh: --dnsd-base $DNSD_BASE is not executable" >&2; exit 2; }
  DNSD_BASE=$(cd "$(dirname "$DNSD_BASE")" && pwd)/$(basename "$DNSD_BASE")
  SERVERS+=(base)
fi
[ ${#SERVERS[@]} -gt 0 ] || { echo "run.sh: no server to run" >&2; exit 1; }

# ------------------------------------------------------------------ data
if [ -z "$DATA" ]; then DATA="$WORK/data"; fi
mkdir -p "$DATA"; DATA=$(cd "$DATA" && pwd)
need_gen=0
[ -f "$DATA/meta.txt" ] || need_gen=1
if [ "$BIG" = 1 ] && ! grep -q '^big_file=' "$DATA/meta.txt" 2>/dev/null; then need_gen=1; fi
if [ "$need_gen" = 1 ]; then
  log "generating data in $DATA"
  gen_args=("$DATA"); [ "$BIG" = 1 ] && gen_args+=(--big)
  "$PY" "$HERE/gen_zones.py" "${gen_args[@]}" > "$WORK/gen.out"
fi
meta() { sed -n "s/^$1=//p" "$DATA/meta.txt"; }

RESULTS="$WORK/results.tsv"
printf 'dataset\tserver\tround\tmode\tqps\tus_per_q\tcpu0_us_per_q\treceived\tnxdomain\tother\tlost\tforeign_pct\n' > "$RESULTS"
INFO="$WORK/info.tsv"     # dataset server key value
: > "$INFO"

# ------------------------------------------------------------------ per-server config + start
# start_<server> DATASET PORT THREADS -> sets SERVER_PID; config and log in $RUN/<server>/
zone_list() {     # prints "name path" for the data set
  case $1 in
    one) echo "$(meta one_zone) $(meta one_file)" ;;
    many) cat "$(meta many_list)" ;;
    big) echo "$(meta big_zone) $(meta big_file)" ;;
  esac
}

start_echo() {
  local ds=$1 port=$2 d="$RUN/echo"; mkdir -p "$d"
  "$ECHO_BIN" --listen 127.0.0.1 --port "$port" > "$d/echo.log" 2>&1 &
  SERVER_PID=$!
}

# The servers' configurations and command lines come from the integration
# harness (tests/integration/harness.py command ...), the same the tests use:
# one worker per thread asked, Knot with zonefile-load: whole and no journal,
# NSD without rate limiting and with minimal responses.
start_via_harness() {   # KIND NAME DATASET PORT THREADS [DNSD_BINARY]
  local kind=$1 name=$2 ds=$3 port=$4 th=$5 bin=${6:-} d="$RUN/$2" cmd
  mkdir -p "$d"
  zone_list "$ds" > "$d/zones.list"
  mapfile -t cmd < <("$PY" "$HARNESS" command "$kind" --dir "$d" --port "$port" --threads "$th" \
                       --zones-file "$d/zones.list" ${bin:+--dnsd "$bin"})
  [ ${#cmd[@]} -gt 0 ] || { log "the harness gave no command line for $kind"; return 1; }
  echo "${cmd[*]}" > "$d/cmdline"
  # The start time is the caller's (run_dataset, run_big: bash locals are
  # visible to the functions they call): taken here, it leaves the harness's
  # own start-up out of ready_s.
  t0=$(now_ns)
  "${cmd[@]}" > "$d/$kind.out.log" 2>&1 &
  SERVER_PID=$!
}

start_knot() { start_via_harness knot knot "$@"; }
start_nsd() { start_via_harness nsd nsd "$@"; }
start_dnsd() { start_via_harness dnsd dnsd "$@" "$DNSD"; }
start_base() { start_via_harness dnsd base "$@" "$DNSD_BASE"; }

ready_zones() {   # comma-separated zones the readiness probe must see at the data set's serial
  case $1 in
    one) echo "$(meta one_zone)" ;;
    big) echo "$(meta big_zone)" ;;
    many) zone_list many | awk 'NR % 100 == 1 { printf "%s,", $1 } END { printf "%s", $1 }' ;;
  esac
}
ready_serial() { meta "${1}_serial"; }

# wait_ready SERVER ZONESET LABEL PORT PID MAXSECONDS T0 -> 0 when ready; records the ready time
wait_ready() {
  local srv=$1 ds=$2 label=$3 port=$4 pid=$5 max=$6 t0=$7 i out="" t1
  if [ "$srv" = echo ]; then sleep 0.2; [ -d "/proc/$pid" ]; return; fi
  local zones serial
  zones=$(ready_zones "$ds"); serial=$(ready_serial "$ds")
  for i in $(seq 1 "$max"); do
    if ! kill -0 "$pid" 2>/dev/null; then log "$srv exited during start-up"; return 1; fi
    if out=$("$LOADGEN" --server 127.0.0.1 --port "$port" --wait-soa "$zones" --serial "$serial" --max-wait 1); then
      t1=$(now_ns)
      printf '%s\t%s\tready_s\t%s\n' "$label" "$srv" "$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", (b-a)/1e9}')" >> "$INFO"
      return 0
    fi
  done
  log "$srv did not answer for $zones within ${max}s: $out"
  return 1
}

# ------------------------------------------------------------------ measuring helpers
pin_tree() {      # pin every thread of every process of the tree to MASK
  local pid=$1 mask=$2 p
  for p in $(tree_pids "$pid"); do taskset -a -p "$mask" "$p" >/dev/null 2>&1 || true; done
}

cpu_ticks() {     # utime+stime (clock ticks) over the process tree; fields after "(comm)"
  local pid=$1 p s=0 rest
  for p in $(tree_pids "$pid"); do
    rest=$(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null) || continue
    # after "pid (comm) ": state=1 ... utime=12 stime=13
    set -- $rest
    [ $# -ge 13 ] && s=$((s + ${12} + ${13}))
  done
  echo "$s"
}

pss_kb() {        # PSS summed over the process tree
  local pid=$1 p s=0 v
  for p in $(tree_pids "$pid"); do
    v=$(awk '/^Pss:/ { print $2 }' "/proc/$p/smaps_rollup" 2>/dev/null || true)
    [ -n "$v" ] && s=$((s + v))
  done
  echo "$s"
}

cpu_busy() {      # busy jiffies of CPU 0 and of CPUs 0+1: all but idle/iowait (incl. irq, softirq, steal)
  awk '$1 == "cpu0" { a = $2 + $3 + $4 + $7 + $8 + $9 }
       $1 == "cpu1" { b = $2 + $3 + $4 + $7 + $8 + $9 } END { print a, a + b }' /proc/stat
}

kv() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<< " $2"; }

# measure DATASET SERVER PORT PID MODE ROUND SRVMASK LGCPUS LGTHREADS
measure() {
  local ds=$1 srv=$2 port=$3 pid=$4 mode=$5 round=$6 mask=$7 lgcpus=$8 lgth=$9
  local q lgargs out t0 t1 c0 c1 b0 b1 w0 w1 recv qps us cpu0us foreign
  q=$(meta_queries "$ds")
  lgargs=(--server 127.0.0.1 --port "$port" --queries "$q" --mode "$mode" --threads "$lgth")
  if [ "$mode" = udp ]; then
    lgargs+=(--sockets "$UDP_SOCKETS" --inflight $((UDP_INFLIGHT * lgth)) --batch "$UDP_BATCH")
  else
    lgargs+=(--conns "$TCP_CONNS" --pipeline "$TCP_PIPELINE")
  fi
  pin_tree "$pid" "$mask"
  taskset -c "$lgcpus" "$LOADGEN" "${lgargs[@]}" --seconds "$WARMUP_S" > /dev/null
  pin_tree "$pid" "$mask"     # knotd re-pins its UDP workers; re-pin right before measuring
  t0=$(cpu_ticks "$pid"); read -r c0 b0 < <(cpu_busy); w0=$(now_ns)
  out=$(taskset -c "$lgcpus" "$LOADGEN" "${lgargs[@]}" --seconds "$MEASURE_S")
  t1=$(cpu_ticks "$pid"); read -r c1 b1 < <(cpu_busy); w1=$(now_ns)
  echo "$out" >> "$RUN/$srv/loadgen.log"
  recv=$(kv received "$out"); qps=$(kv qps "$out")
  us=$(awk -v d=$((t1 - t0)) -v n="$recv" -v hz="$CLK_TCK" 'BEGIN { printf "%.2f", (n > 0 ? d * 1e6 / hz / n : 0) }')
  cpu0us=$(awk -v d=$((c1 - c0)) -v n="$recv" -v hz="$CLK_TCK" 'BEGIN { printf "%.2f", (n > 0 ? d * 1e6 / hz / n : 0) }')
  # Time on CPUs 0 and 1 that is neither the server's nor the generator's: other processes on the
  # machine, in % of one CPU. (utime+stime of both include the softirq work done in their
  # context, so this is ~0 on an idle machine.)
  foreign=$(awk -v busy=$((b1 - b0)) -v srv=$((t1 - t0)) -v lg="$(kv cpu_s "$out")" \
    -v s="$(((w1 - w0) / 1000000))e-3" -v hz="$CLK_TCK" \
    'BEGIN { k = busy / hz - srv / hz - lg; printf "%.1f", (s > 0 && k > 0 ? k * 100 / s : 0) }')
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$ds" "$srv" "$round" "$mode" "$qps" "$us" "$cpu0us" \
    "$recv" "$(kv nxdomain "$out")" "$(kv other "$out")" "$(kv lost "$out")" "$foreign" >> "$RESULTS"
  log "  $ds $srv r$round $mode: qps=$qps us/q=$us (cpu0: $cpu0us) lost=$(kv lost "$out") nx=$(kv nxdomain "$out") other=$(kv other "$out") foreign=${foreign}%"
  if [ "$(kv errors "$out")" != 0 ] || [ "$(kv reconnects "$out")" != 0 ]; then
    log "  WARNING: loadgen saw errors=$(kv errors "$out") reconnects=$(kv reconnects "$out") (bad/unmatched responses, socket errors, closed connections)"
  fi
  if awk -v f="$foreign" 'BEGIN { exit !(f > 5) }'; then
    log "  WARNING: other processes used ${foreign}% of a CPU (CPU 0/1) during this measurement — the machine is not idle; qps figures are disturbed"
  fi
}
meta_queries() { case $1 in one|one-t2) echo "$DATA/one/queries.txt" ;; many) echo "$DATA/many/queries.txt" ;; big) echo "$DATA/big/queries.txt" ;; esac; }

# ------------------------------------------------------------------ one data set
declare -A PORT PID_OF
# run_dataset LABEL ZONESET THREADS SRVMASK LGCPUS LGTHREADS PORTOFFSET
run_dataset() {
  local label=$1 zs=$2 th=$3 mask=$4 lgcpus=$5 lgth=$6 poff=$7 srv i r t0 n
  RUN="$WORK/run/$label"; mkdir -p "$RUN"
  local servers=()
  for srv in "${SERVERS[@]}"; do
    [ "$th" -gt 1 ] && [ "$srv" = echo ] && continue    # echo is single-threaded
    servers+=("$srv")
  done
  [ ${#servers[@]} -gt 0 ] || return 0
  log "== data set $label: ${servers[*]} (server threads $th, server CPUs mask $mask, loadgen CPUs $lgcpus)"
  i=0
  for srv in "${servers[@]}"; do     # start one at a time, so load times don't overlap
    PORT[$srv]=$((PORT_BASE + poff + i)); i=$((i + 1))
    t0=$(now_ns)
    "start_$srv" "$zs" "${PORT[$srv]}" "$th"
    PID_OF[$srv]=$SERVER_PID; STARTED+=("$SERVER_PID")
    if ! wait_ready "$srv" "$zs" "$label" "${PORT[$srv]}" "${PID_OF[$srv]}" "$READY_MAX_S" "$t0"; then
      log "  $srv not ready — see $RUN/$srv/; leaving it out of $label"
      tail -n 5 "$RUN/$srv"/*.log >&2 2>/dev/null || true
      stop_pid "${PID_OF[$srv]}"; PID_OF[$srv]=""
      continue
    fi
    pin_tree "${PID_OF[$srv]}" "$mask"
    printf '%s\t%s\tpss_load_kb\t%s\n' "$label" "$srv" "$(pss_kb "${PID_OF[$srv]}")" >> "$INFO"
  done
  n=${#servers[@]}
  for r in $(seq 1 "$ROUNDS"); do
    for j in $(seq 0 $((n - 1))); do
      srv=${servers[$(((j + r - 1) % n))]}      # rotate the order every round
      [ -n "${PID_OF[$srv]}" ] || continue
      measure "$label" "$srv" "${PORT[$srv]}" "${PID_OF[$srv]}" udp "$r" "$mask" "$lgcpus" "$lgth"
      [ "$srv" = echo ] && continue             # echo speaks UDP only
      measure "$label" "$srv" "${PORT[$srv]}" "${PID_OF[$srv]}" tcp "$r" "$mask" "$lgcpus" "$lgth"
    done
  done
  for srv in "${servers[@]}"; do
    [ -n "${PID_OF[$srv]}" ] || continue
    printf '%s\t%s\tpss_after_kb\t%s\n' "$label" "$srv" "$(pss_kb "${PID_OF[$srv]}")" >> "$INFO"
    stop_pid "${PID_OF[$srv]}"
  done
  STARTED=()
}

# big zone: load time and memory only, one server at a time
run_big() {
  local srv t0
  RUN="$WORK/run/big"; mkdir -p "$RUN"
  log "== big zone ($(meta big_records) records): load time and PSS"
  for srv in "${SERVERS[@]}"; do
    [ "$srv" = echo ] && continue
    t0=$(now_ns)
    "start_$srv" big $((PORT_BASE + 30)) 1
    STARTED+=("$SERVER_PID")
    if wait_ready "$srv" big big $((PORT_BASE + 30)) "$SERVER_PID" "$READY_MAX_BIG_S" "$t0"; then
      printf '%s\t%s\tpss_load_kb\t%s\n' big "$srv" "$(pss_kb "$SERVER_PID")" >> "$INFO"
      log "  big $srv: $(grep -P "^big\t$srv\t" "$INFO" | cut -f3,4 | tr '\t\n' '= ')"
    fi
    stop_pid "$SERVER_PID"; STARTED=()
  done
}

# ------------------------------------------------------------------ main
log "servers: ${SERVERS[*]}; rounds $ROUNDS, ${MEASURE_S}s each after ${WARMUP_S}s warm-up; work dir $WORK"
case ",$SETS," in *,one,*) run_dataset one one 1 0x1 1 1 0 ;; esac
case ",$SETS," in *,many,*) run_dataset many many 1 0x1 1 1 10 ;; esac
if [ "$THREADS2" = 1 ]; then
  # 2 server threads on both cores; the generator (2 threads) shares both cores with it.
  run_dataset one-t2 one 2 0x3 0,1 2 20
fi
[ "$BIG" = 1 ] && run_big

# ------------------------------------------------------------------ summary
{
  echo "# dns benchmark $(date -u +%Y-%m-%dT%H:%M:%SZ) — $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $NCPU CPUs"
  echo "# knotd: $("$KNOTD" -V 2>&1 | head -1); nsd: $("$NSD" -v 2>&1 | head -1)"
  echo "# rounds=$ROUNDS seconds=$MEASURE_S warmup=$WARMUP_S udp: sockets=$UDP_SOCKETS inflight=$UDP_INFLIGHT batch=$UDP_BATCH; tcp: conns=$TCP_CONNS pipeline=$TCP_PIPELINE"
  echo "# one: $(meta one_zone) $(meta one_names) names, $(meta one_records) records; many: $(meta many_zones) zones; queries: $(meta one_queries) a set (80% exist, 8% nxdomain, 5% nodata, 4% wildcard, 3% referral)"
  "$PY" - "$RESULTS" "$INFO" <<'PYEOF'
import sys, statistics
from collections import defaultdict
res = defaultdict(list)          # (ds, srv, mode, field) -> values
order_ds, order_srv = [], []
with open(sys.argv[1]) as f:
    next(f)
    for line in f:
        ds, srv, rnd, mode, qps, us, c0, recv, nx, other, lost, foreign = line.rstrip("\n").split("\t")
        if ds not in order_ds: order_ds.append(ds)
        if srv not in order_srv: order_srv.append(srv)
        recv = int(recv or 0); sent_like = recv + int(lost or 0)
        for k, v in (("qps", float(qps or 0)), ("us", float(us or 0)), ("c0", float(c0 or 0)),
                     ("nx", 100.0 * int(nx or 0) / recv if recv else 0.0),
                     ("other", 100.0 * int(other or 0) / recv if recv else 0.0),
                     ("lost", 100.0 * int(lost or 0) / sent_like if sent_like else 0.0),
                     ("foreign", float(foreign or 0)),
                     ("util", float(qps or 0) * float(us or 0) / 1e4)):
            res[(ds, srv, mode, k)].append(v)
info = {}
with open(sys.argv[2]) as f:
    for line in f:
        ds, srv, k, v = line.rstrip("\n").split("\t")
        info[(ds, srv, k)] = float(v)
        if ds not in order_ds: order_ds.append(ds)
        if srv not in order_srv: order_srv.append(srv)

def med(ds, srv, mode, k):
    v = res.get((ds, srv, mode, k))
    return statistics.median(v) if v else None

def fmt(v, spec):
    return "-" if v is None else format(v, spec)

cols = ["server", "udp_qps", "udp_us/q", "udp_cpu%", "tcp_qps", "tcp_us/q", "tcp_cpu%",
        "pss_MB", "ready_s", "nx%", "other%", "lost%", "foreign%"]
for ds in order_ds:
    print("\n## %s" % ds)
    if ds == "big":
        print("%-6s %10s %10s" % ("server", "ready_s", "pss_MB"))
        for srv in order_srv:
            r = info.get((ds, srv, "ready_s")); p = info.get((ds, srv, "pss_load_kb"))
            if r is None and p is None: continue
            print("%-6s %10s %10s" % (srv, fmt(r, ".2f"), fmt(p / 1024 if p else None, ".1f")))
        continue
    print(("%-6s" + " %9s" * (len(cols) - 1)) % tuple(cols))
    for srv in order_srv:
        if not any(k[0] == ds and k[1] == srv for k in list(res) + list(info)): continue
        p = info.get((ds, srv, "pss_load_kb"))
        row = [srv, fmt(med(ds, srv, "udp", "qps"), ".0f"), fmt(med(ds, srv, "udp", "us"), ".2f"),
               fmt(med(ds, srv, "udp", "util"), ".0f"),
               fmt(med(ds, srv, "tcp", "qps"), ".0f"), fmt(med(ds, srv, "tcp", "us"), ".2f"),
               fmt(med(ds, srv, "tcp", "util"), ".0f"),
               fmt(p / 1024 if p else None, ".1f"), fmt(info.get((ds, srv, "ready_s")), ".2f"),
               fmt(med(ds, srv, "udp", "nx"), ".1f"), fmt(med(ds, srv, "udp", "other"), ".1f"),
               fmt(med(ds, srv, "udp", "lost"), ".2f"),
               fmt(max(res.get((ds, srv, "udp", "foreign"), []) + res.get((ds, srv, "tcp", "foreign"), []),
                       default=None), ".1f")]
        print(("%-6s" + " %9s" * (len(cols) - 1)) % tuple(row))
    for ref in ("knot", "nsd", "base"):
        parts = []
        for mode in ("udp", "tcp"):
            for k, name in (("qps", "qps"), ("us", "us/q")):
                a, b = med(ds, "dnsd", mode, k), med(ds, ref, mode, k)
                if a is not None and b:
                    parts.append("%s_%s %.2f" % (mode, name, a / b))
        if parts:
            print("ratio dnsd/%-4s: %s" % (ref, ", ".join(parts)))
if "one-t2" in order_ds:
    print("\n## scaling one-t2 / one (2 server threads on both cores, generator sharing them / 1 thread on CPU 0)")
    for srv in order_srv:
        parts = []
        for mode in ("udp", "tcp"):
            a, b = med("one-t2", srv, mode, "qps"), med("one", srv, mode, "qps")
            if a is not None and b:
                parts.append("%s %.2fx" % (mode, a / b))
        if parts:
            print("%-6s %s" % (srv, ", ".join(parts)))
print("\ncolumns: qps = answers received per second (median of rounds); us/q = server CPU time "
      "(utime+stime of its process tree, incl. the softirq work done in its context) per answer, in "
      "microseconds; cpu% = qps x us/q, the server's CPU use (~100 per server thread: the server, "
      "not the generator, is the limit); pss = PSS after load; ready_s = start to first SOA answer; "
      "nx%/other% = share of NXDOMAIN / other rcodes in UDP answers; lost% = UDP queries unanswered "
      "after 500 ms; foreign% = most CPU time on CPUs 0-1 used by other processes (neither the "
      "server nor the generator) during any of the server's measurements, in % of one CPU "
      "(should be ~0: the machine must be otherwise idle)")
PYEOF
} > "$WORK/summary.txt"
cat "$WORK/summary.txt"
