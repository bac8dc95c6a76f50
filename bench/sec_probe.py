#!/usr/bin/python3
"""Probes and primary-side drivers for bench/secondary.sh (stdlib only, Linux, 127.0.0.1 only).

Subcommands (each prints machine-readable lines on stdout, progress on stderr):

  wait     --port P (--zones Z1,Z2 | --zones-file F) [--serial N] [--max-wait S] [--t0-ns T]
           Until every zone answers NOERROR with its SOA (at serial >= N if given): first polls a
           sample (every --sample'th zone and the last one), then all zones still missing, with
           up to --window queries in flight. Prints
             wait ok=1 seconds=S answered=A total=T queries=Q
           where seconds counts from --t0-ns (CLOCK_REALTIME ns, e.g. `date +%s%N` taken just
           before the server was started) or from the probe's own start. Exit status 1 on timeout.

  change   --sock KNOTC_SOCKET --zone Z --kind prop|ixfr|catalog --targets name=port,...
           [--reps R] [--gap S] [--max-wait S] [--records K] [--members M1,M2,...]
           [--primary-port P] [--interval-ms 1] [--settle-pids PID,...] [--warmup 1]
           Per repetition: stages a change on the Knot primary (knotc zone-begin + zone-set, not
           timed), takes t0, runs `knotc zone-commit Z` and meanwhile polls every target's SOA over
           UDP every --interval-ms until it answers the new serial (prop, ixfr: serial above the
           primary's serial before the commit; catalog: the new member's SOA, NOERROR), at most
           --max-wait seconds. With --settle-pids, each repetition first waits (up to 60 s) until
           those process trees are idle (a zone file being written after the previous change). kinds: prop = one A record added; ixfr = --records A records added;
           catalog = one `<id>.zones.Z PTR member.` added to catalog Z (the next zone of --members
           each time). --warmup changes (default 1) are made first and not printed. Prints, per
           counted repetition,
             sample<TAB>REP<TAB>commit<TAB>MS
             sample<TAB>REP<TAB>TARGET<TAB>MS        (MS = "timeout" when not seen in time)

  churn    --sock KNOTC_SOCKET (--zones Z1,Z2,... | --zones-file F) --seconds D [--interval-ms 100]
           [--watch-port P --primary-port Q [--watch-max 120]]
           Every interval one transaction (zone-begin, zone-set of one new A record, zone-commit),
           round-robin over the zones, through one long-lived knotc fed on stdin (made line-buffered
           with stdbuf; without stdbuf, one knotc process per transaction). Prints
             churn commits=N failed=F late=L avg_ms=A max_ms=M seconds=S last_zone=Z [catch_up_s=C]
           With --watch-port P --primary-port Q: after the last commit, polls P every ms until it
           answers the last zone at Q's serial (at most --watch-max s); C counts from just before
           the last transaction's knotc started.

  soa      --port P --zone Z    prints the serial (or "none")
  http     --url URL            prints the body
"""
import argparse
import os
import random
import select
import socket
import struct
import subprocess
import sys
import threading
import time

KNOTC = os.environ.get("KNOTC", "/usr/sbin/knotc")


def log(msg):
    sys.stderr.write("[sec_probe] %s\n" % msg)
    sys.stderr.flush()


# ---------------------------------------------------------------- DNS wire helpers
def encode_name(name):
    out = bytearray()
    for label in name.rstrip(".").split("."):
        if label:
            b = label.encode()
            out.append(len(b))
            out += b
    out.append(0)
    return bytes(out)


def soa_query(qid, wire_name):
    # header: id, flags 0 (no RD), 1 question
    return struct.pack("!HHHHHH", qid, 0, 1, 0, 0, 0) + wire_name + b"\x00\x06\x00\x01"


def skip_name(buf, off):
    while True:
        if off >= len(buf):
            raise ValueError("truncated name")
        n = buf[off]
        if n == 0:
            return off + 1
        if n & 0xC0 == 0xC0:
            return off + 2
        off += 1 + n


def parse_soa(buf):
    """Returns (id, rcode, serial or None)."""
    if len(buf) < 12:
        return None, None, None
    qid, flags, qd, an = struct.unpack("!HHHH", buf[:8])
    rcode = flags & 0xF
    if not flags & 0x8000:
        return qid, None, None
    try:
        off = 12
        for _ in range(qd):
            off = skip_name(buf, off) + 4
        for _ in range(an):
            off = skip_name(buf, off)
            rtype, _cls, _ttl, rdlen = struct.unpack("!HHIH", buf[off:off + 10])
            off += 10
            if rtype == 6:
                p = skip_name(buf, off)
                p = skip_name(buf, p)
                return qid, rcode, struct.unpack("!I", buf[p:p + 4])[0]
            off += rdlen
    except (ValueError, struct.error, IndexError):
        pass
    return qid, rcode, None


