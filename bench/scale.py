#!/usr/bin/python3
"""zonesync at scale: N zones in one zonesync and its catalog, served to P dnsd POPs, on 127.0.0.1.

Measures:
  1. N zones added in one POST: until zonesync serves them all (its /healthz "served"), and until
     every POP serves them all (their /zones; a sample asked by DNS);
  2. memory: zonesync's and each POP's resident set, per zone;
  3. one more zone: from its POST to every POP serving it;
  4. one-record changes with N zones present: from the start of the primary's commit to every POP
     serving it (median, p90);
  5. zonesync SIGKILLed and started again: until it serves SOA for every zone (its /healthz
     "served" back to N+1, then a sample of zones asked by DNS), and whether the POPs answered
     anything but NOERROR for a sample of zones meanwhile;
  6. a POP stopped, a change made, the POP started from its state directory: until it serves the
     change, and until it serves every zone again.

  bench/scale.py [--dnsd PATH] [--zonesync PATH] [--zones N] [--pops P] [--reps R] [--keep]
"""

import argparse
import os
import random
import shutil
import signal
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
sys.path.insert(0, HERE)

import harness  # noqa: E402
from harness import Ctx, Dnsd, Knot, Zonesync, rcode_of, soa_serial, wait_for  # noqa: E402
from propagation import change, pct, wait_pops_serve, zone_text  # noqa: E402

ZONE = "prop.example."


def rss_mb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return 0.0


