"""Knot DNS, NSD and dnsd started on loopback for the comparison tests.

Each start_* function writes its server's config under tmp, starts it on the
given port and returns a Server; wait_ready() waits until every zone answers
its SOA authoritatively, stop() ends it (by its PID). Zones are objects with
`origin` (absolute, lowercase) and `path`. With xfr=True Knot and NSD allow
AXFR from 127.0.0.1. The servers hide their version and identity (CH TXT
version.bind and id.server are refused), as dnsd does by default.
"""

import os
import shutil
import subprocess
import time

import dns.exception
import dns.flags
import dns.message
import dns.query
import dns.rcode

KNOTD = shutil.which("knotd", path="/usr/sbin:/usr/bin:/sbin:/bin") or "knotd"
NSD = shutil.which("nsd", path="/usr/sbin:/usr/bin:/sbin:/bin") or "nsd"


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


def start_knot(tmp, port, zones, xfr=False):
    d = os.path.join(tmp, "knot")
    os.makedirs(d)
    conf = os.path.join(d, "knot.conf")
    with open(conf, "w") as f:
        f.write("""server:
    rundir: "{d}"
    listen: 127.0.0.1@{port}
    version: ""
    identity: ""
    udp-workers: 1
    tcp-workers: 1
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
""".format(d=d, port=port, acl="    acl: xfr\n" if xfr else ""))
        for z in zones:
            f.write("  - domain: %s\n    file: \"%s\"\n" % (z.origin, z.path))
    s = Server("knot", port)
    s.start([KNOTD, "-c", conf], os.path.join(d, "knot.log"))
    return s


def start_nsd(tmp, port, zones, xfr=False):
    d = os.path.join(tmp, "nsd")
    os.makedirs(d)
    conf = os.path.join(d, "nsd.conf")
    with open(conf, "w") as f:
        f.write("""server:
    ip-address: 127.0.0.1@{port}
    port: {port}
    server-count: 1
    zonesdir: "{d}"
    pidfile: "{d}/nsd.pid"
    database: ""
    xfrdfile: "{d}/xfrd.state"
    zonelistfile: "{d}/zone.list"
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

""".format(d=d, port=port))
        for z in zones:
            f.write("zone:\n    name: \"%s\"\n    zonefile: \"%s\"\n%s\n"
                    % (z.origin, z.path, "    provide-xfr: 127.0.0.1 NOKEY\n" if xfr else ""))
    s = Server("nsd", port)
    s.start([NSD, "-d", "-c", conf], os.path.join(d, "nsd.stdout"))
    s.stdout_path = s.logpath
    s.logpath = os.path.join(d, "nsd.log")
    return s


def start_dnsd(tmp, port, zones, binary):
    d = os.path.join(tmp, "dnsd")
    os.makedirs(d)
    cmd = [binary, "--listen", "127.0.0.1:%d" % port, "--threads", "1"]
    for z in zones:
        cmd += ["--zone-file", "%s=%s" % (z.origin, z.path)]
    s = Server("dnsd", port)
    s.start(cmd, os.path.join(d, "dnsd.log"))
    return s
