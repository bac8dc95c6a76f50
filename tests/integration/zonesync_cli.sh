#!/usr/bin/env bash
# zonesync's store commands on a database: what each prints and its exit
# status, bad input refused with the reason, and a database held by another
# process (flock on DB.lock, as a running zonesync holds it) refused clearly.
#   zonesync_cli.sh PATH_TO_ZONESYNC
set -uo pipefail
Z=${1:?usage: zonesync_cli.sh PATH_TO_ZONESYNC}
D=$(mktemp -d "${TMPDIR:-/tmp}/zonesync_cli.XXXXXX")
HOLDER=""
cleanup() { [ -n "$HOLDER" ] && kill "$HOLDER" 2>/dev/null; wait 2>/dev/null; rm -rf "$D"; }
trap cleanup EXIT
DB="$D/z.db"
pass=0 fail=0
# expect RC PATTERN ARGS...: runs zonesync ARGS, checks the exit status and that the output matches
expect() {
  local rc=$1 pat=$2 out got
  shift 2
  out=$("$Z" "$@" 2>&1); got=$?
  if [ "$got" = "$rc" ] && grep -Eq -- "$pat" <<< "$out"; then pass=$((pass + 1))
  else fail=$((fail + 1)); echo "FAIL: zonesync $* -> $got (want $rc), output: $out (want /$pat/)"; fi
}
expect 0 'zone example\.com\. added \(primaries 192\.0\.2\.1:53,\[2001:db8::53\]:5300, key k1\.example\.\)' \
  --db "$DB" zone add Example.COM 192.0.2.1,[2001:db8::53]:5300 --key k1.example --owner hostmaster@example.com
expect 1 'zone example\.com\. exists' --db "$DB" zone add example.com. 198.51.100.1
expect 1 "'bad\.\.name' is not a domain name" --db "$DB" zone add bad..name 192.0.2.1
expect 1 "primary 'ns1\.example\.net' is not an address" --db "$DB" zone add b.example ns1.example.net
expect 1 'root zone' --db "$DB" zone add . 192.0.2.1
expect 2 'usage: zonesync --db FILE zone add NAME PRIMARY' --db "$DB" zone add only-name.example
expect 0 'POP pop1 added \(127\.0\.0\.1:5301\)' --db "$DB" pop add pop1 127.0.0.1:5301
expect 1 'POP pop1 exists' --db "$DB" pop add pop1 127.0.0.1:5302
expect 1 "POP address 'nowhere' is not ADDR:PORT" --db "$DB" pop add pop2 nowhere
expect 0 $'^example\\.com\\.\tpending\t-\t192\\.0\\.2\\.1:53,\\[2001:db8::53\\]:5300$' --db "$DB" zone list
expect 0 $'^pop1\t127\\.0\\.0\\.1:5301$' --db "$DB" pop list
expect 0 'owner: +hostmaster@example\.com' --db "$DB" zone status example.com
expect 1 'is not held \(state pending\)' --db "$DB" zone release example.com
expect 1 'zone nothere\.example\. not found' --db "$DB" zone status nothere.example
expect 2 'unknown command' --db "$DB" zone frobnicate x
expect 2 '--db FILE \(or --api URL\) is required' zone list
expect 2 'no command, and no --listen' --db "$DB"
# Another process holds the database.
python3 -c 'import fcntl, os, sys, time
f = open(sys.argv[1], "a+")
fcntl.flock(f, fcntl.LOCK_EX)
f.truncate(0); f.write("%d\n" % os.getpid()); f.flush()
time.sleep(30)' "$DB.lock" & HOLDER=$!
for _ in $(seq 1 100); do flock -n "$DB.lock" true 2>/dev/null || break; sleep 0.05; done
expect 1 "in use by another process \\(pid $HOLDER\\); is a zonesync server running on it\? Use --api" --db "$DB" zone add c.example 192.0.2.1
expect 0 $'^example\\.com\\.\tpending' --db "$DB" zone list   # readers read beside the writer
kill "$HOLDER"; wait "$HOLDER" 2>/dev/null; HOLDER=""
expect 0 'zone example\.com removed' --db "$DB" zone rm example.com
expect 1 'zone example\.com\. not found' --db "$DB" zone rm example.com
expect 0 'POP pop1 removed' --db "$DB" pop rm pop1
# A standby takes no zone changes until promoted; a standby needs its --peer.
expect 0 'now a standby' --db "$DB" demote
expect 1 'this zonesync is a standby: zones are added and removed on the active instance' --db "$DB" zone add s.example 192.0.2.1
expect 2 'this zonesync is a standby: --peer ADDR:PORT' --db "$DB" --listen 127.0.0.1:0
expect 2 'usage: zonesync --db FILE promote' --db "$DB" promote now
expect 0 'now active' --db "$DB" promote
expect 0 'zone s\.example\. added' --db "$DB" zone add s.example 192.0.2.1
expect 2 "--role: expects active or standby, got 'primary'" --db "$DB" --role primary --listen 127.0.0.1:0
# Not a database.
head -c 8192 /dev/urandom > "$D/junk.db"
expect 1 'not a database' --db "$D/junk.db" zone list
echo "zonesync_cli: $pass passed, $fail failed"
[ "$fail" = 0 ]