def udp_sock(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 21)
    s.connect(("127.0.0.1", port))
    s.setblocking(False)
    return s


def soa_serial(port, zone, timeout=0.5, tries=3):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect(("127.0.0.1", port))
    s.settimeout(timeout)
    w = encode_name(zone)
    try:
        for _ in range(tries):
            qid = random.randrange(65536)
            try:
                s.send(soa_query(qid, w))
                while True:
                    buf = s.recv(4096)
                    rid, rc, serial = parse_soa(buf)
                    if rid == qid:
                        return serial if rc == 0 else None
            except (socket.timeout, ConnectionRefusedError):
                continue
    finally:
        s.close()
    return None


# ---------------------------------------------------------------- wait: many zones at once
def check_pass(sock, names, serial, window, timeout_s, deadline):
    """Queries every zone in names once (window in flight, retried once on timeout);
    returns (set of indexes that answered OK, queries sent, time of the last OK answer in ns)."""
    ok = set()
    last_ok = None
    todo = list(range(len(names)))
    todo.reverse()
    inflight = {}              # qid -> (index, sent time, retried)
    sent = 0
    retry = []
    while (todo or retry or inflight) and time.monotonic() < deadline:
        now = time.monotonic()
        while len(inflight) < window and (retry or todo):
            i, again = (retry.pop(), True) if retry else (todo.pop(), False)
            while True:
                qid = random.randrange(65536)
                if qid not in inflight:
                    break
            try:
                sock.send(soa_query(qid, names[i][1]))
            except (BlockingIOError, ConnectionRefusedError):
                (retry if again else todo).append(i)
                break
            inflight[qid] = (i, now, again)
            sent += 1
        r, _, _ = select.select([sock], [], [], 0.005)
        if r:
            while True:
                try:
                    buf = sock.recv(4096)
                except (BlockingIOError, ConnectionRefusedError):
                    break
                qid, rc, ser = parse_soa(buf)
                ent = inflight.pop(qid, None)
                if ent is None:
                    continue
                if rc == 0 and ser is not None and (serial is None or ser >= serial):
                    ok.add(ent[0])
                    last_ok = time.time_ns()
        now = time.monotonic()
        for qid in [q for q, (_, t, _) in inflight.items() if now - t > timeout_s]:
            i, _, again = inflight.pop(qid)
            if not again:
                retry.append(i)
    return ok, sent, last_ok


def cmd_wait(a):
    t_start_real = time.time_ns()
    t0 = a.t0_ns if a.t0_ns else t_start_real
    if a.zones_file:
        with open(a.zones_file) as f:
            zones = [ln.split()[0] for ln in f if ln.strip()]
    else:
        zones = [z for z in a.zones.split(",") if z]
    names = [(z, encode_name(z)) for z in zones]
    serial = a.serial
    deadline = time.monotonic() + a.max_wait
    sock = udp_sock(a.port)
    missing = set(range(len(names)))
    sample = set(range(0, len(names), a.sample)) | {len(names) - 1} if len(names) > 2 * a.sample else set(missing)
    queries = 0
    last_ok = None
    phase_sample = True
    while missing and time.monotonic() < deadline:
        cur = sorted((sample & missing) if phase_sample else missing)
        if phase_sample and not cur:
            phase_sample = False
            continue
        got, n, t_ok = check_pass(sock, [names[i] for i in cur], serial, a.window, 0.2, deadline)
        queries += n
        if got:
            last_ok = t_ok
            missing -= {cur[j] for j in got}
        if phase_sample and not (sample & missing):
            phase_sample = False
            continue
        if missing:
            time.sleep(a.pause)
    ok = not missing
    secs = ((last_ok if ok and last_ok else time.time_ns()) - t0) / 1e9
    print("wait ok=%d seconds=%.3f answered=%d total=%d queries=%d%s" % (
        1 if ok else 0, secs, len(names) - len(missing), len(names), queries,
        "" if ok else " first_missing=" + names[min(missing)][0]))
    return 0 if ok else 1


# ---------------------------------------------------------------- CPU of process trees
def tree_pids(pid):
    out = [pid]
    try:
        for t in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/children" % (pid, t)) as f:
                for c in f.read().split():
                    out += tree_pids(int(c))
    except OSError:
        pass
    return out


