#!/usr/bin/python3
"""The integration harness: Knot DNS, NSD, BIND and dnsd started on free
loopback ports with readiness checks, for every integration test.

Two ways to start servers:

  * Ctx + Proc classes (Knot, Nsd, Bind, Dnsd, Hostile): a case gets a Ctx
    (its own directory; every process it starts is stopped at the end).
    Knot, Nsd and Bind serve zones as primaries, or, with `secondary_of`,
    pull them from another server (AXFR then IXFR, NOTIFY, TSIG).
  * start_knot/start_nsd/start_dnsd: one server for many zone files, for the
    answer comparisons (compare_answers.py, zonefile_compare.py). The same
    configurations from the command line, for bench/run.sh:
    harness.py command knot|nsd|dnsd --dir D --port P --zones-file F.

run_cases() runs a list of cases as the test scripts do: "PASS name (...)" or
"FAIL name: reason" per case, and "NAME: N passed, M failed" last.

Run with /usr/bin/python3 (needs dnspython >= 2.3).
"""

import argparse
import base64
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.error
import urllib.request

import netutil

try:
    import dns.edns
    import dns.exception
    import dns.flags
    import dns.message
    import dns.name
    import dns.opcode
    import dns.query
    import dns.rcode
    import dns.rdatatype
    import dns.tsig
    import dns.tsigkeyring
except ImportError:  # pragma: no cover
    sys.exit("the integration tests need dnspython; run them with /usr/bin/python3")

HERE = os.path.dirname(os.path.abspath(__file__))
HOSTILE = os.path.join(HERE, "hostile_primary.py")
SBIN = "/usr/sbin:/usr/bin:/sbin:/bin"


def tool(name):
    return shutil.which(name, path=SBIN) or shutil.which(name) or name


def _server(env, name):
    return os.environ.get(env) or tool(name)


# KNOTD, KNOTC, NSD and NSD_CONTROL in the environment override the paths (bench/secondary.sh)
KNOTD, KNOTC = _server("KNOTD", "knotd"), _server("KNOTC", "knotc")
NSD, NSD_CONTROL = _server("NSD", "nsd"), _server("NSD_CONTROL", "nsd-control")
NSD_CONTROL_SETUP = tool("nsd-control-setup")
NAMED, RNDC, RNDC_CONFGEN = tool("named"), tool("rndc"), tool("rndc-confgen")
PYTHON = sys.executable or "/usr/bin/python3"


VERBOSE = False
PORTS_TAKEN = set()
PORTS_LOCK = threading.Lock()


def set_verbose(v):
    global VERBOSE
    VERBOSE = v


def log(*args):
    print(*args, flush=True)


class CaseFailed(Exception):
    pass


def check(cond, why):
    if not cond:
        raise CaseFailed(why)


# --------------------------------------------------------------------------
# helpers

def free_port():
    """A port free for both UDP and TCP on 127.0.0.1, never handed out twice."""
    with PORTS_LOCK:
        return netutil.free_port(PORTS_TAKEN)


def run(cmd, timeout=20, check_rc=True, cwd=None):
    try:
        res = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             timeout=timeout, cwd=cwd, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise CaseFailed("command timed out after %ss: %s" % (timeout, " ".join(cmd)))
    if check_rc and res.returncode != 0:
        raise CaseFailed("command failed (%d): %s\n%s%s" % (res.returncode, " ".join(cmd),
                                                            res.stdout, res.stderr))
    return res


def wait_for(pred, limit, interval=0.05):
    """Calls pred until it returns something true or `limit` seconds pass.
    Returns (value, seconds waited); value is None on timeout."""
    t0 = time.monotonic()
    while True:
        v = pred()
        if v:
            return v, time.monotonic() - t0
        if time.monotonic() - t0 >= limit:
            return None, time.monotonic() - t0
        time.sleep(interval)


def query(port, name, rdtype, tcp=False, timeout=1.0):
    """The response message, or None (timeout, connection refused, ...)."""
    q = dns.message.make_query(name, rdtype, use_edns=0, payload=1232)
    q.flags &= ~dns.flags.RD
    try:
        if tcp:
            return dns.query.tcp(q, "127.0.0.1", timeout=timeout, port=port)
        return dns.query.udp(q, "127.0.0.1", timeout=timeout, port=port, raise_on_truncation=False)
    except (dns.exception.Timeout, OSError, dns.exception.DNSException, EOFError):
        return None


def soa_serial(port, zone, timeout=1.0):
    r = query(port, zone, "SOA", timeout=timeout)
    if r is None or r.rcode() != dns.rcode.NOERROR or not (r.flags & dns.flags.AA):
        return None
    for rrset in r.answer:
        if rrset.rdtype == dns.rdatatype.SOA and len(rrset):
            return rrset[0].serial
    return None


def rcode_of(port, name, rdtype="SOA"):
    r = query(port, name, rdtype)
    return None if r is None else dns.rcode.to_text(r.rcode())


def rdata_texts(port, name, rdtype):
    """Sorted rdata texts of the answer RRset of that type (NOERROR only), or None."""
    r = query(port, name, rdtype)
    if r is None or r.rcode() != dns.rcode.NOERROR:
        return None
    out = []
    for rrset in r.answer:
        if rrset.rdtype == dns.rdatatype.from_text(rdtype):
            out.extend(rd.to_text() for rd in rrset)
    return sorted(out)


def view(r):
    """What is compared between a primary's answer and dnsd's."""
    if r is None:
        return ("no answer",)

    def sets(section):
        return frozenset((s.name.to_text().lower(), dns.rdatatype.to_text(s.rdtype), s.ttl,
                          frozenset(rd.to_text().lower() for rd in s)) for s in section)
    ans = sets(r.answer)
    auth = sets(r.authority) if not r.answer else frozenset()
    return (dns.rcode.to_text(r.rcode()), bool(r.flags & dns.flags.AA), ans, auth)


def compare_answers_with(port_a, port_b, origin, queries):
    """Differences between two servers' answers to (relative name, type)
    queries, as text; no answer from either side is a difference too."""
    diffs = []
    for rel, rdtype in queries:
        name = (rel + "." + origin) if rel else origin
        ra, rb = query(port_a, name, rdtype), query(port_b, name, rdtype)
        a, b = view(ra), view(rb)
        if ra is None or rb is None or a != b:
            diffs.append("%s %s: %s, %s" % (name, rdtype, a, b))
    return diffs


