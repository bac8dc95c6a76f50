#!/usr/bin/python3
"""Propagation through zonesync: a Knot DNS primary -> zonesync -> N dnsd POPs (catalog), on 127.0.0.1.

Measures, with the servers the integration harness starts:
  1. one-record change (knotc zone-begin/zone-set/zone-commit on the primary): from just before the
     commit to every POP answering the new serial (bench/sec_probe.py change), median and p90;
  2. zones added in bulk through the API (one POST of an array): from the POST to every POP serving
     every zone;
     then one more zone: from its POST to every POP serving it;
  3. the one-record change again with those zones present;
  4. a POP restarted from its state directory after a change it missed: until it serves it.

  bench/propagation.py [--dnsd PATH] [--zonesync PATH] [--pops N] [--zones K] [--reps R] [--anchor] [--keep]

--anchor also runs the Knot DNS anchor in the same way on the same machine, after ours: the Knot
primary -> a hidden Knot DNS secondary that generates a catalog (catalog-role: generate, every zone
a member) and NOTIFYs -> N Knot DNS POPs that interpret it; zones are added to the hidden Knot
with one `knotc conf-set zone.domain ...`. Items 1-3 are measured for both, and printed side by
side with the ratio (Knot / zonesync; above 1: zonesync is faster).
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))

import harness  # noqa: E402
from harness import Ctx, Dnsd, Knot, Zonesync, rcode_of, soa_serial, wait_for  # noqa: E402

PROBE = os.path.join(HERE, "sec_probe.py")
ZONE = "prop.example."


def zone_text(origin, serial=1, hosts=20):
    lines = ["$ORIGIN %s" % origin, "$TTL 300", "@ SOA ns1 hostmaster %d 3600 600 86400 300" % serial,
             "@ NS ns1", "ns1 A 192.0.2.53"]
    lines += ["h%d A 198.51.100.%d" % (i, i % 250) for i in range(hosts)]
    return "\n".join(lines) + "\n"


def pct(values, p):
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))]


def change(primary, pops, reps, gap):
    """One-record changes; returns (all-POP times in ms, commit times in ms, timeouts)."""
    targets = ",".join("%s=%d" % (p.name, p.port) for p in pops)
    r = subprocess.run([sys.executable, PROBE, "change", "--sock", os.path.join(primary.dir, "knot.sock"),
                        "--zone", ZONE, "--kind", "prop", "--targets", targets, "--reps", str(reps),
                        "--gap", str(gap), "--max-wait", "10", "--primary-port", str(primary.port)],
                       capture_output=True, text=True, timeout=reps * (gap + 12) + 60,
                       env=dict(os.environ, KNOTC=harness.KNOTC))
    if r.returncode != 0:
        raise SystemExit("sec_probe change failed:\n" + r.stderr[-2000:])
    per_rep, commits, timeouts = {}, [], 0
    for line in r.stdout.splitlines():
        parts = line.split("\t")
        if len(parts) != 4 or parts[0] != "sample":
            continue
        rep, who, ms = parts[1], parts[2], parts[3]
        if who == "commit":
            commits.append(float(ms))
        elif ms == "timeout":
            timeouts += 1
            per_rep[rep] = float("inf")
        else:
            per_rep[rep] = max(per_rep.get(rep, 0.0), float(ms))
    return [v for v in per_rep.values() if v != float("inf")], commits, timeouts


def cpu_seconds(procs):
    """User + system CPU seconds each process has used so far (from /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    out = {}
    for p in procs:
        try:
            with open("/proc/%d/stat" % p.proc.pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            out[p.name] = (int(fields[11]) + int(fields[12])) / tick
        except (OSError, AttributeError, IndexError, ValueError):
            out[p.name] = 0.0
    return out


def knot_zones(p):
    """A Knot DNS server's zones with a serial: {name: {"serial": N}} (knotc zone-status)."""
    r = subprocess.run([harness.KNOTC, "-c", p.conf, "zone-status"], capture_output=True, text=True,
                       timeout=30)
    out = {}
    for line in r.stdout.splitlines():
        m = re.match(r"\[([^\]]+)\].*serial: (\d+)", line)
        if m:
            out[m.group(1).lower()] = {"serial": int(m.group(2))}
    return out


def wait_pops_serve(pops, zones, limit):
    """Until every POP answers every zone's SOA; seconds waited (None on timeout).
    Many zones: each POP's /zones list is polled (cheap, so the measuring does
    not take the CPU the servers need), then a sample is asked by DNS."""
    t0 = time.time()
    if len(zones) > 20:
        want = {z.lower() for z in zones}
        for p in pops:
            while time.time() - t0 < limit:
                have = p.zones() if isinstance(p, Dnsd) else knot_zones(p)
                if all(have.get(z, {}).get("serial") is not None for z in want):
                    break
                time.sleep(0.02)
            else:
                return None
        # /zones may run ahead of the answers by a publish: a sample, by DNS.
        sample = sorted(want)[:: max(1, len(want) // 20)]
        for p in pops:
            for z in sample:
                ok, _ = wait_for(lambda: soa_serial(p.port, z, 0.5) is not None, 10.0, 0.005)
                if not ok:
                    raise SystemExit("%s lists %s as served but does not answer for it" % (p.name, z))
        return time.time() - t0
    for p in pops:
        pending = list(zones)
        while pending and time.time() - t0 < limit:
            pending = [z for z in pending if soa_serial(p.port, z, 0.2) is None]
            if pending:
                time.sleep(0.01)
        if pending:
            return None
    return time.time() - t0


def kill_central(kill, start, answers, pops, sample, primary, limit=60.0):
    """SIGKILL the central server (zonesync, or the anchor's hidden Knot) and start it again at once,
    while a thread asks the POPs for the SOA of `sample` zones without pause. Returns (seconds until
    the central answers again, POP answers other than NOERROR, seconds from the kill to the last of
    them, queries asked, one-record changes timed right after)."""
    bad, asked = [], [0]
    stop = threading.Event()
    t0 = time.time()

    def watch():
        i = 0
        while not stop.is_set() and i < 1000000:
            z = sample[i % len(sample)]
            p = pops[(i // len(sample)) % len(pops)]
            rc = rcode_of(p.port, z)
            if rc != "NOERROR":
                bad.append((time.time() - t0, p.name, z, rc))
            asked[0] += 1
            i += 1
    th = threading.Thread(target=watch)
    th.start()
    try:
        time.sleep(0.5)
        t0 = time.time()
        kill()
        start()
        ok, _ = wait_for(answers, limit, 0.01)
        back = time.time() - t0 if ok else None
        time.sleep(2.0)  # the POPs' answers a little after it is back
        changes = change(primary, pops, 3, 0.3)
        time.sleep(0.5)
    finally:
        stop.set()
        th.join()
    window = max((b[0] for b in bad), default=0.0)
    return back, len(bad), window, asked[0], changes


def hidden_knot(ctx, port, primary_port, pop_ports, catalog, zones, d=None):
    """The anchor's central Knot: a secondary of the primary for `zones`, every one a member of the
    catalog it generates; NOTIFY to every POP. With `d` (its directory), only its configuration is
    written again (with the zones added since, as an operator keeps them)."""
    rewrite = d is not None
    d = d or ctx.subdir("hidden")
    os.makedirs(os.path.join(d, "db"), exist_ok=True)
    os.makedirs(os.path.join(d, "zones"), exist_ok=True)
    pops = ", ".join("pop%d" % i for i in range(len(pop_ports)))
    c = ["server:", '    rundir: "%s"' % d, "    listen: 127.0.0.1@%d" % port,
         "    udp-workers: 1", "    tcp-workers: 1", "    background-workers: 1", "",
         "log:", "  - target: stderr", "    any: info", "",
         "database:", '    storage: "%s/db"' % d, "",
         "control:", '    listen: "%s/knot.sock"' % d, "", "remote:",
         "  - id: primary", "    address: 127.0.0.1@%d" % primary_port]
    for i, p in enumerate(pop_ports):
        c += ["  - id: pop%d" % i, "    address: 127.0.0.1@%d" % p]
    c += ["", "acl:", "  - id: xfr", "    address: 127.0.0.1", "    action: transfer",
          "  - id: notify", "    address: 127.0.0.1", "    action: notify", "",
          "template:", "  - id: default", '    storage: "%s/zones"' % d, "    zonefile-sync: -1",
          "    journal-content: changes", "    semantic-checks: off", "    master: primary",
          "    acl: [xfr, notify]", "    notify: [%s]" % pops, "    catalog-role: member",
          "    catalog-zone: %s" % catalog,
          "  - id: catalog", '    storage: "%s/zones"' % d, "    zonefile-sync: -1",
          "    acl: xfr", "    notify: [%s]" % pops, "", "zone:",
          "  - domain: %s" % catalog, "    template: catalog", "    catalog-role: generate"]
    for z in zones:
        c += ["  - domain: %s" % z]
    conf = os.path.join(d, "knot.conf")
    with open(conf, "w") as f:
        f.write("\n".join(c) + "\n")
    if rewrite:
        return None
    proc = harness.Proc(ctx, "hidden", os.path.join(d, "knot.log"))
    proc.spawn([harness.KNOTD, "-c", conf])
    proc.port, proc.conf, proc.dir = port, conf, d
    return proc


def knotc(conf, *args):
    r = subprocess.run([harness.KNOTC, "-c", conf] + list(args), capture_output=True, text=True,
                       timeout=120)
    if r.returncode != 0:
        raise SystemExit("knotc %s: %s" % (" ".join(args[:2]), (r.stdout + r.stderr)[-500:]))


def run_anchor(a, ctx, bulk):
    """The same items with Knot DNS in zonesync's place and as the POPs; a dict of figures."""
    catalog = "catalog.anchor."
    zones = {ZONE: zone_text(ZONE)}
    zones.update({z: zone_text(z, hosts=3) for z in bulk})
    pop_ports = [harness.free_port() for _ in range(a.pops)]
    hidden_port = harness.free_port()
    primary = Knot(ctx, zones, notify=[hidden_port])
    primary.start()
    primary.wait_ready(limit=120.0)
    hidden = hidden_knot(ctx, hidden_port, primary.port, pop_ports, catalog, [ZONE])
    pops = []
    for i, port in enumerate(pop_ports):
        p = Knot(ctx, {catalog: ""}, secondary_of=hidden_port, catalog=catalog, port=port)
        p.name = "kpop%d" % (i + 1)
        p.start()
        pops.append(p)
    if wait_pops_serve(pops, [ZONE], 60) is None:
        raise SystemExit("the Knot POPs did not get %s:\n%s" % (ZONE, hidden.tail()))
    out = {}
    out["change1"] = change(primary, pops, a.reps, a.gap)
    t0 = time.time()
    if bulk[:-1]:
        knotc(hidden.conf, "conf-begin")
        knotc(hidden.conf, "conf-set", "zone.domain", *bulk[:-1])
        knotc(hidden.conf, "conf-commit")
    posted = time.time() - t0
    waited = wait_pops_serve(pops, bulk[:-1], 300)
    out["bulk"] = None if waited is None else posted + waited
    t0 = time.time()
    knotc(hidden.conf, "conf-begin")
    knotc(hidden.conf, "conf-set", "zone.domain", bulk[-1])
    knotc(hidden.conf, "conf-commit")
    one = wait_pops_serve(pops, [bulk[-1]], 60)
    out["one"] = None if one is None else (time.time() - t0) * 1000
    out["change2"] = change(primary, pops, a.reps, a.gap)
    cmd = list(hidden.proc.args)
    # The zones added by conf-set live in the running configuration only: the
    # file is written with them, as an operator persists them, before the kill.
    hidden_knot(ctx, hidden_port, primary.port, pop_ports, catalog, [ZONE] + bulk, d=hidden.dir)

    def kill():
        hidden.proc.kill()
        hidden.proc.wait(5)

    out["kill"] = kill_central(kill, lambda: hidden.spawn(cmd),
                               lambda: soa_serial(hidden_port, ZONE, 0.2) is not None, pops,
                               [ZONE] + bulk[:: max(1, len(bulk) // 20)], primary)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dnsd", default=os.path.join(HERE, "..", "build", "dnsd", "dnsd"))
    ap.add_argument("--zonesync", default=os.path.join(HERE, "..", "build", "zonesync", "zonesync"))
    ap.add_argument("--pops", type=int, default=10)
    ap.add_argument("--zones", type=int, default=1000, help="zones added in bulk (item 2)")
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--gap", type=float, default=0.3, help="seconds between two changes")
    ap.add_argument("--anchor", action="store_true", help="also run the Knot DNS anchor")
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    if not (1 <= a.pops <= 40 and 0 <= a.zones <= 100000 and 1 <= a.reps <= 200):
        ap.error("--pops 1..40, --zones 0..100000, --reps 1..200")
    root = tempfile.mkdtemp(prefix="propagation.")
    ctx = Ctx(root, "run", os.path.abspath(a.dnsd))
    out = []
    try:
        bulk = ["b%05d.bulk.example." % i for i in range(a.zones + 1)]
        zones = {ZONE: zone_text(ZONE)}
        zones.update({z: zone_text(z, hosts=3) for z in bulk})
        zs = Zonesync(ctx, os.path.abspath(a.zonesync))
        primary = Knot(ctx, zones, notify=[zs.port])
        primary.start()
        primary.wait_ready(limit=120.0)
        pops = [Dnsd(ctx, ctx.binary, name="pop%d" % i) for i in range(1, a.pops + 1)]
        zs.pops = [(p.name, p.port) for p in pops]
        rc, msg = zs.cli("zone", "add", ZONE, "127.0.0.1:%d" % primary.port)
        if rc:
            raise SystemExit(msg)
        zs.start(http=True, log_level="info")
        for p in pops:
            p.start(catalog=(zs.catalog, zs.port), extra=["--log-level", "info"])
        if wait_pops_serve(pops, [ZONE], 30) is None:
            raise SystemExit("the POPs did not get %s:\n%s" % (ZONE, zs.tail()))
        wait_for(lambda: zs.api("GET", "/healthz")[0] == 200, 5.0, 0.05)

        t1, c1, to1 = change(primary, pops, a.reps, a.gap)
        out.append(("change, 1 zone", t1, c1, to1))

        cpu0 = cpu_seconds([zs, primary] + pops)
        t0 = time.time()
        if bulk[:-1]:
            st, body = zs.api("POST", "/v1/zones", [{"name": z, "primaries": ["127.0.0.1:%d" % primary.port]}
                                                    for z in bulk[:-1]], timeout=300)
            if st != 201:
                raise SystemExit("POST of %d zones: %s %s" % (len(bulk) - 1, st, str(body)[:300]))
        posted = time.time() - t0
        waited = wait_pops_serve(pops, bulk[:-1], max(120, a.zones / 50))
        bulk_s = None if waited is None else posted + waited
        cpu1 = cpu_seconds([zs, primary] + pops)
        cpu = {k: cpu1[k] - cpu0.get(k, 0) for k in cpu1}
        t0 = time.time()
        st, body = zs.api("POST", "/v1/zones", {"name": bulk[-1], "primaries": ["127.0.0.1:%d" % primary.port]})
        one = wait_pops_serve(pops, [bulk[-1]], 30)
        one_ms = None if one is None else (time.time() - t0) * 1000

        t2, c2, to2 = change(primary, pops, a.reps, a.gap)
        out.append(("change, %d zones" % (a.zones + 2), t2, c2, to2))

        # zonesync SIGKILLed and started again at once: the POPs' answers meanwhile, the next change.
        kill_fig = kill_central(zs.kill, lambda: zs.start(http=True, log_level="info"),
                                lambda: soa_serial(zs.port, ZONE, 0.2) is not None, pops,
                                [ZONE] + bulk[:: max(1, len(bulk) // 20)], primary)

        # A POP down during a change, restarted from its state directory.
        pops[0].stop()
        serial = soa_serial(primary.port, ZONE)
        # One more record by a transaction, as the changes above (a zone file
        # rewritten from scratch would lose their records: zonesync's shrink
        # guard holds such a version, rightly).
        for cmd in (["zone-begin", ZONE], ["zone-set", ZONE, "missed", "60", "TXT", '"while down"'],
                    ["zone-commit", ZONE]):
            harness.run([harness.KNOTC, "-c", primary.conf] + cmd, timeout=10)
        wait_for(lambda: soa_serial(pops[1].port, ZONE, 0.2) == serial + 1, 10.0, 0.01)
        t0 = time.time()
        pops[0].restart()
        ok, _ = wait_for(lambda: soa_serial(pops[0].port, ZONE, 0.2) == serial + 1, 30.0, 0.005)
        restart_s = time.time() - t0 if ok else None

        print("# propagation through zonesync: Knot DNS primary -> zonesync -> %d dnsd POPs, %s" % (
            a.pops, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())))
        print("%-22s %5s %10s %10s %10s %10s %9s" % ("one-record change", "n", "median_ms", "p90_ms",
                                                     "max_ms", "commit_ms", "timeouts"))
        for label, t, c, to in out:
            if t:
                print("%-22s %5d %10.1f %10.1f %10.1f %10.1f %9d" % (
                    label, len(t), statistics.median(t), pct(t, 90), max(t), statistics.median(c), to))
            else:
                print("%-22s %5d %10s %10s %10s %10s %9d" % (label, 0, "-", "-", "-", "-", to))
        print("zones added through the API: %d in one POST answered in %.2f s, all served by all POPs %s after it"
              % (a.zones, posted, "n/a (timeout)" if bulk_s is None else "%.2f s" % bulk_s))
        print("  CPU seconds meanwhile: zonesync %.2f, primary %.2f, POPs %.2f in all (%.2f the busiest)" % (
            cpu[zs.name], cpu[primary.name], sum(cpu[p.name] for p in pops), max(cpu[p.name] for p in pops)))
        print("one more zone: served by all POPs %s after its POST"
              % ("n/a" if one_ms is None else "%.0f ms" % one_ms))
        print("POP restarted after a change it missed: serves it %s after its start"
              % ("n/a" if restart_s is None else "%.0f ms" % (restart_s * 1000)))
        back, nbad, window, asked, (kt, _, kto) = kill_fig
        print("zonesync SIGKILLed and started again: answers after %s; POP answers other than NOERROR: "
              "%d of %d (last %.1f s after the kill); next change median %s%s" % (
                  "n/a" if back is None else "%.2f s" % back, nbad, asked, window,
                  "%.0f ms" % statistics.median(kt) if kt else "n/a", "; %d timed out" % kto if kto else ""))
        print("times count from just before `knotc zone-commit` (commit_ms is that command alone)")
        if a.anchor:
            ctx.cleanup()  # nothing of ours competes for the CPU with the anchor
            actx = Ctx(root, "anchor", os.path.abspath(a.dnsd))
            try:
                k = run_anchor(a, actx, bulk)
            finally:
                actx.cleanup()
            mine = {"change1": out[0][1], "change2": out[1][1]}

            def row(label, ours, theirs, unit):
                ratio = "-" if not ours or theirs is None else "%.1f" % (theirs / ours)
                fmt = lambda v: "n/a" if v is None else ("%.0f %s" % (v, unit) if unit == "ms" else "%.2f %s" % (v, unit))
                print("%-34s %14s %14s %8s" % (label, fmt(ours), fmt(theirs), ratio))
            print("# side by side, same machine, same run: zonesync + %d dnsd POPs vs hidden Knot DNS + %d Knot"
                  " DNS POPs" % (a.pops, a.pops))
            print("%-34s %14s %14s %8s" % ("item", "zonesync", "Knot DNS", "ratio"))
            for key, label in (("change1", "change, 1 zone, median"), ("change2", "change, %d zones, median" % (a.zones + 2))):
                row(label, statistics.median(mine[key]) if mine[key] else None,
                    statistics.median(k[key][0]) if k[key][0] else None, "ms")
                row(label.replace("median", "p90"), pct(mine[key], 90) if mine[key] else None,
                    pct(k[key][0], 90) if k[key][0] else None, "ms")
            row("%d zones added -> all POPs" % a.zones, bulk_s, k["bulk"], "s")
            row("one more zone -> all POPs", one_ms, k["one"], "ms")
            kb, knbad, kwin, kasked, (kkt, _, _) = k["kill"]
            print("%-34s %14s %14s" % ("central SIGKILLed: answers again", "n/a" if back is None else
                                       "%.2f s" % back, "n/a" if kb is None else "%.2f s" % kb))
            print("%-34s %14s %14s" % ("  POP answers not NOERROR", "%d of %d" % (nbad, asked),
                                       "%d of %d" % (knbad, kasked)))
            print("%-34s %14s %14s" % ("  ... the last after the kill", "%.1f s" % window if nbad else "-",
                                       "%.1f s" % kwin if knbad else "-"))
            row("  next change, median", statistics.median(kt) if kt else None,
                statistics.median(kkt) if kkt else None, "ms")
    finally:
        ctx.cleanup()
        if a.keep:
            print("kept %s" % root, file=sys.stderr)
        else:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