def tree_ticks(pids):
    total = 0
    for root in pids:
        for p in tree_pids(root):
            try:
                with open("/proc/%d/stat" % p) as f:
                    rest = f.read().rsplit(")", 1)[1].split()
                total += int(rest[11]) + int(rest[12])
            except (OSError, IndexError, ValueError):
                pass
    return total


def settle(pids, quiet_ticks=2, window=0.25, limit=60.0):
    """Waits until the process trees used at most quiet_ticks clock ticks in two windows in a row."""
    if not pids:
        return 0.0
    t0 = time.monotonic()
    calm = 0
    prev = tree_ticks(pids)
    while time.monotonic() - t0 < limit and calm < 2:
        time.sleep(window)
        cur = tree_ticks(pids)
        calm = calm + 1 if cur - prev <= quiet_ticks else 0
        prev = cur
    return time.monotonic() - t0


# ---------------------------------------------------------------- knotc helpers
def knotc_script(sock_path, lines, timeout=60):
    """Runs knotc in its interactive mode with commands on stdin; returns (ok, output)."""
    p = subprocess.run([KNOTC, "-s", sock_path], input="\n".join(lines) + "\n",
                       capture_output=True, text=True, timeout=timeout)
    out = (p.stdout + p.stderr).strip()
    bad = p.returncode != 0 or "error" in out.lower()
    return not bad, out


