#!/usr/bin/python3
"""Outgoing zone transfers: dnsd, Knot DNS and NSD as primaries of the same zone.

Each server (started with the integration harness, tests/integration/harness.py,
one worker each) serves one zone of --records records (default 1,000,000: a
SOA, an NS, its address and A/AAAA records on 499,998 names). A client on the
same machine, bench/xfrget (built here), measures:

  axfr     a full AXFR, from connecting to the last byte; --rounds times per
           server, the servers in a rotated order each round. Each transfer is
           checked: every record arrived (records + 1, the SOA twice).
  cpu      the server's CPU time (utime + stime of its process tree) per AXFR.
  ixfr     the zone is then changed (--changes records get a new address,
           serial + 1) and each server reloads it (dnsd: SIGHUP; Knot: knotc
           zone-reload with zonefile-load: difference; NSD: nsd-control reload
           with create-ixfr). Once the new serial is served, IXFR from the old
           serial is asked --ixfr-reps times: the answer must be incremental,
           with exactly the changed records (old SOA, the removed, new SOA, the
           added).
  uptodate IXFR from the current serial: one SOA.

Servers run on CPU 0 (every thread of their process tree pinned there), the
client on CPU 1. Everything runs on 127.0.0.1. Prints one table and the
ratios dnsd/knot and dnsd/nsd; --out DIR keeps results.tsv and the logs.

Usage: bench/transfer_out.py [--dnsd PATH] [--records N] [--rounds N]
           [--ixfr-reps N] [--changes N] [--servers dnsd,knot,nsd] [--out DIR] [--keep]
"""

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
import harness  # noqa: E402
from harness import Ctx, Knot, Nsd, bump_mtime, soa_serial, wait_for  # noqa: E402

ZONE = "xfr.bench."


def zone_text(records, serial, changed=0):
    """records in all; the first `changed` A records get another address."""
    out = ["$ORIGIN %s" % ZONE, "$TTL 3600",
           "@ SOA ns hostmaster %d 3600 600 1209600 300" % serial,
           "@ NS ns", "ns A 192.0.2.53"]
    names = (records - 3) // 2
    extra = (records - 3) % 2
    for i in range(names):
        a = (i >> 16) & 255, (i >> 8) & 255, i & 255
        last = a[2] if i >= changed else (a[2] + 128) & 255
        out.append("h%d A 10.%d.%d.%d" % (i, a[0], a[1], last))
        out.append("h%d AAAA 2001:db8::%x:%x" % (i, i >> 16, i & 0xffff))
    if extra:
        out.append('@ TXT "x"')
    return "\n".join(out) + "\n"


def tree_pids(pid):
    kids = {}
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % p) as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        kids.setdefault(ppid, []).append(int(p))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


def cpu_seconds(pid):
    hz = os.sysconf("SC_CLK_TCK")
    total = 0
    for p in tree_pids(pid):
        try:
            with open("/proc/%d/stat" % p) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            pass
    return total / hz


def pin(pid, cpus):
    for p in tree_pids(pid):
        subprocess.run(["taskset", "-a", "-p", "-c", cpus, str(p)], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)


def xfrget(binary, port, ixfr=None, repeat=1):
    cmd = ["taskset", "-c", "1", binary, "--server", "127.0.0.1", "--port", str(port),
           "--zone", ZONE, "--repeat", str(repeat), "--timeout-ms", "120000"]
    if ixfr is not None:
        cmd += ["--ixfr", str(ixfr)]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=600)
    out = []
    for line in r.stdout.splitlines():
        kv = dict(f.split("=", 1) for f in line.split()[1:] if "=" in f)
        out.append(kv)
    if not out:
        out.append({"style": "error", "error": r.stderr.strip() or "no output"})
    return out


def median(v):
    return statistics.median(v) if v else None