def served(zs):
    """zonesync's count of zones served (0 while it does not answer)."""
    try:
        st, body = zs.api("GET", "/healthz", token=False)
    except OSError:
        return 0
    return body.get("served", 0) if st == 200 and isinstance(body, dict) else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dnsd", default=os.path.join(HERE, "..", "build", "dnsd", "dnsd"))
    ap.add_argument("--zonesync", default=os.path.join(HERE, "..", "build", "zonesync", "zonesync"))
    ap.add_argument("--zones", type=int, default=100000)
    ap.add_argument("--pops", type=int, default=2)
    ap.add_argument("--reps", type=int, default=20, help="one-record changes (default 20)")
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    if not (1 <= a.pops <= 10 and 10 <= a.zones <= 200000):
        ap.error("--pops 1..10, --zones 10..200000")
    root = tempfile.mkdtemp(prefix="scale.")
    ctx = Ctx(root, "run", os.path.abspath(a.dnsd))
    lines = []

    def say(text):
        lines.append(text)
        print(text, flush=True)
    try:
        names = ["z%06d.scale.example." % i for i in range(a.zones + 1)]
        zones = {ZONE: zone_text(ZONE)}
        zones.update({z: zone_text(z, hosts=2) for z in names})
        zs = Zonesync(ctx, os.path.abspath(a.zonesync))
        primary = Knot(ctx, zones, notify=[zs.port])
        t0 = time.time()
        primary.start()
        primary.wait_ready(origins=[ZONE, names[0], names[-1]], limit=1200.0)
        say("# zonesync at scale: Knot DNS primary -> zonesync -> %d dnsd POPs, %d zones, %s" % (
            a.pops, a.zones, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())))
        say("primary (Knot DNS) loaded %d zones in %.1f s" % (len(zones), time.time() - t0))
        pops = [Dnsd(ctx, ctx.binary, name="pop%d" % i) for i in range(1, a.pops + 1)]
        zs.pops = [(p.name, p.port) for p in pops]
        rc, msg = zs.cli("zone", "add", ZONE, "127.0.0.1:%d" % primary.port)
        if rc:
            raise SystemExit(msg)
        zs.start(http=True, log_level="info", extra=["--pop-check", "0"])
        for p in pops:
            p.start(catalog=(zs.catalog, zs.port), extra=["--log-level", "info"])
        if wait_pops_serve(pops, [ZONE], 60) is None:
            raise SystemExit("the POPs did not get %s" % ZONE)

        # 1. N zones at once.
        t0 = time.time()
        st, body = zs.api("POST", "/v1/zones", [{"name": z, "primaries": ["127.0.0.1:%d" % primary.port]}
                                                for z in names[:-1]], timeout=300)
        if st != 201:
            raise SystemExit("POST: %s %s" % (st, str(body)[:300]))
        posted = time.time() - t0
        ok, _ = wait_for(lambda: served(zs) >= a.zones + 1, 3600, 0.5)
        zs_all = time.time() - t0 if ok else None
        waited = wait_pops_serve(pops, names[:-1], 3600)
        pops_all = None if waited is None else time.time() - t0
        say("%d zones in one POST (answered in %.1f s): zonesync serves them all after %s, every POP "
            "after %s" % (a.zones, posted, "n/a" if zs_all is None else "%.1f s" % zs_all,
                          "n/a" if pops_all is None else "%.1f s" % pops_all))
        # 2. Memory.
        zmb = rss_mb(zs.proc.pid)
        pmb = [rss_mb(p.proc.pid) for p in pops]
        say("memory: zonesync %.0f MB (%.1f KB a zone), POPs %s MB (%.1f KB a zone)" % (
            zmb, zmb * 1024 / (a.zones + 1), "/".join("%.0f" % m for m in pmb),
            max(pmb) * 1024 / (a.zones + 1)))
        # 3. One more zone.
        t0 = time.time()
        zs.api("POST", "/v1/zones", {"name": names[-1], "primaries": ["127.0.0.1:%d" % primary.port]})
        one = wait_pops_serve(pops, [names[-1]], 60)
        say("one more zone: served by every POP %s after its POST" % (
            "n/a" if one is None else "%.0f ms" % ((time.time() - t0) * 1000)))
        # 4. A change with N zones present, timed from the start of the primary's commit (the
        #    same probe as bench/propagation.py: a knotc transaction, then every POP asked).
        times, commits, timeouts = change(primary, pops, a.reps, 0.3)
        if times:
            say("one-record change, primary commit -> every POP (%d reps): median %.1f ms, p90 %.1f ms, "
                "max %.1f ms (the commit itself: median %.1f ms)%s" % (
                    len(times), pct(times, 50), pct(times, 90), max(times),
                    pct(commits, 50) if commits else 0.0,
                    "; %d timed out" % timeouts if timeouts else ""))
        else:
            say("one-record change: every rep timed out")
        # 5. zonesync SIGKILLed and restarted; the POPs asked meanwhile.
        sample = random.Random(1).sample(names, 200)
        bad = []
        stop = threading.Event()

        def watch_pops():
            i = 0
            while not stop.is_set() and i < 100000:
                z = sample[i % len(sample)]
                p = pops[i % len(pops)]
                rc = rcode_of(p.port, z)
                if rc != "NOERROR":
                    bad.append((p.name, z, rc))
                i += 1
        th = threading.Thread(target=watch_pops)
        th.start()
        zs.kill()
        t0 = time.time()
        zs.start(http=True, log_level="info", extra=["--pop-check", "0"])
        ok, _ = wait_for(lambda: served(zs) >= a.zones + 2, 600, 0.1)
        back = time.time() - t0 if ok else None
        answered = all(soa_serial(zs.port, z, 1.0) is not None for z in sample[:50])
        stop.set()
        th.join()
        say("zonesync SIGKILLed and restarted: serves SOA for all %d zones after %s (sample asked: %s); "
            "POP answers other than NOERROR meanwhile: %d" % (
                a.zones + 2, "n/a" if back is None else "%.1f s" % back,
                "all answered" if answered else "NOT all answered", len(bad)))
        # 5b. The next changes after the restart: as fast as before?
        times, commits, timeouts = change(primary, pops, 5, 0.3)
        say("one-record change after the restart (5 reps): %s%s" % (
            "median %.1f ms, max %.1f ms" % (pct(times, 50), max(times)) if times else "all timed out",
            "; %d timed out" % timeouts if timeouts else ""))
        # 6. A POP restarted from its state directory after a change it missed.
        pops[0].stop()
        change(primary, pops[1:], 1, 0.3)
        missed = soa_serial(primary.port, ZONE, 1.0)
        t0 = time.time()
        pops[0].restart()
        ok, _ = wait_for(lambda: soa_serial(pops[0].port, ZONE, 0.2) == missed, 120, 0.01)
        change_s = time.time() - t0 if ok else None
        every = wait_pops_serve([pops[0]], names, 600)
        say("POP restarted from its state directory: serves the missed change after %s, every zone "
            "after %s" % ("n/a" if change_s is None else "%.2f s" % change_s,
                          "n/a" if every is None else "%.1f s" % (time.time() - t0)))
    finally:
        ctx.cleanup()
        if a.keep:
            print("kept %s" % root, file=sys.stderr)
        else:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.default_int_handler)
    main()