class KnotcSession:
    """One long-lived knotc in its interactive mode, fed on stdin (no process start per command).
    Its output is made line-buffered with stdbuf, so that each command's "OK"/"error" can be read
    back as it completes."""

    def __init__(self, sock_path):
        import shutil
        stdbuf = shutil.which("stdbuf")
        if not stdbuf:
            raise OSError("stdbuf not found")
        self.p = subprocess.Popen([stdbuf, "-oL", "-eL", KNOTC, "-s", sock_path], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.buf = b""

    def run(self, lines, timeout=30.0):
        """Sends the commands, waits for one answer line each; returns (ok, output)."""
        self.p.stdin.write(("\n".join(lines) + "\n").encode())
        self.p.stdin.flush()
        out = []
        deadline = time.monotonic() + timeout
        while len(out) < len(lines):
            while b"\n" in self.buf and len(out) < len(lines):
                line, self.buf = self.buf.split(b"\n", 1)
                if line.strip():
                    out.append(line.decode(errors="replace"))
            if len(out) >= len(lines):
                break
            left = deadline - time.monotonic()
            r, _, _ = select.select([self.p.stdout], [], [], max(0.0, left))
            if not r:
                return False, "\n".join(out + ["(no answer from knotc)"])
            chunk = self.p.stdout.read1(65536)
            if not chunk:
                return False, "\n".join(out + ["(knotc exited)"])
            self.buf += chunk
        text = "\n".join(out)
        return "error" not in text.lower(), text

    def close(self):
        try:
            self.p.stdin.close()
            self.p.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            self.p.kill()


# ---------------------------------------------------------------- change: one change, many probes
def cmd_change(a):
    targets = []
    for t in a.targets.split(","):
        if not t:
            continue
        name, port = t.split("=")
        targets.append((name, int(port)))
    members = [m for m in (a.members or "").split(",") if m]
    if a.kind == "catalog" and len(members) < a.reps + a.warmup:
        sys.exit("sec_probe change: --members needs one zone per repetition")
    socks = {name: udp_sock(port) for name, port in targets}
    zone = a.zone if a.zone.endswith(".") else a.zone + "."
    tag = "%x" % (time.time_ns() // 1000000 % 0xFFFFFF)
    settle_pids = [int(p) for p in (a.settle_pids or "").split(",") if p]
    for rep in range(1 - a.warmup, a.reps + 1):
        waited = settle(settle_pids)
        if waited > 1.0:
            log("rep %d: waited %.1fs for the servers to be idle" % (rep, waited))
        # ---- stage the change (not timed)
        if a.kind == "catalog":
            member = members[rep - 1 + a.warmup]
            probe_zone = member
            mid = member.rstrip(".").replace(".", "-")
            lines = ["zone-begin %s" % zone, "zone-set %s %s.zones 0 PTR %s" % (zone, mid, member)]
            want = None
        else:
            probe_zone = zone
            cur = soa_serial(a.primary_port, zone)
            if cur is None:
                sys.exit("sec_probe change: the primary does not answer %s" % zone)
            # every target should be at the primary's serial before the change
            until = time.monotonic() + a.max_wait
            for name, port in targets:
                while time.monotonic() < until:
                    s = soa_serial(port, zone, timeout=0.2, tries=1)
                    if s is not None and s >= cur:
                        break
                    time.sleep(0.01)
            want = cur + 1
            n = a.records if a.kind == "ixfr" else 1
            lines = ["zone-begin %s" % zone]
            for k in range(n):
                lines.append("zone-set %s %s-%s-%d-%d 60 A 198.51.100.%d" % (
                    zone, a.kind, tag, rep, k, (rep * 7 + k) % 250 + 1))
        ok, out = knotc_script(a.sock, lines)
        if not ok:
            knotc_script(a.sock, ["zone-abort %s" % zone])
            sys.exit("sec_probe change: staging failed: %s" % out)
        wire = encode_name(probe_zone)
        pending = {name for name, _ in targets}
        done = {}
        ids = {name: set() for name, _ in targets}
        commit = {}

        def run_commit():
            p = subprocess.run([KNOTC, "-s", a.sock, "zone-commit", zone], capture_output=True, text=True)
            commit["t"] = time.monotonic()
            commit["rc"] = p.returncode
            commit["out"] = (p.stdout + p.stderr).strip()

        # ---- t0: just before the commit command starts
        t0 = time.monotonic()
        th = threading.Thread(target=run_commit)
        th.start()
        interval = a.interval_ms / 1000.0
        next_tick = t0
        deadline = t0 + a.max_wait
        by_sock = {socks[name].fileno(): name for name, _ in targets}
        while pending:
            now = time.monotonic()
            if now >= deadline:
                break
            if now >= next_tick:
                for name in pending:
                    qid = random.randrange(65536)
                    ids[name].add(qid)
                    try:
                        socks[name].send(soa_query(qid, wire))
                    except (BlockingIOError, ConnectionRefusedError):
                        pass
                next_tick = max(next_tick + interval, now + interval * 0.5)
            r, _, _ = select.select([socks[n] for n in pending], [], [], max(0.0, min(next_tick, deadline) - time.monotonic()))
            for s in r:
                name = by_sock[s.fileno()]
                while True:
                    try:
                        buf = s.recv(4096)
                    except (BlockingIOError, ConnectionRefusedError):
                        break
                    t = time.monotonic()
                    qid, rc, ser = parse_soa(buf)
                    if qid not in ids[name] or name not in pending:
                        continue
                    if rc == 0 and ser is not None and (want is None or ser >= want):
                        done[name] = (t - t0) * 1000.0
                        pending.discard(name)
        th.join()
        if commit.get("rc") != 0:
            log("rep %d: zone-commit failed: %s" % (rep, commit.get("out")))
        if rep >= 1:
            print("sample\t%d\tcommit\t%.2f" % (rep, (commit["t"] - t0) * 1000.0))
            for name, _ in targets:
                v = done.get(name)
                print("sample\t%d\t%s\t%s" % (rep, name, "%.2f" % v if v is not None else "timeout"))
            sys.stdout.flush()
        log("%s %d/%d (%s %s): commit %.1f ms; %s" % (
            "rep" if rep >= 1 else "warm-up (not counted)", max(rep, 0), a.reps, a.kind, probe_zone, (commit["t"] - t0) * 1000.0,
            ", ".join("%s %s" % (n, "%.1f ms" % done[n] if n in done else "timeout") for n, _ in targets)))
        if rep < a.reps:
            time.sleep(a.gap)
    return 0


# ---------------------------------------------------------------- churn: a change every interval
def cmd_churn(a):
    if a.zones_file:
        with open(a.zones_file) as f:
            raw = [ln.split()[0] for ln in f if ln.strip()]
    else:
        raw = a.zones.split(",")
    zones = [z if z.endswith(".") else z + "." for z in raw if z]
    interval = a.interval_ms / 1000.0
    t_start = time.monotonic()
    end = t_start + a.seconds
    n = failed = late = 0
    durs = []
    tag = "%x" % (time.time_ns() // 1000000 % 0xFFFFFF)
    next_t = t_start
    last_zone, last_ns = zones[0], 0
    try:
        session = KnotcSession(a.sock)
        run = session.run
    except OSError as e:
        log("churn: %s; one knotc process per transaction instead" % e)
        session = None
        run = lambda lines: knotc_script(a.sock, lines)
    while True:
        now = time.monotonic()
        if now >= end:
            break
        if now < next_t:
            time.sleep(min(next_t - now, end - now))
            continue
        if now - next_t > interval:
            late += 1
        z = zones[n % len(zones)]
        t = time.monotonic()
        t_ns = time.time_ns()
        ok, out = run(["zone-begin %s" % z,
                       "zone-set %s churn-%s-%d 60 A 198.51.100.%d" % (z, tag, n, n % 250 + 1),
                       "zone-commit %s" % z])
        durs.append((time.monotonic() - t) * 1000.0)
        if ok:
            last_zone, last_ns = z, t_ns
        else:
            failed += 1
            run(["zone-abort %s" % z])
            if failed <= 3:
                log("churn: %s: %s" % (z, out))
        n += 1
        next_t += interval
        if next_t >= end:
            break
    el = time.monotonic() - t_start
    if session:
        session.close()
    catch = ""
    if a.watch_port and a.primary_port and last_ns:
        # how long after the last commit started the watched server answers its serial
        want = soa_serial(a.primary_port, last_zone)
        sock = udp_sock(a.watch_port)
        wire = encode_name(last_zone)
        deadline = time.monotonic() + a.watch_max
        got = None
        ids = set()
        while got is None and time.monotonic() < deadline:
            qid = random.randrange(65536)
            ids.add(qid)
            try:
                sock.send(soa_query(qid, wire))
            except (BlockingIOError, ConnectionRefusedError):
                pass
            end = time.monotonic() + 0.001
            while got is None:
                r, _, _ = select.select([sock], [], [], max(0.0, end - time.monotonic()))
                if not r:
                    break
                try:
                    buf = sock.recv(4096)
                except (BlockingIOError, ConnectionRefusedError):
                    break
                rid, rc, ser = parse_soa(buf)
                if rid in ids and rc == 0 and ser is not None and want is not None and ser >= want:
                    got = time.time_ns()
        catch = " catch_up_s=%s" % ("%.3f" % ((got - last_ns) / 1e9) if got else "timeout")
    print("churn commits=%d failed=%d late=%d avg_ms=%.1f max_ms=%.1f seconds=%.2f last_zone=%s%s" % (
        n, failed, late, sum(durs) / len(durs) if durs else 0, max(durs) if durs else 0, el, last_zone, catch))
    return 0


def cmd_soa(a):
    s = soa_serial(a.port, a.zone)
    print(s if s is not None else "none")
    return 0 if s is not None else 1


def cmd_http(a):
    import urllib.request
    with urllib.request.urlopen(a.url, timeout=5) as r:
        sys.stdout.write(r.read().decode())
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    w = sub.add_parser("wait")
    w.add_argument("--port", type=int, required=True)
    w.add_argument("--zones")
    w.add_argument("--zones-file")
    w.add_argument("--serial", type=int)
    w.add_argument("--max-wait", type=float, default=30)
    w.add_argument("--t0-ns", type=int, default=0)
    w.add_argument("--sample", type=int, default=100)
    w.add_argument("--window", type=int, default=128)
    w.add_argument("--pause", type=float, default=0.02)
    c = sub.add_parser("change")
    c.add_argument("--sock", required=True)
    c.add_argument("--zone", required=True)
    c.add_argument("--kind", choices=("prop", "ixfr", "catalog"), default="prop")
    c.add_argument("--targets", required=True)
    c.add_argument("--reps", type=int, default=20)
    c.add_argument("--gap", type=float, default=1.0)
    c.add_argument("--max-wait", type=float, default=5.0)
    c.add_argument("--records", type=int, default=10)
    c.add_argument("--warmup", type=int, default=1, help="changes made before the counted ones")
    c.add_argument("--members")
    c.add_argument("--primary-port", type=int)
    c.add_argument("--interval-ms", type=float, default=1.0)
    c.add_argument("--settle-pids", help="before each repetition wait until these process trees are idle")
    h = sub.add_parser("churn")
    h.add_argument("--sock", required=True)
    h.add_argument("--zones")
    h.add_argument("--zones-file")
    h.add_argument("--seconds", type=float, required=True)
    h.add_argument("--interval-ms", type=float, default=100)
    h.add_argument("--watch-port", type=int)
    h.add_argument("--primary-port", type=int)
    h.add_argument("--watch-max", type=float, default=120)
    s = sub.add_parser("soa")
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--zone", required=True)
    u = sub.add_parser("http")
    u.add_argument("--url", required=True)
    a = ap.parse_args()
    if a.cmd == "wait" and not (a.zones or a.zones_file):
        ap.error("wait needs --zones or --zones-file")
    if a.cmd == "churn" and not (a.zones or a.zones_file):
        ap.error("churn needs --zones or --zones-file")
    if a.cmd == "change" and a.kind != "catalog" and not a.primary_port:
        ap.error("change --kind %s needs --primary-port" % a.kind)
    return {"wait": cmd_wait, "change": cmd_change, "churn": cmd_churn, "soa": cmd_soa,
            "http": cmd_http}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