def p90(v):
    if not v:
        return None
    s = sorted(v)
    return s[max(0, int(round(0.9 * len(s) + 0.5)) - 1)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dnsd", default=os.path.join(HERE, "..", "build", "dnsd", "dnsd"))
    ap.add_argument("--records", type=int, default=1000000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--ixfr-reps", type=int, default=20)
    ap.add_argument("--changes", type=int, default=10)
    ap.add_argument("--servers", default="dnsd,knot,nsd")
    ap.add_argument("--out")
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    if os.cpu_count() < 2:
        sys.exit("transfer_out: needs 2 CPUs (servers on CPU 0, the client on CPU 1)")
    a.dnsd = os.path.abspath(a.dnsd)
    servers = [s for s in a.servers.split(",") if s]
    if "dnsd" in servers and not os.access(a.dnsd, os.X_OK):
        sys.exit("transfer_out: dnsd not found at %s (build it or pass --dnsd)" % a.dnsd)
    for s, path in (("knot", harness.KNOTD), ("nsd", harness.NSD)):
        if s in servers and not shutil.which(path):
            print("transfer_out: %s not installed, left out" % s)
            servers.remove(s)

    root = tempfile.mkdtemp(prefix="transfer-out.")
    ctx = Ctx(root, "run", a.dnsd)
    results = []  # (server, metric, value)

    def rec(server, metric, value):
        results.append((server, metric, value))

    try:
        xfrget_bin = os.path.join(root, "xfrget")
        subprocess.run(["g++", "-O2", "-std=c++20", "-o", xfrget_bin, os.path.join(HERE, "xfrget.cpp")],
                       check=True)
        serial = 1
        t = time.monotonic()
        text = zone_text(a.records, serial)
        print("zone %s: %d records, %.1f MB of master file (generated in %.1fs)"
              % (ZONE, a.records, len(text) / 1e6, time.monotonic() - t), flush=True)

        # Start one server at a time so that their loads do not overlap.
        procs, ports, pids = {}, {}, {}
        for s in servers:
            t0 = time.monotonic()
            if s == "dnsd":
                zdir = ctx.subdir("dnsd-zone")
                zpath = os.path.join(zdir, ZONE + "zone")
                with open(zpath, "w") as f:
                    f.write(text)
                p = ctx.dnsd()
                p.zone_file = zpath
                p.start(extra=["--zone-file", "%s=%s" % (ZONE, zpath), "--allow-transfer", "127.0.0.1"])
            else:
                p = (Knot if s == "knot" else Nsd)(ctx, {ZONE: text})
                p.start()
            ok, waited = wait_for(lambda: p.alive() and soa_serial(p.port, ZONE, 0.5) == serial, 300, 0.1)
            if not ok:
                print("%s did not serve %s within 300s:\n%s" % (s, ZONE, p.tail()))
                servers.remove(s)
                p.stop()
                continue
            procs[s], ports[s], pids[s] = p, p.port, p.proc.pid
            rec(s, "load_s", time.monotonic() - t0)
            print("%s: serving after %.1fs" % (s, time.monotonic() - t0), flush=True)
        # Let start-up work (Knot's journal, NSD's xfrd) settle before measuring.
        time.sleep(2)

        # AXFR rounds
        for r in range(a.rounds):
            order = servers[r % len(servers):] + servers[:r % len(servers)]
            for s in order:
                pin(pids[s], "0")
                c0 = cpu_seconds(pids[s])
                res = xfrget(xfrget_bin, ports[s])[0]
                c1 = cpu_seconds(pids[s])
                ok = res.get("style") == "axfr" and int(res.get("records", 0)) == a.records + 1
                if not ok:
                    print("  %s AXFR round %d FAILED: %s" % (s, r + 1, res))
                    rec(s, "axfr_failed", 1)
                    continue
                rec(s, "axfr_ms", float(res["ms"]))
                rec(s, "axfr_cpu_ms", (c1 - c0) * 1000)
                rec(s, "axfr_messages", int(res["messages"]))
                rec(s, "axfr_bytes", int(res["bytes"]))
                print("  round %d %-5s AXFR %8.1f ms, %d messages, %.1f MB, server CPU %.0f ms"
                      % (r + 1, s, float(res["ms"]), int(res["messages"]), int(res["bytes"]) / 1e6,
                         (c1 - c0) * 1000), flush=True)

        # The change, and IXFR
        new_serial = serial + 1
        new_text = zone_text(a.records, new_serial, changed=a.changes)
        for s in servers:
            p = procs[s]
            t0 = time.monotonic()
            if s == "dnsd":
                old = os.stat(p.zone_file).st_mtime
                with open(p.zone_file, "w") as f:
                    f.write(new_text)
                bump_mtime(p.zone_file, old)
                p.proc.send_signal(signal.SIGHUP)
            else:
                p.set_zone(ZONE, new_text)
                p.reload(ZONE)
            ok, _ = wait_for(lambda: soa_serial(p.port, ZONE, 0.5) == new_serial, 300, 0.05)
            if not ok:
                print("%s did not serve serial %d within 300s after the reload" % (s, new_serial))
                continue
            rec(s, "reload_s", time.monotonic() - t0)
        time.sleep(2)
        want = 1 + 1 + a.changes + 1 + a.changes + 1
        for s in servers:
            pin(pids[s], "0")
            runs = xfrget(xfrget_bin, ports[s], ixfr=serial, repeat=a.ixfr_reps)
            styles = sorted({x.get("style") for x in runs})
            good = [x for x in runs if x.get("style") == "ixfr"]
            for x in good:
                rec(s, "ixfr_ms", float(x["ms"]))
                rec(s, "ixfr_records", int(x["records"]))
            rec(s, "ixfr_ok", len(good))
            if len(good) != len(runs):
                print("  %s IXFR: %d of %d incremental; styles %s; first: %s"
                      % (s, len(good), len(runs), styles, runs[0]))
            if s == "dnsd" and any(int(x["records"]) != want for x in good):
                print("  dnsd IXFR: not exactly the %d records of the change: %s" % (want, good[0]))
                rec(s, "axfr_failed", 1)
            up = xfrget(xfrget_bin, ports[s], ixfr=new_serial, repeat=a.ixfr_reps)
            for x in up:
                if x.get("style") == "uptodate":
                    rec(s, "uptodate_ms", float(x["ms"]))
        rows = {}
        for s, m, v in results:
            rows.setdefault((s, m), []).append(v)

        def med(s, m):
            return median(rows.get((s, m), []))

        print()
        print("## outgoing transfers: %s, %d records; %d AXFR rounds, %d IXFRs of %d changed records"
              % (ZONE, a.records, a.rounds, a.ixfr_reps, a.changes))
        cols = ("server", "axfr_ms", "axfr_p90", "cpu_ms", "MB", "msgs", "ixfr_ms", "ixfr_p90",
                "ixfr_ok", "ixfr_rrs", "uptodate_ms", "reload_s", "load_s")
        print(("%-6s" + " %11s" * (len(cols) - 1)) % cols)

        def f(v, spec):
            return "-" if v is None else format(v, spec)
        for s in servers:
            b = med(s, "axfr_bytes")
            print(("%-6s" + " %11s" * (len(cols) - 1)) % (
                s, f(med(s, "axfr_ms"), ".1f"), f(p90(rows.get((s, "axfr_ms"), [])), ".1f"),
                f(med(s, "axfr_cpu_ms"), ".0f"), f(b / 1e6 if b else None, ".1f"),
                f(med(s, "axfr_messages"), ".0f"), f(med(s, "ixfr_ms"), ".3f"),
                f(p90(rows.get((s, "ixfr_ms"), [])), ".3f"),
                "%d/%d" % (len(rows.get((s, "ixfr_ms"), [])), a.ixfr_reps), f(med(s, "ixfr_records"), ".0f"),
                f(med(s, "uptodate_ms"), ".3f"), f(med(s, "reload_s"), ".2f"), f(med(s, "load_s"), ".1f")))
        if "dnsd" in servers:
            for ref in servers:
                if ref == "dnsd":
                    continue
                parts = []
                for m, name in (("axfr_ms", "axfr time"), ("axfr_cpu_ms", "axfr cpu"), ("ixfr_ms", "ixfr time")):
                    x, y = med("dnsd", m), med(ref, m)
                    if x is not None and y:
                        parts.append("%s %.2f" % (name, x / y))
                print("ratio dnsd/%-4s: %s" % (ref, ", ".join(parts)))
        print("axfr_ms: connect to last byte at the client (median, p90); cpu_ms: server CPU per AXFR; "
              "MB, msgs: bytes and messages of one AXFR; ixfr_ms: IXFR of the change (median, p90), "
              "ixfr_ok: incremental answers; ixfr_rrs: records in one (the change: %d); uptodate_ms: IXFR from "
              "the current serial; reload_s: change written to new serial served; load_s: start to "
              "first answer" % want)
        if a.out:
            os.makedirs(a.out, exist_ok=True)
            with open(os.path.join(a.out, "results.tsv"), "w") as fo:
                fo.write("server\tmetric\tvalue\n")
                for s, m, v in results:
                    fo.write("%s\t%s\t%s\n" % (s, m, v))
            for p in procs.values():
                shutil.copy(p.logpath, os.path.join(a.out, os.path.basename(os.path.dirname(p.logpath)) + ".log"))
        failed = any(m == "axfr_failed" for _, m, _ in results) or any(
            len(rows.get((s, "ixfr_ms"), [])) == 0 for s in servers if s == "dnsd")
        return 1 if failed else 0
    finally:
        ctx.cleanup()
        if a.keep:
            print("kept %s" % root)
        else:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