def new_secret():
    return base64.b64encode(os.urandom(32)).decode()


def notify_message(zone, key=None):
    """A NOTIFY for zone, optionally TSIG-signed with key = (name, secret)."""
    m = dns.message.make_query(zone, "SOA", use_edns=False)
    m.flags = dns.flags.AA          # (replaces RD; set before the opcode, which lives in flags)
    m.set_opcode(dns.opcode.NOTIFY)
    if key:
        ring = dns.tsigkeyring.from_text({key[0]: key[1]})
        m.use_tsig(ring, keyname=key[0], algorithm=dns.tsig.HMAC_SHA256)
    return m


def send_notify(port, zone, key=None, timeout=2.0):
    """Sends a NOTIFY from 127.0.0.1.  Returns (RCODE text or None, tsig) where
    tsig describes the response's TSIG: "none" (no TSIG RR), "signed" (verified
    with key), "error BADSIG" etc. (a TSIG RR carrying an error), or "bad: ..."."""
    m = notify_message(zone, key)
    wire = m.to_wire()
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    try:
        s.sendto(wire, ("127.0.0.1", port))
        data, _ = s.recvfrom(65535)
    except OSError:
        return None, None
    finally:
        s.close()
    if len(data) < 12 or data[:2] != wire[:2]:
        return None, None
    rcode = dns.rcode.to_text(data[3] & 0x0F)
    ring = m.keyring if key else dns.tsig.Key("no-key.", b"x" * 32, dns.tsig.HMAC_SHA256)
    try:
        r = dns.message.from_wire(data, keyring=ring, request_mac=m.mac if key else b"")
        return rcode, ("signed" if r.had_tsig else "none")
    except dns.tsig.PeerBadSignature:
        return rcode, "error BADSIG"
    except dns.tsig.PeerBadKey:
        return rcode, "error BADKEY"
    except dns.tsig.PeerBadTime:
        return rcode, "error BADTIME"
    except Exception as e:  # noqa: BLE001
        return rcode, "bad: %s: %s" % (e.__class__.__name__, e)


def notify_from(port, zone, source, timeout=2.0):
    """Sends an unsigned NOTIFY from the loopback address `source`; returns
    the response message (or None)."""
    m = notify_message(zone)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    try:
        s.bind((source, 0))
        s.sendto(m.to_wire(), ("127.0.0.1", port))
        data, _ = s.recvfrom(65535)
        return dns.message.from_wire(data)
    except (OSError, dns.exception.DNSException):
        return None
    finally:
        s.close()



def bump_mtime(path, old_mtime):
    """Servers that reload only changed files look at the modification time."""
    t = max(time.time(), old_mtime + 1.5)
    os.utime(path, (t, t))



# --------------------------------------------------------------------------
# processes

class Proc:
    def __init__(self, ctx, name, logpath):
        self.ctx = ctx
        self.name = name
        self.logpath = logpath
        self.proc = None
        self.logfile = None
        ctx.procs.append(self)

    def spawn(self, cmd, cwd=None):
        if VERBOSE:
            log("    [%s] %s" % (self.name, " ".join(cmd)))
        self.logfile = open(self.logpath, "a")
        self.proc = subprocess.Popen(cmd, stdout=self.logfile, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, cwd=cwd)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self.logfile:
            self.logfile.close()
            self.logfile = None

    def log_text(self):
        try:
            with open(self.logpath, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def tail(self, n=25):
        return "\n".join(self.log_text().splitlines()[-n:])


class Primary(Proc):
    """A real server on `port` serving `zones` ({origin: text}) as their
    primary, sending NOTIFY to `notify` (list of ports) and, when `tsig` =
    (name, secret), requiring it for transfers and signing NOTIFYs with it.

    With `secondary_of` (a port on 127.0.0.1) it is a secondary instead: it
    pulls every zone of `zones` (texts ignored) from there, accepts NOTIFY
    from 127.0.0.1 and uses `tsig` for the transfers. `catalog` (Knot only)
    names a zone among them that is a catalog (RFC 9432) whose members it
    follows from the same primary."""
    kind = "?"

    def __init__(self, ctx, zones, notify=(), tsig=None, port=None, secondary_of=None, catalog=None):
        self.dir = ctx.subdir(self.kind)
        super().__init__(ctx, self.kind, os.path.join(self.dir, self.kind + ".log"))
        self.port = port or free_port()
        self.zones = dict(zones)
        self.notify = list(notify)
        self.tsig = tsig
        self.secondary_of = secondary_of
        self.catalog = catalog
        self.zdir = os.path.join(self.dir, "zones")
        os.makedirs(self.zdir, exist_ok=True)
        if secondary_of is None:
            for origin, text in self.zones.items():
                with open(self.zone_path(origin), "w") as f:
                    f.write(text)

    def zone_path(self, origin):
        return os.path.join(self.zdir, origin + "zone")

    def set_zone(self, origin, text):
        path = self.zone_path(origin)
        old = os.stat(path).st_mtime if os.path.exists(path) else 0
        with open(path, "w") as f:
            f.write(text)
        bump_mtime(path, old)
        self.zones[origin] = text

    def wait_ready(self, origins=None, limit=15.0):
        origins = list(origins or self.zones)

        def ready():
            if not self.alive():
                raise CaseFailed("%s exited (%s):\n%s" % (self.kind, self.proc.poll(), self.tail()))
            return all(soa_serial(self.port, o, timeout=0.3) is not None for o in origins)
        ok, _ = wait_for(ready, limit, 0.1)
        check(ok, "%s did not serve %s within %.0fs:\n%s" % (self.kind, origins, limit, self.tail()))

    def ixfr_logged(self, origin):
        """Whether the primary's log says it sent an incremental transfer of origin."""
        raise NotImplementedError

    def refresh(self, origin):
        """A secondary: check the primary now (as a NOTIFY would make it)."""
        raise NotImplementedError

    def serial(self, origin, timeout=0.5):
        return soa_serial(self.port, origin, timeout=timeout)


class Knot(Primary):
    kind = "knot"

    def write_conf(self):
        d = self.dir
        os.makedirs(os.path.join(d, "db"), exist_ok=True)
        c = ["server:", '    rundir: "%s"' % d, "    listen: 127.0.0.1@%d" % self.port,
             "    udp-workers: 1", "    tcp-workers: 1", "    background-workers: 1", "",
             "log:", "  - target: stderr", "    any: info", "",
             "database:", '    storage: "%s/db"' % d, "",
             "control:", '    listen: "%s/knot.sock"' % d, ""]
        if self.tsig:
            c += ["key:", "  - id: %s" % self.tsig[0].rstrip("."), "    algorithm: hmac-sha256",
                  "    secret: %s" % self.tsig[1], ""]
        keyline = ["    key: %s" % self.tsig[0].rstrip(".")] if self.tsig else []
        if self.notify or self.secondary_of:
            c.append("remote:")
            for i, p in enumerate(self.notify):
                c += ["  - id: dnsd%d" % i, "    address: 127.0.0.1@%d" % p] + keyline
            if self.secondary_of:
                c += ["  - id: primary", "    address: 127.0.0.1@%d" % self.secondary_of] + keyline
            c.append("")
        c += ["acl:", "  - id: xfr", "    address: 127.0.0.1", "    action: transfer"] + keyline
        if self.secondary_of:
            c += ["  - id: notify", "    address: 127.0.0.1", "    action: notify"] + keyline
        c += ["", "template:", "  - id: default", '    storage: "%s"' % self.zdir,
              "    zonefile-sync: -1", "    zonefile-load: difference",
              "    journal-content: changes", "    semantic-checks: off"]
        if self.secondary_of:
            c += ["    master: primary", "    acl: [xfr, notify]"]
        else:
            c.append("    acl: xfr")
        if self.notify:
            c.append("    notify: [%s]" % ", ".join("dnsd%d" % i for i in range(len(self.notify))))
        c += ["", "zone:"]
        for origin in self.zones:
            c += ["  - domain: %s" % origin, '    file: "%s"' % self.zone_path(origin)]
            if self.catalog and origin == self.catalog:
                c += ["    catalog-role: interpret", "    catalog-template: default"]
        self.conf = os.path.join(d, "knot.conf")
        with open(self.conf, "w") as f:
            f.write("\n".join(c) + "\n")

    def start(self):
        self.write_conf()
        self.spawn([KNOTD, "-c", self.conf])

    def add_zone_to_conf(self, origin, text):
        """Only before start()."""
        self.zones[origin] = text
        with open(self.zone_path(origin), "w") as f:
            f.write(text)

    def reload(self, origin):
        run([KNOTC, "-c", self.conf, "zone-reload", origin], timeout=10)

    def ixfr_logged(self, origin):
        return re.search(r"\[%s\] IXFR, outgoing.*(started|finished)" % re.escape(origin),
                         self.log_text()) is not None

    def ixfr_received(self, origin):
        return re.search(r"\[%s\] IXFR, incoming.*finished" % re.escape(origin), self.log_text()) is not None

    def refresh(self, origin):
        run([KNOTC, "-c", self.conf, "zone-refresh", origin], timeout=10)


class Nsd(Primary):
    kind = "nsd"

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.logpath = os.path.join(self.dir, "nsd.log")          # from nsd.conf
        self.stdout_path = os.path.join(self.dir, "nsd.stdout")

    def start(self):
        d = self.dir
        self.cport = free_port()
        run([NSD_CONTROL_SETUP, "-d", d], timeout=30)
        c = ["server:", "    ip-address: 127.0.0.1@%d" % self.port, "    port: %d" % self.port,
             "    server-count: 1", '    zonesdir: "%s"' % d, '    pidfile: "%s/nsd.pid"' % d,
             '    database: ""', '    xfrdfile: "%s/xfrd.state"' % d,
             '    zonelistfile: "%s/zone.list"' % d, '    xfrdir: "%s"' % d,
             '    username: ""', '    chroot: ""', '    logfile: "%s"' % self.logpath,
             "    verbosity: 2", "    zonefiles-write: 0", "", "remote-control:",
             "    control-enable: yes", "    control-interface: 127.0.0.1",
             "    control-port: %d" % self.cport,
             '    server-key-file: "%s/nsd_server.key"' % d,
             '    server-cert-file: "%s/nsd_server.pem"' % d,
             '    control-key-file: "%s/nsd_control.key"' % d,
             '    control-cert-file: "%s/nsd_control.pem"' % d, ""]
        if self.tsig:
            c += ["key:", '    name: "%s"' % self.tsig[0].rstrip("."), "    algorithm: hmac-sha256",
                  '    secret: "%s"' % self.tsig[1], ""]
        keyname = self.tsig[0].rstrip(".") if self.tsig else "NOKEY"
        for origin in self.zones:
            c += ["zone:", '    name: "%s"' % origin, '    zonefile: "%s"' % self.zone_path(origin),
                  "    provide-xfr: 127.0.0.1 %s" % keyname, "    store-ixfr: yes",
                  "    create-ixfr: yes"]
            if self.secondary_of:
                c += ["    request-xfr: 127.0.0.1@%d %s" % (self.secondary_of, keyname),
                      "    allow-notify: 127.0.0.1 %s" % keyname]
            for p in self.notify:
                c.append("    notify: 127.0.0.1@%d %s" % (p, keyname))
            c.append("")
        self.conf = os.path.join(d, "nsd.conf")
        with open(self.conf, "w") as f:
            f.write("\n".join(c) + "\n")
        self.spawn([NSD, "-d", "-c", self.conf])
        # spawn() logs stdout to logpath; NSD writes its own log there too (appending)

    def reload(self, origin):
        run([NSD_CONTROL, "-c", self.conf, "reload", origin], timeout=10)

    def refresh(self, origin):
        run([NSD_CONTROL, "-c", self.conf, "transfer", origin], timeout=10)

    def ixfr_received(self, origin):
        return re.search(r"(?i)IXFR.*%s|%s.*IXFR" % (re.escape(origin.rstrip(".")), re.escape(origin.rstrip("."))),
                         self.log_text()) is not None

    def ixfr_logged(self, origin):
        return re.search(r"ixfr for %s from 127\.0\.0\.1" % re.escape(origin), self.log_text()) is not None


class Bind(Primary):
    kind = "bind"

    def start(self):
        d = self.dir
        self.cport = free_port()
        keyfile = os.path.join(d, "rndc.key")
        run([RNDC_CONFGEN, "-a", "-c", keyfile, "-k", "rndc-key"], timeout=30)
        self.rndc_conf = os.path.join(d, "rndc.conf")
        with open(self.rndc_conf, "w") as f:
            f.write('include "%s";\noptions { default-key "rndc-key"; default-server 127.0.0.1;'
                    ' default-port %d; };\n' % (keyfile, self.cport))
        c = ["options {", '    directory "%s";' % d, "    listen-on port %d { 127.0.0.1; };" % self.port,
             "    listen-on-v6 { none; };", '    pid-file "%s/named.pid";' % d,
             '    session-keyfile "%s/session.key";' % d, '    managed-keys-directory "%s";' % d,
             "    recursion no;", "    dnssec-validation no;", "    notify explicit;",
             "    notify-delay 0;", "    ixfr-from-differences yes;"]
        keyname = self.tsig[0].rstrip(".") if self.tsig else None
        if keyname:
            c.append("    allow-transfer { key %s; };" % keyname)
        else:
            c.append("    allow-transfer { 127.0.0.1; };")
        if self.notify:
            c.append("    also-notify { %s };" % " ".join(
                "127.0.0.1 port %d%s;" % (p, (" key %s" % keyname) if keyname else "")
                for p in self.notify))
        c += ["};", 'include "%s";' % keyfile,
              "controls { inet 127.0.0.1 port %d allow { 127.0.0.1; } keys { \"rndc-key\"; }; };"
              % self.cport]
        if keyname:
            c += ['key "%s" { algorithm hmac-sha256; secret "%s"; };' % (keyname, self.tsig[1])]
        for origin in self.zones:
            if self.secondary_of:
                c.append('zone "%s" { type secondary; file "%s"; primaries { 127.0.0.1 port %d%s; };'
                         ' allow-notify { 127.0.0.1; }; };'
                         % (origin, self.zone_path(origin), self.secondary_of,
                            (" key %s" % keyname) if keyname else ""))
            else:
                c.append('zone "%s" { type primary; file "%s"; };' % (origin, self.zone_path(origin)))
        self.conf = os.path.join(d, "named.conf")
        with open(self.conf, "w") as f:
            f.write("\n".join(c) + "\n")
        self.spawn([NAMED, "-g", "-4", "-n", "1", "-c", self.conf])

    def reload(self, origin):
        run([RNDC, "-c", self.rndc_conf, "reload", origin.rstrip(".")], timeout=10)

    def refresh(self, origin):
        run([RNDC, "-c", self.rndc_conf, "refresh", origin.rstrip(".")], timeout=10)

    def ixfr_received(self, origin):
        return re.search(r"transfer of '%s/IN' from .*: Transfer status: success" % re.escape(origin.rstrip(".")),
                         self.log_text()) is not None and "IXFR" in self.log_text()

    def ixfr_logged(self, origin):
        return re.search(r"transfer of '%s/IN': IXFR (started|ended)" % re.escape(origin.rstrip(".")),
                         self.log_text()) is not None


PRIMARIES = {"knot": Knot, "nsd": Nsd, "bind": Bind}


class Hostile(Proc):
    def __init__(self, ctx, zone, serial, port=None, mode="good"):
        d = ctx.subdir("hostile")
        super().__init__(ctx, "hostile", os.path.join(d, "hostile.log"))
        self.port = port or free_port()
        self.zone = zone
        self.control = os.path.join(d, "control.json")
        self.set(mode=mode, serial=serial)

    def set(self, mode, serial, expire=None):
        tmp = self.control + ".tmp"
        with open(tmp, "w") as f:
            c = {"mode": mode, "serial": serial}
            if expire is not None:
                c["expire"] = expire
            json.dump(c, f)
        os.replace(tmp, self.control)

    def start(self):
        self.spawn([PYTHON, HOSTILE, "--port", str(self.port), "--zone", self.zone,
                    "--control", self.control, "--max-seconds", "30"])

    def wait_ready(self, limit=10.0):
        ok, _ = wait_for(lambda: soa_serial(self.port, self.zone, timeout=0.3) is not None, limit, 0.1)
        check(ok, "hostile primary did not start:\n%s" % self.tail())


class Dnsd(Proc):
    def __init__(self, ctx, binary, name="dnsd", state_dir=None):
        d = ctx.subdir(name)
        super().__init__(ctx, name, os.path.join(d, "dnsd.log"))
        self.binary = binary
        self.port = free_port()
        self.http_port = free_port()
        self.state_dir = state_dir or os.path.join(d, "state")
        self.cmd = None

    def start(self, secondaries=(), catalog=None, tsig=None, extra=()):
        """secondaries: [(zone, [ports])]; catalog: (zone, port or [ports]); tsig: (name, secret)."""
        cmd = [self.binary, "--listen", "127.0.0.1:%d" % self.port, "--threads", "1",
               "--http", "127.0.0.1:%d" % self.http_port, "--state-dir", self.state_dir,
               "--log-level", "debug"]
        for zone, ports in secondaries:
            cmd += ["--secondary", "%s@%s" % (zone.rstrip("."),
                                              ",".join("127.0.0.1:%d" % p for p in ports))]
        if catalog:
            ports = catalog[1] if isinstance(catalog[1], (list, tuple)) else [catalog[1]]
            cmd += ["--catalog", "%s@%s" % (catalog[0].rstrip("."),
                                            ",".join("127.0.0.1:%d" % p for p in ports))]
        if tsig:
            cmd += ["--tsig", "%s:hmac-sha256:%s" % (tsig[0].rstrip("."), tsig[1])]
        cmd += list(extra)
        self.cmd = cmd
        self.spawn(cmd)

    def restart(self):
        self.stop()
        self.spawn(self.cmd)

    def ensure_alive(self):
        if not self.alive():
            raise CaseFailed("dnsd exited with status %s:\n%s" % (self.proc.poll(), self.tail()))

    def http(self, path, timeout=3.0):
        """(status, body text) or (None, error text)."""
        try:
            with urllib.request.urlopen("http://127.0.0.1:%d%s" % (self.http_port, path),
                                        timeout=timeout) as r:
                return r.status, r.read().decode(errors="replace")
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode(errors="replace")
        except (OSError, urllib.error.URLError) as e:
            return None, str(e)

    def metrics(self):
        st, body = self.http("/metrics")
        if st != 200:
            return {}
        out = {}
        for line in body.splitlines():
            if not line or line.startswith("#"):
                continue
            m = re.match(r"^(\S+?)(\{[^}]*\})?\s+(\S+)$", line)
            if m:
                try:
                    out[m.group(1) + (m.group(2) or "")] = float(m.group(3))
                except ValueError:
                    pass
        return out

    def zones(self):
        st, body = self.http("/zones")
        if st != 200:
            return {}
        try:
            return {z["name"]: z for z in json.loads(body)}
        except (ValueError, KeyError, TypeError):
            return {}

    def zone(self, name):
        return self.zones().get(name.lower())

    def healthz(self):
        st, body = self.http("/healthz")
        try:
            return st, json.loads(body)
        except ValueError:
            return st, body

    def serial_of(self, zone):
        return soa_serial(self.port, zone, timeout=0.5)

    def wait_serial(self, zone, serial, limit=10.0):
        def ok():
            self.ensure_alive()
            return soa_serial(self.port, zone, timeout=0.5) == serial
        v, waited = wait_for(ok, limit, 0.02)
        return v is not None, waited

    def grep(self, pattern):
        return re.findall(pattern, self.log_text(), re.M)


M_IXFR_OK = 'dnsd_transfers_total{kind="ixfr",result="ok"}'
M_IXFR_FAIL = 'dnsd_transfers_total{kind="ixfr",result="failed"}'
M_AXFR_OK = 'dnsd_transfers_total{kind="axfr",result="ok"}'
M_AXFR_FAIL = 'dnsd_transfers_total{kind="axfr",result="failed"}'
M_REFUSED = "dnsd_transfers_refused_total"
M_NOTIFY_OK = 'dnsd_notify_total{result="accepted"}'
M_NOTIFY_REFUSED = 'dnsd_notify_total{result="refused"}'


class Zonesync(Proc):
    """zonesync on a free port with its database in its directory; `pops`
    [(name, port)] are given as --pop; start(http=True) adds the API with a
    fresh token; cli() runs the commands on the database, cli_api() through
    the API."""

    def __init__(self, ctx, binary, catalog="catalog.zonesync.", name="zonesync"):
        d = ctx.subdir(name)
        super().__init__(ctx, name, os.path.join(d, "zonesync.log"))
        self.binary = binary
        self.db = os.path.join(d, "zonesync.db")
        self.port = free_port()
        self.pops = []
        self.catalog = catalog

    def cli(self, *args):
        r = subprocess.run([self.binary, "--db", self.db] + list(args), capture_output=True,
                           text=True, timeout=20)
        return r.returncode, (r.stdout + r.stderr).strip()

    def start(self, http=False, log_level="debug", extra=()):
        cmd = [self.binary, "--db", self.db, "--listen", "127.0.0.1:%d" % self.port,
               "--catalog", self.catalog, "--log-level", log_level] + list(extra)
        if http and getattr(self, "token", None):  # a restart keeps the token and port
            cmd += ["--http", "127.0.0.1:%d" % self.http_port, "--token-file",
                    os.path.join(os.path.dirname(self.db), "token")]
        elif http:
            self.http_port = free_port()
            self.token = "t0k3n-" + os.urandom(12).hex()
            tf = os.path.join(os.path.dirname(self.db), "token")
            with open(tf, "w") as f:
                f.write(self.token + "\n")
            cmd += ["--http", "127.0.0.1:%d" % self.http_port, "--token-file", tf]
        for name, port in self.pops:
            cmd += ["--pop", "%s=127.0.0.1:%d" % (name, port)]
        self.spawn(cmd)

    def cli_api(self, *args):
        """The same commands through the running server's API."""
        tf = os.path.join(os.path.dirname(self.db), "token")
        r = subprocess.run([self.binary, "--api", "http://127.0.0.1:%d" % self.http_port,
                            "--token-file", tf] + list(args), capture_output=True, text=True, timeout=20)
        return r.returncode, (r.stdout + r.stderr).strip()

    def api(self, method, path, body=None, token=True, timeout=5):
        """(status, parsed JSON or text)."""
        req = urllib.request.Request("http://127.0.0.1:%d%s" % (self.http_port, path), method=method,
                                     data=None if body is None else json.dumps(body).encode())
        if body is not None:
            req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", "Bearer " + (self.token if token is True else token))
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                status, text = r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            status, text = e.code, e.read().decode()
        try:
            return status, json.loads(text)
        except ValueError:
            return status, text

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(5)
        self.stop()

    def status(self, zone):
        rc, out = self.cli("zone", "status", zone)
        check(rc == 0, "zone status %s: %s" % (zone, out))
        return out


def delta(after, before, key):
    return after.get(key, 0) - before.get(key, 0)


class Ctx:
    def __init__(self, root, name, binary):
        self.dir = os.path.join(root, name)
        os.makedirs(self.dir)
        self.name = name
        self.binary = binary
        self.procs = []
        self.notes = []

    def subdir(self, name):
        base, i = os.path.join(self.dir, name), 1
        d = base
        while os.path.exists(d):
            i += 1
            d = "%s%d" % (base, i)
        os.makedirs(d)
        return d

    def note(self, text):
        self.notes.append(text)
        if VERBOSE:
            log("    " + text)

    def dnsd(self, **kw):
        return Dnsd(self, self.binary, **kw)

    def cleanup(self):
        for p in reversed(self.procs):
            try:
                p.stop()
            except Exception:  # noqa: BLE001 - cleanup goes on
                pass




# --------------------------------------------------------------------------
# running cases

def run_cases(title, cases, description, argv=None, options=()):
    """Parses the command line (--dnsd, --keep, --verbose, --only, and the
    script's own `options`: (flag, help) pairs, values in ctx.options) and
    runs `cases`, a list of (name, group, fn(ctx) -> detail text). Returns
    the exit status: 0 only if every case passed."""
    ap = argparse.ArgumentParser(description=description)
    for flag, help_text in options:
        ap.add_argument(flag, help=help_text)
    ap.add_argument("--dnsd", required=True, help="path of the dnsd binary")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    ap.add_argument("--verbose", action="store_true", help="commands, notes, and log tails on failure")
    ap.add_argument("--only", help="run only these cases or groups (comma-separated): "
                    + ", ".join(sorted({c[0] for c in cases} | {c[1] for c in cases})))
    args = ap.parse_args(argv)
    set_verbose(args.verbose)
    args.dnsd = os.path.abspath(args.dnsd)
    if not os.access(args.dnsd, os.X_OK):
        ap.error("dnsd binary not executable: %s" % args.dnsd)
    selected = cases
    if args.only:
        want = {w.strip() for w in args.only.split(",") if w.strip()}
        unknown = want - {c[0] for c in cases} - {c[1] for c in cases}
        if unknown:
            ap.error("unknown case(s): %s" % ", ".join(sorted(unknown)))
        selected = [c for c in cases if c[0] in want or c[1] in want]
    if not selected:
        log("%s: no case selected" % title)
        return 1

    def on_signal(signum, frame):
        raise KeyboardInterrupt()
    signal.signal(signal.SIGTERM, on_signal)

    root = tempfile.mkdtemp(prefix="dnsd-%s-" % title)
    passed = failed = 0
    timings = {}
    t_all = time.time()
    try:
        for name, _group, fn in selected:
            ctx = Ctx(root, name, args.dnsd)
            ctx.options = {flag.lstrip("-").replace("-", "_"): getattr(args, flag.lstrip("-").replace("-", "_"))
                           for flag, _ in options}
            t0 = time.time()
            try:
                detail = fn(ctx)
                passed += 1
                log("PASS %s (%.1fs): %s" % (name, time.time() - t0, detail))
            except CaseFailed as e:
                failed += 1
                log("FAIL %s (%.1fs): %s" % (name, time.time() - t0, e))
                for n in ctx.notes:
                    log("     note: %s" % n)
            except KeyboardInterrupt:
                raise
            except Exception as e:  # noqa: BLE001 - a broken case fails, the others run
                failed += 1
                log("FAIL %s (%.1fs): %s: %s" % (name, time.time() - t0, e.__class__.__name__, e))
                if VERBOSE:
                    traceback.print_exc()
            finally:
                if getattr(ctx, "timing", None) is not None:
                    timings[name] = "%.3fs" % ctx.timing
                    if getattr(ctx, "timing2", None) is not None:
                        timings[name] += "/%.3fs" % ctx.timing2
                ctx.cleanup()
                if VERBOSE:
                    for p in ctx.procs:
                        if isinstance(p, Dnsd):
                            log("    --- %s log tail (%s)\n%s" % (p.name, p.logpath, p.tail(15)))
    except KeyboardInterrupt:
        log("interrupted")
        failed += 1
    finally:
        if args.keep:
            log("kept %s" % root)
        else:
            shutil.rmtree(root, ignore_errors=True)
    if timings:
        log("reload -> dnsd answering (first/second change): " + ", ".join(
            "%s %s" % (k, v) for k, v in timings.items()))
    log("time: %.1fs" % (time.time() - t_all))
    log("%s: %d passed, %d failed" % (title, passed, failed))
    return 0 if failed == 0 else 1


# --------------------------------------------------------------------------
# one server for many zone files (the answer comparisons)

class Server:
    def __init__(self, name, port):
        self.name = name
        self.port = port
        self.proc = None
        self.logfile = None

    def start(self, cmd, logpath):
        self.logfile = open(logpath, "w")
        self.proc = subprocess.Popen(cmd, stdout=self.logfile, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        self.logpath = logpath

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self.logfile:
            self.logfile.close()
            self.logfile = None

    def wait_ready(self, zones, limit=10.0):
        deadline = time.time() + limit
        pending = [z.origin for z in zones]
        while time.time() < deadline:
            if self.proc.poll() is not None:
                break
            still = []
            for origin in pending:
                q = dns.message.make_query(origin, "SOA")
                try:
                    r = dns.query.udp(q, "127.0.0.1", timeout=0.3, port=self.port)
                    if r.rcode() != dns.rcode.NOERROR or not (r.flags & dns.flags.AA) \
                            or not r.answer:
                        still.append(origin)
                except (dns.exception.Timeout, OSError):
                    still.append(origin)
            pending = still
            if not pending:
                return
            time.sleep(0.2)
        tail = ""
        try:
            with open(self.logpath) as f:
                tail = f.read()[-3000:]
        except OSError:
            pass
        raise RuntimeError("%s did not become ready (pending zones: %s, exit code %s)\n%s"
                           % (self.name, pending, self.proc.poll(), tail))


def knot_command(d, port, zones, xfr=False, threads=1):
    """Writes d/knot.conf for serving `zones` (objects with .origin and
    .path) and returns knotd's command line; it logs to standard error."""
    conf = os.path.join(d, "knot.conf")
    with open(conf, "w") as f:
        f.write("""server:
    rundir: "{d}"
    pidfile: "{d}/knot.pid"
    listen: 127.0.0.1@{port}
    version: ""
    identity: ""
    udp-workers: {threads}
    tcp-workers: {threads}
    background-workers: 1

log:
  - target: stderr
    any: info

acl:
  - id: xfr
    address: 127.0.0.1
    action: transfer

database:
    storage: "{d}"

control:
    listen: "{d}/knot.sock"

template:
  - id: default
    storage: "{d}"
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none
    semantic-checks: off
    dnssec-signing: off
{acl}
zone:
""".format(d=d, port=port, threads=threads, acl="    acl: xfr\n" if xfr else ""))
        for z in zones:
            f.write("  - domain: %s\n    file: \"%s\"\n" % (z.origin, z.path))
    return [KNOTD, "-c", conf]


def nsd_command(d, port, zones, xfr=False, threads=1):
    """Writes d/nsd.conf (NSD logs to d/nsd.log) and returns nsd's command
    line. Rate limiting is off: every query comes from 127.0.0.1."""
    conf = os.path.join(d, "nsd.conf")
    with open(conf, "w") as f:
        f.write("""server:
    ip-address: 127.0.0.1@{port}
    port: {port}
    server-count: {threads}
    zonesdir: "{d}"
    pidfile: "{d}/nsd.pid"
    database: ""
    xfrdfile: "{d}/xfrd.state"
    zonelistfile: "{d}/zone.list"
    xfrdir: "{d}"
    username: ""
    chroot: ""
    logfile: "{d}/nsd.log"
    verbosity: 1
    rrl-ratelimit: 0
    minimal-responses: yes
    refuse-any: no
    hide-version: yes
    hide-identity: yes
    zonefiles-write: 0

remote-control:
    control-enable: no

""".format(d=d, port=port, threads=threads))
        for z in zones:
            f.write("zone:\n    name: \"%s\"\n    zonefile: \"%s\"\n%s\n"
                    % (z.origin, z.path, "    provide-xfr: 127.0.0.1 NOKEY\n" if xfr else ""))
    return [NSD, "-d", "-c", conf]


def dnsd_command(d, port, zones, binary, threads=1):
    """dnsd's command line for serving `zones`; more than 100 zones go into
    a config file (d/dnsd.toml) instead of the command line."""
    cmd = [binary, "--listen", "127.0.0.1:%d" % port, "--threads", str(threads)]
    if len(zones) > 100:
        conf = os.path.join(d, "dnsd.toml")
        with open(conf, "w") as f:
            for z in zones:
                f.write('[[zone]]\nname = "%s"\nfile = "%s"\n\n' % (z.origin, z.path))
        return cmd + ["--config", conf]
    for z in zones:
        cmd += ["--zone-file", "%s=%s" % (z.origin, z.path)]
    return cmd


def _write_knot_conf(d, lines):
    """Writes d/knot.conf (with d/db and d/zones for its storage); knotd's command line."""
    os.makedirs(os.path.join(d, "db"), exist_ok=True)
    os.makedirs(os.path.join(d, "zones"), exist_ok=True)
    conf = os.path.join(d, "knot.conf")
    with open(conf, "w") as f:
        f.write("\n".join(lines) + "\n")
    return [KNOTD, "-c", conf]


def knot_primary_command(d, port, zones, notify_ports=(), quiet=()):
    """Writes d/knot.conf for a Knot primary of `zones` that keeps a journal
    of changes (so it serves IXFR), allows transfers from 127.0.0.1 and
    NOTIFYs every port of `notify_ports`, except for the zones in `quiet`;
    returns knotd's command line (it logs to standard error)."""
    notify_ports = list(notify_ports)
    c = ["server:", '    rundir: "%s"' % d, '    pidfile: "%s/knot.pid"' % d,
         "    listen: 127.0.0.1@%d" % port, "log:", "  - target: stderr", "    any: info",
         "database:", '    storage: "%s/db"' % d, "control:", '    listen: "%s/knot.sock"' % d]
    if notify_ports:
        c.append("remote:")
        for i, p in enumerate(notify_ports):
            c += ["  - id: sec%d" % i, "    address: 127.0.0.1@%d" % p]
    c += ["acl:", "  - id: xfr", "    address: 127.0.0.1", "    action: transfer", "template:"]
    for t in ("default", "quiet"):
        c += ["  - id: %s" % t, '    storage: "%s/zones"' % d, "    zonefile-sync: -1",
              "    zonefile-load: whole", "    journal-content: changes", "    semantic-checks: off",
              "    acl: xfr"]
        if t == "default" and notify_ports:
            c.append("    notify: [%s]" % ", ".join("sec%d" % i for i in range(len(notify_ports))))
    c.append("zone:")
    quiet = {q if q.endswith(".") else q + "." for q in quiet}
    for z in zones:
        c += ["  - domain: %s" % z.origin, '    file: "%s"' % z.path]
        if z.origin in quiet:
            c.append("    template: quiet")
    return _write_knot_conf(d, c)


def knot_secondary_command(d, port, primary_port, zones, catalog=None, threads=1):
    """Writes d/knot.conf for a Knot secondary of 127.0.0.1@primary_port:
    `zones` (names), and the members of `catalog` when given (Knot
    interprets catalog zones itself). NOTIFY is accepted from 127.0.0.1."""
    c = ["server:", '    rundir: "%s"' % d, '    pidfile: "%s/knot.pid"' % d,
         "    listen: 127.0.0.1@%d" % port, "    udp-workers: %d" % threads,
         "    tcp-workers: %d" % threads, "log:", "  - target: stderr", "    any: info",
         "database:", '    storage: "%s/db"' % d, "control:", '    listen: "%s/knot.sock"' % d,
         "remote:", "  - id: primary", "    address: 127.0.0.1@%d" % primary_port,
         "acl:", "  - id: notify", "    address: 127.0.0.1", "    action: notify", "template:"]
    for t in ("default", "member"):
        c += ["  - id: %s" % t, '    storage: "%s/zones"' % d, "    master: primary", "    acl: notify"]
    c.append("zone:")
    for z in zones:
        c.append("  - domain: %s" % z)
    if catalog:
        c += ["  - domain: %s" % catalog, "    catalog-role: interpret", "    catalog-template: member"]
    return _write_knot_conf(d, c)


def nsd_secondary_command(d, port, primary_port, zones, threads=1):
    """Writes d/nsd.conf for an NSD secondary of 127.0.0.1@primary_port for
    `zones` (NSD has no catalog support: a catalog's members are listed as
    zones). Remote control on the socket d/nsd.sock; NSD logs to d/nsd.log."""
    c = ["server:", "    ip-address: 127.0.0.1@%d" % port, "    server-count: %d" % threads,
         '    username: ""', '    chroot: ""', '    database: ""', '    zonesdir: "%s"' % d,
         '    zonelistfile: "%s/zone.list"' % d, '    xfrdfile: "%s/xfrd.state"' % d,
         '    xfrdir: "%s"' % d, '    pidfile: "%s/nsd.pid"' % d, '    logfile: "%s/nsd.log"' % d,
         "    verbosity: 1", "    rrl-ratelimit: 0", "    minimal-responses: yes",
         "remote-control:", "    control-enable: yes", '    control-interface: "%s/nsd.sock"' % d,
         "pattern:", "    name: sec", '    zonefile: "%s/zones/%%s.zone"' % d,
         "    allow-notify: 127.0.0.1 NOKEY", "    request-xfr: 127.0.0.1@%d NOKEY" % primary_port]
    for z in zones:
        c += ["zone:", "    name: %s" % z, "    include-pattern: sec"]
    os.makedirs(os.path.join(d, "zones"), exist_ok=True)
    conf = os.path.join(d, "nsd.conf")
    with open(conf, "w") as f:
        f.write("\n".join(c) + "\n")
    return [NSD, "-d", "-c", conf]


def dnsd_secondary_command(d, port, primary_port, zones, binary, catalog=None, http=None,
                           threads=1):
    """dnsd's command line for a secondary of 127.0.0.1@primary_port with
    its state directory in d/state."""
    os.makedirs(os.path.join(d, "state"), exist_ok=True)
    cmd = [binary, "--listen", "127.0.0.1:%d" % port, "--threads", str(threads),
           "--state-dir", os.path.join(d, "state")]
    if http:
        cmd += ["--http", http]
    for z in zones:
        cmd += ["--secondary", "%s@127.0.0.1:%d" % (z.rstrip("."), primary_port)]
    if catalog:
        cmd += ["--catalog", "%s@127.0.0.1:%d" % (catalog.rstrip("."), primary_port)]
    return cmd


def start_knot(tmp, port, zones, xfr=False):
    d = os.path.join(tmp, "knot")
    os.makedirs(d)
    s = Server("knot", port)
    s.start(knot_command(d, port, zones, xfr), os.path.join(d, "knot.log"))
    return s


def start_nsd(tmp, port, zones, xfr=False):
    d = os.path.join(tmp, "nsd")
    os.makedirs(d)
    s = Server("nsd", port)
    s.start(nsd_command(d, port, zones, xfr), os.path.join(d, "nsd.stdout"))
    s.stdout_path = s.logpath
    s.logpath = os.path.join(d, "nsd.log")
    return s


def start_dnsd(tmp, port, zones, binary):
    d = os.path.join(tmp, "dnsd")
    os.makedirs(d)
    s = Server("dnsd", port)
    s.start(dnsd_command(d, port, zones, binary), os.path.join(d, "dnsd.log"))
    return s


# --------------------------------------------------------------------------
# command line: the same configurations for scripts in other languages

class _ZoneArg:
    def __init__(self, origin, path):
        self.origin = origin if origin.endswith(".") else origin + "."
        self.path = os.path.abspath(path)


def main(argv=None):
    """Writes a server's configuration into D and prints its command line,
    one argument a line (bench/run.sh and bench/secondary.sh start their
    servers this way):

      harness.py command knot|nsd|dnsd --dir D --port P [--threads N] [--xfr]
          [--zone NAME=PATH]... [--zones-file FILE] [--dnsd PATH]
      harness.py primary knot --dir D --port P --zones-file FILE
          [--notify PORT]... [--quiet NAME]...
      harness.py secondary knot|nsd|dnsd --dir D --port P --primary-port P
          [--zone NAME]... [--catalog NAME] [--members-file FILE] [--http ADDR:PORT]
          [--dnsd PATH]
    """
    ap = argparse.ArgumentParser(description="the integration harness's server configurations")
    sub = ap.add_subparsers(dest="what", required=True)
    c = sub.add_parser("command", help="write a server's configuration and print its command line")
    c.add_argument("server", choices=("knot", "nsd", "dnsd"))
    c.add_argument("--dir", required=True)
    c.add_argument("--port", type=int, required=True)
    c.add_argument("--threads", type=int, default=1)
    c.add_argument("--xfr", action="store_true", help="allow transfers from 127.0.0.1")
    c.add_argument("--zone", action="append", default=[], metavar="NAME=PATH")
    c.add_argument("--zones-file", help='lines of "NAME PATH"')
    c.add_argument("--dnsd", help="dnsd binary (server dnsd)")
    p = sub.add_parser("primary", help="a Knot primary that journals changes and sends NOTIFY")
    p.add_argument("server", choices=("knot",))
    p.add_argument("--dir", required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--zones-file", required=True, help='lines of "NAME PATH"')
    p.add_argument("--notify", type=int, action="append", default=[], metavar="PORT")
    p.add_argument("--quiet", action="append", default=[], metavar="NAME",
                   help="a zone that notifies nobody")
    s = sub.add_parser("secondary", help="a secondary of a primary on 127.0.0.1")
    s.add_argument("server", choices=("knot", "nsd", "dnsd"))
    s.add_argument("--dir", required=True)
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--primary-port", type=int, required=True)
    s.add_argument("--threads", type=int, default=1)
    s.add_argument("--zone", action="append", default=[], metavar="NAME")
    s.add_argument("--catalog", help="a catalog zone whose members are pulled too")
    s.add_argument("--members-file", help="NSD: the catalog's members, a name first on each line")
    s.add_argument("--http", help="dnsd: the control address")
    s.add_argument("--dnsd", help="dnsd binary (server dnsd)")
    a = ap.parse_args(argv)
    os.makedirs(a.dir, exist_ok=True)
    d = os.path.abspath(a.dir)
    if a.what == "primary":
        zones = []
        with open(a.zones_file) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 2:
                    zones.append(_ZoneArg(parts[0], parts[1]))
        print("\n".join(knot_primary_command(d, a.port, zones, a.notify, a.quiet)))
        return 0
    if a.what == "secondary":
        if a.server == "knot":
            cmd = knot_secondary_command(d, a.port, a.primary_port, a.zone, a.catalog, a.threads)
        elif a.server == "nsd":
            names = list(a.zone)
            if a.catalog:
                if not a.members_file:
                    ap.error("NSD has no catalog support: give the members with --members-file")
                with open(a.members_file) as f:
                    names += [line.split()[0] for line in f if line.split()]
            cmd = nsd_secondary_command(d, a.port, a.primary_port, names, a.threads)
        else:
            if not a.dnsd:
                ap.error("server dnsd needs --dnsd PATH")
            cmd = dnsd_secondary_command(d, a.port, a.primary_port, a.zone, os.path.abspath(a.dnsd),
                                         a.catalog, a.http, a.threads)
        print("\n".join(cmd))
        return 0
    zones = []
    for z in a.zone:
        name, _, path = z.partition("=")
        zones.append(_ZoneArg(name, path))
    if a.zones_file:
        with open(a.zones_file) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 2:
                    zones.append(_ZoneArg(parts[0], parts[1]))
    if not zones:
        ap.error("no zones (--zone or --zones-file)")
    if a.server == "knot":
        cmd = knot_command(d, a.port, zones, a.xfr, a.threads)
    elif a.server == "nsd":
        cmd = nsd_command(d, a.port, zones, a.xfr, a.threads)
    else:
        if not a.dnsd:
            ap.error("server dnsd needs --dnsd PATH")
        cmd = dnsd_command(d, a.port, zones, os.path.abspath(a.dnsd), a.threads)
    print("\n".join(cmd))
    return 0


if __name__ == "__main__":
    sys.exit(main())
